"""The back office's content pages (shipping and returns, about us): the list, a new page and
editing one (code, published, position and the base-locale texts; other locales go through the
translation workflow, kind "page"). Each change is one write transaction with its audit row, the
slug history of a renamed address and the catalogue revision (every worker reloads its pages)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.catalog.services import bump_revision
from app.catalog.tables import ShopPage, ShopPageTranslation
from app.core.transactions import DUPLICATE_KEY_ERRORS, write_transaction
from app.i18n.markers import N_
from app.staff.services import Actor, record_audit
from app.staff.translation_forms import read_translation_form
from app.staff.translations import retire_slug

CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MAX_POSITION = 100_000
TEXTS = ("name", "slug", "description", "seo_title", "seo_description")

BAD_CODE = N_(
    "The code has 1 to 64 lowercase letters, digits and hyphens, starting and ending with a letter "
    "or digit, like mugs or home-kitchen."
)
CODE_TAKEN = N_("A page with the code %(code)s exists already.")
BAD_POSITION = N_("Enter a whole number from 0 to %(limit)s.")
SLUG_TAKEN = N_("Another page already has this address in this language. Choose another one.")


class PageNotFound(Exception):
    pass


class PageChanged(Exception):
    """Someone else saved the page while the form was open."""


@dataclass
class PageForm:
    """What was typed (kept to re-render), the errors per field, and the values once valid."""

    values: dict[str, str]
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    code: str = ""
    published: bool = False
    position: int = 0
    texts: dict[str, str] = field(default_factory=dict)
    version: str = ""


def read_page_form(form: Mapping[str, str], *, with_code: bool) -> PageForm:
    """Validate a page form (pure): the texts as the translation editor checks them."""
    keys = ("code", "position", "published", "version", *TEXTS)
    result = PageForm(values={key: form.get(key, "") for key in keys})
    if with_code:
        result.code = result.values["code"].strip()
        if not CODE.match(result.code) or result.code == "new":  # /admin/pages/new is the form
            result.errors["code"] = (BAD_CODE, {})
    position = result.values["position"].strip() or "0"
    if position.isascii() and position.isdigit() and int(position) <= MAX_POSITION:
        result.position = int(position)
    else:
        result.errors["position"] = (BAD_POSITION, {"limit": MAX_POSITION})
    result.published = result.values["published"] == "1"
    # The translation editor's reading of the same five texts (status is not the merchant's).
    texts = read_translation_form({**form, "status": "reviewed"}, "page")
    result.errors.update({key: error for key, error in texts.errors.items() if key in TEXTS})
    result.texts = texts.texts()
    result.version = result.values["version"]
    return result


@dataclass(frozen=True)
class PageRow:
    code: str
    name: str
    slug: str
    position: int
    published: bool


@dataclass(frozen=True)
class PageEdit:
    id: int
    code: str
    position: int
    published: bool
    texts: dict[str, str]  # the base locale's ("" each when it has none yet)

    def snapshot(self) -> dict[str, Any]:
        """What the audit log keeps, and what the form's version fingerprints."""
        return {"position": self.position, "published": self.published, **self.texts}

    @property
    def version(self) -> str:
        canonical = json.dumps(self.snapshot(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def page_list(base: str) -> list[PageRow]:
    names = {
        row["page"]: row
        for row in await ShopPageTranslation.select().where(ShopPageTranslation.locale == base).run()
    }
    rows = await ShopPage.select().order_by(ShopPage.position).order_by(ShopPage.code).run()
    return [
        PageRow(
            row["code"],
            names[row["id"]]["name"] if row["id"] in names else "",
            names[row["id"]]["slug"] if row["id"] in names else "",
            row["position"],
            row["is_published"],
        )
        for row in rows
    ]


async def load_page(code: str, base: str) -> PageEdit:
    row = await ShopPage.select().where(ShopPage.code == code).first().run()
    if row is None:
        raise PageNotFound(code)
    text = (
        await ShopPageTranslation.select()
        .where((ShopPageTranslation.page == row["id"]) & (ShopPageTranslation.locale == base))
        .first()
        .run()
    )
    texts = {key: text[key] if text else "" for key in TEXTS}
    return PageEdit(row["id"], row["code"], row["position"], row["is_published"], texts)


async def _slug_taken(slug: str, base: str, page_id: int | None) -> bool:
    where = (ShopPageTranslation.locale == base) & (ShopPageTranslation.slug == slug)
    if page_id is not None:
        where = where & (ShopPageTranslation.page != page_id)
    return bool(await ShopPageTranslation.exists().where(where).run())


async def create_page(actor: Actor, form: PageForm, base: str) -> None:
    """A new page with its base-locale texts. Errors go into `form.errors` (nothing written)."""
    try:
        async with write_transaction():
            if await ShopPage.exists().where(ShopPage.code == form.code).run():
                form.errors["code"] = (CODE_TAKEN, {"code": form.code})
                return
            if await _slug_taken(form.texts["slug"], base, None):
                form.errors["slug"] = (SLUG_TAKEN, {})
                return
            rows = await ShopPage.insert(
                ShopPage(code=form.code, position=form.position, is_published=form.published)
            ).run()
            await ShopPageTranslation.insert(
                ShopPageTranslation(page=rows[0]["id"], locale=base, **_text_values(actor, form))
            ).run()
            after = {"position": form.position, "published": form.published, **form.texts}
            await record_audit(actor, "page.create", f"page:{form.code}", None, after)
            await bump_revision()
    except DUPLICATE_KEY_ERRORS:  # a page or address created meanwhile by someone else
        form.errors["code"] = (CODE_TAKEN, {"code": form.code})


def _text_values(actor: Actor, form: PageForm) -> dict[str, Any]:
    # The base locale's texts are the source itself: nobody translates them.
    return {
        **form.texts,
        "status": "reviewed",
        "updated_by": actor.name[:254],
        "updated_at": datetime.now(UTC),
    }


async def save_page(actor: Actor, code: str, form: PageForm, base: str) -> bool:
    """Save a page seen at `form.version`; whether anything changed. Raises PageNotFound or
    PageChanged (someone saved it meanwhile); a taken address goes into `form.errors`."""
    async with write_transaction():
        page = await load_page(code, base)
        if form.version != page.version:
            raise PageChanged()
        after = {"position": form.position, "published": form.published, **form.texts}
        if after == page.snapshot():
            return False
        if await _slug_taken(form.texts["slug"], base, page.id):
            form.errors["slug"] = (SLUG_TAKEN, {})
            return False
        await (
            ShopPage.update({ShopPage.position: form.position, ShopPage.is_published: form.published})
            .where(ShopPage.id == page.id)
            .run()
        )
        values = _text_values(actor, form)
        where = (ShopPageTranslation.page == page.id) & (ShopPageTranslation.locale == base)
        if await ShopPageTranslation.exists().where(where).run():
            columns = ShopPageTranslation._meta.get_column_by_name
            await ShopPageTranslation.update({columns(k): v for k, v in values.items()}).where(where).run()
        else:
            await ShopPageTranslation.insert(ShopPageTranslation(page=page.id, locale=base, **values)).run()
        await retire_slug("page", page.id, base, page.texts["slug"], form.texts["slug"])
        await record_audit(actor, "page.update", f"page:{code}", page.snapshot(), after)
        await bump_revision()
    return True
