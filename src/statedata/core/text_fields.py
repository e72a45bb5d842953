"""Text fields of request bodies, with the rules a service applies written so that JSON Schema
states them too: a client (or a generator of test requests) reading the OpenAPI document knows
that a title must have a character besides spaces, because the schema's ``pattern`` says so.

Services trim what they are sent; a length "after trimming" is written as a pattern, since JSON
Schema has no trimming: text holds at least N characters between its first and last non-space
character exactly when it contains a non-space, N - 2 of anything, and a non-space.
"""

from __future__ import annotations


def trimmed_at_least(chars: int) -> str:
    """The pattern of text with at least ``chars`` characters once trimmed (chars >= 1)."""
    if chars <= 1:
        return r"\S"
    return rf"\S[\s\S]{{{chars - 2},}}\S"


def friendly_pattern_message(pattern: str) -> str | None:
    """What a pattern of :func:`trimmed_at_least` asks, in words (None for other patterns)."""
    if pattern == r"\S":
        return "must not be empty"
    if pattern.startswith(r"\S[\s\S]{") and pattern.endswith(r",}\S"):
        inner = pattern.removeprefix(r"\S[\s\S]{").removesuffix(r",}\S")
        if inner.isdigit():
            return f"must have at least {int(inner) + 2} characters besides leading and trailing spaces"
    return None


# Text that must say something (a title, a reason): not empty, not only spaces.
NONBLANK = trimmed_at_least(1)
