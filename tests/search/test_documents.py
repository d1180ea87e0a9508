"""Search documents from the catalogue snapshot (app/search/documents.py)."""

from __future__ import annotations

from dataclasses import replace

from app.catalog.rules import Text
from app.catalog.services import load_catalog, variant_stock
from app.i18n.locales import LOCALES
from app.search.documents import search_document, search_documents
from tests.builders import demo_products, load_demo
from tests.search.demo import demo_catalog, demo_documents


async def test_documents_map_the_real_importers_snapshot() -> None:
    await load_demo(limit=14)  # the first leaf category, and one product of the next
    catalog = await load_catalog()
    stock = await variant_stock([v.id for p in catalog.products.values() for v in p.variants])
    documents = {d.code: d for d in search_documents(catalog, stock)}
    assert len(documents) == 14
    data = next(p for p in demo_products() if p["code"] == "BG-001")
    tote = documents["BG-001"]
    assert set(tote.texts) == set(LOCALES)
    assert {loc: tote.texts[loc].name for loc in LOCALES} == data["name"]
    assert tote.texts["de"].description == data["description"]["de"]
    # its category first, then the ancestors, translated
    assert tote.texts["de"].categories == ("Taschen & Rucksäcke", "Accessoires")
    assert len(tote.category_ids) == 2
    # option axes and values, translated; filters use the codes
    assert {"Farbe", "Schwarz"} <= set(tote.texts["de"].options)
    assert set(tote.attributes) == {f"colour:{c}" for c in data["options"]["colour"]}
    product = catalog.products[tote.product_id]
    assert tote.price_minor == min(v.price_minor for v in product.variants)
    assert tote.in_stock == any(stock[v.id] > 0 for v in product.variants)


def test_a_missing_translation_falls_back_to_english() -> None:
    catalog, stock = demo_catalog()
    product = next(p for p in catalog.products.values() if p.code == "KN-002")
    english_only = replace(product, texts={"en": Text("Cashmere Sweater", "cashmere-sweater", "Soft.")})
    document = search_document(catalog, english_only, stock)
    assert document.texts["de"].name == "Cashmere Sweater"
    assert document.texts["de"].categories[0] == "Strick"  # the category is still translated


def test_sold_out_products_are_documents_marked_out_of_stock() -> None:
    catalog, _ = demo_catalog()
    documents = search_documents(catalog, {})
    assert len(documents) == len(catalog.products) == len(demo_documents())
    assert not any(d.in_stock for d in documents)
