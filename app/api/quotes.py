"""API: the "what if" landed-cost quote of a free-standing shipment (app/tax)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Router, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from app.api.bodies import StrictBody
from app.api.common import ApiProblem, api_locale, problems
from app.api.schemas import ApiLocale
from app.i18n.locales import negotiate_locale
from app.i18n.translations import get_translations
from app.tax.model import QuoteError
from app.tax.services import error_field, quote_json
from app.web.state import ShopState

Amount = Annotated[str | int, msgspec.Meta(description='A decimal string ("100.00") or an integer')]


class QuoteLineIn(msgspec.Struct, forbid_unknown_fields=True):
    description: str
    origin: Annotated[str, msgspec.Meta(description="ISO country of origin")]
    unit_value: Amount
    hs_code: Annotated[str | None, msgspec.Meta(description="HS code, digits (needed for duties)")] = None
    quantity: int = 1
    weight_kg: float | str | None = None
    tax_class: str = "standard"
    duty_rate: Annotated[Amount | None, msgspec.Meta(description="Percent; overrides the duty table")] = None


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    ship_from: str
    destination: str
    currency: Annotated[str, msgspec.Meta(description="Currency of unit_value and shipping_charged")]
    lines: list[QuoteLineIn]
    date: Annotated[str | None, msgspec.Meta(description="ISO date; default today (UTC)")] = None
    destination_region: Annotated[str | None, msgspec.Meta(description="CA province, US state")] = None
    seller_registrations: Annotated[
        list[str] | None,
        msgspec.Meta(description="IOSS, UK_VAT, ...; omitted: the shop's (TAX_REGISTRATIONS)"),
    ] = None
    shipment_kind: str = "B2C_sale"
    channel: Annotated[str | None, msgspec.Meta(description="post or courier")] = None
    shipping_charged: Amount = "0"
    shipping_included_in_price: bool = False
    incoterm: Annotated[
        str | None, msgspec.Meta(description="DDP or DAP where the regime leaves it free")
    ] = None
    proof_of_origin: bool = False
    prices_include_tax: Annotated[
        bool,
        msgspec.Meta(
            description="unit_value and shipping_charged hold the VAT/GST charged at checkout: it is"
            " extracted (charges say `included`), not added"
        ),
    ] = False


class ChargeOut(msgspec.Struct):
    kind: Literal["tax", "duty", "fee"]
    name: str
    rate: str | None
    base: str
    amount: str
    rule: str
    source: str
    explanation: str
    explanation_msgid: str
    params: dict[str, str]
    collected: Literal["checkout", "delivery", "none"]
    estimate: bool
    included: Annotated[bool, msgspec.Meta(description="extracted from tax-inclusive values, not added")]


class QuoteWarningOut(msgspec.Struct):
    code: str
    message: str
    params: dict[str, str]


class LandedCostOut(msgspec.Struct):
    date: str
    destination: str
    currency: str
    regime: str
    explanation: str
    goods: str
    shipping: str
    taxes: list[ChargeOut]
    duties: list[ChargeOut]
    fees: list[ChargeOut]
    tax_total: str
    duty_total: str
    fees_total: str
    collected: Literal["checkout", "delivery", "none"]
    incoterm: Literal["DDP", "DAP"]
    total_now: str
    due_on_delivery: str
    estimate: bool
    warnings: list[QuoteWarningOut]
    net_required: Annotated[
        bool, msgspec.Meta(description="tax-inclusive values for imported goods: quote again with net values")
    ]


@post(
    "/quotes",
    summary="Landed cost of a shipment: taxes, duties and fees, and who collects them",
    status_code=200,
    responses=problems(422),
)
async def landed_cost_quote(
    request: Request[Any, Any, Any],
    shop: NamedDependency[ShopState],
    data: JSONBody[QuoteIn],
    locale: FromQuery[ApiLocale | None] = None,
) -> LandedCostOut:
    loc = api_locale(locale) if locale else negotiate_locale(None, request.headers.get("accept-language"))
    translate = get_translations(loc).gettext
    try:
        answer = quote_json(
            msgspec.to_builtins(data),
            await shop.fx_cache.get(),
            shop.settings.tax_registrations,
            translate=translate,
        )
    except QuoteError as error:
        field = error_field(error)
        detail = translate(error.message) % error.params if error.params else translate(error.message)
        raise ApiProblem(
            422, detail, error.code, [{"field": field, "message": error.code}] if field else None
        ) from error
    return msgspec.convert(answer, LandedCostOut)


router = Router(
    path="/api/v1", route_handlers=[landed_cost_quote], tags=["quotes"], dto=StrictBody, return_dto=None
)
