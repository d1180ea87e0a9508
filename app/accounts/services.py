"""Shopper accounts: sign-up, email verification, log-in, password reset, preferences and the
orders an account may see. Emails go through the outbox, written in the transaction that creates
the token, and are built from the row when delivered (the token is never stored)."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from moneyed import Money
from piccolo.columns.combination import WhereRaw

from app.accounts.rules import (
    TOKEN_LIFETIME,
    TokenPurpose,
    normalise_email,
    token_digest,
    token_id_of,
    token_text,
    token_usable,
)
from app.accounts.tables import Customer, CustomerToken
from app.core.money import from_minor
from app.core.passwords import hash_password, needs_rehash, verify_password
from app.core.settings import get_settings
from app.core.transactions import DUPLICATE_KEY_ERRORS, write_transaction
from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.notifications.mailers import Mailer
from app.orders.rules import Status
from app.orders.tables import Order
from app.outbox.services import enqueue

log = logging.getLogger("storefront.accounts")

# Outbox kinds; payloads hold ids, the base URL and the language, never a token or a password.
VERIFY_EMAIL = "customer_verify_email"  # {"token_id", "base_url", "locale"}
RESET_EMAIL = "customer_reset_email"  # {"token_id", "base_url", "locale"}
ACCOUNT_EXISTS_EMAIL = "customer_exists_email"  # {"customer_id", "base_url", "locale"}

VERIFY_SUBJECT = N_("Confirm your email address for %(shop)s")
RESET_SUBJECT = N_("Set a new password for your %(shop)s account")
EXISTS_SUBJECT = N_("You already have an account at %(shop)s")
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class CustomerView:
    id: int
    email: str
    verified_at: datetime | None
    preferred_locale: str
    preferred_currency: str
    auth_version: int
    created_at: datetime
    last_login_at: datetime | None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


def customer_of(row: Mapping[str, Any]) -> CustomerView:
    return CustomerView(
        id=row["id"],
        email=row["email"],
        verified_at=row["verified_at"],
        preferred_locale=row["preferred_locale"] if row["preferred_locale"] in LOCALES else "",
        preferred_currency=row["preferred_currency"],
        auth_version=row["auth_version"],
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
    )


async def customer_by_id(customer_id: int) -> CustomerView | None:
    row = await Customer.select().where(Customer.id == customer_id).first().run()
    return customer_of(row) if row else None


async def customer_by_email(email: str) -> CustomerView | None:
    row = await Customer.select().where(Customer.email == normalise_email(email)).first().run()
    return customer_of(row) if row else None


def account_path(locale: str, *parts: str) -> str:
    """A path of the account pages (emails need them; services know nothing of the web layer)."""
    return "/".join((f"/{locale}/account", *parts))


# --- tokens --------------------------------------------------------------------------------------


async def _issue_token(customer_id: int, purpose: TokenPurpose) -> int:
    """A new token row (inside the caller's transaction); older unused ones of the same purpose
    are spent, so only the latest email's link works."""
    now = int(time.time())
    await (
        CustomerToken.update({CustomerToken.used_at: datetime.now(UTC)})
        .where(
            (CustomerToken.customer == customer_id)
            & (CustomerToken.purpose == purpose.value)
            & CustomerToken.used_at.is_null()
        )
        .run()
    )
    expires_at = now + TOKEN_LIFETIME[purpose]
    rows = await CustomerToken.insert(
        CustomerToken(customer=customer_id, purpose=purpose.value, expires_at=expires_at)
    ).run()
    token_id = int(rows[0]["id"])
    token = token_text(get_settings().secret_key, purpose.value, token_id, customer_id, expires_at)
    await (
        CustomerToken.update({CustomerToken.token_hash: token_digest(token)})
        .where(CustomerToken.id == token_id)
        .run()
    )
    return token_id


async def _token_row(token: str, purpose: TokenPurpose) -> dict[str, Any] | None:
    """The row of a genuine, unused, unexpired token of this purpose."""
    token_id = token_id_of(token)
    if token_id is None:
        return None
    row = await CustomerToken.select().where(CustomerToken.id == token_id).first().run()
    if row is None or row["purpose"] != purpose.value or not row["token_hash"]:
        return None
    if not hmac.compare_digest(row["token_hash"], token_digest(token)):
        return None
    if not token_usable(row["used_at"] is not None, row["expires_at"], int(time.time())):
        return None
    return dict(row)


async def _spend(token_id: int) -> bool:
    """Mark a token used, once: a conditional UPDATE, so two submissions cannot both succeed."""
    spent = (
        await CustomerToken.update({CustomerToken.used_at: datetime.now(UTC)})
        .where(
            (CustomerToken.id == token_id)
            & CustomerToken.used_at.is_null()
            & (CustomerToken.expires_at > int(time.time()))
        )
        .returning(CustomerToken.id)
        .run()
    )
    return bool(spent)


# --- signing up and verifying --------------------------------------------------------------------


async def sign_up(email: str, password: str, locale: str, base_url: str) -> None:
    """Create an unverified account and queue its verification email; for an address that already
    has an account, queue an email saying so instead. The caller answers the same either way, and
    the password is hashed in both cases, so the time taken does not tell either."""
    email = normalise_email(email)
    password_hash = await hash_password(password)  # before the transaction: it takes a while
    try:
        async with write_transaction():
            existing = await Customer.select(Customer.id).where(Customer.email == email).first().run()
            if existing is not None:
                payload = {"customer_id": existing["id"], "base_url": base_url, "locale": locale}
                await enqueue(ACCOUNT_EXISTS_EMAIL, payload)
                return
            rows = await Customer.insert(
                Customer(email=email, password_hash=password_hash, preferred_locale=locale)
            ).run()
            token_id = await _issue_token(rows[0]["id"], TokenPurpose.VERIFY)
            await enqueue(VERIFY_EMAIL, {"token_id": token_id, "base_url": base_url, "locale": locale})
    except DUPLICATE_KEY_ERRORS:
        # The same address signed up at the same moment: that account exists, this one is not made.
        log.info("concurrent sign-up for one address; the first one stands")
        return
    log.info("customer account %s created", rows[0]["id"])  # the id only: no personal data in logs


async def resend_verification(customer: CustomerView, locale: str, base_url: str) -> bool:
    """A fresh verification link (the older ones stop working); False when already verified."""
    if customer.verified:
        return False
    async with write_transaction():
        token_id = await _issue_token(customer.id, TokenPurpose.VERIFY)
        await enqueue(VERIFY_EMAIL, {"token_id": token_id, "base_url": base_url, "locale": locale})
    return True


async def verify_email(token: str) -> CustomerView | None:
    """Spend a verification token and mark its account verified; None for a bad, used or expired one."""
    row = await _token_row(token, TokenPurpose.VERIFY)
    if row is None:
        return None
    async with write_transaction():
        if not await _spend(row["id"]):
            return None
        await (
            Customer.update({Customer.verified_at: datetime.now(UTC)})
            .where((Customer.id == row["customer"]) & Customer.verified_at.is_null())
            .run()
        )
    return await customer_by_id(row["customer"])


# --- logging in ----------------------------------------------------------------------------------


async def authenticate(email: str, password: str) -> CustomerView | None:
    """The account for these credentials. The password is checked (argon2) for an unknown address
    too, against a dummy hash, so the answer takes as long either way. A hash made with older
    argon2 parameters is replaced now that the password is known."""
    row = await Customer.select().where(Customer.email == normalise_email(email)).first().run()
    if not await verify_password(row["password_hash"] if row else None, password):
        return None
    assert row is not None
    values: dict[Any, Any] = {Customer.last_login_at: datetime.now(UTC)}
    if needs_rehash(row["password_hash"]):
        values[Customer.password_hash] = await hash_password(password)
    await Customer.update(values).where(Customer.id == row["id"]).run()
    return customer_of({**row, "last_login_at": values[Customer.last_login_at]})


async def session_customer(customer_id: int, auth_version: int) -> CustomerView | None:
    """The account behind a session, while its password has not changed since the session began."""
    customer = await customer_by_id(customer_id)
    if customer is None or customer.auth_version != auth_version:
        return None
    return customer


async def set_preferences(customer_id: int, locale: str, currency: str) -> None:
    await (
        Customer.update({Customer.preferred_locale: locale, Customer.preferred_currency: currency})
        .where(Customer.id == customer_id)
        .run()
    )


# --- password reset ------------------------------------------------------------------------------


async def request_password_reset(email: str, locale: str, base_url: str) -> bool:
    """Queue a reset email for an existing account (in the transaction that creates the token; a
    new token spends the older ones). Returns whether one was queued; callers answer the same."""
    customer = await customer_by_email(email)
    if customer is None:
        return False
    async with write_transaction():
        token_id = await _issue_token(customer.id, TokenPurpose.RESET)
        language = customer.preferred_locale or locale
        await enqueue(RESET_EMAIL, {"token_id": token_id, "base_url": base_url, "locale": language})
    return True


async def valid_reset_token(token: str) -> bool:
    return await _token_row(token, TokenPurpose.RESET) is not None


async def complete_password_reset(token: str, password: str) -> CustomerView | None:
    """Set the new password if the token is good and spend it (once). Every session of the account
    ends (auth_version moves); the inbox is proved, so the address counts as verified."""
    row = await _token_row(token, TokenPurpose.RESET)
    if row is None:
        return None
    password_hash = await hash_password(password)
    now = datetime.now(UTC)
    async with write_transaction():
        if not await _spend(row["id"]):
            return None
        await (
            Customer.update(
                {Customer.password_hash: password_hash, Customer.auth_version: Customer.auth_version + 1}
            )
            .where(Customer.id == row["customer"])
            .run()
        )
        await (
            Customer.update({Customer.verified_at: now})
            .where((Customer.id == row["customer"]) & Customer.verified_at.is_null())
            .run()
        )
    return await customer_by_id(row["customer"])


# --- orders --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderSummary:
    number: str
    created_at: datetime
    status: Status
    total: Money  # in the order's presentment currency, as charged


def _orders_of(customer: CustomerView) -> Any:
    """Orders placed while logged in to this account, and those placed with its (verified) address
    as a guest: the same LOWER(TRIM(email)) the shop_order_customer index covers."""
    return (Order.customer == customer.id) | WhereRaw("LOWER(TRIM(email)) = {}", customer.email)


async def order_history(customer: CustomerView) -> list[OrderSummary]:
    """The account's orders, newest first; none at all until the address is verified."""
    if not customer.verified:
        return []
    rows = (
        await Order.select(Order.number, Order.created_at, Order.status, Order.total_minor, Order.currency)
        .where(_orders_of(customer))
        .order_by(Order.id, ascending=False)
        .limit(HISTORY_LIMIT)
        .run()
    )
    return [
        OrderSummary(
            number=row["number"],
            created_at=row["created_at"],
            status=Status(row["status"]),
            total=from_minor(row["total_minor"], row["currency"]),
        )
        for row in rows
    ]


async def owns_order(customer: CustomerView, number: str) -> bool:
    """Whether this (verified) account may open the order: never another shopper's."""
    if not customer.verified:
        return False
    return bool(await Order.exists().where((Order.number == number) & _orders_of(customer)).run())


# --- emails (outbox handlers) --------------------------------------------------------------------


def account_email(
    to: str, locale: str, subject: str, template: str, context: Mapping[str, Any]
) -> EmailMessage:
    from app.notifications.orders import email_templates

    settings = get_settings()
    locale = locale if locale in LOCALES else "en"
    body = email_templates().get_template(template).render(locale_code=locale, settings=settings, **context)
    message = EmailMessage()
    message["Subject"] = get_translations(locale).gettext(subject) % {"shop": settings.shop_name}
    message["From"] = settings.mail_from
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="storefront")
    message.set_content(body)
    message["Content-Language"] = locale  # after set_content, which resets Content-* headers
    return message


async def _send(message: EmailMessage, mailer: Mailer | None) -> None:
    from app.notifications.orders import configured_mailer

    await asyncio.to_thread((mailer or configured_mailer(get_settings())).send, message)


async def _token_email(payload: Mapping[str, Any], purpose: TokenPurpose, mailer: Mailer | None) -> None:
    """Build the token again from its row and SECRET_KEY; a token used or expired meanwhile (a
    newer one was asked for, or the link was already followed) is not sent."""
    token_id = int(payload["token_id"])
    row = await CustomerToken.select().where(CustomerToken.id == token_id).first().run()
    if row is None or not token_usable(row["used_at"] is not None, row["expires_at"], int(time.time())):
        log.info("customer %s email %s not sent: used or expired", purpose.value, token_id)
        return
    customer = await customer_by_id(row["customer"])
    if customer is None:
        return
    token = token_text(get_settings().secret_key, purpose.value, token_id, customer.id, row["expires_at"])
    locale = str(payload.get("locale") or customer.preferred_locale or "en")
    locale = locale if locale in LOCALES else "en"
    base = str(payload["base_url"]).rstrip("/")
    if purpose is TokenPurpose.VERIFY:
        link = base + account_path(locale, "verify", token)
        context = {"link": link, "hours": TOKEN_LIFETIME[purpose] // 3600}
        message = account_email(customer.email, locale, VERIFY_SUBJECT, "emails/account_verify.txt", context)
    else:
        link = base + account_path(locale, "reset", token)
        context = {"link": link, "minutes": TOKEN_LIFETIME[purpose] // 60}
        message = account_email(customer.email, locale, RESET_SUBJECT, "emails/account_reset.txt", context)
    await _send(message, mailer)
    log.info("customer %s email %s sent", purpose.value, token_id)


async def deliver_verification(payload: Mapping[str, Any], mailer: Mailer | None = None) -> None:
    await _token_email(payload, TokenPurpose.VERIFY, mailer)


async def deliver_reset(payload: Mapping[str, Any], mailer: Mailer | None = None) -> None:
    await _token_email(payload, TokenPurpose.RESET, mailer)


async def deliver_account_exists(payload: Mapping[str, Any], mailer: Mailer | None = None) -> None:
    """Someone signed up with an address that has an account: tell its owner, with the way in."""
    customer = await customer_by_id(int(payload["customer_id"]))
    if customer is None:
        return
    locale = str(payload.get("locale") or customer.preferred_locale or "en")
    locale = locale if locale in LOCALES else "en"
    base = str(payload["base_url"]).rstrip("/")
    context = {
        "login_link": base + account_path(locale, "login"),
        "reset_link": base + account_path(locale, "reset"),
    }
    message = account_email(customer.email, locale, EXISTS_SUBJECT, "emails/account_exists.txt", context)
    await _send(message, mailer)
    log.info("customer %s told of a sign-up with their address", customer.id)
