"""Helpers shared by the API handlers: locale parameter, money output, problem exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery
from moneyed import Money

from app.api.schemas import MoneyOut, ProblemOut
from app.catalog.rules import Catalog
from app.core.money import to_minor
from app.fx.rules import RateTable
from app.i18n.formatting import format_money
from app.i18n.locales import DEFAULT_LOCALE, get_locale
from app.i18n.markers import N_
from app.markets.rules import Pricer
from app.web.market import available_currencies, make_pricer, shopper_presentment, valid_country
from app.web.state import ShopState, shop_of

PROBLEM_DESCRIPTIONS = {
    400: "Malformed request: a body that is not JSON or not UTF-8, or a parameter of the wrong type",
    401: "The signature does not match",
    404: "Not found: an unknown cart token, product, category or order",
    409: "Conflict: sold out, or the quote changed since the client showed it (code prices_changed)",
    422: "Invalid input; `errors` lists the fields",
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


def api_locale(locale: str | None) -> str:
    if locale is None or locale == "":
        return DEFAULT_LOCALE
    if get_locale(locale) is None:
        raise ApiProblem(400, N_("Unknown locale."), "unknown_locale")
    return locale


def api_pricer(
    shop: ShopState, catalog: Catalog, rates: RateTable, country: str | None, currency: str | None
) -> Pricer:
    """Prices for an API client: the market of `country`, in `currency` if given and known, under
    the same stale-rate policy as the pages (a currency whose rate is too old falls back to the base)."""
    if currency and currency.upper() not in available_currencies(rates):
        raise ApiProblem(400, N_("This currency is not available."), "unknown_currency")
    presentment = shopper_presentment(
        rates, shop.settings, country=valid_country(country), currency=currency.upper() if currency else None
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
    locale: FromQuery[str | None] = None,
    country: FromQuery[str | None] = None,
    currency: FromQuery[str | None] = None,
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
