"""A dataset's two names: a short public id that never changes, and a readable slug."""

from __future__ import annotations

import re
import secrets
import unicodedata

# No vowels (no words by accident) and no look-alikes (l, 1, 0, o).
_LETTERS = "bcdfghjkmnpqrstvwxz"
_DIGITS = "23456789"
PUBLIC_ID = re.compile(rf"^[{_LETTERS}]{{4}}-[{_DIGITS}]{{4}}$")


def new_public_id() -> str:
    """A fresh id like ``fkzq-7342`` (the caller checks it is unused)."""
    letters = "".join(secrets.choice(_LETTERS) for _ in range(4))
    digits = "".join(secrets.choice(_DIGITS) for _ in range(4))
    return f"{letters}-{digits}"


def is_public_id(text: str) -> bool:
    return bool(PUBLIC_ID.match(text))


def slugify(title: str, *, max_length: int = 100) -> str:
    """``Medicaid Enrollment, by Town (2024)`` -> ``medicaid-enrollment-by-town-2024``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "dataset"
