"""Loads the shipping rate table file (read once per process)."""

from __future__ import annotations

import tomllib
from functools import lru_cache

from app.core.settings import PROJECT_ROOT
from app.shipping.rules import RateTable, parse_rate_table

RATES_FILE = PROJECT_ROOT / "data" / "shipping" / "placeholder_rates.toml"


@lru_cache(maxsize=1)
def rate_table() -> RateTable:
    with RATES_FILE.open("rb") as file:
        return parse_rate_table(tomllib.load(file))
