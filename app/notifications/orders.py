"""The order confirmation email, in the order's language, with what was paid and what it equals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from typing import Any

from jinja2 import Environment

from app.checkout.address import format_address_lines
from app.core.settings import Settings, get_settings
from app.i18n.formatting import country_name
from app.i18n.jinja import create_environment
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.notifications.mailers import Mailer, OutboxMailer, SmtpMailer
from app.orders.rules import STATUS_LABELS
from app.orders.services import OrderView, load_order

log = logging.getLogger("storefront.mail")
SUBJECT = N_("Your order %(number)s at %(shop)s")


@cache
def email_templates() -> Environment:
    """The plain-text email environment, built on first use (nothing is built at import)."""
    return create_environment()


def configured_mailer(settings: Settings) -> Mailer:
    """SMTP when SMTP_HOST is set; otherwise an outbox folder under var/ (nothing leaves the machine)."""
    if settings.smtp_host:
        return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password)
    return OutboxMailer(settings.var_dir / "outbox")


def order_confirmation(order: OrderView, link: str, settings: Settings) -> EmailMessage:
    translate = get_translations(order.locale).gettext
    body = (
        email_templates()
        .get_template("emails/order_confirmation.txt")
        .render(
            locale_code=order.locale,
            order=order,
            status_label=STATUS_LABELS[order.status],
            address_lines=[
                *format_address_lines(order.shipping_address),
                country_name(order.shipping_country, order.locale),
            ],
            link=link,
            settings=settings,
        )
    )
    message = EmailMessage()
    message["Subject"] = translate(SUBJECT) % {
        "number": order.number,
        "shop": settings.shop_name,
    }
    message["From"] = settings.mail_from
    message["To"] = order.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=order.number, domain="storefront")
    message.set_content(body)
    message["Content-Language"] = order.locale  # after set_content, which resets Content-* headers
    return message


async def deliver_order_confirmation(payload: Mapping[str, Any], mailer: Mailer | None = None) -> None:
    """The outbox handler: build and send the email off the event loop; raises when it cannot
    (the outbox retries with backoff)."""
    settings = get_settings()
    number = str(payload["number"])
    message = order_confirmation(await load_order(number), str(payload["link"]), settings)
    await asyncio.to_thread((mailer or configured_mailer(settings)).send, message)
    log.info("order confirmation for %s sent", number)  # the number only: no personal data


async def send_order_confirmation(number: str, link: str, mailer: Mailer | None = None) -> bool:
    """Send it now (CLI resends, tests); a mail failure is logged, never raised."""
    try:
        await deliver_order_confirmation({"number": number, "link": link}, mailer)
    except Exception:
        log.exception("order confirmation for %s not sent", number)
        return False
    return True
