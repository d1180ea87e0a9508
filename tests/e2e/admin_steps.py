"""Back-office steps in a real browser, shared by the end-to-end tests."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from app.catalog.tables import Category
from app.staff.rules import Role
from tests.database import run_async
from tests.functional.admin import PASSWORD


def png(path: Path) -> Path:
    picture = Image.new("RGB", (640, 640), (200, 60, 40))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def log_in(browser, base: str, role: Role, locale: str = "en"):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/admin/login")
    page.locator("#login-email").fill(f"{role.value}@shop.test")
    page.locator("#login-password").fill(PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base}/admin/")
    return context, page


def keep(page, folder: Path, name: str) -> None:
    """A screenshot, and the page's HTML for the audit kit (it cannot log in itself)."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    (folder / "html").mkdir(exist_ok=True)
    served = page.request.get(page.url)  # the bytes the server sends, not the DOM after scripts
    assert served.ok, (page.url, served.status)
    (folder / "html" / f"{name}.html").write_bytes(served.body())


def create_product(
    page,
    base: str,
    code: str,
    name: str,
    options: str,
    stock: int = 5,
    on_form: Callable[[], None] | None = None,
) -> None:
    """As the logged-in owner: a new product with its variants, stock on each, published
    (`on_form`: called with the new-product form filled in, before it is sent)."""
    page.goto(f"{base}/admin/products/new")
    category = run_async(Category.select(Category.id).order_by(Category.id).first().run())
    page.locator("#code").fill(code)
    page.locator("#category").select_option(str(category["id"]))
    page.locator("#name").fill(name)
    page.locator("#description").fill("Organic cotton, <b>screen-printed</b> in Porto.")
    page.locator("#price").fill("20.00")
    page.locator("#options").fill(options)
    page.locator("#hs_code").fill("610910")
    page.locator("#origin_country").fill("PT")
    page.locator("#weight_grams").fill("180")
    for key in ("length_mm", "width_mm", "height_mm"):
        page.locator(f"#{key}").fill("300")
    if on_form is not None:
        on_form()
    page.locator('form[action="/admin/products/new"] button[type=submit]').click()
    page.wait_for_url(re.compile(rf"/admin/products/{code}\?done="))
    stock_fields = page.locator("input[id^=stock_]")
    for index in range(stock_fields.count()):
        stock_fields.nth(index).fill(str(stock))
    page.locator("input[name=published]").check()
    page.locator("input[id^=stock_]").first.press("Enter")
    page.wait_for_url(re.compile(rf"/admin/products/{code}\?done=saved"))
