"""FX providers behind one interface: the ECB daily XML, forex-python, and the bundled snapshot.

Providers do blocking network or file I/O: call them off the event loop (services.py does).
"""

from __future__ import annotations

import json
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import requests
from forex_python.converter import CurrencyRates, RatesNotAvailableError

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
ECB_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
MAX_RESPONSE_BYTES = 1_000_000

# The currencies of the ECB's daily euro reference rates (a fixed list; BGN left it when Bulgaria
# adopted the euro on 2026-01-01, RUB has been suspended since 2022-03-02).
# source: ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates (2026-11-25)
ECB_CURRENCIES = frozenset(
    {
        "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "GBP", "HKD", "HUF", "IDR", "ILS", "INR",
        "ISK", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "SEK", "SGD", "THB",
        "TRY", "USD", "ZAR",
    }
)  # fmt: skip


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable."""


@dataclass(frozen=True)
class FetchedRates:
    base: str
    as_of: date
    rates: dict[str, object]  # raw values; validation decides what is usable
    source: str


class FxProvider(Protocol):
    name: str
    # The currencies it publishes (against the euro), as far as is known in advance: what
    # `fx refresh` reports as covered. A live source, never the bundled snapshot.
    publishes: frozenset[str]

    def fetch(self, base: str) -> FetchedRates: ...


def _parse_date(raw: object) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError as error:
        raise ProviderError(f"bad date {str(raw)[:20]!r}") from error


class EcbProvider:
    """The European Central Bank's daily euro reference rates (about 30 currencies)."""

    name = "ecb"
    publishes = ECB_CURRENCIES

    def __init__(self, url: str = ECB_DAILY_URL, timeout: float = 10) -> None:
        self.url, self.timeout = url, timeout

    def fetch(self, base: str) -> FetchedRates:
        if base != "EUR":
            raise ProviderError("the ECB publishes euro rates only")
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except OSError as error:
            raise ProviderError(f"ECB unreachable: {error}") from error
        if len(body) > MAX_RESPONSE_BYTES:
            raise ProviderError("ECB response too large")
        try:
            root = ET.fromstring(body)  # noqa: S314 (no entity expansion in ElementTree)
        except ET.ParseError as error:
            raise ProviderError(f"ECB response is not XML: {error}") from error
        day = root.find(f".//{ECB_NAMESPACE}Cube[@time]")
        if day is None:
            raise ProviderError("ECB response has no dated Cube")
        rates = {
            cube.get("currency", ""): cube.get("rate", "") for cube in day.findall(f"{ECB_NAMESPACE}Cube")
        }
        rates.pop("", None)
        if not rates:
            raise ProviderError("ECB response has no rates")
        return FetchedRates(
            "EUR", _parse_date(day.get("time")), dict(rates), f"ECB euro reference rates ({self.url})"
        )


class _ForexPythonRates(CurrencyRates):
    """forex-python's client with the service URL injected and a timeout on the request."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(force_decimal=True)
        self._url, self._timeout = url, timeout

    def _source_url(self) -> str:
        return self._url

    def fetch(self, base: str) -> tuple[dict[str, Decimal], object]:
        response = requests.get(
            self._source_url() + self._get_date_string(None),
            params={"base": base, "rtype": "fpy"},
            timeout=self._timeout,
        )
        if response.status_code != 200:
            raise RatesNotAvailableError("Currency Rates Source Not Ready")
        return self._decode_rates(response, use_decimal=True), json.loads(response.text).get("date")


class ForexPythonProvider:
    """forex-python (the ratesapi protocol: GET {url}latest?base=EUR -> {"base","date","rates"})."""

    name = "forex-python"
    publishes = ECB_CURRENCIES  # theratesapi republishes the ECB's reference rates

    def __init__(self, url: str = "https://theratesapi.com/api/", timeout: float = 10) -> None:
        self.url, self.timeout = url, timeout

    def fetch(self, base: str) -> FetchedRates:
        try:
            rates, as_of = _ForexPythonRates(self.url, self.timeout).fetch(base)
        except (RatesNotAvailableError, requests.RequestException) as error:
            raise ProviderError(f"forex-python: {error}") from error
        except (ValueError, AttributeError) as error:  # not JSON, or JSON of the wrong shape
            raise ProviderError(f"forex-python: unusable response: {error}") from error
        if not isinstance(rates, dict) or not rates:
            raise ProviderError("forex-python: no rates in the response")
        return FetchedRates(base, _parse_date(as_of), dict(rates), f"forex-python ({self.url})")


class SnapshotProvider:
    """The rates file bundled with the shop, with its own as-of date and source."""

    name = "snapshot"
    publishes: frozenset[str] = frozenset()  # not a live source: it covers nothing

    def __init__(self, path: Path) -> None:
        self.path = path

    def fetch(self, base: str) -> FetchedRates:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise ProviderError(f"snapshot unreadable: {error}") from error
        if data.get("base") != base:
            raise ProviderError(f"snapshot is in {data.get('base')}, not {base}")
        return FetchedRates(
            base, _parse_date(data.get("as_of")), dict(data.get("rates", {})), str(data.get("source"))
        )
