"""Which handler delivers each kind of outbox row, and a delivery pass over what is due."""

from __future__ import annotations

from app.accounts.services import (
    ACCOUNT_EXISTS_EMAIL,
    RESET_EMAIL,
    VERIFY_EMAIL,
    deliver_account_exists,
    deliver_reset,
    deliver_verification,
)
from app.checkout.services import resume_payment
from app.notifications.orders import deliver_order_confirmation
from app.outbox.rules import ORDER_CONFIRMATION, PAYMENT_CAPTURE, SEARCH_SYNC
from app.outbox.services import Handler, deliver_due
from app.search.services import sync_index
from app.staff.services import PASSWORD_RESET, deliver_password_reset

HANDLERS: dict[str, Handler] = {
    PAYMENT_CAPTURE: resume_payment,
    ORDER_CONFIRMATION: deliver_order_confirmation,
    SEARCH_SYNC: sync_index,
    PASSWORD_RESET: deliver_password_reset,
    VERIFY_EMAIL: deliver_verification,
    RESET_EMAIL: deliver_reset,
    ACCOUNT_EXISTS_EMAIL: deliver_account_exists,
}


async def deliver_pending() -> int:
    """Deliver every due follow-up (after a commit, on the worker's schedule, or `storefront worker`)."""
    return await deliver_due(HANDLERS)
