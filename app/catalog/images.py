"""Generated placeholder product images (SVG), one per product colour, stored under the media folder."""

from __future__ import annotations

from pathlib import Path

# One simple silhouette per top-level category, drawn on an 800x800 canvas.
SHAPES = {
    "apparel": '<path d="M250 190 L335 145 Q400 200 465 145 L550 190 L650 300 L570 355 L545 325 L545 660 '
    'L255 660 L255 325 L230 355 L150 300 Z"/>',
    "accessories": '<path d="M300 300 Q300 170 400 170 Q500 170 500 300" fill="none" stroke-width="34"/>'
    '<rect x="210" y="290" width="380" height="360" rx="40"/>',
    "home": '<rect x="230" y="250" width="300" height="380" rx="36"/>'
    '<path d="M530 330 Q650 330 650 440 Q650 550 530 550" fill="none" stroke-width="40"/>',
    "stationery": '<rect x="240" y="150" width="330" height="500" rx="18"/>'
    '<rect x="240" y="150" width="44" height="500" opacity=".35" fill="#000"/>',
    "outdoor": '<rect x="345" y="140" width="110" height="70" rx="14"/>'
    '<rect x="300" y="200" width="200" height="460" rx="70"/>',
    "electronics": '<path d="M230 470 L230 380 Q230 190 400 190 Q570 190 570 380 L570 470" '
    'fill="none" stroke-width="36"/>'
    '<rect x="195" y="430" width="110" height="190" rx="36"/>'
    '<rect x="495" y="430" width="110" height="190" rx="36"/>',
    "pantry": '<path d="M260 330 L540 330 L510 620 Q505 650 475 650 L325 650 Q295 650 290 620 Z"/>'
    '<path d="M350 180 Q380 230 350 280 M450 180 Q480 230 450 280" fill="none" stroke-width="18"/>',
}


def _is_light(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return (0.299 * r + 0.587 * g + 0.114 * b) > 200


def placeholder_svg(category: str, hex_colour: str) -> str:
    top = category.split("-")[0]
    shape = SHAPES.get(top, SHAPES["home"])
    outline = "#5b6770" if _is_light(hex_colour) else hex_colour
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800" width="800" height="800">'
        '<rect width="800" height="800" fill="#f1efe9"/>'
        f'<g fill="{hex_colour}" stroke="{outline}" stroke-width="6" stroke-linejoin="round">{shape}</g>'
        "</svg>\n"
    )


def write_placeholder_image(
    media_dir: Path, *, code: str, category: str, colour: str, hex_colour: str
) -> str:
    """Write the image (idempotent) and return its path relative to the media folder."""
    name = f"{code}-{colour}.svg" if colour else f"{code}.svg"
    relative = f"products/{name.lower()}"
    target = media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(placeholder_svg(category, hex_colour), encoding="utf-8")
    return relative
