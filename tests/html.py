"""Tiny HTML helpers for tests (stdlib only): find tags and attributes in a rendered page."""

from __future__ import annotations

import html as html_lib
import re
from html import unescape
from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in {"script", "style"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def tags(html: str, tag: str, **attrs: str) -> list[dict[str, str]]:
    """Attributes of every <tag> whose attributes include `attrs` (use class_ for class)."""
    wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
    return [a for t, a in parse(html).tags if t == tag and all(a.get(k) == v for k, v in wanted.items())]


def text(html: str) -> str:
    """The visible text, whitespace folded."""
    return re.sub(r"\s+", " ", " ".join(parse(html).text)).strip()


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    return unescape(match.group(1)) if match else ""


def links(html: str, prefix: str = "") -> list[str]:
    return [a["href"] for a in tags(html, "a") if a.get("href", "").startswith(prefix)]


def hreflangs(html: str) -> dict[str, str]:
    return {a["hreflang"]: a["href"] for a in tags(html, "link", rel="alternate")}


def canonical(html: str) -> str | None:
    found = tags(html, "link", rel="canonical")
    return found[0]["href"] if found else None


def form_values(html: str, action: str) -> dict[str, str]:
    """The fields of the form posting to `action` as a browser would send them: inputs (checked
    radios and boxes only), the selected option of each select, and textareas."""
    match = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form posting to {action}"
    form = match.group(1)
    values: dict[str, str] = {}
    for attrs in [a for t, a in parse(form).tags if t == "input"]:
        if attrs.get("type") in {"radio", "checkbox"} and "checked" not in attrs:
            continue
        if "name" in attrs and attrs.get("type") not in {"submit", "button"}:
            values[attrs["name"]] = attrs.get("value", "")
    for select in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        options = [a for t, a in parse(select.group(2)).tags if t == "option"]
        chosen = next((o for o in options if "selected" in o), options[0] if options else None)
        if chosen is not None:
            values[select.group(1)] = chosen.get("value", "")
    for area in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[area.group(1)] = html_lib.unescape(area.group(2))
    return values
