"""Country groups that decide tax wording (pure data)."""

from __future__ import annotations

# The EU's 27 member states, one customs union and VAT area: no import duties or import VAT between them.
# source: european-union.europa.eu/principles-countries-history/eu-countries (as of 2026-11-25)
EU_MEMBER_STATES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip


def crosses_customs_border(origin: str, destination: str | None) -> bool:
    """True when a parcel from `origin` may owe import duties and taxes at `destination`."""
    if destination is None:
        return True
    if destination == origin:
        return False
    return not (origin in EU_MEMBER_STATES and destination in EU_MEMBER_STATES)
