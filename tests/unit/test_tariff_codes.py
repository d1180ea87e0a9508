"""National tariff numbers (app.catalog.rules): a product's number per destination is its 6-digit HS
subheading plus that country's own digits, 8 to 10 in all. Checked the same way by the importer,
the product forms (app.staff.product_fields) and the CSV import (app.staff.csv_import)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.catalog.rules import (
    MAX_TARIFF_CODES,
    TariffProblem,
    check_tariff_codes,
    format_tariff_codes,
    format_tariff_text,
    hs_subheading,
    is_country_code,
    parse_tariff_codes,
    parse_tariff_text,
)
from app.staff import csv_import as ci
from app.staff.csv_import import CatalogueState, ProductState, VariantState, plan_import
from app.staff.csv_parse import PRODUCTS, parse_csv
from app.staff.product_fields import TARIFF_PROBLEMS, read_tariff_codes

SHIRT_HS = "620590"


# --- the check ----------------------------------------------------------------------------------


def test_numbers_are_normalised_and_sorted_by_country() -> None:
    typed = {"us": " 6205.90.0010 ", "CH": "6205 90 00", "JP": "620590000"}
    checked = check_tariff_codes(typed, SHIRT_HS)
    assert checked == {"CH": "62059000", "JP": "620590000", "US": "6205900010"}
    assert isinstance(checked, dict) and list(checked) == ["CH", "JP", "US"]
    assert check_tariff_codes({}, SHIRT_HS) == {}


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ({"US": "123"}, TariffProblem("digits", "US", "123")),
        ({"US": "62059000101"}, TariffProblem("digits", "US", "62059000101")),  # 11 digits
        ({"US": "6205900"}, TariffProblem("digits", "US", "6205900")),  # 7 digits
        ({"US": "62059000A0"}, TariffProblem("digits", "US", "62059000A0")),
        ({"US": "６２０５９０００１０"}, TariffProblem("digits", "US", "６２０５９０００１０")),  # fullwidth
        ({"US": 6205900010}, TariffProblem("digits", "US", "6205900010")),  # a number loses leading zeros
        ({"XX": "6205900010"}, TariffProblem("country", "XX")),
        ({"EU": "62059080"}, TariffProblem("country", "EU")),  # a grouping, not a country
        ({"USA": "6205900010"}, TariffProblem("country", "USA")),
        ({"US": "6109100012"}, TariffProblem("prefix", "US", "6109100012", SHIRT_HS)),
    ],
)
def test_each_problem_names_the_entry(entries: dict, problem: TariffProblem) -> None:
    assert check_tariff_codes(entries, SHIRT_HS) == problem


def test_a_country_twice_is_refused() -> None:
    assert check_tariff_codes([("US", "6205900010"), ("us", "6205900020")], SHIRT_HS) == TariffProblem(
        "duplicate", "US"
    )


def test_the_prefix_is_checked_only_when_the_product_has_an_hs_code() -> None:
    assert check_tariff_codes({"US": "6109100012"}, "") == {"US": "6109100012"}
    # A stored national HS code counts by its 6 international digits.
    assert check_tariff_codes({"CH": "62059000"}, "6205.90.0010") == {"CH": "62059000"}
    assert hs_subheading("6205.90.0010") == SHIRT_HS
    assert hs_subheading("6205") == "" and hs_subheading("") == ""


def test_at_most_so_many_numbers_and_they_always_fit_the_column() -> None:
    many = [
        "AR", "AU", "BR", "CA", "CH", "CL", "CN", "CO", "GB", "HK", "ID", "IL", "IN", "JP", "KR",
        "MX", "MY", "NO", "NZ", "PH", "SA", "SG", "TH", "TR", "TW", "US", "VN", "ZA",
    ]  # fmt: skip
    assert len(many) > MAX_TARIFF_CODES and all(is_country_code(code) for code in many)
    fitting = check_tariff_codes({code: "6205900010" for code in many[:MAX_TARIFF_CODES]}, SHIRT_HS)
    assert isinstance(fitting, dict) and len(format_tariff_codes(fitting)) <= 500  # Varchar(500)
    assert check_tariff_codes({code: "6205900010" for code in many}, SHIRT_HS) == TariffProblem("too_many")


# --- the typed and stored forms ------------------------------------------------------------------


def test_the_typed_form_takes_commas_semicolons_and_lines() -> None:
    assert parse_tariff_text("US=6205900010, CH=62059000;JP = 620590000\n") == [
        ("US", "6205900010"),
        (" CH", "62059000"),
        ("JP ", " 620590000"),
    ]
    assert parse_tariff_text("  ") == []
    assert parse_tariff_text("US 6205900010") == TariffProblem("format", code="US 6205900010")
    assert parse_tariff_text("US=") == TariffProblem("format", code="US=")
    assert parse_tariff_text("=6205900010") == TariffProblem("format", code="=6205900010")


def test_stored_and_typed_forms_round_trip() -> None:
    codes = {"US": "6205900010", "CH": "62059000"}
    assert format_tariff_codes(codes) == '{"CH":"62059000","US":"6205900010"}'
    assert parse_tariff_codes(format_tariff_codes(codes)) == codes
    assert parse_tariff_codes("") == {} and parse_tariff_codes("{}") == {}
    assert format_tariff_text(codes) == "CH=62059000, US=6205900010"
    assert format_tariff_text(codes, "; ") == "CH=62059000; US=6205900010"
    assert format_tariff_text({}) == ""


COUNTRIES = st.sampled_from(["US", "CN", "KR", "JP", "CH", "BR", "GB", "CA"])


@st.composite
def tariff_numbers(draw: st.DrawFn) -> dict[str, str]:
    """Valid numbers under the shirt's HS code, 8 to 10 digits each."""
    countries = draw(st.lists(COUNTRIES, unique=True, max_size=8))
    return {country: SHIRT_HS + draw(st.text("0123456789", min_size=2, max_size=4)) for country in countries}


@given(tariff_numbers(), st.sampled_from([", ", "; ", "\n", ","]))
def test_whatever_is_stored_reads_back_and_checks_again_unchanged(codes: dict[str, str], sep: str) -> None:
    checked = check_tariff_codes(codes, SHIRT_HS)
    assert checked == codes
    assert parse_tariff_codes(format_tariff_codes(codes)) == codes
    pairs = parse_tariff_text(format_tariff_text(codes, sep))
    assert not isinstance(pairs, TariffProblem) and check_tariff_codes(pairs, SHIRT_HS) == codes
    assert json.loads(format_tariff_codes(codes)) == codes


@given(st.dictionaries(st.text(max_size=4), st.text(max_size=14), max_size=6), st.text(max_size=12))
def test_any_input_gives_valid_numbers_or_a_problem_never_an_exception(
    entries: dict[str, str], hs_code: str
) -> None:
    result = check_tariff_codes(entries, hs_code)
    if isinstance(result, TariffProblem):
        assert result.kind in TARIFF_PROBLEMS and result.describe()
        return
    hs = hs_subheading(hs_code)
    for country, number in result.items():
        assert is_country_code(country) and number.isascii() and number.isdigit()
        assert 8 <= len(number) <= 10 and number.startswith(hs)


# --- the form's messages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message", "params"),
    [
        ("US=123", TARIFF_PROBLEMS["digits"], {"country": "US"}),
        ("XX=6205900010", TARIFF_PROBLEMS["country"], {"country": "XX"}),
        ("US=6109100012", TARIFF_PROBLEMS["prefix"], {"country": "US", "hs": SHIRT_HS}),
        ("US 6205900010", TARIFF_PROBLEMS["format"], {"code": "US 6205900010"}),
        ("US=6205900010, us=6205900020", TARIFF_PROBLEMS["duplicate"], {"country": "US"}),
        ("US=6205900010, " * 70, TARIFF_PROBLEMS["too_many"], {"count": MAX_TARIFF_CODES}),
    ],
)
def test_the_form_shows_why_with_the_entry(typed: str, message: str, params: dict[str, str]) -> None:
    error = read_tariff_codes(typed, SHIRT_HS)
    assert isinstance(error, tuple)
    assert error[0] == message and params.items() <= error[1].items()
    assert error[0] % error[1]  # every placeholder has its parameter


def test_the_form_reads_what_it_shows() -> None:
    assert read_tariff_codes("", SHIRT_HS) == {}
    assert read_tariff_codes("CH=62059000, US=6205.90.0010", SHIRT_HS) == {
        "CH": "62059000",
        "US": "6205900010",
    }


# --- the CSV import ------------------------------------------------------------------------------

SHIRT = ProductState(
    id=1,
    code="SH-001",
    name="Linen shirt",
    published=True,
    hs_code=SHIRT_HS,
    origin_country="PT",
    weight_grams=250,
    combinations=frozenset({frozenset()}),
    axes=(),
    tariff_codes={"US": "6205900010"},
)
STATE = CatalogueState(
    variants={"SH-001": VariantState(1, "SH-001", 1, "SH-001", (), 3900, "EUR", 5)},
    products={"SH-001": SHIRT},
    base_currency="EUR",
)


def plan(body: str, state: CatalogueState = STATE) -> ci.Plan:
    return plan_import(parse_csv(body.encode(), PRODUCTS), state)


def test_a_csv_sets_tariff_numbers_shown_before_and_after() -> None:
    result = plan('product_code,sku,tariff_codes\nSH-001,SH-001,"CH=6205.90.00; US=6205900010"\n')
    assert result.ok, result.errors
    assert result.product_values == {1: {"tariff_codes": {"CH": "62059000", "US": "6205900010"}}}
    [change] = result.changes
    assert (change.field, change.before, change.after) == (
        "tariff_codes",
        "US=6205900010",
        "CH=62059000; US=6205900010",
    )
    # The same numbers in another order or spelling change nothing; an empty cell keeps them.
    assert plan("product_code,sku,tariff_codes\nSH-001,SH-001,us=6205.90.0010\n").changes == []
    assert plan("product_code,sku,tariff_codes\nSH-001,SH-001,\n").changes == []


def test_a_csv_refuses_bad_numbers_on_their_line() -> None:
    result = plan("product_code,sku,tariff_codes\nSH-001,SH-001,US=123\n")
    assert [(e.line, e.message, e.params["country"]) for e in result.errors] == [
        (2, TARIFF_PROBLEMS["digits"], "US")
    ]
    result = plan("product_code,sku,tariff_codes\nSH-001,SH-001,XX=6205900010\n")
    assert [e.message for e in result.errors] == [TARIFF_PROBLEMS["country"]]


def test_a_csv_checks_the_numbers_against_the_hs_code_the_file_leaves() -> None:
    # A new HS code with the old numbers: refused on the HS code's line.
    result = plan("product_code,sku,hs_code\nSH-001,SH-001,610910\n")
    assert [(e.line, e.message, e.params["hs"]) for e in result.errors] == [
        (2, TARIFF_PROBLEMS["prefix"], "610910")
    ]
    # With numbers that follow it: accepted.
    result = plan("product_code,sku,hs_code,tariff_codes\nSH-001,SH-001,610910,US=6109100012\n")
    assert result.ok and result.product_values == {
        1: {"hs_code": "610910", "tariff_codes": {"US": "6109100012"}}
    }
    # New numbers under the product's current HS code are checked against it.
    result = plan("product_code,sku,tariff_codes\nSH-001,SH-001,US=6109100012\n")
    assert [e.message for e in result.errors] == [TARIFF_PROBLEMS["prefix"]]
    # A product without numbers may change its HS code freely.
    bare = replace(STATE, products={"SH-001": replace(SHIRT, tariff_codes={})})
    assert plan("product_code,sku,hs_code\nSH-001,SH-001,610910\n", bare).ok
