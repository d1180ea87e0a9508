"""Password hashing shared by staff and shopper accounts: argon2id, off the event loop, with the
same work spent for an unknown account as for a known one (no timing oracle)."""

from __future__ import annotations

import asyncio
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@cache
def password_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's current defaults (RFC 9106 low-memory profile); a stored hash
    made with other parameters is rehashed at the next login."""
    return PasswordHasher()


async def hash_password(password: str) -> str:
    # Deliberately slow and memory-hard: off the event loop.
    return await asyncio.to_thread(password_hasher().hash, password)


def _verify(stored: str, password: str) -> bool:
    try:
        return password_hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return password_hasher().hash(secrets.token_hex(16))


async def verify_password(stored: str | None, password: str) -> bool:
    """Check a password; with no account, spend the same time on a dummy hash (no timing oracle)."""
    return await asyncio.to_thread(_verify, stored or _dummy_hash(), password)


def needs_rehash(stored: str) -> bool:
    return password_hasher().check_needs_rehash(stored)
