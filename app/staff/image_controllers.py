"""The back office's product image screen: /admin/products/{code}/images lists the images with
their thumbnails, takes an upload (checked by content, re-encoded, thumbnails made) and changes
an image's colour, alt text, place in the order, or deletes it. Owner and catalogue managers."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from app.i18n.markers import N_
from app.staff.auth import actor_of, admin_locale, admin_url, render_admin, requires
from app.staff.images import (
    ImageDetails,
    ImageNotFound,
    add_image,
    delete_image,
    load_product_images,
    move_image,
    read_image_details,
    update_image,
)
from app.staff.media import (
    MAX_PIXELS,
    MAX_SIDE,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MEGABYTES,
    MIN_SIDE,
    NO_FILE,
    ImageRefused,
    ProcessedImage,
    process_upload,
    remove_files,
    store_files,
)
from app.staff.products import ProductNotFound
from app.staff.rules import Permission
from app.staff.services import StaffMember
from app.web.forms import read_form
from app.web.state import request_shop

CATALOG = Permission.MANAGE_CATALOG
# A little over the file limit, so a file just too big gets the form's own message; a far bigger
# body is cut off by Litestar while it streams (413) and never held in memory.
UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024
OPERATIONS = {"save", "up", "down", "delete"}

DONE = {
    "added": N_("The image is added. The shop shows it within seconds."),
    "saved": N_("The image's details are saved."),
    "moved": N_("The order of the images is saved. The first image is the one listings show."),
    "deleted": N_("The image is deleted."),
    "unchanged": N_("Nothing changed."),
}
NOT_ADDED = N_("The image was not added. Correct the fields marked below.")
NOT_SAVED = N_("The image was not changed. Correct the fields marked below.")
IMAGE_GONE = N_("This image does not exist any more: someone may have deleted it meanwhile.")
UNKNOWN_ACTION = N_("Use one of the buttons of the form.")


def images_url(code: str, done: str = "") -> str:
    return admin_url("products", code, "images", done=done)


def _locales(request: Request[Any, Any, Any], staff: StaffMember) -> tuple[str, str]:
    return admin_locale(request, staff).code, request_shop(request).settings.default_locale


async def images_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    code: str,
    *,
    status: int = 200,
    upload: ImageDetails | None = None,
    edited: tuple[int, ImageDetails] | None = None,
    error: str | None = None,
) -> Response[Any]:
    locale, default_locale = _locales(request, staff)
    try:
        product = await load_product_images(code, locale, default_locale)
    except ProductNotFound:
        return render_admin(request, "admin/product_missing.html", {}, member=staff, status=404)
    return render_admin(
        request,
        "admin/images.html",
        {
            "product": product,
            "upload": upload.values if upload else {"alt": "", "colour": ""},
            "upload_errors": upload.errors if upload else {},
            "edited_id": edited[0] if edited else None,
            "edited": edited[1].values if edited else {},
            "edited_errors": edited[1].errors if edited else {},
            "error": error,
            "notice": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
            "limits": {
                "megabytes": MAX_UPLOAD_MEGABYTES,
                "megapixels": MAX_PIXELS // 1_000_000,
                "side": MAX_SIDE,
                "min_side": MIN_SIDE,
            },
            "base_locale": default_locale,
        },
        member=staff,
        status=status,
    )


@get("/products/{code:str}/images", name="admin-product-images", guards=[requires(CATALOG)])
async def images_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    return await images_screen(request, staff, code)


async def _uploaded_bytes(request: Request[Any, Any, Any]) -> bytes | None:
    """The chosen file's content (at most one byte over the limit), or None when none was sent
    (a browser sends an empty, nameless part when no file was chosen)."""
    parts = [part for part in (await request.form()).getall("image", []) if isinstance(part, UploadFile)]
    if not parts:
        return None
    part = parts[0]
    try:
        if not part.filename:
            return None
        return await part.read(MAX_UPLOAD_BYTES + 1)
    finally:
        await part.close()


IMAGES_AT_ONCE = 2  # uploads decoded at the same time in one worker; the others wait their turn


def processing_slots(request: Request[Any, Any, Any]) -> asyncio.Semaphore:
    state = request.app.state
    if "image_slots" not in state:
        state.image_slots = asyncio.Semaphore(IMAGES_AT_ONCE)
    slots: asyncio.Semaphore = state.image_slots
    return slots


@post(
    "/products/{code:str}/images",
    name="admin-product-image-upload",
    guards=[requires(CATALOG)],
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def image_upload(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    locale, default_locale = _locales(request, staff)
    try:
        product = await load_product_images(code, locale, default_locale)
    except ProductNotFound:
        return await images_screen(request, staff, code)
    details = read_image_details(await read_form(request), product.colours)
    data = await _uploaded_bytes(request)
    processed: ProcessedImage | None = None
    if data is None:
        details.errors["image"] = (NO_FILE, {})
    else:
        try:
            # Decoding and encoding take CPU seconds and a few hundred MB for a large photo: off
            # the event loop, and a few at a time per worker so a burst of uploads cannot exhaust it.
            async with processing_slots(request):
                processed = await asyncio.to_thread(process_upload, data)
        except ImageRefused as refused:
            details.errors["image"] = (refused.message, refused.params)
    if details.errors or processed is None:
        return await images_screen(request, staff, code, status=400, upload=details, error=NOT_ADDED)
    media_dir = request_shop(request).settings.media_dir
    stored = await asyncio.to_thread(store_files, media_dir, product.code, processed)
    try:
        await add_image(
            actor_of(request, staff),
            code,
            stored,
            (processed.width, processed.height),
            details,
            locale,
            default_locale,
        )
    except BaseException as failure:
        remove_files(media_dir, stored.paths)  # the row was not written: no file without a row
        if isinstance(failure, ProductNotFound):  # deleted while the file was being processed
            return await images_screen(request, staff, code)
        raise
    return Redirect(images_url(code, "added"), status_code=303)


@post(
    "/products/{code:str}/images/{image_id:int}",
    name="admin-product-image-change",
    guards=[requires(CATALOG)],
)
async def image_change(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffMember],
    code: FromPath[str],
    image_id: FromPath[int],
) -> Response[Any]:
    """One image's form: its buttons save the colour and alt text, move it, or delete it."""
    locale, default_locale = _locales(request, staff)
    values = await read_form(request)
    operation = values.get("op", "")
    actor = actor_of(request, staff)
    try:
        product = await load_product_images(code, locale, default_locale)
        if operation not in OPERATIONS:
            return await images_screen(request, staff, code, status=400, error=UNKNOWN_ACTION)
        if operation == "save":
            details = read_image_details(values, product.colours)
            if details.errors:
                product.image(image_id)
                return await images_screen(
                    request, staff, code, status=400, edited=(image_id, details), error=NOT_SAVED
                )
            done = (
                "saved"
                if await update_image(actor, code, image_id, details, locale, default_locale)
                else "unchanged"
            )
        elif operation == "delete":
            files = await delete_image(actor, code, image_id, locale, default_locale)
            await asyncio.to_thread(remove_files, request_shop(request).settings.media_dir, files)
            done = "deleted"
        else:
            step = -1 if operation == "up" else 1
            moved = await move_image(actor, code, image_id, step, locale, default_locale)
            done = "moved" if moved else "unchanged"
    except ProductNotFound:
        return await images_screen(request, staff, code)
    except ImageNotFound:
        return await images_screen(request, staff, code, status=404, error=IMAGE_GONE)
    return Redirect(images_url(code, done), status_code=303)


IMAGE_HANDLERS = [images_page, image_upload, image_change]
