"""Partner API keys as values (pure): their format, digest and check, the scopes a key carries, what
an export request may see with it, and the back office's key form."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.i18n.markers import N_

# A key is `sfp_<12 hex>.<43 url-safe>`: the tag lets secret scanners (and people) recognise a
# leaked key, the hex part is its public name (the prefix, shown in lists and the audit log, and
# the row it is looked up by), the rest is 32 random bytes.
KEY_TAG = "sfp_"
PREFIX_BYTES = 6
SECRET_BYTES = 32
KEY_PATTERN = re.compile(r"sfp_[0-9a-f]{12}\.[A-Za-z0-9_-]{43}")

CUSTOMS_EXPORT = "customs:export"
SCOPES: dict[str, str] = {CUSTOMS_EXPORT: N_("Customs export: batches of declarations (CSV, JSON)")}

NAME_MAX = 100
MAX_DESTINATIONS = 60
MAX_BATCH_DAYS = 366  # one request covers at most a year of orders


@dataclass(frozen=True)
class NewKey:
    """A key as made: `key` is shown once and never stored; `digest` is."""

    key: str
    prefix: str
    digest: str


def key_digest(key: str) -> str:
    """What is stored of a key: its SHA-256.

    A fast hash is right here, unlike for passwords: the key holds 256 random bits, so there is no
    dictionary to try and no brute force that a slow hash would make meaningfully harder, and a
    slow one (argon2) would spend CPU and memory on every API request. The whole key is hashed, so
    a digest is bound to its prefix."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def new_key() -> NewKey:
    prefix = KEY_TAG + secrets.token_hex(PREFIX_BYTES)
    key = f"{prefix}.{secrets.token_urlsafe(SECRET_BYTES)}"
    return NewKey(key, prefix, key_digest(key))


def key_prefix(key: str) -> str | None:
    """The prefix of a well-formed key, else None (nothing malformed reaches the database)."""
    if not KEY_PATTERN.fullmatch(key):
        return None
    return key.split(".", 1)[0]


def key_matches(key: str, stored_digest: str) -> bool:
    """Whether `key` is the one whose digest is stored, compared in constant time."""
    return hmac.compare_digest(key_digest(key), stored_digest)


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive)."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def split_codes(text: str) -> list[str]:
    """Comma- or space-separated codes, upper-cased, duplicates dropped, in the order typed."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,;]+", text):
        if part.strip():
            seen[part.strip().upper()] = None
    return list(seen)


def join_codes(codes: tuple[str, ...] | frozenset[str] | list[str]) -> str:
    return ",".join(codes)


# --- what a key may do ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyGrant:
    """What a stored key allows: its scopes and destinations (() = every destination)."""

    id: int
    prefix: str
    scopes: frozenset[str]
    destinations: tuple[str, ...]
    revoked: bool = False


def export_destinations(grant: KeyGrant, asked: tuple[str, ...]) -> tuple[str, ...] | None:
    """The destinations a batch may cover: what was asked, within the key's; only the key's when
    it is restricted and nothing was asked; None when something asked is outside them."""
    if not grant.destinations:
        return asked
    if not asked:
        return grant.destinations
    allowed = set(grant.destinations)
    return asked if all(code in allowed for code in asked) else None


def batch_range_problem(since: date, until: date) -> tuple[str, dict[str, Any]] | None:
    """Why a date range is refused (a msgid and its parameters), or None."""
    if until < since:
        return N_("The end date is before the start date."), {}
    if (until - since).days + 1 > MAX_BATCH_DAYS:
        return N_("A batch covers at most %(days)s days."), {"days": MAX_BATCH_DAYS}
    return None


# --- the back office's form ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeyForm:
    """A submitted key form: what was typed (to show again), and each field's error."""

    values: dict[str, str]
    name: str = ""
    scopes: frozenset[str] = frozenset()
    destinations: tuple[str, ...] = ()
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


def read_key_form(
    form: Mapping[str, str], known_countries: Container[str], needs_declaration: Callable[[str], bool]
) -> KeyForm:
    """Validate the new-key form: a name, a known scope, destinations the shop ships to that need
    a customs declaration (a key for a destination without one would export nothing)."""
    values = {
        "name": form.get("name", "").strip(),
        "scope": form.get("scope", "").strip(),
        "destinations": form.get("destinations", "").strip(),
    }
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    name = " ".join(values["name"].split())
    if not name:
        errors["name"] = (N_("Enter a name for the key (the partner's, so you recognise it)."), {})
    elif len(name) > NAME_MAX:
        errors["name"] = (N_("The name is too long: at most %(max)s characters."), {"max": NAME_MAX})
    if values["scope"] not in SCOPES:
        errors["scope"] = (N_("Choose what the key may do."), {})
    codes = split_codes(values["destinations"])
    unknown = [c for c in codes if c not in known_countries]
    inside = [c for c in codes if c in known_countries and not needs_declaration(c)]
    if len(codes) > MAX_DESTINATIONS:
        errors["destinations"] = (N_("At most %(max)s destinations."), {"max": MAX_DESTINATIONS})
    elif unknown:
        errors["destinations"] = (
            N_("Not a country code the shop ships to: %(codes)s."),
            {"codes": ", ".join(unknown)},
        )
    elif inside:
        errors["destinations"] = (
            N_("No customs declaration is needed for: %(codes)s."),
            {"codes": ", ".join(inside)},
        )
    if errors:
        return KeyForm(values, errors=errors)
    return KeyForm(values, name, frozenset({values["scope"]}), tuple(sorted(codes)))
