"""The back office's category tree: create, rename, move under another parent (never under
itself or one of its own subcategories), reorder among siblings, delete when empty.

The tree logic (cycles, order, nesting) is pure and tested on its own; each change is one write
transaction with its audit row and the catalogue revision bump, plus a search sync of the
products whose documents carry the category's name or place (a rename, a move)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.catalog.rules import slugify, unique_slug
from app.catalog.services import bump_revision
from app.catalog.tables import Category, CategoryTranslation, Product
from app.core.transactions import write_transaction
from app.i18n.locales import fallback_chain
from app.i18n.markers import N_
from app.search.services import request_sync
from app.staff.services import Actor, record_audit

CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MAX_NAME_LENGTH = 200

BAD_CODE = N_(
    "The code has 1 to 64 lowercase letters, digits and hyphens, starting and ending with a letter "
    "or digit, like mugs or home-kitchen."
)
CODE_TAKEN = N_("A category with the code %(code)s exists already.")
NAME_REQUIRED = N_("Enter a name (at most 200 characters).")
UNKNOWN_PARENT = N_("Choose a parent from the list.")
PARENT_IS_DESCENDANT = N_(
    "A category cannot move under itself or one of its own subcategories. Choose another parent."
)
NOT_EMPTY = N_(
    "Only an empty category can be deleted. This one still has products: %(products)s; "
    "subcategories: %(children)s. Move them to another category first."
)


class CategoryNotFound(Exception):
    pass


class CategoryRefused(Exception):
    """A change the tree does not allow; `message` is a gettext msgid, `key` the form field."""

    def __init__(self, key: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.key, self.message, self.params = key, message, params


# --- the tree (pure) --------------------------------------------------------------------------


def move_in_order(ids: Sequence[int], target: int, step: int) -> list[int] | None:
    """`ids` with `target` moved `step` places (-1: up, +1: down), or None when it cannot move
    (already first or last, or not in the list)."""
    if target not in ids:
        return None
    index = list(ids).index(target)
    new_index = index + step
    if step == 0 or not 0 <= new_index < len(ids):
        return None
    order = [item for item in ids if item != target]
    order.insert(new_index, target)
    return order


def creates_cycle(parents: Mapping[int, int | None], node: int, new_parent: int | None) -> bool:
    """Whether giving `node` the parent `new_parent` makes a loop: the new parent is the node
    itself or below it. A loop already in `parents` (never made here) also counts, so a walk
    always ends."""
    seen: set[int] = set()
    current = new_parent
    while current is not None:
        if current == node or current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def descendants(parents: Mapping[int, int | None], node: int) -> set[int]:
    """Every category below `node` (not `node` itself)."""
    children: dict[int | None, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = list(children.get(node, []))
    while todo:
        current = todo.pop()
        if current not in found and current != node:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


@dataclass(frozen=True)
class CategoryNode:
    id: int
    code: str
    name: str
    parent_id: int | None
    position: int
    products: int  # directly in this category
    children: tuple[CategoryNode, ...] = ()


@dataclass(frozen=True)
class CategoryRow:
    """One category as stored, with its name in the reader's language."""

    id: int
    code: str
    parent_id: int | None
    position: int
    name: str
    products: int = 0


def build_tree(rows: Iterable[CategoryRow]) -> list[CategoryNode]:
    """Nested nodes, siblings by position then code. A row whose parent is missing, or caught in
    a loop, shows at the top level rather than vanishing."""
    by_id = {row.id: row for row in rows}
    kids: dict[int | None, list[CategoryRow]] = {}
    for row in by_id.values():
        parent = row.parent_id if row.parent_id in by_id else None
        kids.setdefault(parent, []).append(row)
    for siblings in kids.values():
        siblings.sort(key=lambda row: (row.position, row.code))
    placed: set[int] = set()

    def node(row: CategoryRow) -> CategoryNode:
        placed.add(row.id)
        children = tuple(node(child) for child in kids.get(row.id, []) if child.id not in placed)
        return CategoryNode(row.id, row.code, row.name, row.parent_id, row.position, row.products, children)

    tree = [node(row) for row in kids.get(None, [])]
    for row in sorted(by_id.values(), key=lambda row: row.code):
        if row.id not in placed:  # only in a loop: show it rather than hide it
            tree.append(node(row))
    return tree


def flatten(tree: Sequence[CategoryNode], depth: int = 0) -> list[tuple[CategoryNode, int]]:
    """The tree in reading order with each node's depth (for a parent menu)."""
    out: list[tuple[CategoryNode, int]] = []
    for item in tree:
        out.append((item, depth))
        out.extend(flatten(item.children, depth + 1))
    return out


def name_in(texts: Mapping[str, str], locale: str, default_locale: str) -> str:
    """A category's name in `locale`, along its fallback chain, else any."""
    for code in fallback_chain(locale, default_locale):
        if texts.get(code):
            return texts[code]
    return next((name for name in texts.values() if name), "")


# --- reading forms (pure) ---------------------------------------------------------------------


@dataclass
class CategoryForm:
    """What was typed (kept to re-render) and, once valid, what it means."""

    values: dict[str, str]
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


def read_category_form(form: Mapping[str, str], *, with_code: bool) -> CategoryForm:
    """A new category (code, parent, name) or an edit (parent, name): shape checks only; the
    database checks (code taken, parent exists, no loop) come with the save."""
    values = {
        "name": " ".join(form.get("name", "").split())[: MAX_NAME_LENGTH + 1],
        "parent": form.get("parent", "").strip()[:64],
    }
    result = CategoryForm(values=values)
    if with_code:
        values["code"] = form.get("code", "").strip().lower()[:80]
        if not CODE.match(values["code"]):
            result.errors["code"] = (BAD_CODE, {})
    if not values["name"] or len(values["name"]) > MAX_NAME_LENGTH:
        result.errors["name"] = (NAME_REQUIRED, {})
    return result


# --- reading the database ---------------------------------------------------------------------


async def _rows(locale: str, default_locale: str) -> list[CategoryRow]:
    categories = await Category.select(Category.id, Category.code, Category.parent, Category.position).run()
    texts: dict[int, dict[str, str]] = {}
    for row in await CategoryTranslation.select(
        CategoryTranslation.category, CategoryTranslation.locale, CategoryTranslation.name
    ).run():
        texts.setdefault(row["category"], {})[row["locale"]] = row["name"]
    counts: dict[int, int] = {}
    for row in await Product.select(Product.category).run():
        counts[row["category"]] = counts.get(row["category"], 0) + 1
    return [
        CategoryRow(
            id=row["id"],
            code=row["code"],
            parent_id=row["parent"],
            position=row["position"],
            name=name_in(texts.get(row["id"], {}), locale, default_locale) or row["code"],
            products=counts.get(row["id"], 0),
        )
        for row in categories
    ]


async def category_tree(locale: str, default_locale: str) -> list[CategoryNode]:
    return build_tree(await _rows(locale, default_locale))


@dataclass(frozen=True)
class CategoryDetail:
    id: int
    code: str
    name: str  # in the reader's language
    base_name: str  # in the shop's base locale ("" when it has none yet)
    parent_code: str
    products: int
    children: int
    below: frozenset[str]  # codes of its subcategories, all levels (not valid parents)

    def snapshot(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.base_name, "parent": self.parent_code or None}


async def load_category(code: str, locale: str, default_locale: str) -> CategoryDetail:
    rows = await _rows(locale, default_locale)
    found = next((row for row in rows if row.code == code), None)
    if found is None:
        raise CategoryNotFound(code)
    by_id = {row.id: row for row in rows}
    parents = {row.id: row.parent_id for row in rows}
    base = (
        await CategoryTranslation.select(CategoryTranslation.name)
        .where((CategoryTranslation.category == found.id) & (CategoryTranslation.locale == default_locale))
        .first()
        .run()
    )
    parent = by_id.get(found.parent_id) if found.parent_id is not None else None
    below = descendants(parents, found.id)
    return CategoryDetail(
        id=found.id,
        code=found.code,
        name=found.name,
        base_name=base["name"] if base else "",
        parent_code=parent.code if parent else "",
        products=found.products,
        children=sum(1 for row in rows if row.parent_id == found.id),
        below=frozenset(by_id[i].code for i in below),
    )


async def _parents() -> dict[int, int | None]:
    return {row["id"]: row["parent"] for row in await Category.select(Category.id, Category.parent).run()}


async def _id_of(code: str) -> int | None:
    row = await Category.select(Category.id).where(Category.code == code).first().run()
    return int(row["id"]) if row else None


async def _next_position(parent_id: int | None) -> int:
    query = Category.select(Category.position)
    query = query.where(Category.parent.is_null() if parent_id is None else Category.parent == parent_id)
    positions = [row["position"] for row in await query.run()]
    return max(positions, default=-1) + 1


async def _products_below(category_id: int, parents: Mapping[int, int | None]) -> list[int]:
    ids = [category_id, *descendants(parents, category_id)]
    rows = await Product.select(Product.id).where(Product.category.is_in(ids)).run()
    return [row["id"] for row in rows]


async def _parent_id(parent_code: str) -> int | None:
    """The parent's id; "" is the top level; an unknown code is refused."""
    if not parent_code:
        return None
    parent_id = await _id_of(parent_code)
    if parent_id is None:
        raise CategoryRefused("parent", UNKNOWN_PARENT)
    return parent_id


# --- changes ----------------------------------------------------------------------------------


async def create_category(actor: Actor, code: str, parent_code: str, name: str, default_locale: str) -> None:
    """A new category at the end of its siblings, named in the base locale; its slug comes from
    the name, made unique among that locale's category slugs."""
    async with write_transaction():
        if await _id_of(code) is not None:
            raise CategoryRefused("code", CODE_TAKEN, code=code)
        parent_id = await _parent_id(parent_code)
        taken = {
            row["slug"]
            for row in await CategoryTranslation.select(CategoryTranslation.slug)
            .where(CategoryTranslation.locale == default_locale)
            .run()
        }
        slug = unique_slug(slugify(name), taken)
        rows = await Category.insert(
            Category(code=code, parent=parent_id, position=await _next_position(parent_id))
        ).run()
        await CategoryTranslation.insert(
            CategoryTranslation(
                category=rows[0]["id"], locale=default_locale, name=name, slug=slug, description=""
            )
        ).run()
        after = {"code": code, "name": name, "slug": slug, "parent": parent_code or None}
        await record_audit(actor, "category.create", f"category:{code}", None, after)
        await bump_revision()


async def update_category(
    actor: Actor, code: str, name: str, parent_code: str, locale: str, default_locale: str
) -> bool:
    """Rename (base locale) and/or move under another parent. The slug stays, so links to the
    category keep working; a category without a base-locale text gets one with a new slug.
    Returns whether anything changed."""
    async with write_transaction():
        before = await load_category(code, locale, default_locale)
        parents = await _parents()
        parent_id = await _parent_id(parent_code)
        if parent_id is not None and creates_cycle(parents, before.id, parent_id):
            raise CategoryRefused("parent", PARENT_IS_DESCENDANT)
        changed = False
        if parent_code != before.parent_code:
            position = await _next_position(parent_id)  # last among its new siblings
            await (
                Category.update({Category.parent: parent_id, Category.position: position})
                .where(Category.id == before.id)
                .run()
            )
            changed = True
        if name != before.base_name:
            await _rename(before.id, name, default_locale)
            changed = True
        if not changed:
            return False
        after = await load_category(code, locale, default_locale)
        await record_audit(actor, "category.update", f"category:{code}", before.snapshot(), after.snapshot())
        await bump_revision()
        # Search documents carry each product's category names and chain.
        await request_sync(await _products_below(before.id, await _parents()))
    return True


async def _rename(category_id: int, name: str, default_locale: str) -> None:
    written = (
        await CategoryTranslation.update({CategoryTranslation.name: name})
        .where((CategoryTranslation.category == category_id) & (CategoryTranslation.locale == default_locale))
        .returning(CategoryTranslation.id)
        .run()
    )
    if written:
        return
    taken = {
        row["slug"]
        for row in await CategoryTranslation.select(CategoryTranslation.slug)
        .where(CategoryTranslation.locale == default_locale)
        .run()
    }
    await CategoryTranslation.insert(
        CategoryTranslation(
            category=category_id,
            locale=default_locale,
            name=name,
            slug=unique_slug(slugify(name), taken),
            description="",
        )
    ).run()


async def move_category(actor: Actor, code: str, step: int) -> bool:
    """Move a category one place up (-1) or down (+1) among its siblings; False at an edge."""
    async with write_transaction():
        row = await Category.select(Category.id, Category.parent).where(Category.code == code).first().run()
        if row is None:
            raise CategoryNotFound(code)
        parent_id = row["parent"]
        query = Category.select(Category.id, Category.code, Category.position)
        query = query.where(Category.parent.is_null() if parent_id is None else Category.parent == parent_id)
        siblings = sorted(await query.run(), key=lambda r: (r["position"], r["code"]))
        order = move_in_order([r["id"] for r in siblings], row["id"], step)
        if order is None:
            return False
        codes = {r["id"]: r["code"] for r in siblings}
        for position, category_id in enumerate(order):
            await Category.update({Category.position: position}).where(Category.id == category_id).run()
        await record_audit(
            actor,
            "category.reorder",
            f"category:{code}",
            {"order": [r["code"] for r in siblings]},
            {"order": [codes[i] for i in order]},
        )
        await bump_revision()
    return True


async def delete_category(actor: Actor, code: str, locale: str, default_locale: str) -> None:
    """Delete an empty category (no products, no subcategories) and its texts; otherwise
    CategoryRefused says what is still in it."""
    async with write_transaction():
        before = await load_category(code, locale, default_locale)
        # Counted again inside the write lock: a product added meanwhile keeps it.
        products = await Product.count().where(Product.category == before.id).run()
        children = await Category.count().where(Category.parent == before.id).run()
        if products or children:
            raise CategoryRefused("delete", NOT_EMPTY, products=products, children=children)
        await CategoryTranslation.delete().where(CategoryTranslation.category == before.id).run()
        await Category.delete().where(Category.id == before.id).run()
        await record_audit(actor, "category.delete", f"category:{code}", before.snapshot(), None)
        await bump_revision()
