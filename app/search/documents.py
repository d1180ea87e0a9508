"""Search documents from the catalogue snapshot: what the index knows of each published product. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.catalog.rules import Catalog, ProductView
from app.core.richtext import html_to_text
from app.i18n.locales import LOCALES
from app.search.model import LocalizedText, SearchDocument


def search_documents(
    catalog: Catalog, stock: Mapping[int, int], locales: Sequence[str] = tuple(LOCALES)
) -> list[SearchDocument]:
    """One document per published product (the snapshot holds only those), in the merchant's order."""
    products = sorted(catalog.products.values(), key=lambda p: (p.position, p.id))
    return [search_document(catalog, product, stock, locales) for product in products]


def search_document(
    catalog: Catalog, product: ProductView, stock: Mapping[int, int], locales: Sequence[str] = tuple(LOCALES)
) -> SearchDocument:
    """Texts in every locale, through the catalogue's fallback chain where a translation is
    missing (a German shopper still finds an untranslated product by its English name)."""
    category = catalog.categories.get(product.category_id)
    chain = list(reversed(catalog.ancestors(category))) if category else []  # its own category first
    axes = product.axes
    values = [(axis, value) for axis in axes for value in product.axis_values(axis)]
    texts = {
        locale: LocalizedText(
            name=product.text(locale).name,
            description=html_to_text(product.text(locale).description),
            categories=tuple(c.text(locale).name for c in chain),
            options=tuple(
                dict.fromkeys(
                    [catalog.option_label(axis, "", locale) for axis in axes]
                    + [catalog.option_label(axis, value, locale) for axis, value in values]
                )
            ),
        )
        for locale in locales
    }
    return SearchDocument(
        product_id=product.id,
        code=product.code,
        texts=texts,
        category_ids=tuple(c.id for c in chain),
        attributes=tuple(f"{axis}:{value}" for axis, value in values),
        price_minor=product.min_price_minor,
        in_stock=product.in_stock(stock),
        position=product.position,
        created_at=product.created_at,
    )
