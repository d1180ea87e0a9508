"""The back office in a real browser, end to end: the owner creates a product with two variants and
an image and publishes it; a shopper buys it on /ja/ by bank transfer; fulfilment marks it paid
and ships it; support sees it but cannot refund; the owner refunds half; the audit log shows each
step. Screenshots of the admin pages in English and Arabic (right-to-left) go to test-artifacts/,
with each page's HTML for the audit kit (see README, "Back office")."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from app.orders.tables import Order
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from tests.builders import load_demo, snapshot_rates, store_rates
from tests.database import run_async
from tests.e2e.admin_steps import create_product, keep, log_in, png
from tests.functional.admin import make_staff

CODE = "E2E-TEE"
JAPAN = {"name": "山田花子", "postal_code": "100-0001", "street_address": "千代田区千代田1-1"}


def audit_actions() -> list[str]:
    rows = run_async(StaffAuditLog.select(StaffAuditLog.action).order_by(StaffAuditLog.id).run())
    return [row["action"] for row in rows]


@pytest.mark.e2e
def test_owner_creates_shopper_buys_fulfilment_ships_support_looks_owner_refunds(
    browser, live_server: str, artifacts: Path, tmp_path: Path
) -> None:
    run_async(load_demo(limit=20))
    run_async(store_rates(snapshot_rates()))
    for role in (Role.OWNER, Role.FULFILMENT, Role.SUPPORT):
        run_async(make_staff(role))
    shots = artifacts / "admin"
    shots.mkdir(exist_ok=True)
    errors: list[str] = []

    # --- the owner creates the product, adds stock and an image, publishes it -------------------
    owner, page = log_in(browser, live_server, Role.OWNER)
    page.on("pageerror", lambda error: errors.append(str(error)))
    keep(page, shots, "en-1-overview")
    create_product(
        page,
        live_server,
        CODE,
        "Festival tee",
        "size: S, M",
        on_form=lambda: keep(page, shots, "en-2-new-product"),
    )
    assert page.locator("input[id^=stock_]").count() == 2  # S and M
    keep(page, shots, "en-3-product")
    page.goto(f"{live_server}/admin/products/{CODE}/images")
    page.locator("input[name=image]").set_input_files(str(png(tmp_path / "tee.png")))
    page.locator("input[name=alt]").first.fill("A red festival tee")
    page.locator("input[name=image]").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main img").count() >= 1
    keep(page, shots, "en-4-images")

    # --- a shopper buys size S on the Japanese shop, by bank transfer ----------------------------
    shopper = browser.new_context(locale="ja", viewport={"width": 1280, "height": 900})
    shop = shopper.new_page()
    shop.on("pageerror", lambda error: errors.append(str(error)))
    shop.goto(f"{live_server}/ja/p/festival-tee")  # no Japanese text yet: the English one serves
    assert shop.locator("main img[src^='/media/']").count() >= 1  # the uploaded picture
    keep(shop, shots, "ja-1-product")
    shop.locator('input[name="opt_size"]').first.check()
    shop.locator("form.add-form button[type=submit]").click()
    shop.wait_for_url(re.compile(r"/cart\?added="))
    shop.locator("a.button.primary").click()
    if shop.locator("#country").input_value() != "JP":
        with shop.expect_navigation():
            shop.locator("#country").select_option("JP")
    shop.wait_for_selector("#addr-street_address")
    shop.locator("#email").fill("hanako@example.com")
    for name, value in JAPAN.items():
        shop.locator(f"#addr-{name}").fill(value)
    with shop.expect_navigation():
        shop.locator("#addr-country_area").select_option("東京都")
    shop.locator('input[name="payment_method"][value="manual"]').check()
    shop.locator("form.checkout-form button.primary").click()
    shop.wait_for_url(re.compile(r"/ja/orders/SF-[A-Z0-9]{8}\?key="))
    number = re.search(r"SF-[A-Z0-9]{8}", shop.url).group(0)
    shopper.close()
    order_page = f"{live_server}/admin/orders/{number}"

    # --- fulfilment records the transfer and ships -----------------------------------------------
    fulfilment, page = log_in(browser, live_server, Role.FULFILMENT)
    page.goto(order_page)
    page.locator(f'form[action="/admin/orders/{number}/mark-paid"] button').click()
    page.wait_for_url(re.compile(r"\?done=paid"))
    page.locator("#ship-carrier").fill("Japan Post")
    page.locator(f'form[action="/admin/orders/{number}/ship"] input[name=tracking]').fill("EJ123456789JP")
    page.locator(f'form[action="/admin/orders/{number}/ship"] button').click()
    page.wait_for_url(re.compile(r"\?done="))
    assert page.locator(f'form[action="/admin/orders/{number}/refund"]').count() == 0  # the owner's
    fulfilment.close()

    # --- support sees the order but has no refund, and the server refuses one --------------------
    support, page = log_in(browser, live_server, Role.SUPPORT)
    page.goto(order_page)
    assert number in page.locator("h1").inner_text()
    assert page.locator(f'form[action="/admin/orders/{number}/refund"]').count() == 0
    token = page.locator('input[name="_csrf_token"]').first.get_attribute("value")
    refused = page.request.post(
        f"{order_page}/refund", form={"_csrf_token": token, "amount": "1", "key": "admin-" + "x" * 30}
    )
    assert refused.status == 403
    support.close()

    # --- the owner refunds half -------------------------------------------------------------------
    page = owner.pages[0]
    page.goto(order_page)
    total = run_async(
        Order.select(Order.total_minor, Order.currency).where(Order.number == number).first().run()
    )
    assert total["currency"] == "JPY"
    half = Decimal(total["total_minor"]) // 2  # yen have no minor unit
    page.locator(f'form[action="/admin/orders/{number}/refund"] input[name=amount]').fill(str(half))
    page.locator(f'form[action="/admin/orders/{number}/refund"] button').click()
    page.wait_for_url(re.compile(r"\?done=refunded"))
    keep(page, shots, "en-5-order")
    refunded = run_async(
        Order.select(Order.status, Order.refunded_minor).where(Order.number == number).first().run()
    )
    assert refunded == {"status": "partially_refunded", "refunded_minor": int(half)}

    page.goto(f"{live_server}/admin/audit")
    keep(page, shots, "en-6-audit")
    listed = page.locator("main").inner_text()
    for action in ("product.create", "product.image.add", "order.mark_paid", "order.refund"):
        assert action in listed, action
    actions = audit_actions()
    steps = [
        "product.create",
        "product.update",
        "product.image.add",
        "order.mark_paid",
        "order.ship",
        "order.refund",
    ]
    positions = [actions.index(step) for step in steps]
    assert positions == sorted(positions), actions  # in the order they happened

    # --- the same screens in Arabic, right to left -----------------------------------------------
    page.locator("#admin-language").select_option("ar")
    page.locator('form[action="/admin/language"] button').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    for name, path in (
        ("ar-1-overview", "/admin/"),
        ("ar-2-dashboard", "/admin/dashboard"),
        ("ar-3-products", "/admin/products"),
        ("ar-4-product", f"/admin/products/{CODE}"),
        ("ar-5-order", f"/admin/orders/{number}"),
        ("ar-6-audit", "/admin/audit"),
        ("ar-7-translations", "/admin/translations"),
    ):
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == "ar"
        keep(page, shots, name)
    owner.close()
    assert errors == []
