"""The legal regimes that shape a sharing agreement, and what each asks the agreement to say.

Every agreement needs the common terms; each regime of a source adds its own. An item is met
when the agreement says something about it (a check of presence, not of legal sufficiency:
the checklist tells the people drafting it what is still missing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from statedata.sharing.models import Agreement

REGIMES = {
    "FERPA": "FERPA (20 U.S.C. 1232g; 34 CFR Part 99), education records",
    "HIPAA": "HIPAA Privacy Rule (45 CFR 164), protected health information",
    "42 CFR Part 2": "42 CFR Part 2, substance use disorder records",
    "IRC 6103": "IRC 6103 and IRS Publication 1075, federal tax information",
    "20 CFR 603": "20 CFR Part 603, unemployment compensation information",
    "state statute": "A Connecticut statute",
    "other": "Another authority",
}


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    met: Callable[[Agreement], bool]


def _has(*texts: str) -> Callable[[Agreement], bool]:
    return lambda a: all(bool(getattr(a, t)) for t in texts)


def _signed(a: Agreement) -> bool:
    return len(a.parties) >= 2 and all(p.get("signatory") for p in a.parties)


def _sources_named(a: Agreement) -> bool:
    return bool(a.sources) and all(s.get("dataset") and s.get("columns") for s in a.sources)


def _authority(a: Agreement) -> bool:
    return bool(a.sources) and all(s.get("regime") and s.get("authority") for s in a.sources)


def _mentions(field: str, *words: str) -> Callable[[Agreement], bool]:
    def met(a: Agreement) -> bool:
        value = getattr(a, field)
        text = " ".join(value) if isinstance(value, list) else str(value or "")
        return any(w.lower() in text.lower() for w in words)

    return met


COMMON = [
    Item("parties", "Parties, each with a signatory", _signed),
    Item("authority", "The legal authority and regime of each data source", _authority),
    Item("purpose", "The purpose of the sharing", _has("purpose")),
    Item("sources", "The datasets and the exact columns shared", _sources_named),
    Item("users", "The authorized users, by name", _has("authorized_users")),
    Item("security", "Security requirements", _has("security_requirements")),
    Item("redisclosure", "Re-disclosure and publication rules", _has("redisclosure")),
    Item(
        "retention",
        "Retention, destruction method and deadline",
        _has("retention", "destruction_method", "destruction_deadline"),
    ),
    Item("breach", "Breach notice", _has("breach_notice_hours")),
    Item("term", "The term: start and end dates", _has("starts_on", "ends_on")),
]

BY_REGIME: dict[str, list[Item]] = {
    "FERPA": [
        Item(
            "ferpa_scope",
            "FERPA studies exception: the purpose, scope and duration of the study",
            _has("purpose", "ends_on"),
        ),
        Item(
            "ferpa_destroy",
            "FERPA: destruction when no longer needed, with the time period",
            _has("destruction_deadline"),
        ),
        Item(
            "ferpa_use",
            "FERPA: use only for the study; no personal identification of "
            "parents and students by anyone outside the organization",
            _mentions("prohibited_uses", "re-identif", "identify"),
        ),
    ],
    "HIPAA": [
        Item(
            "hipaa_uses",
            "HIPAA data use agreement: the permitted uses and disclosures",
            _has("permitted_uses"),
        ),
        Item(
            "hipaa_no_contact",
            "HIPAA: no identification of, or contact with, individuals",
            _mentions("prohibited_uses", "re-identif", "contact"),
        ),
        Item(
            "hipaa_report",
            "HIPAA: reporting any use not provided for by the agreement",
            _has("breach_notice_hours"),
        ),
    ],
    "42 CFR Part 2": [
        Item(
            "part2_redisclosure",
            "42 CFR Part 2: the prohibition on re-disclosure",
            _mentions("redisclosure", "prohibit", "not be re-disclosed", "no re-disclosure"),
        ),
        Item(
            "part2_security",
            "42 CFR Part 2: safeguards for the records",
            _has("security_requirements"),
        ),
    ],
    "IRC 6103": [
        Item(
            "fti_safeguards",
            "IRS Publication 1075 safeguards",
            _mentions("security_requirements", "1075"),
        ),
        Item(
            "fti_breach",
            "IRS Publication 1075: report an incident within 24 hours",
            lambda a: a.breach_notice_hours is not None and a.breach_notice_hours <= 24,
        ),
        Item("fti_users", "IRC 6103: only named, authorized users", _has("authorized_users")),
    ],
    "20 CFR 603": [
        Item(
            "uc_written",
            "20 CFR 603.10: a written, enforceable agreement that can be terminated",
            _has("termination"),
        ),
        Item("uc_information", "20 CFR 603.10: the information shared, named", _sources_named),
        Item("uc_purpose", "20 CFR 603.10: the purposes, named", _has("purpose", "permitted_uses")),
        Item("uc_users", "20 CFR 603.10: the users, named", _has("authorized_users")),
        Item(
            "uc_safeguards",
            "20 CFR 603.9: safeguards and destruction",
            _has("security_requirements", "destruction_method"),
        ),
    ],
}


def checklist(agreement: Agreement) -> list[dict[str, object]]:
    """Every item the agreement's regimes ask for, each met or not, common items first."""
    regimes = sorted({s.get("regime", "") for s in agreement.sources if s.get("regime")})
    items = [("common", i) for i in COMMON] + [
        (regime, i) for regime in regimes for i in BY_REGIME.get(regime, [])
    ]
    return [
        {"regime": regime, "key": item.key, "item": item.text, "met": bool(item.met(agreement))}
        for regime, item in items
    ]
