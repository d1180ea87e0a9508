"""Loads the shipping rate table file (read once per process)."""

from __future__ import annotations

import tomllib
from functools import lru_cache

from app.core.settings import PROJECT_ROOT
from app.shipping.parse import parse_rate_table
from app.shipping.rules import RateTable

RATES_FILE = PROJECT_ROOT / "data" / "shipping" / "rates.toml"


@lru_cache(maxsize=1)
def rate_table() -> RateTable:
    """The shop's shipping zones, rates, free-shipping thresholds and restrictions."""
    with RATES_FILE.open("rb") as file:
        try:
            return parse_rate_table(tomllib.load(file))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"shipping rates: {RATES_FILE.name} is not valid TOML: {exc}") from exc
