"""Pure shipping logic: which zone a country is in and what each method costs there."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from moneyed import Money

from app.core.money import money, zero
from app.i18n.markers import N_

METHOD_NAMES = {"standard": N_("Standard delivery"), "express": N_("Express delivery")}


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    price: Money
    min_days: int
    max_days: int

    @property
    def name(self) -> str:
        """A gettext msgid; translate where the locale is known."""
        return METHOD_NAMES[self.code]


@dataclass(frozen=True)
class Zone:
    code: str
    countries: frozenset[str]
    methods: tuple[ShippingMethod, ...]


@dataclass(frozen=True)
class RateTable:
    origin: str
    currency: str
    free_standard_over: Money | None
    zones: tuple[Zone, ...]

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(c for zone in self.zones for c in zone.countries)

    def zone_for(self, country: str) -> Zone | None:
        return next((zone for zone in self.zones if country in zone.countries), None)


def parse_rate_table(data: Mapping[str, Any]) -> RateTable:
    """Build a rate table from its TOML structure."""
    currency = data["currency"]
    zones = tuple(
        Zone(
            code=code,
            countries=frozenset(zone["countries"]),
            methods=tuple(
                ShippingMethod(
                    code=method,
                    price=money(Decimal(zone[method]["price"]), currency),
                    min_days=zone[method]["days"][0],
                    max_days=zone[method]["days"][1],
                )
                for method in METHOD_NAMES
                if method in zone
            ),
        )
        for code, zone in data["zones"].items()
    )
    free = data.get("free_standard_over")
    return RateTable(
        origin=data["origin"],
        currency=currency,
        free_standard_over=money(Decimal(free), currency) if free else None,
        zones=zones,
    )


def methods_for(table: RateTable, country: str, subtotal: Money) -> tuple[ShippingMethod, ...]:
    """Methods available to a country with their price for this order (free standard over a threshold)."""
    zone = table.zone_for(country)
    if zone is None:
        return ()
    free = table.free_standard_over is not None and subtotal >= table.free_standard_over
    return tuple(
        ShippingMethod(m.code, zero(m.price.currency.code), m.min_days, m.max_days)
        if free and m.code == "standard"
        else m
        for m in zone.methods
    )


def find_method(table: RateTable, country: str, code: str, subtotal: Money) -> ShippingMethod | None:
    return next((m for m in methods_for(table, country, subtotal) if m.code == code), None)
