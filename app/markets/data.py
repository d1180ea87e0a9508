"""The market set from currencies/markets.toml (read once per process)."""

from __future__ import annotations

from functools import lru_cache

from app.fx.data import markets_file
from app.markets.rules import MarketSet, parse_markets


@lru_cache(maxsize=1)
def market_set() -> MarketSet:
    return parse_markets(markets_file())
