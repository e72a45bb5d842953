"""Telephone numbers in E.164 form (``+18605551234``), read with Google's libphonenumber rules.

Numbers without a country code are read as United States numbers. An extension is kept apart.
A number that is not a possible number for its region is flagged, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

DEFAULT_REGION = "US"


@dataclass(frozen=True)
class StandardPhone:
    standardized: str | None  # E.164
    extension: str = ""
    flag: str = ""

    @property
    def ok(self) -> bool:
        return not self.flag


def standardize_phone(raw: object, region: str = DEFAULT_REGION) -> StandardPhone:
    """``raw`` in E.164, or flagged with the reason; never raises."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return StandardPhone(None, flag="empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        return StandardPhone(None, flag=f"not a phone number ({exc._msg.rstrip('.')})")
    if not phonenumbers.is_possible_number(number):
        return StandardPhone(None, flag="not a possible number (wrong length)")
    if not phonenumbers.is_valid_number(number):
        return StandardPhone(None, flag="not a valid number for its region")
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return StandardPhone(formatted, extension=number.extension or "")
