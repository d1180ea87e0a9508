"""The back office's translation screens: coverage per locale (/admin/translations), the queue of
one locale, the side-by-side editor of one product or category (an option axis's labels have their
own editor, translation_option_controllers, at the same address), and the preview of a product's
unsaved texts. Every route checks the translate permission for the locale it concerns: a
translator works in their own locales only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from app.catalog.pages import render_preview
from app.catalog.rules import Text
from app.catalog.services import load_product
from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.staff.auth import actor_of, render_admin, requires
from app.staff.order_controllers import page_number
from app.staff.services import StaffMember
from app.staff.translation_editor import Entry, load_entry, save_translation
from app.staff.translation_forms import (
    SEO_DESCRIPTION_HINT,
    SEO_TITLE_HINT,
    TranslationForm,
    length_hints,
    read_translation_form,
)
from app.staff.translation_option_controllers import option_save, option_screen
from app.staff.translation_queue import QUEUE_PAGE_SIZE, coverage, next_in_queue, queue
from app.staff.translation_rules import (
    KIND_LABELS,
    OPTION,
    QUEUE_KINDS,
    QUEUE_ORDER,
    STATE_LABELS,
    State,
    fallback_for,
    locales_for,
)
from app.staff.translation_screens import (
    DONE,
    FIX_ERRORS,
    TRANSLATE,
    TRANSLATION_CHANGED,
    check_locale,
    common_context,
    editor_url,
    not_found,
    queue_url,
)
from app.staff.translations import (
    SlugTaken,
    SourceChanged,
    TranslationChanged,
    TranslationNotFound,
    base_locale,
)
from app.web import urls
from app.web.deps import provide_page
from app.web.forms import read_form

SOURCE_CHANGED = N_(
    "The source text changed while you were translating. Nothing was saved: check the source shown "
    "below, then save again."
)
SLUG_TAKEN = N_("Another page in this language already has this address. Choose another one.")
PREVIEW_ERRORS = N_("The preview could not be shown. Correct the fields marked below.")


# --- coverage ------------------------------------------------------------------------------------


@get("/translations", name="admin-translations", guards=[requires(TRANSLATE)])
async def translations_coverage(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    base = base_locale()
    locales = locales_for(staff.identity, base)
    counts = await coverage(locales)
    rows = [
        {
            "locale": LOCALES[code],
            "fallback": [LOCALES[loc] for loc in fallback_for(code, base)],
            "kinds": counts[code],
            "queue": queue_url(code),
        }
        for code in locales
    ]
    return render_admin(
        request,
        "admin/translations.html",
        {
            "rows": rows,
            "kinds": QUEUE_KINDS,
            "states": list(State),
            "base": LOCALES[base],
            "state_labels": STATE_LABELS,
            "kind_labels": KIND_LABELS,
            "queue_url": queue_url,
        },
        member=staff,
    )


# --- the queue -----------------------------------------------------------------------------------


@get("/translations/{locale:str}", name="admin-translation-queue", guards=[requires(TRANSLATE)])
async def translation_queue(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], locale: FromPath[str]
) -> Response[Any]:
    if not check_locale(staff, locale):
        return not_found(request, staff)
    params = request.query_params
    kind = params.get("kind", "")
    kind = kind if kind in QUEUE_KINDS else ""
    state = params.get("state", "")
    state = state if state in set(State) else ""
    items = await queue(
        locale, (kind,) if kind else QUEUE_KINDS, frozenset({State(state)}) if state else None
    )
    page = page_number(request)
    start = (page - 1) * QUEUE_PAGE_SIZE
    query = {key: value for key, value in {"kind": kind, "state": state}.items() if value}
    return render_admin(
        request,
        "admin/translations_queue.html",
        {
            **common_context(locale),
            "items": items[start : start + QUEUE_PAGE_SIZE],
            "total": len(items),
            "page": page,
            "more": start + QUEUE_PAGE_SIZE < len(items),
            "query": query,
            "kind": kind,
            "state": state,
            "kinds": QUEUE_KINDS,
            "states": [*QUEUE_ORDER, State.REVIEWED],
            "editor_url": editor_url,
            "locale": locale,
        },
        member=staff,
    )


# --- the editor ----------------------------------------------------------------------------------


def preview_url(entry: Entry) -> str | None:
    """The shop page in this locale: the translation's own slug, else the one the shop falls back to."""
    slug = entry.target.slug if entry.target else entry.shown_slug
    if not slug:
        return None
    if entry.kind == "product":
        return urls.product_url(entry.locale, slug)
    if entry.kind == "page":
        return urls.page_url(entry.locale, slug)
    return urls.category_url(entry.locale, slug)


def shown_values(entry: Entry) -> dict[str, str]:
    texts = entry.target.texts() if entry.target else {}
    return {
        key: texts.get(key, "") for key in ("name", "slug", "description", "seo_title", "seo_description")
    }


async def editor_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    kind: str,
    code: str,
    locale: str,
    *,
    status: int = 200,
    form: TranslationForm | None = None,
    error: str | None = None,
) -> Response[Any]:
    try:
        entry = await load_entry(kind, code, locale)
    except TranslationNotFound:
        return not_found(request, staff)
    values = shown_values(entry)
    if form is not None:
        values.update({key: value for key, value in form.values.items() if key != "status"})
    following = await next_in_queue(locale, kind, code)
    done = request.query_params.get("done", "")
    return render_admin(
        request,
        "admin/translation_editor.html",
        {
            **common_context(locale),
            "entry": entry,
            "values": values,
            "field_errors": form.errors if form is not None else {},
            "source_hints": length_hints({**entry.source.fields(), "slug": entry.source_slug}),
            "target_hints": length_hints(values),
            "seo_title_hint": SEO_TITLE_HINT,
            "seo_description_hint": SEO_DESCRIPTION_HINT,
            "preview": preview_url(entry),
            "next_url": editor_url(locale, following.kind, following.code) if following else None,
            "next_item": following,
            "queue": queue_url(locale),
            "action": editor_url(locale, kind, code),
            "preview_action": editor_url(locale, kind, code) + "/preview" if kind == "product" else None,
            "error": error,
            "notice": DONE.get(done) if status == 200 else None,
        },
        member=staff,
        status=status,
    )


async def editor_save(
    request: Request[Any, Any, Any], staff: StaffMember, kind: str, code: str, locale: str
) -> Response[Any]:
    form = read_translation_form(await read_form(request), kind)

    async def again(status: int, error: str) -> Response[Any]:
        return await editor_screen(request, staff, kind, code, locale, status=status, form=form, error=error)

    if form.errors:
        return await again(400, FIX_ERRORS)
    try:
        changed = await save_translation(actor_of(request, staff), kind, code, locale, form)
    except TranslationNotFound:
        return not_found(request, staff)
    except SourceChanged:
        return await again(409, SOURCE_CHANGED)
    except TranslationChanged:
        return await again(409, TRANSLATION_CHANGED)
    except SlugTaken:
        form.errors["slug"] = (SLUG_TAKEN, {})
        return await again(400, FIX_ERRORS)
    done = ("cleaned" if form.markup_removed else "saved") if changed else "unchanged"
    return Redirect(editor_url(locale, kind, code, done), status_code=303)


async def by_kind(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    locale: str,
    kind: str,
    code: str,
    on_option: Callable[[Request[Any, Any, Any], StaffMember, str, str], Awaitable[Response[Any]]],
    on_entry: Callable[[Request[Any, Any, Any], StaffMember, str, str, str], Awaitable[Response[Any]]],
) -> Response[Any]:
    """What the editor's GET and POST share: a locale the member may translate and a known kind
    (else 404); an option axis's labels go to their own editor (`on_option`), products and
    categories to `on_entry`."""
    if not check_locale(staff, locale) or kind not in QUEUE_KINDS:
        return not_found(request, staff)
    if kind == OPTION:
        return await on_option(request, staff, code, locale)
    return await on_entry(request, staff, kind, code, locale)


@get(
    "/translations/{locale:str}/{kind:str}/{code:str}",
    name="admin-translation",
    guards=[requires(TRANSLATE)],
)
async def translation_editor(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    locale: FromPath[str],
    kind: FromPath[str],
    code: FromPath[str],
) -> Response[Any]:
    return await by_kind(request, staff, locale, kind, code, option_screen, editor_screen)


@post(
    "/translations/{locale:str}/{kind:str}/{code:str}",
    name="admin-translation-save",
    guards=[requires(TRANSLATE)],
)
async def translation_save(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    locale: FromPath[str],
    kind: FromPath[str],
    code: FromPath[str],
) -> Response[Any]:
    return await by_kind(request, staff, locale, kind, code, option_save, editor_save)


# --- the preview of unsaved texts ----------------------------------------------------------------


@post(
    "/translations/{locale:str}/{kind:str}/{code:str}/preview",
    name="admin-translation-preview",
    guards=[requires(TRANSLATE)],
)
async def translation_preview(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    locale: FromPath[str],
    kind: FromPath[str],
    code: FromPath[str],
) -> Response[Any]:
    """The shop's product page in `locale` with the texts the editor holds, saving nothing (the
    product may be unpublished). Invalid texts bring the editor back with its messages."""
    if not check_locale(staff, locale) or kind != "product":
        return not_found(request, staff)
    form = read_translation_form(await read_form(request), kind)
    form.errors.pop("status", None)  # a preview is not saved under any status
    if form.errors:
        return await editor_screen(
            request, staff, kind, code, locale, status=400, form=form, error=PREVIEW_ERRORS
        )
    product = await load_product(code)
    page = await provide_page(request, locale)
    if product is None or product.category_id not in page.catalog.categories:
        return not_found(request, staff)
    typed = Text(form.name, form.slug, form.description, form.seo_title, form.seo_description)
    return await render_preview(page, replace(product, texts={**product.texts, locale: typed}))


TRANSLATION_HANDLERS = [
    translations_coverage,
    translation_queue,
    translation_editor,
    translation_save,
    translation_preview,
]
