"""Loads and validates the tax and duty tables under data/tax/ (read once per process)."""

from __future__ import annotations

import hashlib
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.core.settings import PROJECT_ROOT
from app.tax.model import TaxTables
from app.tax.parse import FILES, parse_tables

TAX_DATA_DIR = PROJECT_ROOT / "data" / "tax"


def read_tables(directory: Path = TAX_DATA_DIR) -> TaxTables:
    """Parse every file in FILES from `directory`; ValueError on missing fields or overlapping dates."""
    files: dict[str, dict[str, Any]] = {}
    for name in FILES:
        path = directory / f"{name}.toml"
        try:
            with path.open("rb") as file:
                files[name] = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path.name}: {error}") from None
    return parse_tables(files)


@lru_cache(maxsize=1)
def tax_tables() -> TaxTables:
    return read_tables()


@lru_cache(maxsize=1)
def tax_data_version() -> str:
    """A fingerprint of the rule files, stored with every order's tax lines."""
    digest = hashlib.sha256()
    for path in sorted(TAX_DATA_DIR.glob("*.toml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
