"""When to try a failed follow-up again (pure)."""

from __future__ import annotations

ORDER_CONFIRMATION = "order_confirmation"  # payload {"number", "link"}; app.notifications.orders sends it
# payload {"reference", "method"}: make sure an online payment was asked for and its answer applied,
# also when the shop died between committing the order and hearing from the provider
# (app.checkout.services.resume_payment). `method` is the provider's token, never card data.
PAYMENT_CAPTURE = "payment_capture"
# payload {"product_ids": [...]} or {"all": true}: bring the search index in line with the catalogue
# (app.search.services.sync_index).
SEARCH_SYNC = "search_sync"

MAX_ATTEMPTS = 12  # about a day and a half of retries, then it stays failed and visible
LEASE_SECONDS = 300  # a claimed row whose worker died is retried after this


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` failures: 30 s doubling, at most 4 h."""
    return min(30 * 2 ** max(attempts - 1, 0), 4 * 3600)
