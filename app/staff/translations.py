"""The translation workflow's shared ground: the base locale, each kind's tables, the errors a
save reports, and what every save does: one write transaction (saving), the slug history, then
the audit row, the catalogue revision and the search sync (publish). The editor
(translation_editor), the option labels (translation_options) and file imports
(translation_transfer) all write through it.

Staleness is never written: a translation records the hash of the base-locale texts it was made
from, and is stale whenever that differs from the hash of today's source, whoever changed it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from piccolo.table import Table

from app.catalog.services import bump_revision
from app.catalog.tables import (
    Category,
    CategoryTranslation,
    Product,
    ProductTranslation,
    ShopPage,
    ShopPageTranslation,
    SlugHistory,
)
from app.core.settings import get_settings
from app.core.transactions import DUPLICATE_KEY_ERRORS, write_transaction
from app.search.services import request_sync
from app.staff.services import Actor, record_audit


class TranslationNotFound(Exception):
    pass


class SourceChanged(Exception):
    """The base-locale text changed while the translator had the form open."""


class TranslationChanged(Exception):
    """Someone else saved this translation while the form was open."""


class SlugTaken(Exception):
    """Another product or category already has this slug in this locale."""


def base_locale() -> str:
    """The locale translations are made from (the shop's default)."""
    return get_settings().default_locale


def tables(kind: str) -> tuple[type[Table], type[Table], str]:
    """(owner table, translation table, owner column name) of a kind of entry."""
    if kind == "product":
        return Product, ProductTranslation, "product"
    if kind == "category":
        return Category, CategoryTranslation, "category"
    if kind == "page":
        return ShopPage, ShopPageTranslation, "page"
    raise TranslationNotFound(kind)


# --- saving ------------------------------------------------------------------------------------


async def products_holding(kind: str, owner_id: int) -> list[int]:
    """The products whose search documents hold an entry's text: the product itself, a category's
    products (and its subcategories'), none for a content page (not searched)."""
    if kind == "product":
        return [owner_id]
    if kind == "category":
        return await products_under(owner_id)
    return []


async def products_under(category_id: int) -> list[int]:
    """Products of a category and of its subcategories (their search documents name it)."""
    children: dict[int | None, list[int]] = {}
    for row in await Category.select(Category.id, Category.parent).run():
        children.setdefault(row["parent"], []).append(row["id"])
    ids, todo = set(), [category_id]
    while todo:
        current = todo.pop()
        if current not in ids:
            ids.add(current)
            todo.extend(children.get(current, []))
    rows = await Product.select(Product.id).where(Product.category.is_in(sorted(ids))).run()
    return [row["id"] for row in rows]


async def retire_slug(kind: str, owner_id: int, locale: str, old: str, new: str) -> None:
    """Keep the old slug answering (a 301 to the new one); the new slug is nobody's old one."""
    where_kind = (SlugHistory.kind == kind) & (SlugHistory.locale == locale)
    await SlugHistory.delete().where(where_kind & SlugHistory.slug.is_in([old, new])).run()
    if old and old != new:
        await SlugHistory.insert(
            SlugHistory(
                kind=kind,
                locale=locale,
                slug=old,
                product=owner_id if kind == "product" else None,
                category=owner_id if kind == "category" else None,
                page=owner_id if kind == "page" else None,
            )
        ).run()


@asynccontextmanager
async def saving() -> AsyncIterator[None]:
    """The write transaction of a translation save. Two saves at once (PostgreSQL's row locks come
    only with the write): the loser is told why by the unique index it hit, the slug (SlugTaken)
    or the row the other one just created (TranslationChanged); nothing is written."""
    try:
        async with write_transaction():
            yield
    except DUPLICATE_KEY_ERRORS as clash:
        if "slug" in f"{getattr(clash, 'constraint_name', '')} {clash}":
            raise SlugTaken() from clash
        raise TranslationChanged() from clash


async def publish(
    actor: Actor, target: str, before: dict[str, Any] | None, after: dict[str, Any], product_ids: list[int]
) -> None:
    """What every translation save does once its rows are written, in the same transaction: the
    audit row, the catalogue revision (every worker reloads) and the search sync of the products
    whose documents hold the text."""
    await record_audit(actor, "translation.update", target, before, after)
    await bump_revision()
    await request_sync(product_ids)
