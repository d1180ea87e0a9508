"""The back office's customer screens: /admin/customers (pages, a search by exact email or order
number) and one customer's orders and addresses, with contact details masked unless the role may
see them or a reveal, written to the audit log, unmasks them for one response.

Searching must not turn into a way to test lists of emails for masked roles, so the search is a
POST (the email never enters a URL, a log line or the browser history), matches a whole email or
order number only (no prefixes to walk letter by letter), is limited per staff member, and each
email search by a role that sees emails masked is written to the audit log (with the customer's
key, never the typed email). Support still needs it: a customer writes in from their address.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from app.checkout.address import format_address_lines
from app.checkout.rules import normalise_order_number
from app.core.settings import get_settings
from app.i18n.formatting import country_name
from app.i18n.markers import N_
from app.orders.rules import STATUS_LABELS
from app.staff import auth
from app.staff.auth import actor_of, admin_locale, render_admin, requires
from app.staff.customers import (
    CustomerDetail,
    CustomerSummary,
    customer_by_email,
    customer_by_order,
    customer_page,
    load_customer,
    reveal_customer,
)
from app.staff.reveal import ContactAccess, contact_access
from app.staff.rules import Permission, email_is_valid, normalise_email
from app.staff.services import StaffMember, record_audit
from app.web.forms import read_form
from app.web.limits import Limit, count_attempt

# Enough for a support shift's look-ups; far too few to test a list of addresses.
EMAIL_SEARCH_PER_STAFF = Limit("admin-customer-email-search", 30, 60 * 60)
BAD_SEARCH = N_("Enter a whole email address or an order number.")
TOO_MANY_SEARCHES = N_("Too many email searches. Please wait %(minutes)s minutes, then try again.")
REVEALED = N_("Shown for this page only. Your viewing is recorded in the audit log.")


def page_number(request: Request[Any, Any, Any]) -> int:
    text = request.query_params.get("page", "1")
    return int(text) if text.isdigit() and 0 < len(text) < 7 else 1


def list_context(rows: list[CustomerSummary], access: ContactAccess, locale: str) -> dict[str, Any]:
    return {
        "rows": rows,
        "emails": {row.key: access.email(row.email) for row in rows},
        "countries": {row.country: country_name(row.country, locale) for row in rows if row.country},
    }


async def customers_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    rows: list[CustomerSummary],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[Any]:
    access = contact_access(staff.identity)
    locale = admin_locale(request, staff).code
    values = {"page": 1, "more": False, "searched": False, "q": "", **context}
    return render_admin(
        request,
        "admin/customers.html",
        {**values, **list_context(rows, access, locale)},
        member=staff,
        status=status,
        headers=headers,
    )


@get("/customers", name="admin-customers", guards=[requires(Permission.VIEW_CUSTOMERS)])
async def customers_list(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    page = page_number(request)
    settings = get_settings()
    rows, more = await customer_page(page, settings.shop_currency, settings.secret_key)
    return await customers_screen(request, staff, rows, page=page, more=more)


@post("/customers", name="admin-customers-search", guards=[requires(Permission.VIEW_CUSTOMERS)])
async def customers_search(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    form = await read_form(request)
    term = form.get("q", "").strip()[:254]
    settings = get_settings()
    currency, secret = settings.shop_currency, settings.secret_key
    found: CustomerSummary | None = None
    if "@" in term:
        email = normalise_email(term)
        if not email_is_valid(email):
            return await customers_screen(
                request, staff, [], status=400, searched=True, q=term, error=BAD_SEARCH
            )
        masked = not contact_access(staff.identity).full
        if masked:
            wait = await count_attempt(
                auth.limits_store_of(request), EMAIL_SEARCH_PER_STAFF, f"staff:{staff.id}"
            )
            if wait is not None:
                minutes = max(1, -(-wait // 60))
                return await customers_screen(
                    request,
                    staff,
                    [],
                    status=429,
                    headers={"Retry-After": str(max(wait, 1))},
                    searched=True,
                    q=term,
                    error=TOO_MANY_SEARCHES,
                    error_params={"minutes": minutes},
                )
        found = await customer_by_email(email, currency, secret)
        if masked:
            await record_audit(
                actor_of(request, staff),
                "customer.search_by_email",
                f"customer:{found.key}" if found else "",
                None,
                {"found": found is not None},
            )
    else:
        number = normalise_order_number(term)
        if not number:
            return await customers_screen(
                request, staff, [], status=400, searched=True, q=term, error=BAD_SEARCH
            )
        found = await customer_by_order(number, currency, secret)
    return await customers_screen(request, staff, [found] if found else [], searched=True, q=term)


def address_blocks(detail: CustomerDetail, access: ContactAccess, locale: str) -> list[list[str]]:
    blocks = []
    for address in detail.addresses:
        country = address.get("country_code", "")
        lines = format_address_lines(access.address(address))
        blocks.append([*lines, country_name(country, locale)] if country else lines)
    return blocks


async def customer_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    detail: CustomerDetail | None,
    *,
    revealed: bool = False,
) -> Response[Any]:
    if detail is None:
        return render_admin(request, "admin/customer.html", {"detail": None}, member=staff, status=404)
    access = contact_access(staff.identity, revealed)
    locale = admin_locale(request, staff).code
    return render_admin(
        request,
        "admin/customer.html",
        {
            "detail": detail,
            "summary": detail.summary,
            "email": access.email(detail.summary.email),
            "phones": [access.phone(phone) for phone in detail.phones],
            "addresses": address_blocks(detail, access, locale),
            "country": country_name(detail.summary.country, locale) if detail.summary.country else "",
            "status_labels": STATUS_LABELS,
            "full": access.full,
            "can_reveal": access.can_reveal,
            "notice": REVEALED if revealed else None,
        },
        member=staff,
    )


@get("/customers/{key:str}", name="admin-customer", guards=[requires(Permission.VIEW_CUSTOMERS)])
async def customer_detail(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], key: FromPath[str]
) -> Response[Any]:
    settings = get_settings()
    detail = await load_customer(key[:80], settings.shop_currency, settings.secret_key)
    return await customer_screen(request, staff, detail)


@post(
    "/customers/{key:str}/reveal",
    name="admin-customer-reveal",
    guards=[requires(Permission.VIEW_CUSTOMERS), requires(Permission.REVEAL_PERSONAL_DATA)],
)
async def customer_reveal(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], key: FromPath[str]
) -> Response[Any]:
    settings = get_settings()
    detail = await reveal_customer(
        actor_of(request, staff), key[:80], settings.shop_currency, settings.secret_key
    )
    # Shown on this response only (no redirect): reloading the page masks the data again.
    return await customer_screen(request, staff, detail, revealed=detail is not None)


CUSTOMER_HANDLERS = [customers_list, customers_search, customer_detail, customer_reveal]
