"""Test settings: a fresh database (SQLite, or PostgreSQL with TEST_DATABASE_URL), emptied after each test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="storefront-tests-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.sqlite3'}"

# Settings are read once, at first import of the app: configure them before anything imports it.
os.environ.update(
    {
        "APP_ENV": "test",
        "ALLOWED_HOSTS": "shop.test",
        # Each app delivers outbox follow-ups at startup and after each order; no polling mid-test.
        "OUTBOX_POLL_SECONDS": "3600",  # the in-process client's host; live servers use 127.0.0.1
        "DATABASE_URL": TEST_DATABASE_URL,
        "VAR_DIR": str(_TMP / "var"),
        "MEDIA_DIR": str(_TMP / "media"),
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "CATALOG_CHECK_SECONDS": "0",
        "TEST_PAYMENTS_ENABLED": "true",
        "PICCOLO_CONF": "app.piccolo_conf",
        # The in-process test client serves from its own event loop; a pool is bound to one loop.
        # Live-server tests (tests/live) run the real server, pool included.
        "DB_POOL_MAX": "0",
        # As in production: refuse to sell at rates older than 4 days (tests store their own rates).
        "FX_MAX_AGE_HOURS": "96",
    }
)

from app.catalog.tables import CatalogRevision  # noqa: E402
from app.piccolo_app import TABLES  # noqa: E402
from tests.database import recreate_database, run_async, truncate_all  # noqa: E402

IS_POSTGRES = TEST_DATABASE_URL.startswith("postgres")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def database() -> Iterator[str]:
    """Create the schema once per run by applying the real migrations."""
    run_async(recreate_database(TEST_DATABASE_URL))
    yield TEST_DATABASE_URL


@pytest.fixture(autouse=True)
def clean_database(database: str) -> Iterator[None]:
    """Each test starts from empty tables (caches live on each app instance, so they start empty too)."""
    yield
    # The revision row stays, so a live server's cached catalogue never outlives a test.
    run_async(truncate_all([table for table in TABLES if table is not CatalogRevision]))


@pytest.fixture
async def client() -> AsyncIterator[object]:
    """An HTTP client talking to the ASGI app in-process (lifespan included)."""
    from litestar.testing import AsyncTestClient

    from app.server.app import create_app

    async with AsyncTestClient(app=create_app(), base_url="http://shop.test") as test_client:
        # A shopper who chose Germany: prices in the shop's own currency unless a test says otherwise.
        test_client.cookies.set("country", "DE", domain="shop.test")
        yield test_client


@pytest.fixture(scope="session")
def live_server(database: str) -> Iterator[str]:
    """The real server (uvicorn, 2 worker processes, connection pools) on a free port."""
    from tests.live_server import running_server

    # Each worker keeps its rate table for up to FX_CACHE_SECONDS, so right after a test stores
    # its rates (or the tables are emptied between tests) a page may still be priced with the bundled
    # snapshot, whose date only gets older. Without an age limit its currencies stay on sale, as in
    # the demo; the limit itself is tested without a server (tests/unit/test_fx_rules.py and
    # test_checkout_calculations.py).
    with running_server(workers=2, env={"FX_MAX_AGE_HOURS": "0"}) as base_url:
        yield base_url


@pytest.fixture
def client_order() -> str:
    """A bank-transfer order awaiting payment, placed through the checkout service."""
    from app.catalog.services import load_catalog
    from app.checkout.services import place_order
    from app.core.settings import get_settings
    from tests.builders import build_catalog, cart_with, checkout_request, product

    async def place() -> str:
        await build_catalog([product("MG-001", "Mug", category="mugs")], stock=5)
        request = checkout_request(email="cli@example.com")
        return (
            await place_order(await cart_with("MG-001"), request, await load_catalog(), get_settings())
        ).number

    return run_async(place())


@pytest.fixture
async def client_order_async(client_order: str) -> str:
    return client_order
