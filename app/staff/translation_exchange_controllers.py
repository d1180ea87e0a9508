"""The back office's exchange with translators and agencies: /admin/translations/{locale}/exchange
offers the export of a locale (XLIFF 2.0, PO or CSV; all, missing or stale entries) and takes a
file back: a dry run by default (a report of every unit's errors and of what would change), an
import only of a file with no error at all, in one transaction. Translate permission for the
locale, as every translation screen: a translator exchanges their own locales only."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from app.i18n.markers import N_
from app.staff.auth import actor_of, render_admin, requires
from app.staff.csv_controllers import clean_filename
from app.staff.services import StaffMember
from app.staff.translation_exchange import FORMATS, MEDIA_TYPES, guess_format, read
from app.staff.translation_import import ONLY, ImportPlan
from app.staff.translation_queue import coverage
from app.staff.translation_rules import KINDS, State
from app.staff.translation_screens import TRANSLATE, check_locale, common_context, not_found, queue_url
from app.staff.translation_transfer import check_file, export_file, import_file
from app.staff.translation_units import MAX_FILE_BYTES

REPORT_LIMIT = 500  # errors and changes listed on the page; the counts cover all of them
MAX_BODY = MAX_FILE_BYTES + 512 * 1024  # the file and the form around it; larger bodies get a 413
FORMAT_LABELS = {
    "xliff": N_("XLIFF 2.0 (CAT tools)"),
    "po": N_("PO (gettext)"),
    "csv": N_("CSV (spreadsheets)"),
}
ONLY_LABELS = {
    "missing": N_("Missing translations"),
    "stale": N_("Stale translations (the source changed)"),
    "all": N_("Everything"),
}
CHOOSE_FILE = N_("Choose a translation file to upload.")
CHOOSE_EXPORT = N_("Choose a format and what to export.")
HAS_ERRORS = N_("The file has errors: nothing was imported. Correct the units below and upload it again.")
CHANGED_SINCE = N_(
    "The translations or their sources changed since the dry run: nothing was imported. Check the new "
    "report below, then import again."
)
DONE = {
    "imported": N_(
        "The import is done. Translations written: %(count)s. The shop shows them within seconds."
    ),
    "unchanged": N_("Nothing to import: the shop already has these translations."),
}


def exchange_url(locale: str) -> str:
    return f"/admin/translations/{locale}/exchange"


async def exchange_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    locale: str,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    plan: ImportPlan | None = None,
    outcome: str = "",
    filename: str = "",
    error: str | None = None,
) -> Response[Any]:
    counts = (await coverage([locale]))[locale]
    entries = {
        "all": sum(counts[kind].total for kind in KINDS),
        "missing": sum(counts[kind].counts.get(State.MISSING, 0) for kind in KINDS),
        "stale": sum(counts[kind].counts.get(State.STALE, 0) for kind in KINDS),
    }
    done, count = request.query_params.get("done", ""), request.query_params.get("count", "")
    return render_admin(
        request,
        "admin/translations_exchange.html",
        {
            **common_context(locale),
            "locale": locale,
            "queue": queue_url(locale),
            "action": exchange_url(locale),
            "formats": FORMATS,
            "format_labels": FORMAT_LABELS,
            "only_options": ("missing", "stale", "all"),
            "only_labels": ONLY_LABELS,
            "entries": entries,
            "values": {"format": "xliff", "only": "missing", "mode": "dry_run", **(values or {})},
            "plan": plan,
            "outcome": outcome,
            "filename": filename,
            "fingerprint": plan.fingerprint() if plan is not None and plan.ok else "",
            "errors": plan.errors[:REPORT_LIMIT] if plan else [],
            "changes": plan.changes[:REPORT_LIMIT] if plan else [],
            "max_megabytes": MAX_FILE_BYTES // 2**20,
            "error": error,
            "notice": DONE.get(done) if status == 200 and plan is None else None,
            "notice_params": {"count": int(count) if count.isdigit() and len(count) < 8 else 0},
        },
        member=staff,
        status=status,
    )


@get("/translations/{locale:str}/exchange", name="admin-translation-exchange", guards=[requires(TRANSLATE)])
async def exchange_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], locale: FromPath[str]
) -> Response[Any]:
    if not check_locale(staff, locale):
        return not_found(request, staff)
    return await exchange_screen(request, staff, locale)


@get("/translations/{locale:str}/export", name="admin-translation-export", guards=[requires(TRANSLATE)])
async def export_download(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], locale: FromPath[str]
) -> Response[Any]:
    if not check_locale(staff, locale):
        return not_found(request, staff)
    format, only = request.query_params.get("format", ""), request.query_params.get("only", "")
    if format not in FORMATS or only not in ONLY:
        values = {
            "format": format if format in FORMATS else "xliff",
            "only": only if only in ONLY else "missing",
        }
        return await exchange_screen(request, staff, locale, status=400, values=values, error=CHOOSE_EXPORT)
    exported = await export_file(locale, format, only)
    return Response(
        exported.data,
        media_type=f"{MEDIA_TYPES[format]}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{exported.filename}"',
            "Cache-Control": "no-store",
        },
    )


@post(
    "/translations/{locale:str}/exchange",
    name="admin-translation-import",
    guards=[requires(TRANSLATE)],
    request_max_body_size=MAX_BODY,
)
async def import_upload(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], locale: FromPath[str]
) -> Response[Any]:
    if not check_locale(staff, locale):
        return not_found(request, staff)
    form = await request.form()
    values = {"mode": "import" if form.get("mode") == "import" else "dry_run"}
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await exchange_screen(request, staff, locale, status=400, values=values, error=CHOOSE_FILE)
    filename = clean_filename(upload.filename)
    data = await upload.read(MAX_FILE_BYTES + 1)
    parsed = read(guess_format(filename, data), data)
    if values["mode"] == "dry_run":
        plan = await check_file(parsed, locale)
        return await exchange_screen(
            request, staff, locale, values=values, plan=plan, outcome="dry_run", filename=filename
        )
    expected = str(form.get("expected", ""))[:64]
    plan, outcome = await import_file(actor_of(request, staff), parsed, locale, filename, expected=expected)
    if outcome in ("errors", "changed"):
        status, error = (400, HAS_ERRORS) if outcome == "errors" else (409, CHANGED_SINCE)
        return await exchange_screen(
            request,
            staff,
            locale,
            status=status,
            values=values,
            plan=plan,
            outcome=outcome,
            filename=filename,
            error=error,
        )
    count = len(plan.changes) if outcome == "imported" else 0
    return Redirect(f"{exchange_url(locale)}?done={outcome}&count={count}", status_code=303)


EXCHANGE_HANDLERS = [exchange_page, export_download, import_upload]
