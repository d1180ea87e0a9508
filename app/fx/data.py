"""The currency data files under currencies/ (read once per process)."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from app.core.settings import PROJECT_ROOT

CURRENCIES_DIR = PROJECT_ROOT / "currencies"
SNAPSHOT_FILE = CURRENCIES_DIR / "fx_snapshot.json"


def _toml(name: str) -> dict:
    path: Path = CURRENCIES_DIR / name
    with path.open("rb") as file:
        return tomllib.load(file)


@lru_cache(maxsize=1)
def supported_currencies() -> tuple[str, ...]:
    return tuple(_toml("currencies.toml")["supported"])


@lru_cache(maxsize=1)
def dollar_pegs() -> dict[str, tuple[Decimal, str]]:
    """Currency -> (units per USD, who fixes it)."""
    return {code: (Decimal(peg["per_usd"]), peg["source"]) for code, peg in _toml("pegs.toml").items()}


@lru_cache(maxsize=1)
def markets_file() -> dict:
    return _toml("markets.toml")
