"""The partner API under /api/v1/partner: a batch of customs declarations, streamed as JSON or CSV
(app/customs/stream.py), for a logistics partner's API key sent as `Authorization: Bearer <key>`.

Every request is checked in this order: a key (401), its rate limit (429), not revoked (401), its
scope (403), the parameters (400), its destinations (403). An accepted request writes its audit
row and the key's last use before the first byte is sent, and a second row with the totals once
the last byte is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from litestar import Request, Response, Router, get
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import QueryParameter
from litestar.response import Stream

from app.api.common import ApiProblem, problems
from app.api.schemas import ProblemOut, one_of, shop_countries
from app.customs.assemble import Batch
from app.customs.model import REASONS
from app.customs.stream import SCHEMA_PATH, Shape, Tally, batch_dict, export_text
from app.i18n.markers import N_
from app.partners.rules import (
    CUSTOMS_EXPORT,
    MAX_BATCH_DAYS,
    KeyGrant,
    batch_range_problem,
    bearer_token,
    export_destinations,
)
from app.partners.services import authenticate_key, record_event, record_use
from app.server.errors import problem_response
from app.shipping.rules import METHOD_NAMES
from app.web.limits import TOO_MANY_ATTEMPTS, Limit, client_address, count_attempt
from app.web.state import shop_of

SCHEME = "partnerKey"
SECURITY_SCHEMES = {
    SCHEME: SecurityScheme(
        type="http",
        scheme="bearer",
        description="A partner API key (`sfp_….…`), made by the shop's owner in the back office "
        "(/admin/partners) and shown once. Send it as `Authorization: Bearer <key>`.",
    )
}
COMPONENTS = Components(security_schemes=SECURITY_SCHEMES)  # type: ignore[arg-type]

# A partner fetches a batch a few times a day; a loop or a leaked key is stopped within the hour.
PER_KEY = Limit("partner-key", 60, 60 * 60)
GRANT = "partner_grant"  # scope state: the key the guard accepted
CHALLENGE = 'Bearer realm="partner-api"'

if TYPE_CHECKING:
    Carrier = str
    Destination = str
    Reason = str
else:
    Carrier = one_of(METHOD_NAMES)
    Destination = one_of(shop_countries())
    Reason = one_of(REASONS)


class PartnerRefused(ApiProblem):
    """A refusal answered as problem JSON with its own headers (WWW-Authenticate, Retry-After)."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        code: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(status_code, detail, code, params=params)
        self.headers = headers or {}


def refused_response(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if not isinstance(exc, PartnerRefused):  # pragma: no cover - the router maps only this type
        raise exc
    return problem_response(
        request, exc.status_code, exc.detail, code=exc.code, headers=exc.headers, params=exc.params
    )


def unauthorized(code: str, detail: str, challenge: str = CHALLENGE) -> PartnerRefused:
    return PartnerRefused(401, detail, code, headers={"WWW-Authenticate": challenge})


async def partner_key_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A valid, unrevoked key within its rate limit, with the customs-export scope."""
    token = bearer_token(connection.headers.get("authorization"))
    if token is None:
        raise unauthorized(
            "missing_key", N_("An API key is needed: send it as Authorization: Bearer followed by the key.")
        )
    grant = await authenticate_key(token)
    if grant is None:
        raise unauthorized(
            "invalid_key", N_("This API key is not valid."), f'{CHALLENGE}, error="invalid_token"'
        )
    ip = client_address(connection)  # type: ignore[arg-type]
    # Counted before the revoked and scope checks, so their audit rows are bounded too; the 429
    # itself is not audited (a runaway client would fill the log).
    wait = await count_attempt(shop_of(connection.app.state).limits, PER_KEY, grant.prefix)
    if wait is not None:
        raise PartnerRefused(
            429, TOO_MANY_ATTEMPTS, "too_many_requests", headers={"Retry-After": str(max(wait, 1))}
        )
    if grant.revoked:
        await record_event(grant, ip, "partner.refused", {"why": "revoked", "path": connection.url.path})
        raise unauthorized(
            "revoked_key", N_("This API key has been revoked."), f'{CHALLENGE}, error="invalid_token"'
        )
    if CUSTOMS_EXPORT not in grant.scopes:
        await record_event(grant, ip, "partner.refused", {"why": "scope", "path": connection.url.path})
        raise PartnerRefused(
            403,
            N_("This API key may not export customs data."),
            "insufficient_scope",
            headers={
                "WWW-Authenticate": f'{CHALLENGE}, error="insufficient_scope", scope="{CUSTOMS_EXPORT}"'
            },
        )
    connection.scope.setdefault("state", {})[GRANT] = grant


def accepted_grant(request: Request[Any, Any, Any]) -> KeyGrant:
    grant = request.scope.get("state", {}).get(GRANT)
    assert isinstance(grant, KeyGrant), "the route's guard accepts a key first"
    return grant


# --- the OpenAPI description ---------------------------------------------------------------------

DOCUMENT_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["schema", "batch", "shipments", "left_out", "exported", "left_out_count"],
    properties={
        "schema": Schema(
            type=OpenAPIType.STRING, description="Where each shipment's JSON Schema is published"
        ),
        "batch": Schema(
            type=OpenAPIType.OBJECT,
            description="What was asked: since, until, carriers, destinations, reason",
        ),
        "shipments": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(type=OpenAPIType.OBJECT, description=f"A declaration as {SCHEMA_PATH} says"),
        ),
        "left_out": Schema(
            type=OpenAPIType.ARRAY,
            description="Orders kept out of the batch, each with every problem (code, sku, message, params)",
            items=Schema(type=OpenAPIType.OBJECT),
        ),
        "exported": Schema(type=OpenAPIType.INTEGER),
        "left_out_count": Schema(type=OpenAPIType.INTEGER),
    },
)
LEFT_OUT_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["schema", "batch", "left_out", "exported", "left_out_count"],
    properties={
        key: value for key, value in (DOCUMENT_SCHEMA.properties or {}).items() if key != "shipments"
    },
)


@dataclass
class ShipmentsOperation(Operation):
    """The streamed 200 in its two media types (Litestar sees only a Stream)."""

    def __post_init__(self) -> None:
        if self.responses and "200" in self.responses:
            self.responses["200"] = OpenAPIResponse(
                description="The batch, streamed as it is read (chunked)",
                content={
                    "application/json": OpenAPIMediaType(schema=DOCUMENT_SCHEMA),
                    "text/csv": OpenAPIMediaType(
                        schema=Schema(
                            type=OpenAPIType.STRING,
                            description="A header, then one row per shipment line; shipments only",
                        )
                    ),
                },
            )


@dataclass
class LeftOutOperation(Operation):
    def __post_init__(self) -> None:
        if self.responses and "200" in self.responses:
            self.responses["200"] = OpenAPIResponse(
                description="The orders left out of the batch, streamed",
                content={"application/json": OpenAPIMediaType(schema=LEFT_OUT_SCHEMA)},
            )


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=ProblemOut,
        description=description,
        media_type="application/problem+json",
        generate_examples=False,
    )


RESPONSES = {
    **problems(429),
    400: _problem(
        "Bad parameters: a date that is not YYYY-MM-DD, the end before the start, more than "
        f"{MAX_BATCH_DAYS} days, an unknown carrier, destination, format or reason"
    ),
    401: _problem(
        "No key, a malformed or unknown key (`invalid_key`), or a revoked one (`revoked_key`);"
        " with `WWW-Authenticate: Bearer`"
    ),
    403: _problem(
        "The key may not export customs data (`insufficient_scope`), or a destination asked is"
        " not one of the key's (`destination_not_allowed`)"
    ),
}

PARAMETERS_DOC = f"""
- `since`, `until`: order dates (UTC), both included; at most {MAX_BATCH_DAYS} days.
- `carrier`: a shipping method (`standard`: postal, `express`: courier); repeatable; none: all.
- `destination`: an ISO country code; repeatable; none: all, or the key's own destinations when
  the key is restricted to some (one outside them is a 403).
- `reason`: the reason for export on every declaration (default `sale_of_goods`).

Only paid, shipped or delivered orders whose parcel crosses a customs border are in a batch. An
order with missing or invalid customs data is never exported half-filled: it is left out whole
and listed with each problem. Each request counts against the key's limit
({PER_KEY.attempts} an hour) and is written to the shop's audit log."""

SHIPMENTS_DOC = (
    """A batch of customs declarations (CN 22, CN 23, commercial invoice), streamed as the orders
are read, so a batch of any size starts at once and memory stays bounded.

- `format=json` (the default) is the complete answer: one object with `shipments` (each as the
  schema at `/api/v1/customs/schema.json` says), `left_out` (each order kept out, with its
  problems: `code`, `sku`, `message`, `params`), and the counts `exported` and `left_out_count`
  (last, so a cut-off transfer shows as invalid JSON).
- `format=csv` has the shipments only, a row per line (the columns of `storefront customs
  export`); the orders left out are at `/api/v1/partner/customs/left-out` with the same parameters.
"""
    + PARAMETERS_DOC
)


# --- the endpoints -------------------------------------------------------------------------------

SinceParam = Annotated[date, QueryParameter(description="First order date (YYYY-MM-DD, UTC)")]
UntilParam = Annotated[date, QueryParameter(description="Last order date, included")]
CarrierParam = Annotated[list[Carrier] | None, QueryParameter(description="Shipping method; repeatable")]
DestinationParam = Annotated[
    list[Destination] | None, QueryParameter(description="ISO country code; repeatable")
]
ReasonParam = Annotated[Reason, QueryParameter(description="Reason for export on every declaration")]


async def _start(
    request: Request[Any, Any, Any],
    shape: Shape,
    since: date,
    until: date,
    carrier: list[str] | None,
    destination: list[str] | None,
    reason: str,
) -> Stream:
    grant = accepted_grant(request)
    ip = client_address(request)
    problem = batch_range_problem(since, until)
    if problem is not None:
        raise PartnerRefused(400, problem[0], "invalid_range", params=problem[1])
    asked = tuple(dict.fromkeys(destination or ()))
    destinations = export_destinations(grant, asked)
    if destinations is None:
        outside = sorted(set(asked) - set(grant.destinations))
        await record_event(
            grant,
            ip,
            "partner.refused",
            {"why": "destination", "destinations": outside, "path": request.url.path},
        )
        raise PartnerRefused(
            403,
            N_("This API key may not export parcels to %(destinations)s."),
            "destination_not_allowed",
            params={"destinations": ", ".join(outside)},
        )
    batch = Batch(since, until, tuple(dict.fromkeys(carrier or ())), destinations)
    details = {"path": request.url.path, "shape": shape, **batch_dict(batch, reason)}
    await record_use(grant, ip, "partner.customs_export", details)
    settings = shop_of(request.app.state).settings
    tally = Tally()

    async def body() -> Any:
        async for piece in export_text(batch, settings, shape, reason=reason, tally=tally):
            yield piece.encode("utf-8")
        totals = {"shape": shape, "exported": tally.exported, "left_out": tally.left_out}
        await record_event(grant, ip, "partner.customs_export.done", totals)

    extension = "csv" if shape == "csv" else "json"
    name = f"customs-{since.isoformat()}-{until.isoformat()}.{extension}"
    return Stream(
        body(),
        media_type="text/csv; charset=utf-8" if shape == "csv" else "application/json",
        headers={"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{name}"'},
    )


@get(
    "/customs/shipments",
    name="partner-customs-shipments",
    guards=[partner_key_guard],
    summary="Customs declarations of a batch of orders",
    description=SHIPMENTS_DOC,
    security=[{SCHEME: []}],
    responses=RESPONSES,
    operation_class=ShipmentsOperation,
)
async def customs_shipments(
    request: Request[Any, Any, Any],
    since: SinceParam,
    until: UntilParam,
    carrier: CarrierParam = None,
    destination: DestinationParam = None,
    format_name: Annotated[
        Literal["json", "csv"],
        QueryParameter(name="format", description="json (complete) or csv (shipments only)"),
    ] = "json",
    reason: ReasonParam = "sale_of_goods",
) -> Stream:
    shape: Shape = "csv" if format_name == "csv" else "json_document"
    return await _start(request, shape, since, until, carrier, destination, reason)


@get(
    "/customs/left-out",
    name="partner-customs-left-out",
    guards=[partner_key_guard],
    summary="The orders a batch leaves out, with their problems",
    description="The `left_out` list of the JSON batch alone, for clients that take the CSV.\n"
    + PARAMETERS_DOC,
    security=[{SCHEME: []}],
    responses=RESPONSES,
    operation_class=LeftOutOperation,
)
async def customs_left_out(
    request: Request[Any, Any, Any],
    since: SinceParam,
    until: UntilParam,
    carrier: CarrierParam = None,
    destination: DestinationParam = None,
    reason: ReasonParam = "sale_of_goods",
) -> Stream:
    return await _start(request, "left_out", since, until, carrier, destination, reason)


router = Router(
    path="/api/v1/partner",
    route_handlers=[customs_shipments, customs_left_out],
    tags=["partner"],
    exception_handlers={PartnerRefused: refused_response},
)
