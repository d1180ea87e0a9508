"""The low-stock list (/admin/stock) over real HTTP and its service `low_stock_variants`: who may
see it (MANAGE_STOCK: owner, catalogue manager, fulfilment), which variants are on it (stock at or
below their own threshold), its order (fewest first), the staff member's language, its pages, and
a threshold change taking a variant off it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest

from app.catalog.tables import Variant
from app.staff.rules import Role
from app.staff.services import Actor, set_ui_locale
from app.staff.stock import STOCK_PAGE_SIZE, LowStockRow, low_stock_variants
from tests.builders import build_catalog, product
from tests.functional.admin import forget_admin_store, login, make_staff, submit
from tests.html import links, tags, text

STOCK = "/admin/stock"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def catalogue() -> None:
    """Tee S 0 and M 5 (= the default threshold 5), L 6 (above it); mug 2 (threshold 1: above)."""
    await build_catalog(
        [
            product("TS-001", "Plain Tee", options={"size": ["s", "m", "l"]}, de="Schlichtes T-Shirt"),
            product("MG-001", "Mug", category="mugs", de="Becher"),
        ],
        stock={"TS-001-S": 0, "TS-001-M": 5, "TS-001-L": 6, "MG-001": 2},
    )
    await Variant.update({Variant.low_stock_threshold: 1}).where(Variant.sku == "MG-001").run()


async def as_role(client, role: Role) -> None:
    await make_staff(role)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


def listed_skus(html: str) -> list[str]:
    """The SKU column, top to bottom."""
    return re.findall(r"<td><code>(.*?)</code></td>", html)


@pytest.mark.parametrize("role", [Role.TRANSLATOR, Role.SUPPORT])
async def test_roles_without_stock_get_403_and_no_menu_entry(client, role: Role) -> None:
    await catalogue()
    await as_role(client, role)
    assert STOCK not in links((await client.get("/admin/")).text)
    assert (await client.get(STOCK)).status_code == 403


@pytest.mark.parametrize("role", [Role.OWNER, Role.CATALOGUE_MANAGER, Role.FULFILMENT])
async def test_the_list_shows_variants_at_or_below_their_threshold_fewest_first(client, role: Role) -> None:
    await catalogue()
    await as_role(client, role)
    home = await client.get("/admin/")
    assert STOCK in links(home.text) and "Low stock" in text(home.text)
    page = await client.get(STOCK)
    assert page.status_code == 200
    assert listed_skus(page.text) == ["TS-001-S", "TS-001-M"]
    body = text(page.text)
    assert "Plain Tee" in body and "Sold out" in body and "Mug" not in body and "TS-001-L" not in body
    assert "/admin/products/TS-001#thresholds" in links(page.text)
    # The link leads to a page this role may open.
    assert (await client.get("/admin/products/TS-001")).status_code == 200


async def test_names_are_in_the_staff_members_language(client) -> None:
    await catalogue()
    member = await make_staff(Role.FULFILMENT)
    await set_ui_locale(Actor(None, "test", ""), member.id, "de")
    await login(client, member.email)
    body = text((await client.get(STOCK)).text)
    assert "Schlichtes T-Shirt" in body and "Plain Tee" not in body


async def test_a_lower_threshold_takes_a_variant_off_the_list(client) -> None:
    await catalogue()
    await as_role(client, Role.FULFILMENT)
    medium = await Variant.select(Variant.id).where(Variant.sku == "TS-001-M").first().run()
    edit = "/admin/products/TS-001"
    response = await submit(client, edit, f"{edit}/thresholds", **{f"threshold_{medium['id']}": "4"})
    assert response.status_code == 303
    body = text((await client.get(STOCK)).text)
    assert "TS-001-S" in body and "TS-001-M" not in body
    assert listed_skus((await client.get(STOCK)).text) == ["TS-001-S"]


async def test_the_service_gives_frozen_rows_by_page(client) -> None:
    await catalogue()
    rows = await low_stock_variants("de")
    assert rows == [
        LowStockRow("TS-001", "Schlichtes T-Shirt", "TS-001-S", 0, 5),
        LowStockRow("TS-001", "Schlichtes T-Shirt", "TS-001-M", 5, 5),
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].stock = 3  # type: ignore[misc]
    assert [r.sku for r in await low_stock_variants("en", limit=1)] == ["TS-001-S"]
    assert [r.sku for r in await low_stock_variants("en", limit=1, offset=1)] == ["TS-001-M"]
    assert await low_stock_variants("en", offset=2) == []


async def test_long_lists_have_pages(client) -> None:
    values = [f"v{i:02d}" for i in range(STOCK_PAGE_SIZE + 5)]
    await build_catalog(
        [product("BX-001", "Box", options={"n": values})],
        stock={f"BX-001-{v.upper()}": i % 4 for i, v in enumerate(values)},
    )
    await as_role(client, Role.FULFILMENT)
    first = await client.get(STOCK)
    assert f"{STOCK}?page=2" in links(first.text)
    shown = [a for a in tags(first.text, "a") if a.get("href", "").startswith("/admin/products/BX-001")]
    assert len(shown) == STOCK_PAGE_SIZE
    second = await client.get(STOCK, params={"page": "2"})
    assert f"{STOCK}?page=1" in links(second.text) and f"{STOCK}?page=3" not in links(second.text)
    rows = await low_stock_variants("en", limit=1000)
    assert len(rows) == STOCK_PAGE_SIZE + 5
    assert [r.stock for r in rows] == sorted(r.stock for r in rows)
    assert [r.sku for r in rows[:2]] == ["BX-001-V00", "BX-001-V04"]  # same stock: by SKU
