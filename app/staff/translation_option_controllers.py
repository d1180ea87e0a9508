"""The editor of an option axis's labels in one locale (its own label and its values'), served at
the editor's address (/admin/translations/{locale}/option/{axis}) by translation_controllers,
which checks the locale first."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Redirect

from app.i18n.markers import N_
from app.staff.auth import actor_of, render_admin
from app.staff.services import StaffMember
from app.staff.translation_forms import OPTION_LABEL_LIMIT, OptionLabelForm, read_option_form
from app.staff.translation_options import load_option_entry, save_option_labels
from app.staff.translation_queue import next_in_queue
from app.staff.translation_rules import OPTION
from app.staff.translation_screens import (
    DONE,
    FIX_ERRORS,
    TRANSLATION_CHANGED,
    common_context,
    editor_url,
    not_found,
    queue_url,
)
from app.staff.translations import SourceChanged, TranslationChanged, TranslationNotFound
from app.web.forms import read_form

OPTION_SOURCE_CHANGED = N_(
    "The labels in the source language (or the option's values) changed while you were translating. "
    "Nothing was saved: check them below, then save again."
)


async def option_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    axis: str,
    locale: str,
    *,
    status: int = 200,
    form: OptionLabelForm | None = None,
    error: str | None = None,
) -> Response[Any]:
    try:
        entry = await load_option_entry(axis, locale)
    except TranslationNotFound:
        return not_found(request, staff)
    values = {line.field: line.label for line in entry.lines}
    if form is not None:
        values.update(form.values)
    following = await next_in_queue(locale, OPTION, axis)
    done = request.query_params.get("done", "")
    return render_admin(
        request,
        "admin/translation_option_editor.html",
        {
            **common_context(locale),
            "entry": entry,
            "values": values,
            "field_errors": form.errors if form is not None else {},
            "limit": OPTION_LABEL_LIMIT,
            "next_url": editor_url(locale, following.kind, following.code) if following else None,
            "next_item": following,
            "queue": queue_url(locale),
            "action": editor_url(locale, OPTION, axis),
            "error": error,
            "notice": DONE.get(done) if status == 200 and done != "cleaned" else None,
        },
        member=staff,
        status=status,
    )


async def option_save(
    request: Request[Any, Any, Any], staff: StaffMember, axis: str, locale: str
) -> Response[Any]:
    try:
        entry = await load_option_entry(axis, locale)
    except TranslationNotFound:
        return not_found(request, staff)
    form = read_option_form(await read_form(request), entry.values)

    async def again(status: int, error: str) -> Response[Any]:
        return await option_screen(request, staff, axis, locale, status=status, form=form, error=error)

    if form.errors:
        return await again(400, FIX_ERRORS)
    try:
        changed = await save_option_labels(actor_of(request, staff), axis, locale, form)
    except TranslationNotFound:
        return not_found(request, staff)
    except SourceChanged:
        return await again(409, OPTION_SOURCE_CHANGED)
    except TranslationChanged:
        return await again(409, TRANSLATION_CHANGED)
    return Redirect(editor_url(locale, OPTION, axis, "saved" if changed else "unchanged"), status_code=303)
