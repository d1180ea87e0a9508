"""Import the demo's content pages (data/demo/pages.json, see data/demo/SCHEMA.md): pages that do
not exist yet, with their texts in every locale recorded as made from the base-locale texts
imported beside them (not stale). Existing pages are left as the merchant keeps them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.catalog.rules import slugify, unique_slug
from app.catalog.sources import source_columns
from app.catalog.tables import ShopPage, ShopPageTranslation
from app.core.richtext import sanitise_html

PAGES_FILE = "pages.json"


def read_demo_pages(folder: Path) -> list[dict[str, Any]]:
    path = folder / PAGES_FILE
    return json.loads(path.read_text("utf-8")) if path.exists() else []


async def import_pages(pages: list[dict[str, Any]], base: str) -> int:
    """Insert the pages whose code is new; returns how many were added."""
    existing = {row["code"] for row in await ShopPage.select(ShopPage.code).run()}
    taken: dict[str, set[str]] = {}
    for row in await ShopPageTranslation.select(ShopPageTranslation.locale, ShopPageTranslation.slug).run():
        taken.setdefault(row["locale"], set()).add(row["slug"])
    added = 0
    for data in pages:
        if data["code"] in existing:
            continue
        # Sanitised before fingerprinting: the hash is of the texts as stored, as the editor's is.
        descriptions = {locale: sanitise_html(text) for locale, text in data.get("description", {}).items()}
        rows = await ShopPage.insert(
            ShopPage(code=data["code"], position=data.get("position", 0), is_published=True)
        ).run()
        await ShopPageTranslation.insert(
            *(
                ShopPageTranslation(
                    page=rows[0]["id"],
                    locale=locale,
                    name=name,
                    slug=unique_slug(slugify(name), taken.setdefault(locale, set())),
                    description=descriptions.get(locale, ""),
                    **source_columns(data["name"], descriptions, base),
                )
                for locale, name in data["name"].items()
            )
        ).run()
        existing.add(data["code"])
        added += 1
    return added
