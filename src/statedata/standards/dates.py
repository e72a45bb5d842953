"""Dates, and dates of birth: the ISO 8601 form from the ways people and systems write them.

Accepted: ``YYYY-MM-DD`` (and with slashes or dots), ``YYYYMMDD``, ``MM/DD/YYYY`` and
``M/D/YY`` (US order, as Connecticut's systems write it), ``DD-Mon-YYYY`` and ``Month D, YYYY``,
and an ISO timestamp (its date). A two-digit year is read in the 100 years ending ``today``'s
year for a date of birth, and within 50 years either side of today otherwise. An impossible date
(February 30) is flagged with the reason. A date of birth is also flagged when it is in the
future or more than 120 years ago.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from statedata.standards.result import Standardized, flagged, text_of

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
OLDEST_AGE = 120
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_US = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_NAMED_DAY_FIRST = re.compile(r"^(\d{1,2})[-\s]([A-Za-z]{3,9})\.?[-\s,]+(\d{2}|\d{4})$")
_NAMED_MONTH_FIRST = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


def _year(text: str, today: dt.date, birth: bool) -> int:
    year = int(text)
    if len(text) == 4:
        return year
    century = today.year // 100 * 100
    year += century
    if birth:
        return year - 100 if year > today.year else year
    if year > today.year + 50:
        return year - 100
    return year + 100 if year < today.year - 50 else year


def _parts(text: str, today: dt.date, birth: bool) -> tuple[int, int, int] | str:
    """(year, month, day) read from ``text``, or why it cannot be read."""
    if found := _ISO.match(text) or _COMPACT.match(text):
        return int(found[1]), int(found[2]), int(found[3])
    if found := _US.match(text):
        return _year(found[3], today, birth), int(found[1]), int(found[2])
    if found := _NAMED_DAY_FIRST.match(text):
        month = MONTHS.get(found[2].lower())
        if month is None:
            return f"{found[2]!r} is not a month"
        return _year(found[3], today, birth), month, int(found[1])
    if found := _NAMED_MONTH_FIRST.match(text):
        month = MONTHS.get(found[1].lower())
        if month is None:
            return f"{found[1]!r} is not a month"
        return int(found[3]), month, int(found[2])
    return "not a date in a known form (YYYY-MM-DD, MM/DD/YYYY, DD-Mon-YYYY, Month D, YYYY)"


@lru_cache(maxsize=65_536)
def _standardize(text: str, today: dt.date, birth: bool) -> Standardized:
    read = _parts(text, today, birth)
    if isinstance(read, str):
        return flagged(read)
    year, month, day = read
    try:
        value = dt.date(year, month, day)
    except ValueError as exc:
        return flagged(f"no such date: {exc}")
    if birth:
        if value > today:
            return flagged(f"{value.isoformat()} is in the future")
        if value.year < today.year - OLDEST_AGE:
            return flagged(f"{value.isoformat()} is more than {OLDEST_AGE} years ago")
    parts = {"year": f"{year:04d}", "month": f"{month:02d}"}
    return Standardized(value.isoformat(), "", parts)


def standardize_date(raw: object, today: dt.date | None = None) -> Standardized:
    """``raw`` as ``YYYY-MM-DD``, or flagged with the reason; never raises."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return Standardized(
            raw.isoformat(), "", {"year": f"{raw.year:04d}", "month": f"{raw.month:02d}"}
        )
    text = text_of(raw)
    if not text:
        return flagged("empty")
    return _standardize(text, today or dt.date.today(), False)


def standardize_birth_date(raw: object, today: dt.date | None = None) -> Standardized:
    """A date of birth as ``YYYY-MM-DD``: a date, not in the future, at most 120 years ago."""
    when = today or dt.date.today()
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        raw = raw.isoformat()
    text = text_of(raw)
    if not text:
        return flagged("empty")
    return _standardize(text, when, True)
