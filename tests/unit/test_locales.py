"""Locale negotiation and the fallback chain."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.i18n.locales import LOCALES, fallback_chain, negotiate_locale, parse_accept_language


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, "de-AT,de;q=0.9,en;q=0.8", "de"),
        (None, "en-GB;q=0.2, fr;q=0.9", "fr"),
        (None, "zh-TW", "zh-hans"),
        (None, "zh-Hans-CN", "zh-hans"),
        (None, "ar-SA", "ar"),
        (None, "pt-BR, it", "en"),
        (None, "*", "en"),
        (None, "", "en"),
        (None, "ja;q=0, es;q=0.1", "es"),
        ("ar", "de", "ar"),
        ("xx", "de", "de"),
        (None, "de;q=abc, ja", "ja"),
    ],
)
def test_negotiation(cookie: str | None, header: str, expected: str) -> None:
    assert negotiate_locale(cookie, header) == expected


@given(st.text(max_size=300))
def test_any_header_negotiates_to_a_shipped_locale(header: str) -> None:
    assert negotiate_locale(None, header) in LOCALES


def test_accept_language_order_is_by_quality_then_position() -> None:
    assert parse_accept_language("a;q=0.5, b, c;q=0.5") == [("b", 1.0), ("a", 0.5), ("c", 0.5)]


def test_fallback_chain() -> None:
    assert fallback_chain("de-at") == ("de-at", "de", "en")
    assert fallback_chain("en") == ("en",)
    assert fallback_chain("zh-hans") == ("zh-hans", "zh", "en")
