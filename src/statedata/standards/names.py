"""Person names: case, punctuation, generational suffixes, and nickname groups.

A name is written in title case with the particles people expect (McDonald, O'Neil, van der
Berg keeps its lower-case particles only inside a name), stray punctuation dropped (periods,
commas, quotes) while hyphens and apostrophes inside a name stay, and a generational or
professional suffix (JR, SR, II-V, MD, PHD) moved to ``parts["suffix"]``. ``parts["nickname_
group"]`` lists the first given name with every name the ``nicknames`` package links it to
(Bill: bill;robert;will;william;willis), so that two records can be compared on whether their
groups meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from nicknames import NickNamer

from statedata.standards.result import Standardized, flagged, text_of

SUFFIXES = {
    "JR": "JR",
    "JNR": "JR",
    "JUNIOR": "JR",
    "SR": "SR",
    "SNR": "SR",
    "SENIOR": "SR",
    "II": "II",
    "2ND": "II",
    "III": "III",
    "3RD": "III",
    "IV": "IV",
    "4TH": "IV",
    "V": "V",
    "MD": "MD",
    "PHD": "PHD",
    "ESQ": "ESQ",
}
PARTICLES = frozenset({"de", "del", "della", "der", "di", "da", "la", "le", "van", "von", "du"})
_DROPPED = re.compile(r"[^\w\s'\-]")
_SPACES = re.compile(r"\s+")


@cache
def _namer() -> NickNamer:
    return NickNamer()


def _word(word: str, first: bool) -> str:
    lower = word.lower()
    if not first and lower in PARTICLES:
        return lower
    pieces = []
    for piece in re.split(r"([\-'])", lower):
        if piece in ("-", "'"):
            pieces.append(piece)
        elif piece.startswith("mc") and len(piece) > 2:
            pieces.append("Mc" + piece[2:].capitalize())
        else:
            pieces.append(piece.capitalize())
    return "".join(pieces)


def nickname_group(given: str) -> str:
    """The given name with every name it is a nickname of or has as a nickname, sorted."""
    name = given.lower()
    namer = _namer()
    group = {name} | namer.canonicals_of(name) | namer.nicknames_of(name)
    return ";".join(sorted(group))


@lru_cache(maxsize=65_536)
def standardize_name(raw: object) -> Standardized:
    """A person's name in title case without stray punctuation, its suffix apart; never raises."""
    text = text_of(raw)
    if not text:
        return flagged("empty")
    folded = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    if "," in folded:  # "Last, First Middle": the comma says which part is the surname
        last, _, given = folded.partition(",")
        folded = f"{given} {last}"
    words = _SPACES.split(_DROPPED.sub(" ", folded).strip())
    words = [w.strip("-'") for w in words if w.strip("-'")]
    suffix = ""
    kept: list[str] = []
    for word in words:
        key = word.upper().replace(".", "")
        if key in SUFFIXES and kept and not suffix:
            suffix = SUFFIXES[key]
        else:
            kept.append(word)
    if not kept:
        return flagged("no name, only punctuation or a suffix")
    if any(ch.isdigit() for word in kept for ch in word):
        return flagged("a name has no digits")
    shown = " ".join(_word(w, i == 0) for i, w in enumerate(kept))
    parts = {"given": _word(kept[0], True), "nickname_group": nickname_group(kept[0])}
    if len(kept) > 1:
        start = len(kept) - 1  # the last word, and the particles just before it (van Beethoven)
        while start > 1 and kept[start - 1].lower() in PARTICLES:
            start -= 1
        parts["family"] = " ".join(_word(w, False) for w in kept[start:])
    if suffix:
        parts["suffix"] = suffix
    return Standardized(shown, "", parts)
