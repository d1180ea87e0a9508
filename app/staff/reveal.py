"""Customers' contact details on back-office pages: masked unless the role may see them, and the
audited reveal that unmasks them for one response (shared by the order and customer pages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.staff.rules import Permission, StaffIdentity, can, mask_email, mask_phone
from app.staff.services import Actor, record_audit

MASK = "***"
REVEAL_ACTION = "reveal_personal_data"  # audit action: "<kind>.reveal_personal_data"


@dataclass(frozen=True)
class ContactAccess:
    """What one response may show: `full` (the role's own right, or a reveal recorded for this
    response) or masked values, and whether to offer the reveal button."""

    full: bool
    can_reveal: bool

    def email(self, value: str) -> str:
        return value if self.full else mask_email(value)

    def phone(self, value: str) -> str:
        return value if self.full else mask_phone(value)

    def address(self, address: Mapping[str, str]) -> dict[str, str]:
        return {key: str(value) for key, value in address.items()} if self.full else mask_address(address)


def contact_access(identity: StaffIdentity, revealed: bool = False) -> ContactAccess:
    """`revealed`: the request is a reveal the guard allowed and the audit log recorded."""
    full = revealed or can(identity, Permission.SEE_CONTACT_DETAILS)
    return ContactAccess(full=full, can_reveal=not full and can(identity, Permission.REVEAL_PERSONAL_DATA))


def mask_address(address: Mapping[str, str]) -> dict[str, str]:
    """An address that says roughly where (region, city, the postal code's first two characters,
    the country) but not who or which door: enough to tell a customer's addresses apart."""
    masked: dict[str, str] = {}
    for key, value in address.items():
        text = str(value).strip()
        if not text or key == "sorting_code":
            continue
        if key in {"country_code", "country_area", "city"}:
            masked[key] = text
        elif key == "name":
            masked[key] = f"{text[0]}{MASK}"
        elif key == "postal_code":
            masked[key] = f"{text[:2]}{MASK}" if len(text) > 2 else MASK
        elif key == "phone":
            masked[key] = mask_phone(text)
        else:  # street, company, city area and anything a later form adds
            masked[key] = MASK
    return masked


async def record_reveal(actor: Actor, kind: str, target: str, fields: Iterable[str]) -> None:
    """Audit a reveal of `fields` of `kind:target` (who, when and from where come with the row).
    Call it in the transaction that checked the target exists."""
    await record_audit(
        actor, f"{kind}.{REVEAL_ACTION}", f"{kind}:{target}", None, {"fields": ",".join(fields)}
    )
