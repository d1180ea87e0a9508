"""A translator in a real browser: kept to Japanese and Arabic, they clear their queue for a new
product; the shopper then sees the product in both languages; the German queue stays closed to
them."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from app.catalog.tables import Product, ProductTranslation
from app.staff.rules import Role
from tests.builders import load_demo, snapshot_rates, store_rates
from tests.database import run_async
from tests.e2e.admin_steps import create_product, keep, log_in
from tests.functional.admin import make_staff

CODE = "E2E-LANTERN"
NAMES = {"ja": "祭りのランタン", "ar": "فانوس المهرجان"}
DESCRIPTIONS = {"ja": "<p>手作りの<b>紙</b>ランタン。</p>", "ar": "<p>فانوس ورقي <b>مصنوع يدويًا</b>.</p>"}


def queue_links(page, locale: str):
    return page.locator(f'main table a[href^="/admin/translations/{locale}/"]')


def clear_queue(page, base: str, locale: str, shots: Path) -> list[str]:
    """Work through the queue of missing texts in order until it is empty (the demo catalogue's
    imported texts wait there for review too); the codes of what was translated."""
    done: list[str] = []
    for _ in range(10):
        page.goto(f"{base}/admin/translations/{locale}")
        page.locator("#queue-state").select_option("missing")
        page.locator('form.admin-filters button[type="submit"]').click()
        page.wait_for_load_state()
        if queue_links(page, locale).count() == 0:
            return done
        link = queue_links(page, locale).first
        done.append(link.inner_text())
        link.click()
        page.wait_for_load_state()
        if "/product/" in page.url:
            page.locator("#t-name").fill(NAMES[locale])
            page.locator("#t-description").fill(DESCRIPTIONS[locale])
            keep(page, shots, f"{locale}-translation-editor")
        else:  # an option axis or a category: fill what is still empty with a marked text
            for field in page.locator("form.admin-translation-form input:not([type=hidden])").all():
                if not field.input_value():
                    field.fill(f"{locale}-{field.get_attribute('name')}")
        page.locator('button[name="status"][value="reviewed"]').click()
        page.wait_for_load_state()
        assert "?done=" in page.url or "saved" in page.url, page.url
    raise AssertionError(f"the {locale} queue did not empty: {done}")


@pytest.mark.e2e
def test_a_translator_clears_their_queue_and_the_shopper_sees_it(
    browser, live_server: str, artifacts: Path
) -> None:
    run_async(load_demo(limit=20))
    run_async(store_rates(snapshot_rates()))
    run_async(make_staff(Role.OWNER))
    run_async(make_staff(Role.TRANSLATOR, locales=frozenset({"ja", "ar"})))
    shots = artifacts / "translator"
    shots.mkdir(exist_ok=True)

    owner, page = log_in(browser, live_server, Role.OWNER)
    create_product(page, live_server, CODE, "Paper lantern", "colour: red")
    owner.close()

    translator, page = log_in(browser, live_server, Role.TRANSLATOR)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/admin/translations")
    keep(page, shots, "coverage")
    coverage_links = {a.get_attribute("href") for a in page.locator("main a").all()}
    assert any(href and href.startswith("/admin/translations/ja") for href in coverage_links)
    assert not any(href and href.startswith("/admin/translations/de") for href in coverage_links)
    for locale in ("ja", "ar"):
        assert CODE in clear_queue(page, live_server, locale, shots)
    assert page.request.get(f"{live_server}/admin/translations/de").status == 403
    assert page.request.get(f"{live_server}/admin/translations/de/product/{CODE}").status == 403
    assert page.request.get(f"{live_server}/admin/products/{CODE}").status == 403  # no prices either
    translator.close()
    assert errors == []

    product = run_async(Product.select(Product.id).where(Product.code == CODE).first().run())
    shopper = browser.new_context(viewport={"width": 1280, "height": 900})
    shop = shopper.new_page()
    for locale, direction in (("ja", "ltr"), ("ar", "rtl")):
        row = run_async(
            ProductTranslation.select(ProductTranslation.slug, ProductTranslation.status)
            .where((ProductTranslation.product == product["id"]) & (ProductTranslation.locale == locale))
            .first()
            .run()
        )
        assert row["status"] == "reviewed"
        shop.goto(f"{live_server}/{locale}/p/{quote(row['slug'])}")
        heading = shop.locator("main h1")
        assert heading.inner_text() == NAMES[locale]
        assert heading.get_attribute("lang") is None  # its own language: no fallback marking
        assert shop.locator("html").get_attribute("dir") == direction
        assert shop.locator(".description b, .prose b").count() >= 1  # the allowed markup, rendered
        assert not re.search(r"&lt;b&gt;", shop.content())
        shop.screenshot(path=str(shots / f"{locale}-shop-product.png"), full_page=True)
    shopper.close()
