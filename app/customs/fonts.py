"""The fonts the customs PDF embeds, read from installed Python packages (never a system path, never a
download): Noto Sans CJK JP for Latin, Chinese, Japanese and Korean, Noto Sans Arabic as the fallback.
Both are SIL Open Font License 1.1; fpdf2 embeds only the glyphs a document uses."""

from __future__ import annotations

import logging
from functools import cache
from importlib.resources import files
from pathlib import Path

from fpdf import FPDF

MAIN = "noto"  # the family name documents set
ARABIC = "noto-arabic"  # used for the characters the main font lacks


@cache
def font_files() -> dict[str, Path]:
    """Each family's file inside its package (wheels install as plain files, so a Path is real)."""
    return {
        MAIN: Path(str(files("noto_cjk_sans_jp_regular").joinpath("NotoSansCJKjp-Regular.otf"))),
        # A variable font whose default instance is the regular (wght 400, wdth 100): viewers draw
        # the default outlines, so no instancing (which would cost ~0.5 s per document).
        ARABIC: Path(
            str(files("fontpkg_noto_sans_arabic").joinpath("files", "NotoSansArabic[wdth,wght].ttf"))
        ),
    }


def add_fonts(pdf: FPDF) -> None:
    """Register both families and turn on HarfBuzz shaping (Arabic joins and runs right to left)."""
    # fontTools logs each table it subsets at INFO: a dozen lines per download otherwise.
    logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
    paths = font_files()
    pdf.add_font(MAIN, fname=paths[MAIN])
    pdf.add_font(ARABIC, fname=paths[ARABIC])
    pdf.set_fallback_fonts([ARABIC])
    pdf.set_text_shaping(True)
