"""Partner API keys in the database: create (the key is returned once, its digest stored), list,
revoke, authenticate, and record each use. Every change and every use writes an audit row, in the
same transaction as the change it records."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.partners.rules import KeyGrant, key_digest, key_matches, key_prefix, new_key
from app.partners.tables import PartnerKey
from app.staff.services import Actor, record_audit

log = logging.getLogger("storefront.partners")

# Compared against when no key has the prefix, so an unknown prefix costs the same as a wrong secret.
_NO_SUCH_KEY = key_digest("sfp_000000000000." + "A" * 43)


class PartnerKeyError(Exception):
    """A change the rules refuse; `message` is a gettext msgid shown to the owner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PartnerKeyView:
    """A key as the back office lists it: never the key, never its digest."""

    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    destinations: tuple[str, ...]
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def grant(self) -> KeyGrant:
        return KeyGrant(self.id, self.prefix, frozenset(self.scopes), self.destinations, self.revoked)

    def snapshot(self) -> dict[str, Any]:
        """What the audit log keeps of a key."""
        return {
            "name": self.name,
            "prefix": self.prefix,
            "scopes": list(self.scopes),
            "destinations": list(self.destinations),
            "revoked": self.revoked,
        }


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code for code in text.split(",") if code)


def _view(row: Mapping[str, Any]) -> PartnerKeyView:
    return PartnerKeyView(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=_codes(row["scopes"]),
        destinations=_codes(row["destinations"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


_LISTED = (
    PartnerKey.id,
    PartnerKey.name,
    PartnerKey.prefix,
    PartnerKey.scopes,
    PartnerKey.destinations,
    PartnerKey.created_by,
    PartnerKey.created_at,
    PartnerKey.revoked_at,
    PartnerKey.last_used_at,
)


async def list_keys() -> list[PartnerKeyView]:
    """Every key, the newest first (revoked ones too: they explain the audit log)."""
    return [
        _view(row) for row in await PartnerKey.select(*_LISTED).order_by(PartnerKey.id, ascending=False).run()
    ]


async def key_by_id(key_id: int) -> PartnerKeyView | None:
    row = await PartnerKey.select(*_LISTED).where(PartnerKey.id == key_id).first().run()
    return _view(row) if row else None


async def create_key(
    actor: Actor, name: str, scopes: frozenset[str], destinations: tuple[str, ...]
) -> tuple[PartnerKeyView, str]:
    """A new key and its text, which is shown once and never stored."""
    made = new_key()
    async with write_transaction():
        rows = await PartnerKey.insert(
            PartnerKey(
                name=name,
                prefix=made.prefix,
                secret_hash=made.digest,
                scopes=",".join(sorted(scopes)),
                destinations=",".join(destinations),
                created_by=actor.name[:254],
            )
        ).run()
        view = await key_by_id(rows[0]["id"])
        assert view is not None
        await record_audit(actor, "partner_key.create", f"partner_key:{view.prefix}", None, view.snapshot())
    log.info("partner key %s created", view.prefix)
    return view, made.key


async def revoke_key(actor: Actor, key_id: int) -> PartnerKeyView:
    """Revoke a key: its next request is refused. Revoking a revoked key changes nothing."""
    async with write_transaction():
        before = await key_by_id(key_id)
        if before is None:
            raise PartnerKeyError(N_("There is no such key."))
        if before.revoked:
            return before
        await (
            PartnerKey.update({PartnerKey.revoked_at: datetime.now(UTC)}).where(PartnerKey.id == key_id).run()
        )
        after = await key_by_id(key_id)
        assert after is not None
        await record_audit(
            actor, "partner_key.revoke", f"partner_key:{after.prefix}", before.snapshot(), after.snapshot()
        )
    log.info("partner key %s revoked", after.prefix)
    return after


async def authenticate_key(key: str) -> KeyGrant | None:
    """The grant of a well-formed key whose digest matches (revoked or not: the caller says
    which answer a revoked key gets); None for a malformed, unknown or wrong key."""
    prefix = key_prefix(key)
    if prefix is None:
        return None
    row = (
        await PartnerKey.select(
            PartnerKey.id,
            PartnerKey.prefix,
            PartnerKey.secret_hash,
            PartnerKey.scopes,
            PartnerKey.destinations,
            PartnerKey.revoked_at,
        )
        .where(PartnerKey.prefix == prefix)
        .first()
        .run()
    )
    if row is None:
        key_matches(key, _NO_SUCH_KEY)
        return None
    if not key_matches(key, row["secret_hash"]):
        return None
    return KeyGrant(
        id=row["id"],
        prefix=row["prefix"],
        scopes=frozenset(_codes(row["scopes"])),
        destinations=_codes(row["destinations"]),
        revoked=row["revoked_at"] is not None,
    )


def partner_actor(grant: KeyGrant, ip: str) -> Actor:
    """A partner in the audit log: `partner:<prefix>`, never a staff id."""
    return Actor(None, f"partner:{grant.prefix}", ip)


async def record_use(grant: KeyGrant, ip: str, action: str, details: Mapping[str, Any]) -> None:
    """An accepted request: the audit row with what was asked, and the key's last use."""
    async with write_transaction():
        await (
            PartnerKey.update({PartnerKey.last_used_at: datetime.now(UTC)})
            .where(PartnerKey.id == grant.id)
            .run()
        )
        await record_audit(partner_actor(grant, ip), action, f"partner_key:{grant.prefix}", None, details)


async def record_event(grant: KeyGrant, ip: str, action: str, details: Mapping[str, Any]) -> None:
    """A refused request of a known key, or the totals of a finished export."""
    async with write_transaction():
        await record_audit(partner_actor(grant, ip), action, f"partner_key:{grant.prefix}", None, details)
