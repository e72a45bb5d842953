"""Keyed Bloom-filter encodings of person records (cryptographic long-term keys).

Each attribute is standardized as for plain linkage, cut into tokens (padded bigrams of names
and places, digit bigrams of dates and numbers, the whole code for sex), and each token sets
``k`` bits of one 1,024-bit filter per record, chosen by two HMAC-SHA256 values of the token
under the agencies' shared secret (double hashing). Tokens carry their attribute's name, so a
first name and a family name that spell alike set different bits. Without the secret the bits
cannot be tied back to values by hashing guesses; similar values still share most bits, so the
hub can compare records by the Dice coefficient of their filters.

Attributes weigh in by how many bits each token sets (``BITS_PER_TOKEN``): a date of birth or
a family name says more than sex.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from statedata.core.errors import InvalidInput
from statedata.linkage.prepare import STANDARDIZERS

FILTER_BITS = 1024
FILTER_BYTES = FILTER_BITS // 8
MINIMUM_SECRET_BYTES = 16

BITS_PER_TOKEN: dict[str, int] = {
    "first_name": 15,
    "middle_name": 5,
    "last_name": 15,
    "suffix": 2,
    "date_of_birth": 12,
    "sex": 4,
    "ssn": 12,
    "identifier": 12,
    "address": 6,
    "town": 5,
    "zip": 6,
    "phone": 8,
    "email": 8,
}
_NUMERIC = {"date_of_birth", "ssn", "identifier", "zip", "phone"}


def tokens(attribute: str, value: str) -> list[str]:
    """The tokens one standardized value contributes (with its attribute's name)."""
    if attribute == "sex":
        return [f"{attribute}:{value}"]
    if attribute in _NUMERIC:
        digits = "".join(c for c in value if c.isdigit())
        return [f"{attribute}:{digits[i : i + 2]}" for i in range(len(digits) - 1)] or [
            f"{attribute}:{digits}"
        ]
    padded = f"_{value}_"
    return [f"{attribute}:{padded[i : i + 2]}" for i in range(len(padded) - 1)]


@dataclass(frozen=True)
class Encoder:
    """Encodes records under one shared secret."""

    secret: bytes
    _seen: dict[tuple[str, int], list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < MINIMUM_SECRET_BYTES:
            raise InvalidInput(
                f"secret: {len(self.secret)} bytes is too short; use at least "
                f"{MINIMUM_SECRET_BYTES} random bytes shared by the agencies only."
            )

    def positions(self, token: str, count: int) -> list[int]:
        # tokens repeat across records (bigrams of names): each is hashed once per encoder
        found = self._seen.get((token, count))
        if found is None:
            found = self._seen[(token, count)] = self._positions(token, count)
        return found

    def _positions(self, token: str, count: int) -> list[int]:
        data = token.encode()
        first = int.from_bytes(hmac.new(self.secret, b"1" + data, hashlib.sha256).digest()[:8])
        second = int.from_bytes(hmac.new(self.secret, b"2" + data, hashlib.sha256).digest()[:8])
        return [(first + i * second) % FILTER_BITS for i in range(count)]

    def encode(self, raw: Mapping[str, str | None]) -> bytes:
        """One record's filter from its raw attributes (standardized here)."""
        bits = np.zeros(FILTER_BITS, dtype=np.uint8)
        for attribute, value in raw.items():
            if attribute not in STANDARDIZERS:
                raise InvalidInput(f"{attribute}: not a person attribute.")
            standardized = STANDARDIZERS[attribute](value) if value and value.strip() else None
            if not standardized:
                continue
            for token in set(tokens(attribute, standardized)):
                bits[self.positions(token, BITS_PER_TOKEN[attribute])] = 1
        return np.packbits(bits).tobytes()


def encode_records(
    secret: bytes, records: Iterable[tuple[str, Mapping[str, str | None]]]
) -> list[tuple[str, str]]:
    """(record id, base64 filter) for each (record id, raw attributes)."""
    encoder = Encoder(secret)
    return [(rid, base64.b64encode(encoder.encode(raw)).decode()) for rid, raw in records]


def decode_filter(text: str, where: str) -> bytes:
    """A base64 filter from an encodings file, or a clear error naming where it is."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise InvalidInput(f"{where}: not base64 ({exc}).") from exc
    if len(data) != FILTER_BYTES:
        raise InvalidInput(f"{where}: {len(data)} bytes, not a {FILTER_BITS}-bit filter.")
    return data
