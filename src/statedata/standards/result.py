"""What a standardizer returns: the standard form or the reason there is none, and the parts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Standardized:
    """One raw value standardized (or flagged); standardizers never raise on bad input."""

    standardized: str | None  # None when the value could not be standardized
    flag: str = ""  # why not ("" when it was)
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.flag


def flagged(reason: str) -> Standardized:
    return Standardized(None, reason)


def text_of(raw: object) -> str:
    """A cell as text, trimmed ("" for an empty cell)."""
    return "" if raw is None else str(raw).strip()
