"""Loads orders for customs (I/O edge): one by number, or a batch by date range, shipping method and
destination, read in chunks by id so memory stays bounded whatever the batch size."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from app.catalog.tables import ProductTranslation
from app.core.settings import Settings
from app.customs.model import Problem, Shipment
from app.customs.rules import (
    DESTINATION_LANGUAGE,
    EXPORTABLE_STATUSES,
    ChargeFacts,
    LineFacts,
    OrderFacts,
    SenderFacts,
    declare,
)
from app.fx.rules import RateTable, make_table
from app.fx.services import stored_rates
from app.i18n.markers import N_
from app.markets.regions import EU_MEMBER_STATES, crosses_customs_border
from app.orders.tables import Order, OrderCharge, OrderLine

CHUNK = 200  # orders per query: a few hundred rows of lines and charges at a time


@dataclass(frozen=True)
class Outcome:
    """One order's result: its declaration, or the problems that keep it out."""

    number: str
    shipment: Shipment | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Batch:
    since: date
    until: date  # inclusive
    methods: tuple[str, ...] = ()  # shipping method codes; () = all
    destinations: tuple[str, ...] = ()  # ISO country codes; () = all


def sender_facts(settings: Settings) -> SenderFacts:
    return SenderFacts(
        name=settings.shop_name,
        address=settings.shop_address,
        country=settings.shop_country,
        phone=settings.shop_phone,
        email=settings.shop_email,
        eori=settings.shop_eori,
        vat_number=settings.shop_vat_number,
        registrations=frozenset(settings.tax_registrations),
        tax_numbers=settings.tax_numbers,
        packaging_grams=settings.packaging_grams,
    )


async def current_rates(settings: Settings) -> RateTable:
    """Today's stored rates (the SDR limit is computed from them at run time)."""
    return make_table(settings.shop_currency, await stored_rates())


async def count_batch(batch: Batch, settings: Settings) -> int:
    """How many orders the batch looks at (for a progress bar)."""
    return int(await Order.count().where(*_batch_where(batch, settings)).run())


async def order_outcome(number: str, settings: Settings, reason: str = "sale_of_goods") -> Outcome | None:
    """One order's declaration or problems; None when there is no such order."""
    rows = await Order.select().where(Order.number == number).run()
    if not rows:
        return None
    if not crosses_customs_border(settings.shop_country, rows[0]["shipping_country"]):
        return Outcome(number, None, (Problem("no_border", N_("The parcel crosses no customs border.")),))
    rates = await current_rates(settings)
    [facts] = await _facts(rows)
    return _outcome(facts, sender_facts(settings), Decimal(settings.sdr_rate_eur), rates, reason)


async def batch_outcomes(
    batch: Batch, settings: Settings, chunk: int = CHUNK, reason: str = "sale_of_goods"
) -> AsyncIterator[Outcome]:
    """Every order of the batch, in id order, read `chunk` orders at a time."""
    rates = await current_rates(settings)
    sender, eur_per_sdr = sender_facts(settings), Decimal(settings.sdr_rate_eur)  # once per batch
    last_id = 0
    while True:
        rows = (
            await Order.select()
            .where(Order.id > last_id, *_batch_where(batch, settings))
            .order_by(Order.id)
            .limit(chunk)
            .run()
        )
        if not rows:
            return
        last_id = rows[-1]["id"]
        for facts in await _facts(rows):
            yield _outcome(facts, sender, eur_per_sdr, rates, reason)


def _outcome(
    facts: OrderFacts, sender: SenderFacts, eur_per_sdr: Decimal, rates: RateTable, reason: str
) -> Outcome:
    result = declare(facts, sender, rates, eur_per_sdr, reason)
    if isinstance(result, Shipment):
        return Outcome(facts.number, result)
    return Outcome(facts.number, None, tuple(result))


def _batch_where(batch: Batch, settings: Settings) -> list[Any]:
    start = datetime.combine(batch.since, time.min, tzinfo=UTC)
    end = datetime.combine(batch.until + timedelta(days=1), time.min, tzinfo=UTC)
    where = [
        Order.created_at >= start,
        Order.created_at < end,
        Order.status.is_in(sorted(EXPORTABLE_STATUSES)),
    ]
    if batch.methods:
        where.append(Order.shipping_method.is_in(list(batch.methods)))
    countries = [c for c in batch.destinations if crosses_customs_border(settings.shop_country, c)]
    if batch.destinations:
        # A destination inside the shop's customs union needs no declaration: nothing to select.
        where.append(Order.shipping_country.is_in(countries or ["--"]))
    else:
        where.append(Order.shipping_country.not_in(sorted(_same_customs_area(settings.shop_country))))
    return where


def _same_customs_area(shop_country: str) -> set[str]:
    return set(EU_MEMBER_STATES) | {shop_country} if shop_country in EU_MEMBER_STATES else {shop_country}


async def _facts(rows: Sequence[dict[str, Any]]) -> list[OrderFacts]:
    """Orders with their lines, charges and product names, three queries per chunk."""
    ids = [row["id"] for row in rows]
    lines = await OrderLine.select().where(OrderLine.order.is_in(ids)).order_by(OrderLine.id).run()
    charges = (
        await OrderCharge.select(
            OrderCharge.order,
            OrderCharge.rule,
            OrderCharge.kind,
            OrderCharge.collected,
            OrderCharge.amount_minor,
            OrderCharge.included,
            OrderCharge.rate,
            OrderCharge.params,
        )
        .where(OrderCharge.order.is_in(ids))
        .order_by(OrderCharge.position)
        .run()
    )
    languages = {"en"} | {
        DESTINATION_LANGUAGE[r["shipping_country"]]
        for r in rows
        if r["shipping_country"] in DESTINATION_LANGUAGE
    }
    names = await _product_names(sorted({line["product_code"] for line in lines}), sorted(languages))
    by_order: dict[int, list[LineFacts]] = {i: [] for i in ids}
    country_of = {row["id"]: row["shipping_country"] for row in rows}
    for line in lines:
        code, language = line["product_code"], DESTINATION_LANGUAGE.get(country_of[line["order"]], "")
        by_order[line["order"]].append(
            LineFacts(
                sku=line["sku"],
                name=line["product_name"],
                customs_description=line["customs_description"],
                english_name=names.get((code, "en"), ""),
                local_name=names.get((code, language), "") if language and language != "en" else "",
                hs_code=line["hs_code"],
                origin_country=line["origin_country"],
                weight_grams=line["weight_grams"],
                quantity=line["quantity"],
                unit_price_minor=line["unit_price_minor"],
                line_total_minor=line["line_total_minor"],
                tariff_code=line.get("tariff_code") or "",
            )
        )
    charges_of: dict[int, list[ChargeFacts]] = {i: [] for i in ids}
    for charge in charges:
        charges_of[charge["order"]].append(
            ChargeFacts(
                rule=charge["rule"],
                kind=charge["kind"],
                collected=charge["collected"],
                amount_minor=charge["amount_minor"],
                included=bool(charge["included"]),
                rate=charge["rate"],
                description=str(_text_map(charge["params"]).get("description", "")),
            )
        )
    return [
        OrderFacts(
            number=row["number"],
            status=row["status"],
            created_at=_as_datetime(row["created_at"]).date(),
            email=row["email"],
            currency=row["currency"],
            incoterm=row["incoterm"],
            shipping_method=row["shipping_method"],
            country=row["shipping_country"],
            address=_text_map(row["shipping_address"]),
            subtotal_minor=row["subtotal_minor"],
            shipping_minor=row["shipping_minor"],
            lines=by_order[row["id"]],
            charges=charges_of[row["id"]],
        )
        for row in rows
    ]


async def _product_names(codes: Sequence[str], languages: Sequence[str]) -> dict[tuple[str, str], str]:
    if not codes:
        return {}
    rows = (
        await ProductTranslation.select(
            ProductTranslation.product.code.as_alias("code"),
            ProductTranslation.locale,
            ProductTranslation.name,
        )
        .where(
            ProductTranslation.product.code.is_in(list(codes)),
            ProductTranslation.locale.is_in(list(languages)),
        )
        .run()
    )
    return {(row["code"], row["locale"]): row["name"] for row in rows}


def _text_map(value: Any) -> dict[str, str]:
    """A JSON object column (an address, a charge's parameters) as text by key."""
    data = json.loads(value) if isinstance(value, str) else value
    return {str(k): str(v) for k, v in (data or {}).items()}


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


__all__ = ["Batch", "Outcome", "batch_outcomes", "count_batch", "order_outcome"]
