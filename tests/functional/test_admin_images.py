"""The back-office image screen through real HTTP: who may use it, uploads checked by their
content (real JPEG/PNG/WebP only; fakes, SVG, polyglots, pixel bombs and oversize files refused
with a message and nothing stored), metadata stripped, thumbnails made, every change audited with
a catalogue revision and a search sync, and the uploaded image served from /media/ in the shop."""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.catalog.tables import ProductImage
from app.core.settings import get_settings
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff.media import MAX_UPLOAD_BYTES
from app.staff.rules import Role
from app.staff.services import Actor, set_ui_locale
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff
from tests.html import form_values, links, tags, text

PAGE = "/admin/products/MG-001/images"
TEE_PAGE = "/admin/products/TS-001/images"


def forget_uploads() -> None:
    for code in ("mg-001", "ts-001"):
        shutil.rmtree(get_settings().media_dir / "products" / code, ignore_errors=True)


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    forget_uploads()
    yield
    forget_admin_store()
    forget_uploads()


async def catalogue() -> None:
    await build_catalog(
        [
            product("MG-001", "Mug", category="mugs", de="Becher"),
            product("TS-001", "Plain Tee", options={"colour": ["black", "white"]}),
        ],
        stock=10,
    )


async def as_role(client: Any, role: Role) -> None:
    await make_staff(role, locales=frozenset({"de"}))
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


# --- test files ---------------------------------------------------------------------------------


def picture(fmt: str = "PNG", size: tuple[int, int] = (1200, 900), **save: Any) -> bytes:
    """A real image: a red left half and a blue right half (so orientation can be checked)."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_private_exif() -> bytes:
    """A phone photo: the camera, the owner and 'rotate 90 degrees clockwise' in its EXIF, an
    XMP packet and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x013B] = "Jane Private"  # Artist
    exif[0x0112] = 6  # Orientation: the pixels must be turned 90 degrees clockwise
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Xmp Person</dc:creator></x:xmpmeta>'
    return picture("JPEG", exif=exif.tobytes(), xmp=xmp, comment=b"Comment Person")


def png_with_text() -> bytes:
    """A PNG with text chunks (author, a location) and EXIF."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Png Person")
    info.add_text("Location", "52.5200 N, 13.4050 E", zip=True)
    exif = Image.Exif()
    exif[0x013B] = "Exif Person"
    return picture("PNG", pnginfo=info, exif=exif.tobytes())


def pixel_bomb() -> bytes:
    """A valid 300x300 PNG whose header claims 30,000 x 30,000 pixels (3.6 GB once decoded)."""
    data = bytearray(picture("PNG", (300, 300)))
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    data[ihdr : ihdr + 8] = struct.pack(">II", 30_000, 30_000)
    crc = zlib.crc32(bytes(data[12 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><script>alert(document.cookie)'
    b'</script><rect width="800" height="800"/></svg>'
)


# --- helpers ------------------------------------------------------------------------------------


async def upload(
    client: Any, content: bytes, filename: str = "photo.png", content_type: str = "image/png", **fields: str
) -> Any:
    """Open the image page, fill in its upload form, post the file as a browser does."""
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text[:300]
    values = form_values(page.text, PAGE)
    values.pop("image")  # the file goes as a file part, as a browser sends it
    values.update(fields)
    return await client.post(
        PAGE, data=values, files={"image": (filename, content, content_type)}, follow_redirects=False
    )


async def change(client: Any, image_id: int, op: str, page: str = PAGE, **fields: str) -> Any:
    """One image's form, submitted with one of its buttons."""
    action = f"{page}/{image_id}"
    listing = await client.get(page)
    values = form_values(listing.text, action)
    values.update(fields, op=op)
    return await client.post(action, data=values, follow_redirects=False)


async def images(code: str = "MG-001") -> list[dict[str, Any]]:
    from app.catalog.tables import Product

    product_id = (await Product.select(Product.id).where(Product.code == code).first().run())["id"]
    return (
        await ProductImage.select()
        .where(ProductImage.product == product_id)
        .order_by(ProductImage.position)
        .order_by(ProductImage.id)
        .run()
    )


def uploads(code: str = "mg-001") -> list[Path]:
    folder = get_settings().media_dir / "products" / code
    return sorted(folder.iterdir()) if folder.exists() else []


async def audit(action: str) -> list[dict[str, Any]]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == action).order_by(StaffAuditLog.id).run()


async def syncs() -> int:
    return await OutboxMessage.count().where(OutboxMessage.kind == SEARCH_SYNC).run()


def stored(relative: str) -> Image.Image:
    return Image.open(get_settings().media_dir / relative)


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILMENT, Role.TRANSLATOR])
async def test_roles_without_the_catalogue_get_403_and_nothing_changes(client, role: Role) -> None:
    await catalogue()
    await as_role(client, role)
    placeholder = (await images())[0]
    assert (await client.get(PAGE)).status_code == 403
    response = await client.post(
        PAGE,
        data={"_csrf_token": csrf_token(client)},
        files={"image": ("photo.png", picture(), "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 403
    for op in ("delete", "up", "save"):
        response = await client.post(
            f"{PAGE}/{placeholder['id']}",
            data={"_csrf_token": csrf_token(client), "op": op, "alt": "x"},
            follow_redirects=False,
        )
        assert response.status_code == 403, op
    assert await images() == [placeholder] and uploads() == []
    assert await audit("product.image.add") == [] and await audit("product.image.delete") == []


async def test_an_upload_without_the_csrf_token_is_refused(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await client.post(
        PAGE, files={"image": ("photo.png", picture(), "image/png")}, follow_redirects=False
    )
    assert response.status_code == 403
    assert len(await images()) == 1 and uploads() == []


# --- uploading ---------------------------------------------------------------------------------


async def test_an_uploaded_png_is_stored_with_thumbnails_audited_and_shown_in_the_shop(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(PAGE)
    assert "at most 10 MB" in text(page.text)  # the limit is said up front
    [upload_form] = [f for f in tags(page.text, "form") if f.get("action") == PAGE]
    assert upload_form["enctype"] == "multipart/form-data"
    sync_before = await syncs()

    response = await upload(client, picture(), alt="A red and blue mug on a table")
    assert response.status_code == 303, text(response.text)[-900:]
    assert response.headers["location"] == f"{PAGE}?done=added"
    placeholder, new = await images()
    assert placeholder["path"].endswith(".svg") and new["position"] > placeholder["position"]
    assert new["path"].startswith("products/mg-001/") and new["path"].endswith(".png")
    assert (new["alt"], new["width"], new["height"]) == ("A red and blue mug on a table", 1200, 900)
    assert len(uploads()) == 3  # the original and two thumbnails, nothing else
    assert stored(new["path"]).format == "PNG"
    for relative, side in ((new["thumb_small"], 320), (new["thumb_large"], 800)):
        thumbnail = stored(relative)
        assert thumbnail.format == "WEBP" and thumbnail.size == (side, side)
        # Fitted in, not cropped: the padding above the 4:3 picture is transparent.
        assert thumbnail.convert("RGBA").getpixel((side // 2, 2))[3] == 0
    [entry] = await audit("product.image.add")
    assert entry["target"] == "product:MG-001"
    assert len(json.loads(entry["after"])["images"]) == 2 and len(json.loads(entry["before"])["images"]) == 1
    assert await syncs() == sync_before + 1

    listing = await client.get(response.headers["location"])
    assert "The image is added" in text(listing.text)
    assert f"/media/{new['thumb_small']}" in [img["src"] for img in tags(listing.text, "img")]

    # Served from /media/ as the image it is.
    served = await client.get(f"/media/{new['path']}")
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/png")
    assert served.content == (get_settings().media_dir / new["path"]).read_bytes()
    assert (await client.get(f"/media/{new['thumb_large']}")).status_code == 200

    # First in the order, it becomes the shop's image: the page's 800 px square with its alt text.
    assert (await change(client, new["id"], "up")).status_code == 303
    shop = await client.get("/en/p/mug")
    [main] = tags(shop.text, "img", id="product-image")
    assert main["src"] == f"/media/{new['thumb_large']}"
    assert main["alt"] == "A red and blue mug on a table"
    assert (main["width"], main["height"]) == ("800", "800")
    # The alt text is the base locale's: a German page names the product in German instead.
    [german] = tags((await client.get("/de/p/becher")).text, "img", id="product-image")
    assert german["alt"] == "Becher"
    # Listing cards use the small thumbnail, with the larger one for sharp screens.
    category = await client.get("/en/c/mugs")
    [card] = [img for img in tags(category.text, "img") if "srcset" in img]
    assert card["src"] == f"/media/{new['thumb_small']}"
    assert f"/media/{new['thumb_large']} 800w" in card["srcset"]
    assert (card["width"], card["height"], card["alt"]) == ("400", "400", "")


async def test_photo_metadata_is_removed_and_the_orientation_kept(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    original = jpeg_with_private_exif()
    private = [b"SecretCam", b"Jane Private", b"Xmp Person", b"Comment Person"]
    assert all(marker in original for marker in private)
    response = await upload(client, original, filename="IMG_0001.JPG", content_type="image/jpeg")
    assert response.status_code == 303, text(response.text)[-900:]
    new = (await images())[-1]
    assert new["path"].endswith(".jpg")
    for key in ("path", "thumb_small", "thumb_large"):
        on_disk = (get_settings().media_dir / new[key]).read_bytes()
        assert not [marker for marker in private if marker in on_disk], key
    kept = stored(new["path"])
    assert kept.format == "JPEG" and dict(kept.getexif()) == {}
    assert "comment" not in kept.info and "xmp" not in kept.info
    # Turned upright by its EXIF orientation: 1200x900 landscape becomes 900x1200 portrait, and
    # the red half (left before turning clockwise) is now on top.
    assert kept.size == (900, 1200) and (new["width"], new["height"]) == (900, 1200)
    red, _green, blue = kept.convert("RGB").getpixel((450, 100))
    assert red > 150 and blue < 100


async def test_png_text_chunks_are_removed(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await upload(client, png_with_text())
    assert response.status_code == 303
    kept = stored((await images())[-1]["path"])
    assert kept.format == "PNG" and not {"Author", "Location", "exif"} & set(kept.info)
    on_disk = (get_settings().media_dir / (await images())[-1]["path"]).read_bytes()
    assert b"Png Person" not in on_disk and b"Exif Person" not in on_disk


async def test_a_webp_upload_stays_webp(client) -> None:
    await catalogue()
    await as_role(client, Role.OWNER)
    response = await upload(client, picture("WEBP"), filename="photo.webp", content_type="image/webp")
    assert response.status_code == 303
    assert stored((await images())[-1]["path"]).format == "WEBP"


def _gif() -> bytes:
    return picture("GIF")


REFUSED = [
    pytest.param(
        b"just some text, not an image\n" * 20,
        "photo.png",
        "image/png",
        "not a JPEG, PNG or WebP",
        id="text-named-png",
    ),
    pytest.param(
        SVG_WITH_SCRIPT, "logo.svg", "image/svg+xml", "not a JPEG, PNG or WebP", id="svg-with-script"
    ),
    pytest.param(SVG_WITH_SCRIPT, "logo.png", "image/png", "not a JPEG, PNG or WebP", id="svg-named-png"),
    pytest.param(_gif(), "anim.gif", "image/gif", "not a JPEG, PNG or WebP", id="gif"),
    pytest.param(
        picture() + b"<script>alert(document.cookie)</script>",
        "photo.png",
        "image/png",
        "web page code",
        id="png-polyglot-with-script",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n<!doctype html><html><script>alert(1)</script></html>",
        "page.png",
        "image/png",
        "damaged or incomplete",
        id="html-behind-a-png-signature",
    ),
    pytest.param(picture()[:400], "cut.png", "image/png", "damaged or incomplete", id="truncated"),
    pytest.param(pixel_bomb(), "bomb.png", "image/png", "at most 40 megapixels", id="pixel-bomb"),
    pytest.param(picture(size=(120, 80)), "tiny.png", "image/png", "at least 200 pixels", id="too-small"),
    pytest.param(
        b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_UPLOAD_BYTES,
        "huge.png",
        "image/png",
        "larger than 10 MB",
        id="over-10-mb",
    ),
]


@pytest.mark.parametrize(("content", "filename", "content_type", "message"), REFUSED)
async def test_refused_files_are_named_in_the_form_and_nothing_is_stored(
    client, content: bytes, filename: str, content_type: str, message: str
) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    before = await images()
    response = await upload(client, content, filename, content_type, alt="Kept")
    assert response.status_code == 400, response.status_code
    body = text(response.text)
    assert "The image was not added" in body and message in body, body[:500]
    [field] = tags(response.text, "input", name="image")
    assert field.get("aria-invalid") == "true"
    assert form_values(response.text, PAGE)["alt"] == "Kept"
    assert await images() == before and uploads() == []
    assert await audit("product.image.add") == []


async def test_no_file_chosen_and_a_body_far_over_the_limit(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await upload(client, b"", filename="")
    assert response.status_code == 400 and "Choose an image file" in text(response.text)
    # Far over the limit: cut off while streaming, an error page, never a 500.
    page = await client.get(PAGE)
    response = await client.post(
        PAGE,
        data=form_values(page.text, PAGE),
        files={"image": ("huge.png", b"\0" * (MAX_UPLOAD_BYTES + 2 * 1024 * 1024), "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert len(await images()) == 1 and uploads() == []


async def test_a_bad_colour_or_alt_text_refuses_a_good_image_and_leaves_no_file(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(TEE_PAGE)
    values = form_values(page.text, TEE_PAGE)
    select = re.search(r'<select id="upload-colour".*?</select>', page.text, re.S)
    assert select and [o["value"] for o in tags(select.group(0), "option")] == ["", "black", "white"]
    values.update(colour="purple", alt="x" * 201)
    response = await client.post(
        TEE_PAGE, data=values, files={"image": ("p.png", picture(), "image/png")}, follow_redirects=False
    )
    assert response.status_code == 400
    body = text(response.text)
    assert "Choose one of the product's colours" in body and "at most 200 characters" in body
    assert len(await images("TS-001")) == 2 and uploads("ts-001") == []
    values.update(colour="white", alt="White tee, front")
    response = await client.post(
        TEE_PAGE, data=values, files={"image": ("p.png", picture(), "image/png")}, follow_redirects=False
    )
    assert response.status_code == 303
    new = (await images("TS-001"))[-1]
    assert (new["colour"], new["alt"]) == ("white", "White tee, front")


async def test_a_failed_save_removes_the_files_it_wrote(client, monkeypatch) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr("app.staff.image_controllers.add_image", broken)
    response = await upload(client, picture())
    assert response.status_code == 500
    assert uploads() == [] and len(await images()) == 1


# --- changing, ordering, deleting -----------------------------------------------------------------


async def test_details_order_and_delete_each_audited_with_a_sync(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    assert (await upload(client, picture())).status_code == 303
    assert (await upload(client, picture("JPEG"), "b.jpg", "image/jpeg")).status_code == 303
    placeholder, first, second = await images()
    sync_before = await syncs()

    response = await change(client, first["id"], "save", alt="  Mug,\n side  view ")
    assert response.status_code == 303 and response.headers["location"] == f"{PAGE}?done=saved"
    assert (await images())[1]["alt"] == "Mug, side view"
    [entry] = await audit("product.image.update")
    assert json.loads(entry["after"])["images"][1]["alt"] == "Mug, side view"
    response = await change(client, first["id"], "save", alt="Mug, side view")
    assert response.headers["location"] == f"{PAGE}?done=unchanged"
    response = await change(client, first["id"], "save", alt="y" * 300)
    assert response.status_code == 400 and "at most 200 characters" in text(response.text)
    assert form_values(response.text, f"{PAGE}/{first['id']}")["alt"] == "y" * 201
    assert len(await audit("product.image.update")) == 1

    # Order: the last one to the top in two steps; the top one cannot go higher.
    assert (await change(client, second["id"], "up")).status_code == 303
    assert (await change(client, second["id"], "up")).status_code == 303
    assert [row["id"] for row in await images()] == [second["id"], placeholder["id"], first["id"]]
    response = await change(client, second["id"], "up")
    assert response.headers["location"] == f"{PAGE}?done=unchanged"
    response = await change(client, first["id"], "down")
    assert response.headers["location"] == f"{PAGE}?done=unchanged"
    assert len(await audit("product.image.move")) == 2

    # Delete: the row and its three files go; the other upload's files stay.
    files = [get_settings().media_dir / first[key] for key in ("path", "thumb_small", "thumb_large")]
    assert all(path.exists() for path in files)
    response = await change(client, first["id"], "delete")
    assert response.status_code == 303 and response.headers["location"] == f"{PAGE}?done=deleted"
    assert [row["id"] for row in await images()] == [second["id"], placeholder["id"]]
    assert not any(path.exists() for path in files) and len(uploads()) == 3
    assert (await client.get(f"/media/{first['path']}")).status_code == 404
    [entry] = await audit("product.image.delete")
    assert len(json.loads(entry["before"])["images"]) == 3 and len(json.loads(entry["after"])["images"]) == 2
    assert await syncs() == sync_before + 4  # save, two moves, delete


async def test_an_image_of_another_product_or_a_gone_one_is_not_touched(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    tee_images = await images("TS-001")
    tee_image = tee_images[0]
    response = await client.post(
        f"{PAGE}/{tee_image['id']}",
        data={"_csrf_token": csrf_token(client), "op": "delete"},
        follow_redirects=False,
    )
    assert response.status_code == 404 and "does not exist any more" in text(response.text)
    assert await images("TS-001") == tee_images
    response = await client.post(
        f"{PAGE}/999999", data={"_csrf_token": csrf_token(client), "op": "up"}, follow_redirects=False
    )
    assert response.status_code == 404
    response = await client.post(
        f"{PAGE}/{(await images())[0]['id']}",
        data={"_csrf_token": csrf_token(client), "op": "explode"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert (await client.get("/admin/products/NOPE/images")).status_code == 404
    assert await audit("product.image.delete") == []


async def test_the_screen_is_in_the_staff_members_language(client) -> None:
    await catalogue()
    manager = await make_staff(Role.CATALOGUE_MANAGER)
    await set_ui_locale(Actor(None, "test", ""), manager.id, "de")
    await login(client, manager.email)
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "Becher" in text(page.text)  # the product's name in German
    assert "/admin/products" in links(page.text) and "Produkte" in text(page.text)
