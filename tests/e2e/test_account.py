"""A shopper account in a real browser, in French and in right-to-left Arabic: sign up, confirm
the address from the emailed link, log in, see an earlier guest order in the history and open it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.database import run_async
from tests.functional.account import (
    PASSWORD,
    body_of,
    forget_shop_store,
    guest_order,
    links_in_mail,
    sent_mail,
)


def wait_for_link(kind: str, address: str, timeout: float = 15) -> str:
    """The account link emailed to `address` (the live server writes .eml files under VAR_DIR)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sent_mail():
            if message["To"] == address:
                found = re.findall(rf"(/[a-z-]+/account/{kind}/[0-9]+\.[0-9a-f]{{64}})", body_of(message))
                if found:
                    return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no {kind} email for {address}: {links_in_mail(kind)}")


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_shopper_signs_up_verifies_logs_in_and_sees_an_order(
    browser, live_server: str, artifacts: Path, locale: str
) -> None:
    forget_shop_store()
    folder = artifacts / "account"
    folder.mkdir(parents=True, exist_ok=True)
    address = f"{locale}-account@example.com"
    number = run_async(guest_order(address))  # placed earlier as a guest, with the same address

    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server}/{locale}/")
    page.locator("a.account-link").click()  # the header's link: not logged in yet, so the login page
    page.wait_for_url(re.compile(rf"/{locale}/account/login"))
    assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
    page.locator(f'a[href="/{locale}/account/signup"]').first.click()
    page.wait_for_url(re.compile(rf"/{locale}/account/signup$"))
    page.locator("#account-email").fill(address)
    page.locator("#account-password").fill("short")
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    assert page.locator("#account-password").get_attribute("aria-invalid") == "true"
    assert page.locator("#account-email").input_value() == address  # kept; the password is not
    assert page.locator("#account-password").input_value() == ""
    page.screenshot(path=str(folder / f"{locale}-1-signup-error.png"), full_page=True)
    page.locator("#account-password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    assert address in page.locator("main").inner_text()
    page.screenshot(path=str(folder / f"{locale}-2-check-inbox.png"), full_page=True)

    link = wait_for_link("verify", address)
    assert link.startswith(f"/{locale}/account/verify/")  # in the language the shopper signed up in
    response = page.goto(f"{live_server}{link}")
    assert response is not None and response.status == 200
    assert page.locator("main h1 + p.notice").count() == 1
    page.screenshot(path=str(folder / f"{locale}-3-verified.png"), full_page=True)

    page.goto(f"{live_server}/{locale}/account/login")
    page.locator("#account-email").fill(address)
    page.locator("#account-password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    page.wait_for_url(re.compile(rf"/{locale}/account$"))
    history = page.locator("table.account-orders")
    assert number in history.inner_text()
    page.screenshot(path=str(folder / f"{locale}-4-history.png"), full_page=True)

    history.locator(f'a:has-text("{number}")').click()
    page.wait_for_url(re.compile(rf"/{locale}/orders/{number}\?key="))
    assert number in page.locator("h1").inner_text()
    page.screenshot(path=str(folder / f"{locale}-5-order.png"), full_page=True)

    page.goto(f"{live_server}/{locale}/account")
    page.locator(f'form[action="/{locale}/account/logout"] button').click()
    page.wait_for_url(re.compile(rf"/{locale}/$"))
    page.goto(f"{live_server}/{locale}/account")
    assert re.search(rf"/{locale}/account/login", page.url)
    assert errors == []
    context.close()
