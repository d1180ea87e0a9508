"""Roles and permissions as data, and the masking of phone numbers and emails."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.staff.rules import (
    ROLE_LABELS,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    StaffIdentity,
    can,
    mask_email,
    mask_phone,
    parse_locales,
    password_problem,
)

LOCALE_CODES = ["en", "de", "fr", "es", "ja", "zh-hans", "ar"]


def staff(role: Role, locales: frozenset[str] = frozenset(), active: bool = True) -> StaffIdentity:
    return StaffIdentity(1, "a@shop.test", "A", role, locales, active)


def test_every_role_has_a_label_and_permissions() -> None:
    assert set(ROLE_LABELS) == set(Role) == set(ROLE_PERMISSIONS)
    assert all(Permission.ACCESS_ADMIN in permissions for permissions in ROLE_PERMISSIONS.values())


def test_the_owner_may_do_everything() -> None:
    assert all(can(staff(Role.OWNER), permission) for permission in Permission)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.OWNER])
def test_only_the_owner_manages_staff_and_reads_the_audit_log(role: Role) -> None:
    assert not can(staff(role, frozenset(LOCALE_CODES)), Permission.MANAGE_STAFF)
    assert not can(staff(role, frozenset(LOCALE_CODES)), Permission.VIEW_AUDIT_LOG)


def test_support_reads_orders_and_customers_but_moves_no_money_or_goods() -> None:
    support = staff(Role.SUPPORT)
    assert can(support, Permission.VIEW_ORDERS) and can(support, Permission.VIEW_CUSTOMERS)
    for permission in (
        Permission.REFUND_ORDERS,
        Permission.MARK_PAID,
        Permission.CANCEL_ORDERS,
        Permission.FULFIL_ORDERS,
        Permission.EDIT_PRICES,
        Permission.MANAGE_CATALOG,
    ):
        assert not can(support, permission)


def test_fulfilment_ships_and_marks_paid_but_never_refunds() -> None:
    fulfilment = staff(Role.FULFILMENT)
    assert can(fulfilment, Permission.FULFIL_ORDERS) and can(fulfilment, Permission.MARK_PAID)
    assert not can(fulfilment, Permission.REFUND_ORDERS) and not can(fulfilment, Permission.EDIT_PRICES)


def test_a_catalogue_manager_edits_products_and_prices_in_every_locale() -> None:
    manager = staff(Role.CATALOGUE_MANAGER)
    assert can(manager, Permission.MANAGE_CATALOG) and can(manager, Permission.EDIT_PRICES)
    assert all(can(manager, Permission.TRANSLATE, code) for code in LOCALE_CODES)
    assert not can(manager, Permission.VIEW_ORDERS)


@given(assigned=st.sets(st.sampled_from(LOCALE_CODES)), asked=st.sampled_from(LOCALE_CODES))
def test_a_translator_translates_only_the_assigned_locales(assigned: set[str], asked: str) -> None:
    translator = staff(Role.TRANSLATOR, frozenset(assigned))
    assert can(translator, Permission.TRANSLATE, asked) == (asked in assigned)
    assert can(translator, Permission.TRANSLATE) == bool(assigned)
    assert not can(translator, Permission.EDIT_PRICES, asked)
    assert not can(translator, Permission.MANAGE_CATALOG)


@given(role=st.sampled_from(list(Role)), permission=st.sampled_from(list(Permission)))
def test_nobody_and_disabled_accounts_may_do_nothing(role: Role, permission: Permission) -> None:
    assert not can(None, permission)
    assert not can(staff(role, frozenset(LOCALE_CODES), active=False), permission, "de")


def test_parse_locales_keeps_only_the_shops_locales() -> None:
    assert parse_locales("de, ja,xx,,AR", LOCALE_CODES) == {"de", "ja", "ar"}
    assert parse_locales(["fr", "zh-hans", "<b>"], LOCALE_CODES) == {"fr", "zh-hans"}


def test_password_rules() -> None:
    assert password_problem("short") is not None
    assert password_problem("x" * 12) is None
    assert password_problem("x" * 5000) is not None


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+86 138-1234-5678", "+861******5678"),
        ("+49 151 23456789", "+491******6789"),
        ("12345", "1**45"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_phone_numbers_hide_their_middle_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@given(st.text(alphabet="0123456789 -+()", max_size=30))
def test_a_masked_phone_never_shows_more_than_seven_digits_or_two_thirds(phone: str) -> None:
    digits = [ch for ch in phone if ch.isdigit()]
    masked = mask_phone(phone)
    shown = [ch for ch in masked if ch.isdigit()]
    assert len(masked.lstrip("+")) == len(digits)
    assert len(shown) <= 7 and len(shown) <= len(digits) * 2 / 3
    if digits:
        assert "*" in masked
        head, tail = re.match(r"\+?(\d*)\**(\d*)$", masked).groups()  # type: ignore[union-attr]
        assert "".join(digits).startswith(head) and "".join(digits).endswith(tail)


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("alice.smith@example.com", "a***h@example.com"),
        ("ab@example.com", "a*@example.com"),
        ("a@example.com", "*@example.com"),
        ("not an email", "***"),
    ],
)
def test_emails_are_partly_hidden(email: str, masked: str) -> None:
    assert mask_email(email) == masked


@given(st.emails())
def test_a_masked_email_keeps_the_domain_and_hides_most_of_the_name(email: str) -> None:
    local, _, domain = email.rpartition("@")
    masked = mask_email(email)
    assert masked.endswith("@" + domain)
    assert masked.count("*") >= 1
    visible = masked.rpartition("@")[0].replace("*", "")
    assert len(visible) <= 2 and (len(local) < 3 or local not in masked)
