"""The catalogue importer: tax classes and shipping restriction tags, from the data to the snapshot."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.catalog.importer import CatalogueDataError, import_demo_catalogue, tax_fields
from app.catalog.rules import format_restrictions, parse_restrictions
from app.catalog.services import current_revision, load_catalog
from app.catalog.sources import option_source
from app.catalog.tables import OptionLabel, Product
from app.core.settings import get_settings
from app.i18n.locales import LOCALES
from app.staff.translation_queue import coverage
from app.staff.translation_rules import OPTION, State, state_of
from app.tax.model import PRODUCT_TAX_CLASSES
from tests.builders import DEMO, build_catalog, demo_products, product


def taxed(data: dict[str, Any], tax_class: str | None = None, restrictions: list[str] | None = None) -> dict:
    """A builder product with the optional tax fields set (left out when None, as in the data files)."""
    extra: dict[str, Any] = {}
    if tax_class is not None:
        extra["tax_class"] = tax_class
    if restrictions is not None:
        extra["restrictions"] = restrictions
    return {**data, **extra}


async def stored(code: str) -> dict[str, Any]:
    row = (
        await Product.select(Product.tax_class, Product.restrictions)
        .where(Product.code == code)
        .first()
        .run()
    )
    assert row is not None
    return row


async def test_import_stores_tax_class_and_restrictions_and_the_snapshot_carries_them() -> None:
    await build_catalog(
        [
            taxed(product("MG-001", "Mug", category="mugs")),  # neither field: the defaults
            taxed(product("TS-001", "Tee", category="shirts"), "children_clothing"),
            taxed(product("MG-002", "Oil", category="mugs"), "food", ["liquid", "food", "liquid"]),
        ]
    )
    assert await stored("MG-001") == {"tax_class": "standard", "restrictions": ""}
    assert await stored("TS-001") == {"tax_class": "children_clothing", "restrictions": ""}
    # sorted and without duplicates, so the same set is always stored the same way
    assert await stored("MG-002") == {"tax_class": "food", "restrictions": "food,liquid"}

    catalog = await load_catalog()
    by_code = {view.code: view for view in catalog.products.values()}
    assert (by_code["MG-001"].tax_class, by_code["MG-001"].restrictions) == ("standard", frozenset())
    assert by_code["TS-001"].tax_class == "children_clothing"
    assert (by_code["MG-002"].tax_class, by_code["MG-002"].restrictions) == (
        "food",
        frozenset({"food", "liquid"}),
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tax_class": "luxury"}, "product MG-009: unknown tax_class 'luxury' (expected one of standard, "),
        ({"tax_class": "Food"}, "product MG-009: unknown tax_class 'Food'"),
        ({"restrictions": "liquid"}, "product MG-009: restrictions must be a list of tags"),
        ({"restrictions": ["Lithium Battery"]}, "product MG-009: restriction tags must be lowercase"),
        ({"restrictions": ["liquid,food"]}, "product MG-009: restriction tags must be lowercase"),
        ({"restrictions": ["a" * 201]}, "product MG-009: restrictions longer than 200 characters"),
        ({"duty_rates": ["CH"]}, "product MG-009: duty_rates must map countries to percentages"),
        ({"duty_rates": {"ch": "2"}}, "product MG-009: duty_rates key 'ch' is not a country code or EU"),
        ({"duty_rates": {"CH": 2.5}}, "product MG-009: duty_rates[CH] must be a percentage from 0 to 1000"),
        ({"duty_rates": {"CH": "-1"}}, "product MG-009: duty_rates[CH] must be a percentage"),
        ({"duty_rates": {"CH": "NaN"}}, "product MG-009: duty_rates[CH] must be a percentage"),
        ({"duty_rates": {"CH": "abc"}}, "product MG-009: duty_rates[CH] must be a percentage"),
    ],
)
async def test_bad_tax_fields_are_refused_naming_the_product_before_anything_is_written(
    fields: dict[str, Any], message: str
) -> None:
    good = product("MG-001", "Mug", category="mugs")
    bad = {**product("MG-009", "Odd Mug", category="mugs"), **fields}
    with pytest.raises(CatalogueDataError) as raised:
        await build_catalog([good, bad])
    assert str(raised.value).startswith(message)
    assert await Product.count().run() == 0  # validated up front: the good product is not half-imported


def test_every_tax_class_the_tax_engine_knows_is_accepted() -> None:
    for tax_class in PRODUCT_TAX_CLASSES:
        assert tax_fields({"code": "X-001", "tax_class": tax_class}) == (tax_class, "", "{}")


async def test_duty_rates_are_stored_canonically_and_reach_the_snapshot() -> None:
    mug = {**product("MG-001", "Mug", category="mugs"), "duty_rates": {"US": "3.5", "EU": 0}}
    await build_catalog([mug])
    row = await Product.select(Product.duty_rates).first().run()
    assert row["duty_rates"] == '{"EU":"0","US":"3.5"}'
    [view] = (await load_catalog()).products.values()
    assert view.duty_rates == {"EU": Decimal(0), "US": Decimal("3.5")}
    await build_catalog([{**mug, "duty_rates": {}}])  # a re-import updates them too
    assert (await Product.select(Product.duty_rates).first().run())["duty_rates"] == "{}"


def test_restrictions_column_round_trips() -> None:
    assert parse_restrictions("") == frozenset()
    assert parse_restrictions(format_restrictions(["liquid", "aerosol"])) == {"aerosol", "liquid"}
    assert format_restrictions({"liquid", "aerosol"}) == "aerosol,liquid"


async def test_importing_again_updates_tax_class_and_restrictions_only() -> None:
    mug = product("MG-001", "Mug", category="mugs", price="10.00")
    await build_catalog([mug, product("MG-002", "Cup", category="mugs")])
    await build_catalog(
        [
            taxed({**mug, "price": "99.00"}, "reduced", ["liquid"]),
            product("MG-002", "Cup", category="mugs"),
        ]
    )
    assert await stored("MG-001") == {"tax_class": "reduced", "restrictions": "liquid"}
    assert await stored("MG-002") == {"tax_class": "standard", "restrictions": ""}
    view = next(v for v in (await load_catalog()).products.values() if v.code == "MG-001")
    assert (view.tax_class, view.restrictions) == ("reduced", frozenset({"liquid"}))
    assert view.min_price_minor == 1000  # an existing product's price is not touched by a re-import

    await build_catalog([taxed(mug, "standard", [])])  # back to the defaults
    assert await stored("MG-001") == {"tax_class": "standard", "restrictions": ""}


async def test_demo_import_sets_the_demo_tax_fields_and_a_re_import_repairs_them() -> None:
    settings = get_settings()
    first = await import_demo_catalogue(DEMO, currency=settings.shop_currency, media_dir=settings.media_dir)
    assert first.updated == 0
    rows = {
        row["code"]: (row["tax_class"], row["restrictions"])
        for row in await Product.select(Product.code, Product.tax_class, Product.restrictions).run()
    }
    assert len(rows) == len(demo_products())
    assert rows["TE-001"] == ("food", "food")  # loose-leaf tea
    assert rows["CF-001"] == ("food", "food")  # roasted coffee
    assert rows["CF-008"] == ("standard", "")  # a hand grinder is pantry equipment, not food
    assert rows["CH-004"] == ("standard", "lithium_battery")  # power bank
    assert rows["AU-009"] == ("standard", "")  # mains-powered speaker: no battery
    assert rows["PW-011"] == ("standard", "liquid")  # bottled ink
    assert rows["NB-001"] == ("standard", "")  # a notebook is not a book
    assert {tax_class for tax_class, _ in rows.values()} <= set(PRODUCT_TAX_CLASSES)

    # A database imported before the columns existed holds the defaults; importing again fixes it.
    await Product.update({Product.tax_class: "standard", Product.restrictions: ""}, force=True).run()
    revision = await current_revision()
    again = await import_demo_catalogue(DEMO, currency=settings.shop_currency, media_dir=settings.media_dir)
    changed = sum(
        1 for tax_class, restrictions in rows.values() if (tax_class, restrictions) != ("standard", "")
    )
    assert (again.products, again.skipped, again.updated) == (0, len(rows), changed)
    assert await current_revision() == revision + 1  # workers reload the catalogue
    assert await stored("TE-001") == {"tax_class": "food", "restrictions": "food"}

    third = await import_demo_catalogue(DEMO, currency=settings.shop_currency, media_dir=settings.media_dir)
    assert third.updated == 0 and await current_revision() == revision + 1  # nothing changed: no reload


async def test_demo_import_records_every_translation_as_made_from_its_source() -> None:
    """Texts and option labels imported beside their base-locale source start as imported, not
    stale: each records the fingerprint of the source it came with."""
    settings = get_settings()
    await import_demo_catalogue(DEMO, currency=settings.shop_currency, media_dir=settings.media_dir)
    base = settings.default_locale
    rows = await OptionLabel.select().run()
    base_labels = {(row["axis"], row["value"]): row["label"] for row in rows if row["locale"] == base}
    states = {
        (row["axis"], row["value"], row["locale"]): state_of(
            row["label"],
            row["status"],
            row["source_hash"],
            option_source(row["axis"], row["value"], base_labels).digest(),
        )
        for row in rows
        if row["locale"] != base
    }
    assert states and set(states.values()) == {State.IMPORTED}

    locales = [code for code in LOCALES if code != base]
    for locale, kinds in (await coverage(locales)).items():
        assert kinds[OPTION].total > 0, locale
        for kind, counted in kinds.items():
            assert counted.counts[State.STALE] == 0, (locale, kind)
