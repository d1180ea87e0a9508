"""Uploaded product images: checking a file by its content, re-encoding it without its metadata,
square WebP thumbnails, and storing the files under the media folder (no database here).

`process_upload` is pure CPU work (bytes in, bytes out; run it in a thread); `store_files` and
`remove_files` are the only functions that touch the disk."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from app.i18n.markers import N_

log = logging.getLogger("storefront.staff.media")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MB: a sharp product photo needs far less
MAX_UPLOAD_MEGABYTES = MAX_UPLOAD_BYTES // (1024 * 1024)
# Decoding costs memory by pixels, not bytes: a 60 kB PNG can claim 30,000 x 30,000 pixels (3.6 GB
# decoded). The size in the header is checked before a single pixel is decoded.
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
MIN_SIDE = 200  # smaller than a listing card: it would show blurred
THUMBNAIL_SIZES = (320, 800)  # listing cards; the product page (square, WebP)
# Pillow format -> the extension the re-encoded original is stored with. Only these are decoded at
# all (Image.open's `formats`), so SVG, GIF, TIFF, PSD... never reach a decoder.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Markup hidden in an image file (a polyglot a browser could be tricked into running). Markers are
# long enough never to occur by chance in compressed pixel data; the re-encoding drops them anyway.
HIDDEN_MARKUP = re.compile(rb"<script|<iframe|<!doctype html|javascript:", re.IGNORECASE)

NO_FILE = N_("Choose an image file to upload.")
TOO_BIG = N_("The file is larger than %(megabytes)s MB. Save it smaller and upload it again.")
NOT_AN_IMAGE = N_("This file is not a JPEG, PNG or WebP image (SVG, GIF and other formats are not accepted).")
DAMAGED = N_("The image could not be read: the file is damaged or incomplete.")
TOO_MANY_PIXELS = N_(
    "The image is too large: at most %(megapixels)s megapixels and %(side)s pixels on a side."
)
TOO_SMALL = N_("The image is too small: it needs at least %(side)s pixels in width and in height.")
HIDDEN_CODE = N_(
    "The file contains web page code (a script) next to the image, so it is refused. Export the "
    "image again from an image editor."
)


class ImageRefused(Exception):
    """An upload that is not stored; `message` is a gettext msgid with its `params`."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class ProcessedImage:
    """A checked upload, re-encoded: what gets written to disk."""

    extension: str
    original: bytes
    width: int
    height: int
    thumbnails: dict[int, bytes] = field(default_factory=dict)  # square size -> WebP bytes


@dataclass(frozen=True)
class StoredImage:
    """Where a processed image was written, relative to the media folder."""

    path: str
    thumb_small: str
    thumb_large: str

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, self.thumb_small, self.thumb_large)


# --- checking and re-encoding (pure) ------------------------------------------------------------


def _open(data: bytes) -> Image.Image:
    """The image's header read (no pixels decoded yet), or ImageRefused."""
    try:
        image = Image.open(io.BytesIO(data), formats=tuple(ACCEPTED_FORMATS))
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise ImageRefused(NOT_AN_IMAGE) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageRefused(DAMAGED) from None
    if image.format not in ACCEPTED_FORMATS:
        raise ImageRefused(NOT_AN_IMAGE)
    return image


def _too_many_pixels() -> ImageRefused:
    return ImageRefused(TOO_MANY_PIXELS, megapixels=MAX_PIXELS // 1_000_000, side=MAX_SIDE)


def check_dimensions(width: int, height: int) -> None:
    """Refuse a pixel size before decoding: too big to decode safely, or too small to show."""
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise _too_many_pixels()
    if min(width, height) < MIN_SIDE:
        raise ImageRefused(TOO_SMALL, side=MIN_SIDE)


def _decoded(image: Image.Image) -> Image.Image:
    """The first frame's pixels, turned upright as the camera's EXIF orientation says."""
    try:
        image.seek(0)  # an animated PNG or WebP: its first frame only
        image.load()
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise ImageRefused(DAMAGED) from None
    try:
        ImageOps.exif_transpose(image, in_place=True)  # no copy of a large photo's pixels
    except Exception:  # a broken EXIF block: keep the pixels as stored
        log.info("upload with an unreadable EXIF orientation: kept as stored")
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _encode(image: Image.Image, fmt: str, icc_profile: bytes | None) -> bytes:
    """Pixels only: a new file without EXIF (GPS, camera serial), XMP, comments or trailing bytes.
    The ICC colour profile stays (it holds no personal data; without it colours shift)."""
    out = io.BytesIO()
    extra: dict[str, Any] = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        pixels = image if image.mode in ("RGB", "L") else image.convert("RGB")
        pixels.save(out, "JPEG", quality=90, optimize=True, progressive=True, **extra)
    elif fmt == "PNG":
        pixels = image if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else image.convert("RGBA")
        pixels.save(out, "PNG", compress_level=6, **extra)
    else:
        pixels = image.convert("RGBA" if _has_alpha(image) else "RGB")
        pixels.save(out, "WEBP", quality=90, method=4, **extra)
    return out.getvalue()


def square_thumbnails(image: Image.Image, sizes: tuple[int, ...]) -> dict[int, bytes]:
    """Square WebPs of at most each size, the whole image fitted in on a transparent background
    (the shop's cards and product page are square: nothing is cropped or stretched). Never
    enlarged: a 500 px image gives a 500 px square. Each size is scaled from the next larger one,
    so the full-size pixels are resampled once."""
    source = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
    thumbnails: dict[int, bytes] = {}
    for size in sorted(sizes, reverse=True):
        side = min(size, max(source.size))
        scale = side / max(source.size)
        fitted_size = (max(1, round(source.width * scale)), max(1, round(source.height * scale)))
        if fitted_size != source.size:
            source = source.resize(fitted_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        canvas = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        canvas.paste(source.convert("RGBA"), ((side - source.width) // 2, (side - source.height) // 2))
        out = io.BytesIO()
        canvas.save(out, "WEBP", quality=82, method=4)
        thumbnails[size] = out.getvalue()
    return thumbnails


def process_upload(data: bytes) -> ProcessedImage:
    """Check an uploaded file by its content and re-encode it with its thumbnails.

    Refused (ImageRefused): over 10 MB; not a JPEG, PNG or WebP whatever its name or declared type
    says (SVG included); markup hidden in it; too many pixels (checked from the header, before
    decoding); too small; damaged. Pure CPU work: run it in a worker thread."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefused(TOO_BIG, megabytes=MAX_UPLOAD_MEGABYTES)
    if not data:
        raise ImageRefused(NO_FILE)
    image = _open(data)
    if HIDDEN_MARKUP.search(data):
        raise ImageRefused(HIDDEN_CODE)
    check_dimensions(*image.size)
    fmt = str(image.format)
    icc_profile = image.info.get("icc_profile")
    pixels = _decoded(image)
    check_dimensions(*pixels.size)  # the same numbers turned by 90 degrees, or a frame's own size
    # Encoders copy some of what was read (a JPEG's comment, say): keep only the palette's
    # transparent colour, which is part of the picture.
    pixels.info = {key: value for key, value in pixels.info.items() if key == "transparency"}
    return ProcessedImage(
        extension=ACCEPTED_FORMATS[fmt],
        original=_encode(pixels, fmt, icc_profile if isinstance(icc_profile, bytes) else None),
        width=pixels.width,
        height=pixels.height,
        thumbnails=square_thumbnails(pixels, THUMBNAIL_SIZES),
    )


# --- files (I/O) -------------------------------------------------------------------------------


def product_folder(code: str) -> str:
    """The folder of a product's uploads, relative to the media folder: a safe name from its code."""
    safe = re.sub(r"[^a-z0-9_-]", "_", code.lower()).strip("._") or "product"
    return f"products/{safe}"


def _write(target: Path, content: bytes) -> None:
    """Write via a temporary name, so a file seen under its final name is always complete."""
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, target)


def store_files(media_dir: Path, code: str, image: ProcessedImage) -> StoredImage:
    """Write the original and its thumbnails under products/<code>/ with a random name (so a
    name is never guessed nor reused). On any failure nothing stays behind."""
    folder = product_folder(code)
    stem = secrets.token_hex(12)
    small, large = THUMBNAIL_SIZES
    stored = StoredImage(
        path=f"{folder}/{stem}.{image.extension}",
        thumb_small=f"{folder}/{stem}-{small}.webp",
        thumb_large=f"{folder}/{stem}-{large}.webp",
    )
    contents = {
        stored.path: image.original,
        stored.thumb_small: image.thumbnails[small],
        stored.thumb_large: image.thumbnails[large],
    }
    (media_dir / folder).mkdir(parents=True, exist_ok=True)
    try:
        for relative, content in contents.items():
            _write(media_dir / relative, content)
    except BaseException:
        remove_files(media_dir, stored.paths)
        raise
    return stored


def remove_files(media_dir: Path, paths: tuple[str, ...] | list[str]) -> None:
    """Delete product image files; a path outside media/products/ is never touched. A failure
    is logged: a stray file costs disk space, never a broken page."""
    root = (media_dir / "products").resolve()
    for relative in paths:
        if not relative:
            continue
        target = (media_dir / relative).resolve()
        if not target.is_relative_to(root):
            log.warning("not removing %s: outside the product media folder", relative)
            continue
        for candidate in (target, target.with_name(f".{target.name}.partial")):
            try:
                candidate.unlink(missing_ok=True)
            except OSError:
                log.warning("could not remove media file %s", candidate)
