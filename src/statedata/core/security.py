"""Passwords, API tokens and CSRF tokens.

Passwords use argon2id. API tokens are random, shown once, and stored only as a SHA-256 hash:
they carry 256 bits of entropy, so a slow hash adds nothing and a fast one keeps lookups cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "sdt_"  # noqa: S105 (marks our tokens so scanners can find leaked ones)
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so both paths cost the same time."""
    return _hasher.hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; constant work when there is no hash to check."""
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password must be at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "password must not start or end with spaces"
    return None


def new_api_token() -> str:
    """A fresh API token as shown once to its owner."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of an API token or session id."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_id() -> str:
    """A random browser session id (the cookie holds it signed; the database holds its hash)."""
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    """A random token bound to one browser session."""
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Compare secrets in constant time; a missing value never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
