"""The API against its own OpenAPI schema: schemathesis generates requests from the schema the app
publishes (valid ones, and invalid ones the server must refuse), sends them to the app in process,
and runs every check on each answer, so the schema and the server cannot drift apart unnoticed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi

from app.server.app import create_app
from tests.builders import build_catalog, product, snapshot_rates, store_rates
from tests.database import run_async

HOST = "shop.test"  # tests/conftest.py sets ALLOWED_HOSTS to it
MAX_EXAMPLES = 12  # per operation and phase; the whole run stays well under a minute

CONFIG = SchemathesisConfig.from_dict(
    {
        "base-url": f"http://{HOST}",
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
        },
        "checks": {
            "enabled": True,  # every check: server errors, status codes, content types, bodies, headers...
            # Schema-valid input may still be refused with the documented 422: an unknown SKU, a country
            # the shop does not ship to, an invalid address or email, a currency without a current rate
            # are business rules and lookups no schema can express. 400 stays a failure: for
            # schema-valid input it would mean the schema and the server disagree.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
            },
        },
    }
)

APP = create_app()  # its lifespan starts at the first request (then the test database exists)
schema = schemathesis.openapi.from_dict(APP.openapi_schema.to_schema(), config=CONFIG)
schema.app = APP  # what schemathesis.openapi.from_asgi sets: requests go to the app in process


@pytest.fixture(scope="module", autouse=True)
def stop_the_app() -> Iterator[None]:
    """Shut the app's lifespan down after the module (schemathesis would keep it until exit)."""
    yield
    asgi.shutdown_lifespans()


@pytest.fixture
def cart_token() -> str:
    """A catalogue, today's rates for every currency and a cart holding a line: valid requests reach
    the pricing, tax and checkout code, not only the "not found" answers."""
    from app.cart.services import add_to_cart, create_cart
    from app.catalog.tables import Variant

    async def prepare() -> str:
        await build_catalog([product("TS-001", "Plain Tee", options={"size": ["s", "m"]})])
        await store_rates(snapshot_rates())
        cart_id, token = await create_cart()
        variant = await Variant.select(Variant.id).where(Variant.sku == "TS-001-S").first().run()
        assert variant is not None
        await add_to_cart(cart_id, variant["id"], 1)
        return token

    return run_async(prepare())


@schema.parametrize()
# The fixture's shop is shared by the examples of one operation on purpose: carts fill up, orders are placed.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_answers_as_its_schema_says(case: Any, cart_token: str) -> None:
    if "token" in (case.path_parameters or {}):
        case.path_parameters["token"] = cart_token  # any string is a valid token: use the real cart
    case.call_and_validate()
