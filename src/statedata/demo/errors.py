"""The mistakes agencies' records really contain, applied to copies of true values.

Each function takes one value and a random source and returns the value as a clerk might have
keyed it. The generator decides how often each happens per source.
"""

from __future__ import annotations

import random
import string
from datetime import date
from functools import cache

from nicknames import NickNamer


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


@cache
def nicknames_of(name: str) -> tuple[str, ...]:
    """Known nicknames of a given name, capitalized, in a stable order."""
    return tuple(sorted(n.title() for n in _nicknamer().nicknames_of(name) if len(n) > 1))


def typo(value: str, rng: random.Random) -> str:
    """One keying slip: a substituted, dropped, doubled or transposed letter."""
    if len(value) < 3:
        return value
    position = rng.randrange(1, len(value) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        letter = rng.choice(string.ascii_lowercase)
        return value[:position] + letter + value[position + 1 :]
    if kind == 1:
        return value[:position] + value[position + 1 :]
    if kind == 2:
        return value[:position] + value[position] + value[position:]
    return value[: position - 1] + value[position] + value[position - 1] + value[position + 1 :]


def nickname(value: str, rng: random.Random) -> str:
    """A nickname in place of the given name, when the name has one."""
    options = nicknames_of(value)
    return rng.choice(options) if options else value


def swap_day_month(value: date) -> date:
    """The date with day and month exchanged, when that is still a date (the US/EU mix-up)."""
    if value.day <= 12 and value.day != value.month:
        return value.replace(day=value.month, month=value.day)
    return value


def shift_date(value: date, rng: random.Random) -> date:
    """A slip of one in the day or one in the year's last digit."""
    if rng.random() < 0.5:
        return (
            value.replace(day=value.day + 1) if value.day < 28 else value.replace(day=value.day - 1)
        )
    year = value.year + rng.choice((-1, 1))
    day = (
        28 if (value.month, value.day) == (2, 29) else value.day
    )  # 29 February exists only in leap years
    return value.replace(year=year, day=day)


def transpose_digits(ssn: str, rng: random.Random) -> str:
    """Two neighbouring digits of an SSN exchanged."""
    digits = [c for c in ssn if c.isdigit()]
    if len(digits) != 9:
        return ssn
    i = rng.randrange(8)
    digits[i], digits[i + 1] = digits[i + 1], digits[i]
    text = "".join(digits)
    return f"{text[:3]}-{text[3:5]}-{text[5:]}"


def format_ssn(ssn: str, style: int) -> str:
    """Agencies write SSNs with dashes, without, or as plain digits with spaces."""
    digits = ssn.replace("-", "")
    if style == 0:
        return ssn
    if style == 1:
        return digits
    return f"{digits[:3]} {digits[3:5]} {digits[5:]}"
