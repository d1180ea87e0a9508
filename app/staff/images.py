"""A product's images in the back office: the list, adding an uploaded (already checked and
stored) image, its colour and alt text, the order, deleting. Each change is one write transaction
with its audit row, the catalogue revision bump and a search sync of the product."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.catalog.services import bump_revision
from app.catalog.tables import OptionLabel, Product, ProductImage, ProductTranslation, Variant
from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.search.services import request_sync
from app.staff.categories import move_in_order, name_in
from app.staff.media import StoredImage
from app.staff.products import ProductNotFound
from app.staff.services import Actor, record_audit

MAX_ALT_LENGTH = 200
COLOUR_AXIS = "colour"

ALT_TOO_LONG = N_("The description is at most 200 characters.")
BAD_COLOUR = N_("Choose one of the product's colours, or none.")


class ImageNotFound(Exception):
    pass


@dataclass(frozen=True)
class ImageRow:
    id: int
    path: str
    colour: str
    alt: str
    position: int
    width: int
    height: int
    thumb_small: str
    thumb_large: str

    @property
    def preview(self) -> str:
        """The file a list shows: the small thumbnail, else the image itself (SVG placeholders)."""
        return self.thumb_small or self.path

    def snapshot(self) -> dict[str, Any]:
        return {"path": self.path, "colour": self.colour, "alt": self.alt}


@dataclass(frozen=True)
class ProductImages:
    id: int
    code: str
    name: str
    colours: tuple[tuple[str, str], ...]  # (value, label) of the product's colour option
    images: tuple[ImageRow, ...]

    def snapshot(self) -> dict[str, Any]:
        return {"images": [image.snapshot() for image in self.images]}

    def image(self, image_id: int) -> ImageRow:
        found = next((image for image in self.images if image.id == image_id), None)
        if found is None:
            raise ImageNotFound(image_id)
        return found


def _colour_values(variants: list[dict[str, Any]]) -> list[str]:
    values: list[str] = []
    for variant in variants:
        raw = variant["options"]
        options = json.loads(raw) if isinstance(raw, str) else (raw or {})
        value = options.get(COLOUR_AXIS)
        if isinstance(value, str) and value and value not in values:
            values.append(value)
    return values


async def load_product_images(code: str, locale: str, default_locale: str) -> ProductImages:
    row = await Product.select(Product.id, Product.code).where(Product.code == code).first().run()
    if row is None:
        raise ProductNotFound(code)
    names = {
        text["locale"]: text["name"]
        for text in await ProductTranslation.select(ProductTranslation.locale, ProductTranslation.name)
        .where(ProductTranslation.product == row["id"])
        .run()
    }
    variants = (
        await Variant.select(Variant.options)
        .where(Variant.product == row["id"])
        .order_by(Variant.position)
        .order_by(Variant.id)
        .run()
    )
    colours = _colour_values(variants)
    labels: dict[str, dict[str, str]] = {}
    if colours:
        for label in (
            await OptionLabel.select()
            .where((OptionLabel.axis == COLOUR_AXIS) & OptionLabel.value.is_in(colours))
            .run()
        ):
            labels.setdefault(label["value"], {})[label["locale"]] = label["label"]
    images = (
        await ProductImage.select()
        .where(ProductImage.product == row["id"])
        .order_by(ProductImage.position)
        .order_by(ProductImage.id)
        .run()
    )
    return ProductImages(
        id=row["id"],
        code=row["code"],
        name=name_in(names, locale, default_locale) or row["code"],
        colours=tuple(
            (value, name_in(labels.get(value, {}), locale, default_locale) or value) for value in colours
        ),
        images=tuple(
            ImageRow(
                id=image["id"],
                path=image["path"],
                colour=image["colour"],
                alt=image["alt"],
                position=image["position"],
                width=image["width"],
                height=image["height"],
                thumb_small=image["thumb_small"],
                thumb_large=image["thumb_large"],
            )
            for image in images
        ),
    )


# --- reading a form (pure) --------------------------------------------------------------------


@dataclass
class ImageDetails:
    """An image's colour tag and alt text as typed, and any errors."""

    values: dict[str, str]
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def alt(self) -> str:
        return self.values["alt"]

    @property
    def colour(self) -> str:
        return self.values["colour"]


def read_image_details(form: Mapping[str, str], colours: tuple[tuple[str, str], ...]) -> ImageDetails:
    """The alt text (spaces folded, at most 200 characters) and the colour ("" or one of the
    product's own colours)."""
    values = {
        "alt": " ".join(form.get("alt", "").split())[: MAX_ALT_LENGTH + 1],
        "colour": form.get("colour", "").strip()[:33],
    }
    details = ImageDetails(values=values)
    if len(values["alt"]) > MAX_ALT_LENGTH:
        details.errors["alt"] = (ALT_TOO_LONG, {})
    if values["colour"] and values["colour"] not in {value for value, _ in colours}:
        details.errors["colour"] = (BAD_COLOUR, {})
    return details


# --- changes ----------------------------------------------------------------------------------


async def _changed(actor: Actor, action: str, before: ProductImages, locale: str, default: str) -> None:
    """The audit row, the catalogue revision and the search sync that follow every change."""
    after = await load_product_images(before.code, locale, default)
    await record_audit(actor, action, f"product:{before.code}", before.snapshot(), after.snapshot())
    await bump_revision()
    await request_sync([before.id])


async def add_image(
    actor: Actor,
    code: str,
    stored: StoredImage,
    size: tuple[int, int],
    details: ImageDetails,
    locale: str,
    default_locale: str,
) -> None:
    """Record an image whose files are written; it goes last in the product's order."""
    async with write_transaction():
        before = await load_product_images(code, locale, default_locale)
        position = max((image.position for image in before.images), default=-1) + 1
        await ProductImage.insert(
            ProductImage(
                product=before.id,
                path=stored.path,
                colour=details.colour,
                position=position,
                alt=details.alt,
                width=size[0],
                height=size[1],
                thumb_small=stored.thumb_small,
                thumb_large=stored.thumb_large,
            )
        ).run()
        await _changed(actor, "product.image.add", before, locale, default_locale)


async def update_image(
    actor: Actor, code: str, image_id: int, details: ImageDetails, locale: str, default_locale: str
) -> bool:
    """Save an image's colour and alt text; False when both were already so."""
    async with write_transaction():
        before = await load_product_images(code, locale, default_locale)
        image = before.image(image_id)
        if (image.colour, image.alt) == (details.colour, details.alt):
            return False
        await (
            ProductImage.update({ProductImage.colour: details.colour, ProductImage.alt: details.alt})
            .where(ProductImage.id == image_id)
            .run()
        )
        await _changed(actor, "product.image.update", before, locale, default_locale)
    return True


async def move_image(
    actor: Actor, code: str, image_id: int, step: int, locale: str, default_locale: str
) -> bool:
    """One place earlier (-1) or later (+1); the first image is the one listings show."""
    async with write_transaction():
        before = await load_product_images(code, locale, default_locale)
        before.image(image_id)
        order = move_in_order([image.id for image in before.images], image_id, step)
        if order is None:
            return False
        for position, moved_id in enumerate(order):
            await (
                ProductImage.update({ProductImage.position: position})
                .where(ProductImage.id == moved_id)
                .run()
            )
        await _changed(actor, "product.image.move", before, locale, default_locale)
    return True


async def delete_image(actor: Actor, code: str, image_id: int, locale: str, default_locale: str) -> list[str]:
    """Delete an image's row; returns its files that no other row uses, for the caller to remove
    once the transaction is committed (a rolled-back delete keeps its files)."""
    async with write_transaction():
        before = await load_product_images(code, locale, default_locale)
        image = before.image(image_id)
        await ProductImage.delete().where(ProductImage.id == image_id).run()
        files = [path for path in (image.path, image.thumb_small, image.thumb_large) if path]
        still_used = {
            value
            for row in await ProductImage.select(
                ProductImage.path, ProductImage.thumb_small, ProductImage.thumb_large
            )
            .where(
                ProductImage.path.is_in(files)
                | ProductImage.thumb_small.is_in(files)
                | ProductImage.thumb_large.is_in(files)
            )
            .run()
            for value in row.values()
        }
        await _changed(actor, "product.image.delete", before, locale, default_locale)
    return [path for path in files if path not in still_used]
