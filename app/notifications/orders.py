"""The order confirmation email, in the order's language, with what was paid and what it equals."""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache

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


async def send_order_confirmation(number: str, link: str, mailer: Mailer | None = None) -> bool:
    """Send it off the event loop; a mail failure never fails the order (it is logged)."""
    settings = get_settings()
    try:
        message = order_confirmation(await load_order(number), link, settings)
        await asyncio.to_thread((mailer or configured_mailer(settings)).send, message)
    except Exception:
        log.exception("order confirmation for %s not sent", number)  # the number only: no personal data
        return False
    log.info("order confirmation for %s sent", number)
    return True
