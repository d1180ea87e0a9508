"""The owner's partner-key screens under /admin/partners: the list with the new-key form, the page
that shows a new key once (never stored, never shown again), and revoking. Owner only; each change
writes an audit row."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from app.api.schemas import shop_countries
from app.i18n.markers import N_
from app.markets.regions import crosses_customs_border
from app.partners.rules import CUSTOMS_EXPORT, SCOPES, KeyForm, read_key_form
from app.partners.services import PartnerKeyError, create_key, list_keys, revoke_key
from app.staff.auth import actor_of, admin_url, render_admin, requires
from app.staff.rules import Permission
from app.staff.services import StaffMember
from app.web.forms import read_form
from app.web.pages import base_url
from app.web.state import request_shop

KEYS = Permission.MANAGE_PARTNER_KEYS

DONE = {"revoked": N_("The key is revoked: the partner's next request with it is refused.")}
NOT_CREATED = N_("The key was not created. Correct the fields marked below.")


async def list_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    *,
    form: KeyForm | None = None,
    status: int = 200,
    error: str | None = None,
) -> Response[Any]:
    values = form.values if form else {"name": "", "scope": CUSTOMS_EXPORT, "destinations": ""}
    return render_admin(
        request,
        "admin/partners.html",
        {
            "keys": await list_keys(),
            "scopes": SCOPES,
            "values": values,
            "field_errors": form.errors if form else {},
            "error": error,
            "notice": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
        },
        member=staff,
        status=status,
    )


@get("/partners", name="admin-partners", guards=[requires(KEYS)])
async def partners_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    return await list_screen(request, staff)


@post("/partners", name="admin-partner-create", guards=[requires(KEYS)])
async def partner_create(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    shop_country = request_shop(request).settings.shop_country
    form = read_key_form(
        await read_form(request),
        frozenset(shop_countries()),
        lambda code: crosses_customs_border(shop_country, code),
    )
    if form.errors:
        return await list_screen(request, staff, form=form, status=400, error=NOT_CREATED)
    view, key = await create_key(actor_of(request, staff), form.name, form.scopes, form.destinations)
    # The only time the key exists outside the partner's hands: rendered into this response (which
    # no cache keeps: render_admin sends no-store), never stored, never put in a URL or a session.
    return render_admin(
        request,
        "admin/partners_created.html",
        {"key": key, "view": view, "scopes": SCOPES, "base_url": base_url(request)},
        member=staff,
        status=201,
    )


@post("/partners/{key_id:int}/revoke", name="admin-partner-revoke", guards=[requires(KEYS)])
async def partner_revoke(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], key_id: FromPath[int]
) -> Response[Any]:
    try:
        await revoke_key(actor_of(request, staff), key_id)
    except PartnerKeyError as refused:
        return await list_screen(request, staff, status=404, error=refused.message)
    return Redirect(admin_url("partners", done="revoked"), status_code=303)


PARTNER_HANDLERS = [partners_page, partner_create, partner_revoke]
