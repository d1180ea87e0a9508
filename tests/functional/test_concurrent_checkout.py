"""200 shoppers check out the last 10 units at once, over real HTTP against a multi-worker server."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from app.catalog.tables import Variant
from app.orders.tables import Order, OrderLine
from tests.builders import build_catalog, product

SHOPPERS = 200
UNITS = 10


async def test_exactly_the_stock_is_sold_under_200_concurrent_checkouts(live_server: str) -> None:
    await build_catalog([product("MG-001", "Last Mug", category="mugs", price="15.00")], stock=UNITS)
    payload = {
        "email": "race@example.com",
        "country": "DE",
        "address": {
            "name": "Race Tester",
            "street_address": "Heidestraße 17",
            "postal_code": "51147",
            "city": "Köln",
        },
        "shipping_method": "standard",
        "payment": {"method": "manual"},
    }
    # A fresh connection per request: uvicorn closes keep-alive connections idle for 5 s, and httpx
    # does not retry a POST sent on a connection the server is closing (a browser would).
    limits = httpx.Limits(max_connections=SHOPPERS, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=live_server, timeout=120, limits=limits) as http:

        async def cart_with_one_mug() -> str:
            token = (await http.post("/api/v1/carts")).json()["token"]
            added = await http.post(f"/api/v1/carts/{token}/lines", json={"sku": "MG-001", "quantity": 1})
            assert added.status_code == 200, added.text
            return token

        # return_exceptions: every request finishes before the test (and its clean-up) goes on.
        tokens = await asyncio.gather(*(cart_with_one_mug() for _ in range(SHOPPERS)), return_exceptions=True)
        assert all(isinstance(token, str) for token in tokens), tokens
        start = asyncio.Event()

        async def checkout(token: str) -> httpx.Response:
            await start.wait()
            return await http.post(f"/api/v1/carts/{token}/checkout", json=payload)

        tasks = [asyncio.create_task(checkout(token)) for token in tokens]  # type: ignore[arg-type]
        start.set()
        responses = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, httpx.Response) for r in responses), [
        r for r in responses if not isinstance(r, httpx.Response)
    ][:3]

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: UNITS, 409: SHOPPERS - UNITS}, statuses
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {body["code"] for body in refused} == {"sold_out"}
    assert all("sold out" in body["detail"] for body in refused)
    assert (await Variant.select(Variant.stock).where(Variant.sku == "MG-001").first().run())["stock"] == 0
    assert await Order.count().run() == UNITS
    assert sum(row["quantity"] for row in await OrderLine.select(OrderLine.quantity).run()) == UNITS
