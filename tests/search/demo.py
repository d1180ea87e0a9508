"""The demo catalogue as a catalogue snapshot and search documents, built in memory.

It mirrors what `storefront init` stores (the importer's own variant, SKU, stock and position
rules), without a database, so search tests index the real demo texts in milliseconds.
tests/search/test_documents.py checks the mapping against the real importer once.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from app.catalog.importer import demo_stock, read_demo_files, sku_for, variant_combinations
from app.catalog.rules import Catalog, CategoryView, ProductView, Text, VariantView, slugify
from app.catalog.services import build_catalog
from app.core.money import money, to_minor
from app.search.documents import search_documents
from app.search.model import LocalizedText, SearchDocument
from tests.builders import DEMO

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _texts(data: dict[str, Any]) -> dict[str, Text]:
    return {
        locale: Text(name, slugify(name), data.get("description", {}).get(locale, ""))
        for locale, name in data["name"].items()
    }


def catalog_from_data(
    categories: list[dict[str, Any]], options: dict[str, Any], products: list[dict[str, Any]]
) -> tuple[Catalog, dict[int, int]]:
    """A snapshot of these demo-format records, and the stock of every variant."""
    category_ids = {data["code"]: index for index, data in enumerate(categories, 1)}
    children: dict[int | None, list[int]] = {}
    for data in categories:
        parent = category_ids.get(data.get("parent") or "")
        children.setdefault(parent, []).append(category_ids[data["code"]])
    views = {
        category_ids[data["code"]]: CategoryView(
            id=category_ids[data["code"]],
            code=data["code"],
            parent_id=category_ids.get(data.get("parent") or ""),
            position=position,
            texts=_texts(data),
            child_ids=tuple(children.get(category_ids[data["code"]], [])),
        )
        for position, data in enumerate(categories)
    }
    rng = random.Random(7)  # the importer's positions
    stock: dict[int, int] = {}
    products_by_id: dict[int, ProductView] = {}
    variant_id = 0
    for index, data in enumerate(products):
        product_id = 1000 + index
        adjustments = {k: Decimal(v) for k, v in data.get("price_adjustments", {}).items()}
        variants = []
        for position, combination in enumerate(variant_combinations(data.get("options", {}))):
            variant_id += 1
            price = Decimal(data["price"]) + sum(
                (adjustments.get(f"{a}:{v}", Decimal(0)) for a, v in combination.items()), Decimal(0)
            )
            sku = sku_for(data["code"], combination)
            stock[variant_id] = demo_stock(sku)
            price_minor = to_minor(money(price, "EUR"))
            variants.append(
                VariantView(variant_id, sku, tuple(combination.items()), price_minor, "EUR", position)
            )
        products_by_id[product_id] = ProductView(
            id=product_id,
            code=data["code"],
            category_id=category_ids[data["category"]],
            position=rng.randint(0, 10_000),
            created_at=NOW - timedelta(hours=index * 7),
            texts=_texts(data),
            variants=tuple(variants),
            images=(),
            hs_code=data["hs_code"],
            origin_country=data["origin_country"],
            customs_description=data.get("customs_description", ""),
            weight_grams=data["weight_grams"],
            dimensions_mm=tuple(data["dimensions_mm"]),  # type: ignore[arg-type]
            tax_class=data.get("tax_class", "standard"),
            restrictions=frozenset(data.get("restrictions", [])),
        )
    labels = [
        {"axis": axis, "value": "", "locale": locale, "label": label}
        for axis, by_locale in options.get("axes", {}).items()
        for locale, label in by_locale.items()
    ] + [
        {"axis": axis, "value": value, "locale": locale, "label": label}
        for axis, values in options.get("values", {}).items()
        for value, by_locale in values.items()
        for locale, label in by_locale.items()
    ]
    return build_catalog(1, views, products_by_id, labels), stock


@lru_cache(maxsize=1)
def demo_catalog() -> tuple[Catalog, dict[int, int]]:
    return catalog_from_data(*read_demo_files(DEMO))


@lru_cache(maxsize=1)
def demo_documents() -> tuple[SearchDocument, ...]:
    catalog, stock = demo_catalog()
    return tuple(search_documents(catalog, stock))


def _running_shoe() -> SearchDocument:
    """The demo catalogue sells no shoes; the issue's shoe queries need one (real shop copy)."""
    texts = {
        "en": (
            "Trail Running Shoes",
            "Lightweight running shoes with a grippy outsole and a breathable mesh upper.",
            "Shoes",
        ),
        "de": (
            "Trailrunning-Laufschuhe",
            "Leichte Turnschuhe mit griffiger Sohle und atmungsaktivem Obermaterial.",
            "Schuhe",
        ),
        "fr": (
            "Chaussures de course trail",
            "Chaussures de running légères, semelle accrocheuse et tige en mesh respirant.",
            "Chaussures",
        ),
        "es": (
            "Zapatillas de trail running",
            "Zapatillas de correr ligeras con suela adherente y malla transpirable.",
            "Calzado",
        ),
        "ja": (
            "トレイルランニング スニーカー",
            "グリップ力の高いソールと通気性のよいメッシュアッパーの軽量ランニングシューズ。",
            "シューズ",
        ),
        "zh-hans": ("越野跑运动鞋", "轻量跑步鞋，抓地力强的大底，透气网面鞋面。", "鞋履"),
        "ar": (
            "حذاء جري للمسارات الوعرة",
            "حذاء رياضي خفيف بنعل مانع للانزلاق وجزء علوي شبكي يسمح بمرور الهواء.",
            "أحذية",
        ),
    }
    return SearchDocument(
        product_id=9001,
        code="SHOE-001",
        texts={loc: LocalizedText(name, text, (category,)) for loc, (name, text, category) in texts.items()},
        category_ids=(900,),
        attributes=("size:m", "colour:black"),
        price_minor=11_900,
        in_stock=True,
        position=1,
        created_at=NOW,
    )


@lru_cache(maxsize=1)
def contract_documents() -> tuple[SearchDocument, ...]:
    """What the contract tests index: the demo catalogue plus the issue's running shoe."""
    return (*demo_documents(), _running_shoe())


def ids_by_code() -> dict[str, int]:
    return {d.code: d.product_id for d in contract_documents()}
