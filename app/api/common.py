"""Helpers shared by the API handlers: locale parameter, money output, problem exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.exceptions import HTTPException
from litestar.params import FromQuery
from moneyed import Money

from app.api.schemas import MoneyOut
from app.core.money import to_minor
from app.i18n.formatting import format_money
from app.i18n.locales import DEFAULT_LOCALE, get_locale
from app.i18n.markers import N_
from app.markets.data import market_set
from app.markets.rules import Pricer, resolve_presentment
from app.web.market import available_currencies, valid_country
from app.web.state import catalog_cache, fx_cache


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


async def api_pricer(country: str | None, currency: str | None) -> Pricer:
    """Prices for an API client: the market of `country`, in `currency` if given and known."""
    rates = await fx_cache.get()
    catalog = await catalog_cache.get()
    if currency and currency.upper() not in available_currencies(rates):
        raise ApiProblem(400, N_("This currency is not available."), "unknown_currency")
    presentment = resolve_presentment(
        market_set(),
        chosen_country=valid_country(country),
        chosen_currency=currency.upper() if currency else None,
        region_hint=None,
        available=available_currencies(rates),
    )
    return Pricer(presentment, rates, catalog.price_overrides)


@dataclass(frozen=True)
class View:
    """How an API client wants data: in which language, and priced for which country and currency."""

    locale: str
    pricer: Pricer


async def provide_view(
    locale: FromQuery[str | None] = None,
    country: FromQuery[str | None] = None,
    currency: FromQuery[str | None] = None,
) -> View:
    return View(api_locale(locale), await api_pricer(country, currency))


def money_out(amount: Money, locale: str) -> MoneyOut:
    return MoneyOut(
        amount=str(amount.amount),
        currency=amount.currency.code,
        minor=to_minor(amount),
        formatted=format_money(amount, locale),
    )
