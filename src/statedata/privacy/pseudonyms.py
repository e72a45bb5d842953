"""Keyed pseudonyms: an identifier replaced by an HMAC-SHA256 of it under a key of the extract's
own, so the same person has one pseudonym within an extract and unrelated ones across extracts
(unless an agreement lets two extracts share a key). Without the key a pseudonym cannot be
turned back into the identifier by hashing guesses."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_BYTES = 32
PSEUDONYM_HEX = 24  # 96 bits: no collision among a state's people


def new_key() -> bytes:
    """A fresh random key for one extract."""
    return secrets.token_bytes(KEY_BYTES)


def pseudonym(key: bytes, identifier: str) -> str:
    """The identifier's pseudonym under ``key``."""
    if len(key) < 16:
        raise ValueError("key: at least 16 random bytes.")
    digest = hmac.new(key, identifier.encode(), hashlib.sha256).hexdigest()
    return "X" + digest[:PSEUDONYM_HEX]
