"""Pure account rules: email and password checks, token text and digest, session age, which
orders an account may see (no I/O)."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from app.i18n.markers import N_

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only bounds the work per attempt
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TOKEN_PATTERN = re.compile(r"^([1-9][0-9]{0,11})\.([0-9a-f]{64})$")

VERIFY_SECONDS = 48 * 60 * 60
RESET_SECONDS = 60 * 60


class TokenPurpose(StrEnum):
    VERIFY = "verify"
    RESET = "reset"


TOKEN_LIFETIME = {TokenPurpose.VERIFY: VERIFY_SECONDS, TokenPurpose.RESET: RESET_SECONDS}


@dataclass(frozen=True)
class FormError:
    """A message for one field (a gettext msgid and its parameters), shown next to it."""

    field: str
    message: str
    params: dict[str, object]


def normalise_email(raw: str) -> str:
    """The stored form of an address: trimmed and lower-case (orders are matched the same way,
    LOWER(TRIM(email)))."""
    return raw.strip().lower()


def email_problem(email: str) -> FormError | None:
    if not email:
        return FormError("email", N_("This field is required."), {})
    if len(email) > 254 or CONTROL.search(email) or not EMAIL_PATTERN.match(email):
        return FormError("email", N_("Enter a valid email address, like name@example.com."), {})
    return None


def password_problem(password: str, email: str = "") -> FormError | None:
    """Why a new password is refused, or None. Length is what matters (NIST SP 800-63B): no
    composition rules, but not the email address itself."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return FormError(
            "password",
            N_("The password must have at least %(count)s characters."),
            {"count": MIN_PASSWORD_LENGTH},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return FormError("password", N_("The password is too long."), {})
    if email and password.strip().lower() == email:
        return FormError("password", N_("The password must not be your email address."), {})
    return None


def token_text(secret: str, purpose: str, token_id: int, customer_id: int, expires_at: int) -> str:
    """The emailed token of a row: derived from the row and the secret key, never stored."""
    message = f"customer-{purpose}:{token_id}:{customer_id}:{expires_at}".encode()
    return f"{token_id}.{hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()}"


def token_digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_id_of(token: str) -> int | None:
    """The row id a well-formed token names (anything else: None, without a database read)."""
    match = TOKEN_PATTERN.match(token)
    return int(match.group(1)) if match else None


def token_usable(used: bool, expires_at: int, now: int) -> bool:
    return not used and expires_at > now


def session_alive(since: int, now: int, max_seconds: int) -> bool:
    """A session older than `max_seconds` has ended, however busy it has been."""
    return 0 <= now - since < max_seconds


def may_see_orders(verified: bool) -> bool:
    """Only an address proved by its inbox may see orders placed with it."""
    return verified
