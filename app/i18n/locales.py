"""The shipped locales and locale negotiation (cookie, then Accept-Language, then default)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShopLocale:
    """A locale as the URL (`zh-hans`), Babel (`zh_Hans`) and hreflang (`zh-Hans`) name it."""

    code: str
    babel: str
    hreflang: str
    native_name: str
    rtl: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def language(self) -> str:
        return self.babel.split("_")[0]


LOCALES: dict[str, ShopLocale] = {
    loc.code: loc
    for loc in (
        ShopLocale("en", "en", "en", "English"),
        ShopLocale("de", "de", "de", "Deutsch"),
        ShopLocale("fr", "fr", "fr", "Français"),
        ShopLocale("es", "es", "es", "Español"),
        ShopLocale("ja", "ja", "ja", "日本語"),
        ShopLocale("zh-hans", "zh_Hans", "zh-Hans", "简体中文"),
        ShopLocale("ar", "ar", "ar", "العربية", rtl=True),
    )
}
DEFAULT_LOCALE = "en"


def get_locale(code: str) -> ShopLocale | None:
    """The shipped locale for a URL prefix, or None (prefixes are lowercase)."""
    return LOCALES.get(code)


def fallback_chain(code: str, default: str = DEFAULT_LOCALE) -> tuple[str, ...]:
    """Locales to try for catalogue text: `de-at` -> `de` -> default."""
    chain = [code]
    if "-" in code:
        chain.append(code.split("-")[0])
    if default not in chain:
        chain.append(default)
    return tuple(dict.fromkeys(chain))


def parse_accept_language(header: str) -> list[tuple[str, float]]:
    """Language ranges from an Accept-Language header, best first (malformed parts skipped)."""
    ranges: list[tuple[str, float, int]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or len(tag) > 35:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
            if not 0 <= quality <= 1:
                continue
        if quality > 0:
            ranges.append((tag, quality, position))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(tag, quality) for tag, quality, _ in ranges]


def match_language_tag(tag: str) -> str | None:
    """Map one BCP 47 tag to a shipped locale: exact, then script-aware Chinese, then language."""
    tag = tag.lower().replace("_", "-")
    if tag in LOCALES:
        return tag
    parts = tag.split("-")
    if parts[0] == "zh":
        # Only Simplified Chinese ships; Traditional (zh-Hant, TW, HK, MO) readers still read
        # it far better than a foreign language.
        return "zh-hans"
    return parts[0] if parts[0] in LOCALES else None


def negotiate_locale(cookie: str | None, accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The locale for `/`: a valid cookie wins, then Accept-Language, then the default."""
    if cookie and cookie in LOCALES:
        return cookie
    for tag, _quality in parse_accept_language(accept_language or ""):
        if tag == "*":
            return default
        matched = match_language_tag(tag)
        if matched:
            return matched
    return default
