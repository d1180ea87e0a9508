"""Roles and permissions as data, and the masking of personal data (pure: no I/O)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.i18n.markers import N_


class Permission(StrEnum):
    """One thing a staff member may do in the back office."""

    ACCESS_ADMIN = "access_admin"  # log in and see /admin/
    MANAGE_STAFF = "manage_staff"  # create accounts, change roles, disable
    VIEW_AUDIT_LOG = "view_audit_log"  # read, filter and export the audit log
    MANAGE_CATALOG = "manage_catalog"  # products, variants, categories, images, publishing
    EDIT_PRICES = "edit_prices"  # base prices and per-market overrides
    MANAGE_STOCK = "manage_stock"
    TRANSLATE = "translate"  # catalogue texts; translators only in their assigned locales
    VIEW_ORDERS = "view_orders"
    VIEW_CUSTOMERS = "view_customers"
    SEE_CONTACT_DETAILS = "see_contact_details"  # customers' emails and phones unmasked, without a reveal
    REVEAL_PERSONAL_DATA = "reveal_personal_data"  # the unmasked phone/email on a detail page (audited)
    FULFIL_ORDERS = "fulfil_orders"  # ship, deliver
    MARK_PAID = "mark_paid"  # record a bank transfer as received
    CANCEL_ORDERS = "cancel_orders"
    REFUND_ORDERS = "refund_orders"  # money leaves the shop
    VIEW_DASHBOARD = "view_dashboard"
    MANAGE_PARTNER_KEYS = "manage_partner_keys"  # logistics partners' API keys: create, revoke


class Role(StrEnum):
    OWNER = "owner"
    CATALOGUE_MANAGER = "catalogue_manager"
    TRANSLATOR = "translator"
    FULFILMENT = "fulfilment"
    SUPPORT = "support"


ROLE_LABELS: dict[Role, str] = {
    Role.OWNER: N_("Owner"),
    Role.CATALOGUE_MANAGER: N_("Catalogue manager"),
    Role.TRANSLATOR: N_("Translator"),
    Role.FULFILMENT: N_("Fulfilment"),
    Role.SUPPORT: N_("Support"),
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.CATALOGUE_MANAGER: frozenset(
        {
            Permission.ACCESS_ADMIN,
            Permission.MANAGE_CATALOG,
            Permission.EDIT_PRICES,
            Permission.MANAGE_STOCK,
            Permission.TRANSLATE,
            Permission.VIEW_DASHBOARD,
        }
    ),
    Role.TRANSLATOR: frozenset({Permission.ACCESS_ADMIN, Permission.TRANSLATE}),
    Role.FULFILMENT: frozenset(
        {
            Permission.ACCESS_ADMIN,
            Permission.VIEW_ORDERS,
            Permission.VIEW_CUSTOMERS,
            Permission.REVEAL_PERSONAL_DATA,  # a parcel needs the full address and phone
            Permission.FULFIL_ORDERS,
            Permission.MARK_PAID,
            Permission.CANCEL_ORDERS,  # an unpaid order only: its goods go back on sale
            Permission.MANAGE_STOCK,
        }
    ),
    # Support reads orders and customers and can take no action that moves money or goods.
    Role.SUPPORT: frozenset(
        {
            Permission.ACCESS_ADMIN,
            Permission.VIEW_ORDERS,
            Permission.VIEW_CUSTOMERS,
            Permission.REVEAL_PERSONAL_DATA,
        }
    ),
}

# Permissions limited to the staff member's assigned locales when the role is a translator's.
LOCALE_SCOPED = frozenset({Permission.TRANSLATE})


@dataclass(frozen=True)
class StaffIdentity:
    """Who is acting: what a permission check needs, loaded fresh on every request."""

    id: int
    email: str
    name: str
    role: Role
    locales: frozenset[str] = frozenset()  # a translator's assigned locales
    active: bool = True


def can(staff: StaffIdentity | None, permission: Permission, locale: str | None = None) -> bool:
    """Whether `staff` may do `permission` (in `locale`, for locale-scoped permissions).

    Nobody and disabled accounts may do nothing. A translator's locale-scoped permissions hold only
    in the locales assigned to them; asked without a locale, they hold if any locale is assigned.
    """
    if staff is None or not staff.active:
        return False
    if permission not in ROLE_PERMISSIONS.get(staff.role, frozenset()):
        return False
    if staff.role is Role.TRANSLATOR and permission in LOCALE_SCOPED:
        return locale in staff.locales if locale is not None else bool(staff.locales)
    return True


def parse_locales(raw: str | Iterable[str], known: Iterable[str]) -> frozenset[str]:
    """Locale codes from a comma-separated string or a list, keeping only the shop's locales."""
    parts = raw.split(",") if isinstance(raw, str) else raw
    allowed = set(known)
    return frozenset(code.strip().lower() for code in parts if code.strip().lower() in allowed)


# --- passwords and emails --------------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only bounds the work per attempt
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_is_valid(email: str) -> bool:
    return len(email) <= 254 and EMAIL_PATTERN.match(email) is not None


def password_problem(password: str) -> str | None:
    """Why a new password is refused (a gettext msgid), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("The password must have at least 12 characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        return N_("The password is too long.")
    return None


# --- masking personal data -------------------------------------------------------------------------


def mask_phone(phone: str) -> str:
    """A phone number with its middle digits hidden: `13812345678` -> `138****5678`.

    Separators are dropped (a masked number is for recognising, not dialling); a leading `+` is
    kept. Long numbers show at most their first 3 and last 4 digits; short ones show less, and at
    least a third of the digits, never fewer than one, stay hidden.
    """
    plus = "+" if phone.strip().startswith("+") else ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    count = len(digits)
    if count == 0:
        return ""
    hidden = max(1, -(-count // 3), count - 7)
    shown = count - hidden
    tail = min(4, (shown + 1) // 2)
    head = min(3, shown - tail)
    return f"{plus}{digits[:head]}{'*' * (count - head - tail)}{digits[count - tail :] if tail else ''}"


def mask_email(email: str) -> str:
    """An email partly hidden for support: `alice.smith@example.com` -> `a***h@example.com`."""
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return "***"
    if len(local) < 2:
        return f"*@{domain}"
    if len(local) == 2:
        return f"{local[0]}*@{domain}"
    return f"{local[0]}***{local[-1]}@{domain}"
