"""The customs PDF (issue 12): representative orders placed through the checkout (a courier parcel to
Japan, a small packet to the UK, a heavy parcel to Switzerland) rendered in English, Japanese and
Arabic. Every page is turned into a PNG (kept under test-artifacts/customs/) that must carry ink,
and the text layer must hold each line's HS code, the order number, the Japanese product name and
the translated labels. Then the back-office download and its reason for export."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image

from app.core.settings import PROJECT_ROOT, get_settings
from app.customs.assemble import order_outcome
from app.customs.model import Party, Shipment
from app.customs.pdf_out import pdf_document
from app.i18n.translations import get_translations
from app.orders.tables import Order, OrderLine
from app.staff.customs_controllers import UNKNOWN_REASON
from app.staff.rules import Role
from app.staff.services import set_ui_locale
from tests.customs.orders import catalogue, order, pin
from tests.functional.admin import SETUP, forget_admin_store, login, make_staff
from tests.html import tags

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "customs"
SCALE = 100 / 72  # 100 dpi: enough to read the layout, small enough to keep
INK = 200  # a grey level below this counts as ink
# The share of ink pixels an A4 page must have. Measured: a page with only its footer has 0.01 %,
# the sparsest document page (the Japanese courier invoice) about 2.5 %.
MIN_INK = 0.01
EXPECTED_PAGES = {"T-JP": 1, "T-GB": 2, "T-CH": 2}  # the post carrying a sale adds an invoice


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def placed(reason: str = "sale_of_goods") -> dict[str, Shipment]:
    """A courier parcel to Japan (commercial invoice), a small packet to the UK (CN 22, under the
    shop's UK VAT registration) and a 3.6 kg parcel to Switzerland (CN 23)."""
    await catalogue()
    orders = {
        "T-JP": await order("JP", [("SH-001", 2), ("CT-001", 1)], "express"),
        "T-GB": await order("GB", [("MG-001", 2)]),
        "T-CH": await order("CH", [("CT-001", 3)]),
    }
    shipments = {}
    for fixed, number in orders.items():
        await pin(number, fixed)
        outcome = await order_outcome(fixed, get_settings(), reason)
        assert outcome and outcome.shipment, outcome
        shipments[fixed] = outcome.shipment
    assert {k: s.form for k, s in shipments.items()} == {
        "T-JP": "COMMERCIAL_INVOICE",
        "T-GB": "CN22",
        "T-CH": "CN23",
    }
    return shipments


def pages(document: bytes, name: str) -> list[tuple[Any, Image.Image, str]]:
    """Each page (pdfium), its image (saved as PNG) and its text layer."""
    assert document.startswith(b"%PDF-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    rendered = []
    pdf = pdfium.PdfDocument(document)
    for index in range(len(pdf)):
        page = pdf[index]
        image = page.render(scale=SCALE).to_pil().convert("L")
        image.save(ARTIFACTS / f"{name}-p{index + 1}.png")
        rendered.append((page, image, page.get_textpage().get_text_range()))
    return rendered


def ink(image: Image.Image) -> float:
    histogram = image.histogram()
    return sum(histogram[:INK]) / (image.width * image.height)


def ticked(page: Any, image: Image.Image, label: str) -> bool:
    """Whether the tick box left of `label` is crossed. The box is found on the image: a scan left
    of the label meets its two sides, a scan down its middle its top and bottom; the cross's lines
    meet at the centre, which is white in an empty box."""
    text_page = page.get_textpage()
    found = text_page.search(label, match_case=True, match_whole_word=True).get_next()
    assert found, f"{label!r} is not on the page"
    left, bottom, _right, top = text_page.get_charbox(found[0])
    mm = 72 / 25.4 * SCALE  # pixels per millimetre
    x0, y0 = left * SCALE, (page.get_height() - (bottom + top) / 2) * SCALE

    def dark(x: float, y: float) -> bool:
        return bool(image.getpixel((round(x), round(y))) < INK)

    row = [x for x in range(round(x0 - 5.2 * mm), round(x0 - 0.3 * mm)) if dark(x, y0)]
    middle = (min(row) + max(row)) / 2
    column = [y for y in range(round(y0 - 2.2 * mm), round(y0 + 2.2 * mm)) if dark(middle, y)]
    centre = (min(column) + max(column)) / 2
    assert max(row) - min(row) > 2.5 * mm and max(column) - min(column) > 2.5 * mm, "no box found"
    return any(dark(middle + dx, centre + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1))


@pytest.mark.parametrize("language", ["en", "ja", "ar"])
async def test_each_page_renders_with_the_customs_data_in_its_text(language: str) -> None:
    shipments = await placed()
    for number, shipment in shipments.items():
        rendered = pages(pdf_document([shipment], language), f"{language}-{number}")
        assert len(rendered) == EXPECTED_PAGES[number]
        text = "\n".join(page_text for _, _, page_text in rendered)
        for _page, image, _page_text in rendered:
            assert ink(image) > MIN_INK, f"a page of {number} looks blank"
        for line in shipment.lines:
            assert line.hs_code in text
        assert number in text
        assert shipment.recipient.name in text
        # No glyph without its character (the dots of Noto's Arabic letters are glyphs of their own).
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
        if language == "ja" and number == "T-JP":
            assert "リネンシャツ" in text  # the product's Japanese name beside the English description
            assert "山田 太郎" in text
        if language != "en":
            # Labels the shipped catalogues translate: in a box after the English, in a table
            # heading under it.
            translate = get_translations(language).gettext
            assert translate("Order number") != "Order number"
            assert f"Order number / {translate('Order number')}" in text
            assert translate("Quantity") != "Quantity" and translate("Quantity") in text


async def test_arabic_data_renders_and_the_latin_lines_after_it_too() -> None:
    """An addressee written in Arabic, a product name in Arabic: the text layer has the letters
    (ActualText) and the Latin lines that follow an Arabic one keep their font (fpdf2 work-around)."""
    shipment = (await placed())["T-GB"]
    arabic = replace(
        shipment,
        recipient=Party("محمد أحمد", "شارع الشيخ زايد ١٠", "", "دبي", "AE", phone="+971 4 123 4567"),
        lines=tuple(
            replace(line, local_description="كوب خزفي", local_language="ar") for line in shipment.lines
        ),
    )
    rendered = pages(pdf_document([arabic], "ar"), "ar-arabic-addressee")
    text = "\n".join(page_text for _, _, page_text in rendered)
    assert all(ink(image) > MIN_INK for _, image, _ in rendered)
    assert "UNITED ARAB EMIRATES (AE)" in text and "+971 4 123 4567" in text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    # pdfium's bidi pass still reverses some right-to-left runs of ActualText (each word's letters,
    # or the words' order, as the line's text objects fall): each word is there, one way or the other.
    for word in "محمد أحمد شارع الشيخ زايد دبي كوب خزفي".split():
        assert word in text or word[::-1] in text


async def test_the_reason_for_export_ticks_its_box_and_a_gift_needs_no_invoice() -> None:
    sale = (await placed())["T-GB"]
    gift = replace(sale, reason="gift")
    [(page, image, _)] = pages(pdf_document([gift], "en"), "en-T-GB-gift")
    assert ticked(page, image, "Gift") and not ticked(page, image, "Sale of goods")
    declaration, invoice = pages(pdf_document([sale], "en"), "en-T-GB-sale")
    assert ticked(declaration[0], declaration[1], "Sale of goods")
    assert not ticked(declaration[0], declaration[1], "Gift")
    assert "COMMERCIAL INVOICE" in invoice[2] and "Sale of goods" in invoice[2]


async def test_a_batch_is_one_document_with_each_shipment_on_its_own_pages() -> None:
    shipments = await placed()
    started = time.perf_counter()
    document = pdf_document(list(shipments.values()), "en")
    seconds = time.perf_counter() - started
    rendered = pages(document, "batch")
    assert len(rendered) == sum(EXPECTED_PAGES.values())
    first_lines = [page_text.splitlines()[0] for _, _, page_text in rendered]
    assert first_lines == [
        "COMMERCIAL INVOICE T-JP",
        "CUSTOMS DECLARATION CN 22",
        "COMMERCIAL INVOICE T-GB",
        "CUSTOMS DECLARATION CN 23",
        "COMMERCIAL INVOICE T-CH",
    ]
    print(f"\none PDF of {len(rendered)} pages: {seconds:.2f} s, {len(document)} bytes")


# --- back office ---------------------------------------------------------------------------------


async def as_role(client: Any, role: Role, language: str = "en") -> None:
    member = await make_staff(role)
    if language != "en":
        await set_ui_locale(SETUP, member.id, language)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def test_fulfilment_downloads_the_pdf_in_its_admin_language(client) -> None:  # type: ignore[no-untyped-def]
    await placed()
    await as_role(client, Role.FULFILMENT, "ja")
    response = await client.get("/admin/orders/T-GB/customs.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == "attachment; filename=customs-T-GB.pdf"
    assert response.headers["cache-control"] == "no-store"
    rendered = pages(response.content, "http-ja-T-GB")
    assert len(rendered) == 2  # CN 22 and the invoice of the sale
    assert get_translations("ja").gettext("Quantity") in rendered[0][2]
    gift = await client.get("/admin/orders/T-GB/customs.pdf", params={"reason": "gift"})
    assert gift.status_code == 200 and len(pages(gift.content, "http-ja-T-GB-gift")) == 1
    csv_text = (await client.get("/admin/orders/T-GB/customs.csv", params={"reason": "return"})).text
    assert ",return," in csv_text.splitlines()[1]
    document = (await client.get("/admin/orders/T-GB/customs.json", params={"reason": "gift"})).json()
    assert document["reason"] == "gift"


async def test_the_order_page_offers_the_documents_with_a_reason(client) -> None:  # type: ignore[no-untyped-def]
    await placed()
    await as_role(client, Role.FULFILMENT)
    page = (await client.get("/admin/orders/T-GB")).text
    [select] = tags(page, "select", name="reason")
    [label] = tags(page, "label", for_=select["id"])
    assert label is not None
    assert [
        o["value"] for o in tags(page, "option") if o.get("value") in ("sale_of_goods", "gift", "return")
    ] == [
        "sale_of_goods",
        "gift",
        "return",
    ]
    actions = [b["formaction"] for b in tags(page, "button") if "formaction" in b]
    assert actions == [f"/admin/orders/T-GB/customs.{kind}" for kind in ("pdf", "csv", "json")]


async def test_support_may_not_download_the_pdf(client) -> None:  # type: ignore[no-untyped-def]
    await placed()
    await as_role(client, Role.SUPPORT)
    assert (await client.get("/admin/orders/T-GB/customs.pdf")).status_code == 403
    assert "customs.pdf" not in (await client.get("/admin/orders/T-GB")).text


async def test_an_unknown_reason_is_400_and_incomplete_data_409(client) -> None:  # type: ignore[no-untyped-def]
    await placed()
    await as_role(client, Role.FULFILMENT, "ar")
    for kind in ("pdf", "csv", "json"):
        response = await client.get(f"/admin/orders/T-GB/customs.{kind}", params={"reason": "bribe"})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/plain")
        message = get_translations("ar").gettext(UNKNOWN_REASON)
        assert response.text == message + "\n" and "bribe" not in response.text
    order_id = (await Order.select(Order.id).where(Order.number == "T-CH").first().run())["id"]
    await OrderLine.update({OrderLine.hs_code: ""}).where(OrderLine.order == order_id).run()
    response = await client.get("/admin/orders/T-CH/customs.pdf")
    assert response.status_code == 409
    assert response.text.startswith("CT-001: ")
    assert (await client.get("/admin/orders/NOPE/customs.pdf")).status_code == 404
