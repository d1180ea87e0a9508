"""The back office's catalogue CSV screens: the exports (/admin/catalogue/export/products.csv and
stock.csv) and /admin/catalogue/import, which checks a whole file first (a dry run by default)
and imports it only when it has no error, in one transaction: all of it or nothing. The reads and
writes, and how an import and concurrent sales stay consistent, are in app.staff.csv_services.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.response import Redirect

from app.i18n.markers import N_
from app.staff.auth import StaffForbidden, actor_of, render_admin, requires
from app.staff.csv_export import products_csv, stock_csv
from app.staff.csv_import import FIELD_LABELS, Plan
from app.staff.csv_parse import KINDS, MAX_FILE_BYTES, MAX_ROWS, PRODUCTS, STOCK, parse_csv
from app.staff.csv_services import dry_run, run_import
from app.staff.rules import Permission, can
from app.staff.services import StaffMember
from app.web.state import request_shop

IMPORT_PATH = "/admin/catalogue/import"
REPORT_LIMIT = 500  # errors and changes listed on the page; the counts cover all of them
MAX_BODY = MAX_FILE_BYTES + 512 * 1024  # the file plus the form around it; larger bodies get a 413

CHOOSE_KIND = N_("Choose what the file holds.")
CHOOSE_FILE = N_("Choose a CSV file to upload.")
HAS_ERRORS = N_("The file has errors: nothing was imported. Correct the lines below and upload it again.")
CHANGED_SINCE = N_(
    "The catalogue or the file changed since the dry run (an order, another edit): nothing was "
    "imported. Check the new report below, then import again."
)
DONE = {
    "imported": N_("The import is done: %(count)s changes. The shop shows them within seconds."),
    "unchanged": N_("Nothing to import: the file matches the catalogue."),
}


def csv_response(text: str, filename: str) -> Response[Any]:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@get(
    "/catalogue/export/products.csv",
    name="admin-export-products",
    guards=[requires(Permission.MANAGE_CATALOG)],
)
async def export_products(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    return csv_response(await products_csv(request_shop(request).settings.default_locale), "products.csv")


@get("/catalogue/export/stock.csv", name="admin-export-stock", guards=[requires(Permission.MANAGE_STOCK)])
async def export_stock(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    return csv_response(await stock_csv(), "stock.csv")


def allowed_kinds(staff: StaffMember) -> list[str]:
    """Products need the catalogue permission; stock alone, the stock permission."""
    return [
        kind
        for kind, permission in ((PRODUCTS, Permission.MANAGE_CATALOG), (STOCK, Permission.MANAGE_STOCK))
        if can(staff.identity, permission)
    ]


def clean_filename(name: str | None) -> str:
    """The uploaded file's own name, for the report and the audit log: no folders, no control
    characters, at most 120 characters."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    return "".join(ch for ch in base if ch.isprintable())[:120] or "upload.csv"


def import_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    plan: Plan | None = None,
    outcome: str = "",
    filename: str = "",
    error: str | None = None,
) -> Response[Any]:
    done = request.query_params.get("done", "")
    count = request.query_params.get("count", "")
    kinds = allowed_kinds(staff)
    return render_admin(
        request,
        "admin/import.html",
        {
            "kinds": kinds,
            "values": {"kind": kinds[0], "mode": "dry_run", **(values or {})},
            "plan": plan,
            "outcome": outcome,
            "filename": filename,
            "fingerprint": plan.fingerprint() if plan is not None and plan.ok else "",
            "errors": plan.errors[:REPORT_LIMIT] if plan else [],
            "changes": plan.changes[:REPORT_LIMIT] if plan else [],
            "report_limit": REPORT_LIMIT,
            "field_labels": FIELD_LABELS,
            "may_export_products": can(staff.identity, Permission.MANAGE_CATALOG),
            "max_megabytes": MAX_FILE_BYTES // 2**20,
            "max_rows": MAX_ROWS,
            "error": error,
            "notice": DONE.get(done) if status == 200 and plan is None else None,
            "notice_params": {"count": int(count) if count.isdigit() and len(count) < 8 else 0},
        },
        member=staff,
        status=status,
    )


@get("/catalogue/import", name="admin-import", guards=[requires(Permission.MANAGE_STOCK)])
async def import_page(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    return import_screen(request, staff)


@post(
    "/catalogue/import",
    name="admin-import-submit",
    guards=[requires(Permission.MANAGE_STOCK)],
    request_max_body_size=MAX_BODY,
)
async def import_submit(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    form = await request.form()
    kind, mode = str(form.get("kind", "")), str(form.get("mode", ""))
    values = {"kind": kind, "mode": "import" if mode == "import" else "dry_run"}
    if kind not in KINDS:
        return import_screen(request, staff, status=400, values=values, error=CHOOSE_KIND)
    if kind not in allowed_kinds(staff):
        raise StaffForbidden()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return import_screen(request, staff, status=400, values=values, error=CHOOSE_FILE)
    filename = clean_filename(upload.filename)
    parsed = parse_csv(await upload.read(MAX_FILE_BYTES + 1), kind)
    settings = request_shop(request).settings
    locale, currency = settings.default_locale, settings.shop_currency
    may_edit_prices = can(staff.identity, Permission.EDIT_PRICES)
    if values["mode"] == "dry_run":
        plan = await dry_run(parsed, may_edit_prices=may_edit_prices, locale=locale, currency=currency)
        return import_screen(request, staff, values=values, plan=plan, outcome="dry_run", filename=filename)
    expected = str(form.get("expected", ""))[:64]
    plan, outcome = await run_import(
        actor_of(request, staff),
        parsed,
        filename,
        expected=expected,
        may_edit_prices=may_edit_prices,
        locale=locale,
        currency=currency,
    )
    if outcome in ("errors", "changed"):
        status, error = (400, HAS_ERRORS) if outcome == "errors" else (409, CHANGED_SINCE)
        return import_screen(
            request,
            staff,
            status=status,
            values=values,
            plan=plan,
            outcome=outcome,
            filename=filename,
            error=error,
        )
    if outcome == "imported":
        request_shop(request).stock_cache.invalidate()  # this worker's listings at once
    return Redirect(f"{IMPORT_PATH}?done={outcome}&count={len(plan.changes)}", status_code=303)


CSV_HANDLERS = [export_products, export_stock, import_page, import_submit]
