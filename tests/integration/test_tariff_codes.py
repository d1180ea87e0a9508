"""National tariff numbers from the catalogue data to the order: the importer checks and stores
them (and fills them in on a re-import without overwriting a merchant's), and checkout freezes
the number of the order's destination on each line."""

from __future__ import annotations

from typing import Any

import pytest

from app.catalog.importer import CatalogueDataError
from app.catalog.tables import Product
from app.orders.tables import Order, OrderLine
from tests.builders import build_catalog, product
from tests.customs.orders import COAT, MUG, SHIRT, catalogue, order


async def tariff_column(code: str) -> str:
    row = await Product.select(Product.tariff_codes).where(Product.code == code).first().run()
    assert row is not None
    return str(row["tariff_codes"])


async def frozen(number: str) -> dict[str, str]:
    """Each line's product code -> its frozen tariff number."""
    placed = await Order.select(Order.id).where(Order.number == number).first().run()
    query = OrderLine.select(OrderLine.product_code, OrderLine.tariff_code)
    lines = await query.where(OrderLine.order == placed["id"]).run()
    return {line["product_code"]: line["tariff_code"] for line in lines}


# --- checkout ---------------------------------------------------------------------------------


async def test_each_line_freezes_the_number_of_the_orders_destination() -> None:
    await catalogue()
    us = await order("US", [("SH-001", 1), ("MG-001", 2)])
    assert await frozen(us) == {"SH-001": "6205900010", "MG-001": "6912004810"}
    ch = await order("CH", [("SH-001", 1), ("CT-001", 1)])
    assert await frozen(ch) == {"SH-001": "62059000", "CT-001": "62014000"}
    jp = await order("JP", [("CT-001", 1), ("MG-001", 1)])
    assert await frozen(jp) == {"CT-001": "620140000", "MG-001": "691200000"}
    cn = await order("CN", [("SH-001", 1), ("MG-001", 1)])
    assert await frozen(cn) == {"SH-001": "6205900010", "MG-001": ""}  # the mug has no Chinese number
    fr = await order("FR", [("SH-001", 1), ("CT-001", 1)])
    assert await frozen(fr) == {"SH-001": "", "CT-001": ""}  # the EU's numbers are not given

    # A later catalogue edit leaves placed orders as they were.
    await Product.update({Product.tariff_codes: '{"US":"6205900090"}'}).where(Product.code == "SH-001").run()
    assert (await frozen(us))["SH-001"] == "6205900010"


# --- import -----------------------------------------------------------------------------------


async def test_the_importer_stores_the_numbers_canonically() -> None:
    await build_catalog([SHIRT, MUG, COAT, product("MG-002", "Cup", category="mugs")])
    assert await tariff_column("SH-001") == (
        '{"CH":"62059000","CN":"6205900010","JP":"620590000","US":"6205900010"}'
    )
    assert await tariff_column("MG-001") == '{"CH":"69120000","JP":"691200000","US":"6912004810"}'
    assert await tariff_column("MG-002") == "{}"


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["US"], "product SH-009: tariff_codes must map countries to numbers as strings"),
        ({"US": 6205900010}, "product SH-009: tariff_codes must map countries to numbers as strings"),
        ({"US": "123"}, "product SH-009: tariff_codes: the number for US must have 8 to 10 digits"),
        ({"XX": "6205900010"}, "product SH-009: tariff_codes: 'XX' is not a two-letter ISO country code"),
        (
            {"US": "6109100012"},
            "product SH-009: tariff_codes: the number for US (6109100012) must start with the HS code 620590",
        ),
    ],
)
async def test_bad_numbers_are_refused_naming_the_product_before_anything_is_written(
    codes: Any, message: str
) -> None:
    bad = {**product("SH-009", "Odd shirt", hs_code="620590"), "tariff_codes": codes}
    with pytest.raises(CatalogueDataError) as raised:
        await build_catalog([MUG, bad])
    assert str(raised.value).startswith(message)
    assert await Product.count().run() == 0


async def test_a_re_import_fills_missing_numbers_but_keeps_a_merchants() -> None:
    await build_catalog([SHIRT, MUG, COAT])
    # As in a database made before the column existed (SH-001), a merchant's own numbers (MG-001)
    # and a product the merchant moved to another HS code, numbers cleared (CT-001).
    await Product.update({Product.tariff_codes: "{}"}).where(Product.code == "SH-001").run()
    await Product.update({Product.tariff_codes: '{"US":"6912004890"}'}).where(Product.code == "MG-001").run()
    await (
        Product.update({Product.hs_code: "620130", Product.tariff_codes: "{}"})
        .where(Product.code == "CT-001")
        .run()
    )
    await build_catalog([SHIRT, MUG, COAT])
    assert await tariff_column("SH-001") == (
        '{"CH":"62059000","CN":"6205900010","JP":"620590000","US":"6205900010"}'
    )
    assert await tariff_column("MG-001") == '{"US":"6912004890"}'
    assert await tariff_column("CT-001") == "{}"
