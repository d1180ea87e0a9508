"""Order lookup is limited per client and per order number (HTML and API): a 429 with Retry-After
and a localised message, counted in a store every worker shares (Redis when REDIS_URL is set)."""

from __future__ import annotations

import os

import pytest
from litestar.stores.memory import MemoryStore

from app.checkout.rules import ORDER_NUMBER_ALPHABET
from app.web.limits import LOOKUP_PER_CLIENT, LOOKUP_PER_ORDER, count_attempt, limits_store
from tests.functional.shop import post_form

WRONG = {"email": "someone@example.com"}


async def api_lookup(client, number: str):
    return await client.post(
        "/api/v1/orders/lookup", json={"number": number, **WRONG}, headers={"Accept-Language": "de"}
    )


async def test_one_order_number_can_be_tried_only_so_often_through_the_api(client) -> None:
    for _ in range(LOOKUP_PER_ORDER.attempts):
        assert (await api_lookup(client, "SF-AAAAAAAA")).status_code == 404
    refused = await api_lookup(client, "SF-AAAAAAAA")
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 3600
    body = refused.json()
    assert body["code"] == "too_many_requests" and body["status"] == 429
    assert body["detail"].startswith("Es gab zu viele Versuche")  # in the client's language
    assert (await api_lookup(client, "SF-BBBBBBBB")).status_code == 404  # another order: still open


async def test_one_client_can_try_only_so_many_orders(client) -> None:
    numbers = [f"SF-{a}{b}ABCDEF" for a in ORDER_NUMBER_ALPHABET[:5] for b in ORDER_NUMBER_ALPHABET[:5]]
    for number in numbers[: LOOKUP_PER_CLIENT.attempts]:
        assert (await api_lookup(client, number)).status_code == 404
    assert (await api_lookup(client, numbers[-1])).status_code == 429  # a new number, the same client


async def test_the_html_form_answers_a_localised_429_page(client) -> None:
    page = "/de/orders/lookup"
    for _ in range(LOOKUP_PER_ORDER.attempts):
        assert (await post_form(client, page, page, number="SF-CCCCCCCC", **WRONG)).status_code == 422
    refused = await post_form(client, page, page, number="SF-CCCCCCCC", **WRONG)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Es gab zu viele Versuche" in refused.text and refused.headers["cache-control"] == "no-store"


async def test_the_window_counts_attempts_and_says_how_long_to_wait() -> None:
    store = MemoryStore()
    for _ in range(LOOKUP_PER_ORDER.attempts):
        assert await count_attempt(store, LOOKUP_PER_ORDER, "SF-1") is None
    wait = await count_attempt(store, LOOKUP_PER_ORDER, "SF-1")
    assert wait is not None and 0 < wait <= LOOKUP_PER_ORDER.window_seconds
    assert await count_attempt(store, LOOKUP_PER_ORDER, "SF-2") is None


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


async def test_workers_share_the_counts_in_redis() -> None:
    """Two stores on one Redis, as two workers or servers have: the limit holds across them."""
    first, second = limits_store(REDIS_URL), limits_store(REDIS_URL)
    try:
        await first.delete_all()
    except Exception as error:  # no Redis on this machine: CI has one at 127.0.0.1:6379
        pytest.skip(f"no Redis at {REDIS_URL}: {type(error).__name__}")
    try:
        for i in range(LOOKUP_PER_ORDER.attempts):
            assert await count_attempt(first if i % 2 else second, LOOKUP_PER_ORDER, "SF-R") is None
        assert await count_attempt(first, LOOKUP_PER_ORDER, "SF-R") is not None
        assert await count_attempt(second, LOOKUP_PER_ORDER, "SF-R") is not None
    finally:
        await first.delete_all()
        await first._redis.aclose()
        await second._redis.aclose()
