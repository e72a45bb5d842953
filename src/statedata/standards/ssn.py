"""Social Security numbers: structural validity, and the standard ``AAA-GG-SSSS`` form.

Only the structure can be checked without the Social Security Administration: an area of 000,
666 or 900-999, a group of 00 or a serial of 0000 was never issued, and a few numbers were
published (on a wallet card sold in 1938, in advertising) or are used as placeholders. A number
that fails is flagged, never dropped; the raw value stays beside it.
"""

from __future__ import annotations

import re

from statedata.standards.result import Standardized, flagged, text_of

# Never valid although structurally fine: the number printed on sample wallet cards sold from
# 1938, one printed in a Social Security pamphlet, and runs people type as placeholders.
KNOWN_INVALID = frozenset(
    {
        "078051120",
        "219099999",
        "123456789",
        "111111111",
        "222222222",
        "333333333",
        "444444444",
        "555555555",
        "777777777",
        "888888888",
    }
)
_SEPARATED = re.compile(r"^\s*(\d{3})[\s.-]?(\d{2})[\s.-]?(\d{4})\s*$")


def standardize_ssn(raw: object) -> Standardized:
    """``raw`` as ``AAA-GG-SSSS`` when it is structurally valid; flagged with the reason if not."""
    text = text_of(raw)
    found = _SEPARATED.match(text)
    if found is None:
        digits = re.sub(r"\D", "", text)
        if not digits:
            return flagged("empty")
        return flagged(f"not nine digits ({len(digits)} found)")
    area, group, serial = found.groups()
    if area in ("000", "666") or area.startswith("9"):
        return flagged(f"area {area} is never issued")
    if group == "00":
        return flagged("group 00 is never issued")
    if serial == "0000":
        return flagged("serial 0000 is never issued")
    if area + group + serial in KNOWN_INVALID:
        return flagged("a published or placeholder number")
    return Standardized(f"{area}-{group}-{serial}")
