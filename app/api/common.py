"""Helpers shared by the API handlers: locale parameter, money output, problem exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery
from moneyed import Money

from app.api.schemas import ApiCountry, ApiCurrency, ApiLocale, MoneyOut, ProblemOut
from app.catalog.rules import Catalog
from app.core.money import to_minor
from app.fx.rules import RateTable
from app.i18n.formatting import format_money
from app.i18n.locales import DEFAULT_LOCALE
from app.i18n.markers import N_
from app.markets.rules import Pricer
from app.web.market import available_currencies, make_pricer, shopper_presentment, valid_country
from app.web.state import ShopState, shop_of

PROBLEM_DESCRIPTIONS = {
    400: (
        "Malformed request: a body that is not JSON or not UTF-8, or a value the schema does not allow"
        " (wrong type, not in the `enum`, too long, an unknown property); `errors` lists the fields"
    ),
    401: "The signature does not match",
    404: "Not found: an unknown cart token, product, category or order",
    409: "Conflict: sold out, or the quote changed since the client showed it (code prices_changed)",
    422: (
        "Input the schema allows but the shop cannot act on (an unknown SKU, a country it does not ship"
        " to, a currency without a current rate, an invalid address); `errors` lists the fields"
    ),
    429: "Too many attempts; retry after the Retry-After header",
    503: "The shop is busy; retry after the Retry-After header (a checkout with the same Idempotency-Key)",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The error responses of an endpoint as the server sends them: problem JSON. 400 and 503 can
    come from any endpoint (a malformed request, a busy database)."""
    return {
        status: ResponseSpec(
            data_container=ProblemOut,
            description=PROBLEM_DESCRIPTIONS[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in sorted({400, 503, *statuses})
    }


class ApiProblem(HTTPException):
    """A 4xx answered as problem JSON; `detail` is a gettext msgid, `code` a stable machine name."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        code: str,
        errors: list[dict[str, Any]] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status_code)
        self.code = code
        self.errors = errors or []
        self.params = params or {}


# Values the schema refuses (a 400 before any handler runs), with the code and message the handlers
# gave them when they checked these values themselves.
INVALID_VALUES = {
    "locale": ("unknown_locale", N_("Unknown locale.")),
    "currency": ("unknown_currency", N_("This currency is not available.")),
    "country": ("unsupported_country", N_("We do not ship to this country.")),
    "sku": ("unknown_sku", N_("No product variant with this SKU.")),
}


def invalid_request(fields: list[str]) -> tuple[str, str]:
    """The code and detail (a msgid) of a 400 for values the schema does not allow: the field's own
    when one known field is at fault (`expected_total.currency` -> unknown_currency)."""
    names = {field.rsplit(".", 1)[-1] for field in fields}
    if len(names) == 1 and (name := names.pop()) in INVALID_VALUES:
        return INVALID_VALUES[name]
    return "invalid_request", N_("Some details need your attention")


def api_locale(locale: ApiLocale | None) -> str:
    """The schema (an enum) has refused unknown locales; absent means the default."""
    return locale or DEFAULT_LOCALE


def api_pricer(
    shop: ShopState,
    catalog: Catalog,
    rates: RateTable,
    country: ApiCountry | None,
    currency: ApiCurrency | None,
) -> Pricer:
    """Prices for an API client: the market of `country`, in `currency` if given, under the same
    stale-rate policy as the pages (a currency whose rate is too old falls back to the base). The
    schema has refused unknown codes; a supported currency the rate table lacks is a 422."""
    if currency and currency not in available_currencies(rates):
        raise ApiProblem(
            422,
            N_("This currency is not available."),
            "currency_unavailable",
            [{"field": "currency", "message": "no exchange rate"}],
        )
    presentment = shopper_presentment(
        rates, shop.settings, country=valid_country(country), currency=currency or None
    )
    return make_pricer(presentment, rates, catalog, shop.settings)


@dataclass(frozen=True)
class View:
    """How an API client wants data: in which language, priced for which country and currency."""

    locale: str
    pricer: Pricer
    catalog: Catalog
    shop: ShopState


async def provide_view(
    request: Request[Any, Any, Any],
    locale: FromQuery[ApiLocale | None] = None,
    country: FromQuery[ApiCountry | None] = None,
    currency: FromQuery[ApiCurrency | None] = None,
) -> View:
    """One dependency for the whole view (a chain of providers costs a resolution step each)."""
    shop = shop_of(request.app.state)
    catalog = await shop.catalog_cache.get()
    rates = await shop.fx_cache.get()
    return View(api_locale(locale), api_pricer(shop, catalog, rates, country, currency), catalog, shop)


def money_out(amount: Money, locale: str) -> MoneyOut:
    return MoneyOut(
        amount=str(amount.amount),
        currency=amount.currency.code,
        minor=to_minor(amount),
        formatted=format_money(amount, locale),
    )
