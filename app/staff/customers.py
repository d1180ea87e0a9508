"""The back office's customers: orders grouped by normalised email (there are no shopper accounts
yet), what each customer spent in the shop's currency, and the opaque keys their pages go by.

A key is `<order id>-<HMAC of the normalised email>`: the id finds one of the customer's orders by
its primary key, the HMAC (keyed with the app secret) proves the key was issued for that email, so
no URL, and therefore no log line, carries an email, and a tampered key matches nobody.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moneyed import Money
from piccolo.columns.combination import WhereRaw

from app.core.money import from_minor
from app.core.transactions import write_transaction
from app.orders.rules import Status
from app.orders.tables import Order
from app.staff.reveal import record_reveal
from app.staff.services import Actor

CUSTOMERS_PAGE_SIZE = 50
DETAIL_ORDERS = 100  # the customer page lists this many newest orders (the count covers all)
REVEALED_FIELDS = ("email", "phone", "address")
# Orders whose money the shop holds: a partially refunded order counts with what was kept; a
# refunded one kept nothing, and unpaid or cancelled ones never had any.
SPENDING_STATUSES = (Status.PAID, Status.SHIPPED, Status.DELIVERED, Status.PARTIALLY_REFUNDED)
# SQL, in constants (values are always bound parameters). LOWER(TRIM(email)) is the one definition
# of "the same customer": the checkout stores emails lower case; this also folds older rows. An
# order from before the settlement columns was settled in its own currency.
_SUMMARY_SELECT = (
    "SELECT LOWER(TRIM(email)) AS customer, COUNT(*) AS orders, MIN(id) AS first_id, MAX(id) AS last_id, "
    "SUM(CASE WHEN status IN ({}, {}, {}, {}) AND COALESCE(NULLIF(settlement_currency, ''), currency) = {} "
    "THEN settlement_total_minor - refunded_settlement_minor ELSE 0 END) AS spent, "
    "SUM(CASE WHEN status IN ({}, {}, {}, {}) AND COALESCE(NULLIF(settlement_currency, ''), currency) <> {} "
    "THEN 1 ELSE 0 END) AS elsewhere FROM shop_order "
)
_SUMMARY_GROUP = " GROUP BY LOWER(TRIM(email)) ORDER BY MAX(id) DESC LIMIT {} OFFSET {}"
EVERYONE = ""
WITH_EMAIL = "WHERE LOWER(TRIM(email)) = {}"  # an already normalised email
WITH_TYPED_EMAIL = "WHERE LOWER(TRIM(email)) = LOWER(TRIM(CAST({} AS TEXT)))"
WITH_ORDER = (
    "WHERE LOWER(TRIM(email)) = (SELECT LOWER(TRIM(email)) FROM shop_order WHERE number = {} LIMIT 1)"
)
SAME_CUSTOMER = "LOWER(TRIM(email)) = {}"
EMAIL_OF_ORDER = "SELECT LOWER(TRIM(email)) AS customer FROM shop_order WHERE id = {}"
KEY_PATTERN = re.compile(r"([1-9][0-9]{0,17})-([0-9a-f]{32})")


# --- keys (pure) ---------------------------------------------------------------------------------


def customer_mac(secret: str, email: str) -> str:
    return hmac.new(secret.encode(), f"customer:{email}".encode(), hashlib.sha256).hexdigest()[:32]


def customer_key(secret: str, order_id: int, email: str) -> str:
    return f"{order_id}-{customer_mac(secret, email)}"


def parse_customer_key(key: str) -> tuple[int, str] | None:
    match = KEY_PATTERN.fullmatch(key)
    return (int(match.group(1)), match.group(2)) if match else None


# --- what the screens show -----------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerSummary:
    key: str
    email: str  # normalised
    orders: int  # every order, whatever its status
    spent: Money  # settlement amounts net of refunds, in the shop's currency
    other_currency_orders: int  # paid orders settled in another currency (not in `spent`)
    last_order_at: datetime
    country: str  # the newest order's destination


@dataclass(frozen=True)
class CustomerOrder:
    number: str
    status: Status
    created_at: datetime
    total: Money
    refunded: Money
    country: str


@dataclass(frozen=True)
class CustomerDetail:
    summary: CustomerSummary
    orders: list[CustomerOrder]
    addresses: list[dict[str, str]]  # distinct shipping addresses, newest first, without phones
    phones: list[str]  # distinct, newest first


def distinct_contacts(addresses: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[str]]:
    """The different addresses (phone aside) and phones of orders given newest first."""
    seen: set[tuple[tuple[str, str], ...]] = set()
    places: list[dict[str, str]] = []
    phones: list[str] = []
    for address in addresses:
        phone = str(address.get("phone", "")).strip()
        if phone and phone not in phones:
            phones.append(phone)
        place = {key: str(value) for key, value in address.items() if key != "phone" and str(value).strip()}
        identity = tuple(sorted((key, value.strip().casefold()) for key, value in place.items()))
        if identity not in seen:
            seen.add(identity)
            places.append(place)
    return places, phones


# --- queries -------------------------------------------------------------------------------------


async def _summaries(
    where: str, args: list[Any], currency: str, secret: str, limit: int, offset: int = 0
) -> list[CustomerSummary]:
    """Customers matching `where` (SQL over shop_order with `{}` placeholders), newest first.

    Grouped and summed in the database (one row per customer, whatever the number of orders);
    money stays in integer minor units throughout.
    """
    spending = [status.value for status in SPENDING_STATUSES]
    params = [*spending, currency, *spending, currency, *args, limit, offset]
    rows = await Order.raw(_SUMMARY_SELECT + where + _SUMMARY_GROUP, *params).run()
    if not rows:
        return []
    newest = {
        row["id"]: row
        for row in await Order.select(Order.id, Order.created_at, Order.shipping_country)
        .where(Order.id.is_in([int(row["last_id"]) for row in rows]))
        .run()
    }
    return [
        CustomerSummary(
            key=customer_key(secret, int(row["first_id"]), row["customer"]),
            email=row["customer"],
            orders=int(row["orders"]),
            spent=from_minor(int(row["spent"] or 0), currency),  # PostgreSQL sums to numeric
            other_currency_orders=int(row["elsewhere"] or 0),
            last_order_at=newest[int(row["last_id"])]["created_at"],
            country=newest[int(row["last_id"])]["shipping_country"],
        )
        for row in rows
    ]


async def customer_page(page: int, currency: str, secret: str) -> tuple[list[CustomerSummary], bool]:
    """One page of customers, the most recent buyer first, and whether there is a next page."""
    page = max(page, 1)
    rows = await _summaries(
        EVERYONE, [], currency, secret, CUSTOMERS_PAGE_SIZE + 1, (page - 1) * CUSTOMERS_PAGE_SIZE
    )
    return rows[:CUSTOMERS_PAGE_SIZE], len(rows) > CUSTOMERS_PAGE_SIZE


async def customer_by_email(email: str, currency: str, secret: str) -> CustomerSummary | None:
    """The customer with exactly this email (any case), or None: no partial matches."""
    found = await _summaries(WITH_TYPED_EMAIL, [email], currency, secret, 1)
    return found[0] if found else None


async def customer_by_order(number: str, currency: str, secret: str) -> CustomerSummary | None:
    """The customer who placed order `number` (already normalised), or None."""
    found = await _summaries(WITH_ORDER, [number], currency, secret, 1)
    return found[0] if found else None


async def _email_of(key: str, secret: str) -> str | None:
    """The normalised email a key was issued for; None for a malformed, tampered or stale key."""
    parsed = parse_customer_key(key)
    if parsed is None:
        return None
    order_id, mac = parsed
    rows = await Order.raw(EMAIL_OF_ORDER, order_id).run()
    if not rows or not hmac.compare_digest(customer_mac(secret, rows[0]["customer"]), mac):
        return None
    return str(rows[0]["customer"])


def _address(value: Any) -> dict[str, str]:
    raw = json.loads(value) if isinstance(value, str) else dict(value or {})
    return {str(key): str(item) for key, item in raw.items()} if isinstance(raw, dict) else {}


async def load_customer(key: str, currency: str, secret: str) -> CustomerDetail | None:
    email = await _email_of(key, secret)
    if email is None:
        return None
    summaries = await _summaries(WITH_EMAIL, [email], currency, secret, 1)
    if not summaries:
        return None
    rows = (
        await Order.select(
            Order.number,
            Order.status,
            Order.created_at,
            Order.currency,
            Order.total_minor,
            Order.refunded_minor,
            Order.shipping_country,
            Order.shipping_address,
        )
        .where(WhereRaw(SAME_CUSTOMER, email))
        .order_by(Order.id, ascending=False)
        .limit(DETAIL_ORDERS)
        .run()
    )
    places, phones = distinct_contacts([_address(row["shipping_address"]) for row in rows])
    orders = [
        CustomerOrder(
            number=row["number"],
            status=Status(row["status"]),
            created_at=row["created_at"],
            total=from_minor(row["total_minor"], row["currency"]),
            refunded=from_minor(row["refunded_minor"], row["currency"]),
            country=row["shipping_country"],
        )
        for row in rows
    ]
    return CustomerDetail(summaries[0], orders, places, phones)


async def reveal_customer(actor: Actor, key: str, currency: str, secret: str) -> CustomerDetail | None:
    """The customer's page data, once the reveal is in the audit log (None: no such customer)."""
    detail = await load_customer(key, currency, secret)
    if detail is not None:
        async with write_transaction():
            await record_reveal(actor, "customer", detail.summary.key, REVEALED_FIELDS)
    return detail
