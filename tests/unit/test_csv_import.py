"""The CSV import's pure side: reading files (line numbers, header, encodings, limits), planning
changes against a catalogue state, and properties: the parser never raises on any bytes, and a
cell written by the export reads back as it was."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.staff import csv_import as ci
from app.staff import csv_parse as cp
from app.staff.csv_export import csv_cell, csv_document
from app.staff.csv_import import CatalogueState, ProductState, VariantState, plan_import
from app.staff.csv_parse import PRODUCTS, STOCK, parse_csv


def variant(sku: str, product_id: int = 1, code: str = "TS-001", **values: object) -> VariantState:
    fields: dict[str, object] = {
        "id": abs(hash(sku)) % 10_000,
        "sku": sku,
        "product_id": product_id,
        "product_code": code,
        "options": (),
        "price_minor": 1500,
        "currency": "EUR",
        "stock": 10,
        **values,
    }
    return VariantState(**fields)  # type: ignore[arg-type]


TEE = ProductState(
    id=1,
    code="TS-001",
    name="Plain Tee",
    published=True,
    hs_code="610910",
    origin_country="PT",
    weight_grams=200,
    combinations=frozenset({frozenset({("size", "s")}), frozenset({("size", "m")})}),
    axes=("size",),
)
MUG = ProductState(
    id=2,
    code="MG-001",
    name="Mug",
    published=True,
    hs_code="691200",
    origin_country="PT",
    weight_grams=400,
    combinations=frozenset({frozenset()}),
    axes=(),
)
STATE = CatalogueState(
    variants={
        "TS-001-S": variant("TS-001-S", options=(("size", "s"),)),
        "TS-001-M": variant("TS-001-M", options=(("size", "m"),), stock=3),
        "MG-001": variant("MG-001", product_id=2, code="MG-001", price_minor=1000),
    },
    products={"TS-001": TEE, "MG-001": MUG},
    base_currency="EUR",
)


def plan(body: str, kind: str = STOCK, **options: bool) -> ci.Plan:
    return plan_import(parse_csv(body.encode(), kind), STATE, **options)


def errors(result: ci.Plan | cp.ParsedFile) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in result.errors]


# --- reading ----------------------------------------------------------------------------------


def test_rows_keep_their_line_numbers_through_blank_lines_and_multiline_cells() -> None:
    parsed = parse_csv(
        b'\xef\xbb\xbfproduct_code,sku,name\r\n\r\nTS-001,TS-001-S,"Two\nlines"\nMG-001,MG-001,Mug\n',
        PRODUCTS,
    )
    assert parsed.errors == ()
    assert parsed.columns == ("product_code", "sku", "name")
    assert [(row.line, row.cells["name"]) for row in parsed.rows] == [(3, "Two\nlines"), (5, "Mug")]


def test_a_semicolon_header_means_semicolon_cells_and_names_are_case_insensitive() -> None:
    parsed = parse_csv(b"SKU;Stock\nTS-001-S;4\n", STOCK)
    assert parsed.errors == () and parsed.rows[0].cells == {"sku": "TS-001-S", "stock": "4"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [(0, cp.EMPTY_FILE)]),
        (b" \n\n", [(0, cp.EMPTY_FILE)]),
        (b"sku,stock\n\n", [(0, cp.NO_ROWS)]),
        (b"sku\nA,1\n", [(1, cp.MISSING_COLUMNS)]),
        (b"sku,stock,stock\n", [(1, cp.DUPLICATE_COLUMN)]),
        (b"\nsku,stock,price\n", [(2, cp.UNKNOWN_COLUMNS)]),
        (b"sku,stock\nA,1\nB,1,2\nC\n", [(3, cp.WRONG_COUNT), (4, cp.WRONG_COUNT)]),
        (b"sku,stock\nA,1\nB,\xe9\n", [(3, cp.NOT_UTF8)]),
        (b'sku,stock\nA,1\n"B,2\nC,3\n', [(3, cp.BAD_CSV)]),
        (b'sku,stock\nA,"1"x\n', [(2, cp.BAD_CSV)]),
    ],
)
def test_unreadable_files_name_the_line(data: bytes, expected: list[tuple[int, str]]) -> None:
    assert errors(parse_csv(data, STOCK)) == expected


def test_limits_on_size_and_rows() -> None:
    too_big = parse_csv(b"sku,stock\n" + b"A,1\n" * (cp.MAX_FILE_BYTES // 4), STOCK)
    assert errors(too_big) == [(0, cp.TOO_LARGE)]
    many = parse_csv(b"sku,stock\n" + b"A,1\n" * (cp.MAX_ROWS + 5), STOCK)
    assert errors(many) == [(cp.MAX_ROWS + 2, cp.TOO_MANY_ROWS)] and len(many.rows) == cp.MAX_ROWS


def test_the_exports_formula_quote_comes_off_on_the_way_back() -> None:
    parsed = parse_csv(b"product_code,sku,name\nTS-001,TS-001-S,'=SUM(A1)\nMG-001,MG-001,'tis\n", PRODUCTS)
    assert [row.cells["name"] for row in parsed.rows] == ["=SUM(A1)", "'tis"]


# --- planning stock ---------------------------------------------------------------------------


def test_stock_changes_show_before_and_after_and_skip_unchanged_rows() -> None:
    result = plan("sku,stock\nTS-001-S,4\nTS-001-M,3\n")
    assert result.ok and result.rows == 2
    assert [(c.line, c.target, c.field, c.before, c.after) for c in result.changes] == [
        (2, "TS-001-S", "stock", "10", "4")
    ]
    assert result.stock == {STATE.variants["TS-001-S"].id: (10, 4)} and result.touched_products == {1}


def test_every_bad_stock_line_is_reported() -> None:
    result = plan("sku,stock\nTS-001-S,-1\nNOPE,1\nTS-001-M,1.5\nTS-001-S,2\n,1\nMG-001,99999999999\n")
    assert errors(result) == [
        (2, ci.NEGATIVE_STOCK),
        (3, ci.UNKNOWN_SKU),
        (4, ci.BAD_STOCK),
        (5, ci.DUPLICATE_SKU),
        (6, ci.MISSING_SKU),
        (7, ci.BAD_STOCK),
    ]
    assert result.errors[3].params == {"sku": "TS-001-S", "line": 2}


# --- planning products ------------------------------------------------------------------------


def test_product_fields_prices_and_names_are_planned_once_per_product() -> None:
    result = plan(
        "product_code,sku,name,published,hs_code,origin_country,weight_grams,price\n"
        "TS-001,TS-001-S,<b>Tee</b>,no,6109.10.00,de,250,15.00\n"
        "TS-001,TS-001-M,<b>Tee</b>,no,6109100000,DE,250,16,5\n",
        PRODUCTS,
    )
    assert errors(result) == [(3, cp.WRONG_COUNT)]
    result = plan(
        "product_code,sku,name,published,hs_code,origin_country,weight_grams,price\n"
        "TS-001,TS-001-S,<b>Tee</b>,no,6109.10.00,de,250,15.00\n"
        'TS-001,TS-001-M,<b>Tee</b>,NO,6109.10.00,DE,250,"16,5"\n',
        PRODUCTS,
    )
    assert result.ok, errors(result)
    assert result.product_values == {
        1: {
            "name": "<b>Tee</b>",
            "published": False,
            "hs_code": "61091000",
            "origin_country": "DE",
            "weight_grams": 250,
        }
    }
    assert result.prices == {STATE.variants["TS-001-M"].id: (1500, 1650)}
    assert [(c.field, c.before, c.after) for c in result.changes if c.field == "price"] == [
        ("price", "15.00 EUR", "16.50 EUR")
    ]


def test_product_rows_are_checked_against_the_catalogue() -> None:
    result = plan(
        "product_code,sku,options,published,price,currency,stock\n"
        "XX-1,XX-1,,yes,,,\n"  # no such product
        "MG-001,TS-001-S,,,,,\n"  # the SKU is the tee's
        "TS-001,TS-001-M,size: s,,,,\n"  # options of an existing variant
        "TS-001,TS-001-P,,maybe,,,\n"  # published
        "TS-001,TS-001-L,size: l,,,,\n"  # a new variant without price and stock
        "TS-001,TS-001-XL,colour: red,,9,,1\n"  # another axis
        "TS-001,TS-001-SS,size: s,,9,,1\n"  # an existing combination
        "TS-001,ts 1,size: xs,,9,,1\n"  # a bad new SKU
        "MG-001,MG-001,,,,USD,\n"  # another currency
        "MG-001,,,,,,\n"  # no SKU
        ",MG-002,,,,,\n"  # no product code
        "TS-001,TS-001-XS,size=xs,,9,,1\n",  # options written another way
        PRODUCTS,
    )
    assert errors(result) == [
        (2, ci.UNKNOWN_PRODUCT),
        (3, ci.WRONG_PRODUCT),
        (4, ci.OPTIONS_FIXED),
        (5, ci.BAD_PUBLISHED),
        (6, ci.NEW_NEEDS_VALUES),
        (7, ci.WRONG_AXES),
        (8, ci.TAKEN_OPTIONS),
        (9, ci.BAD_SKU),
        (10, ci.WRONG_CURRENCY),
        (11, ci.MISSING_SKU),
        (12, ci.MISSING_CODE),
        (13, ci.BAD_OPTIONS),
    ]


def test_conflicting_product_values_in_one_file_are_refused() -> None:
    result = plan("product_code,sku,weight_grams\nTS-001,TS-001-S,250\nTS-001,TS-001-M,260\n", PRODUCTS)
    assert errors(result) == [(3, ci.CONFLICT)]
    assert result.errors[0].params == {"code": "TS-001", "field": "weight_grams", "line": 2}


def test_new_variants_follow_the_products_axes_and_may_not_repeat_in_the_file() -> None:
    result = plan(
        "product_code,sku,options,price,stock\n"
        "TS-001,TS-001-L,Size: L,17.00,4\n"
        "TS-001,TS-001-L2,size: l,17.00,4\n",
        PRODUCTS,
    )
    assert errors(result) == [(3, ci.TAKEN_OPTIONS)]
    [new] = result.new_variants
    assert (new.sku, new.options, new.price_minor, new.currency, new.stock) == (
        "TS-001-L",
        (("size", "l"),),
        1700,
        "EUR",
        4,
    )


def test_prices_need_the_price_permission_and_the_currencys_digits() -> None:
    body = "product_code,sku,price\nMG-001,MG-001,12.00\n"
    assert errors(plan(body, PRODUCTS, may_edit_prices=False)) == [(2, ci.NO_PRICE_PERMISSION)]
    assert plan("product_code,sku,price\nMG-001,MG-001,10.00\n", PRODUCTS, may_edit_prices=False).ok
    assert errors(plan("product_code,sku,price\nMG-001,MG-001,1.005\n", PRODUCTS)) == [(2, ci.BAD_PRICE_STEP)]
    for bad in ("0", "-1", "1e3", "NaN", "abc"):
        assert errors(plan(f"product_code,sku,price\nMG-001,MG-001,{bad}\n", PRODUCTS)) == [
            (2, ci.BAD_PRICE_TEXT)
        ], bad


def test_names_refuse_control_characters_and_overlong_text() -> None:
    assert errors(plan('product_code,sku,name\nMG-001,MG-001,"a\x07b"\n', PRODUCTS)) == [(2, ci.BAD_NAME)]
    assert errors(plan(f"product_code,sku,name\nMG-001,MG-001,{'x' * 301}\n", PRODUCTS)) == [(2, ci.BAD_NAME)]


def test_the_fingerprint_follows_the_befores() -> None:
    body = "sku,stock\nTS-001-S,4\n"
    first = plan(body).fingerprint()
    assert plan(body).fingerprint() == first
    sold = CatalogueState({**STATE.variants, "TS-001-S": variant("TS-001-S", stock=9)}, STATE.products, "EUR")
    assert plan_import(parse_csv(body.encode(), STOCK), sold).fingerprint() != first


def test_decimal_text_is_exact_for_every_precision() -> None:
    assert ci.decimal_text(1250, "EUR") == "12.50"
    assert ci.decimal_text(5, "EUR") == "0.05"
    assert ci.decimal_text(500, "JPY") == "500"
    assert ci.decimal_text(1234, "KWD") == "1.234"


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(cp.KINDS))
def test_the_parser_and_the_planner_never_raise_on_any_bytes(data: bytes, kind: str) -> None:
    parsed = parse_csv(data, kind)
    assert all(error.line >= 0 for error in parsed.errors)
    result = plan_import(parsed, STATE)
    assert result.ok or result.errors


cell_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(cell_text, cell_text), min_size=1, max_size=5), st.sampled_from(cp.KINDS))
def test_any_text_file_is_read_or_refused_by_line(rows: list[tuple[str, str]], kind: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["sku", "stock"] if kind == STOCK else ["product_code", "sku"], *rows])
    result = plan_import(parse_csv(buffer.getvalue().encode(), kind), STATE)
    assert all(error.line >= 0 for error in result.errors)


formula_text = st.tuples(st.sampled_from("=+-@"), cell_text).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(cell_text, formula_text).map(str.strip).filter(lambda t: not t.startswith("'")))
def test_an_exported_cell_reads_back_as_it_was(value: str) -> None:
    document = csv_document(["sku", "stock"], [[value, "1"]], bom=True)
    parsed = parse_csv(document.encode(), STOCK)
    if value:
        assert [row.cells["sku"] for row in parsed.rows] == [value]
    assert csv_cell(value)[:1] not in ("=", "+", "-", "@")
