"""Addresses in USPS Publication 28 form, from whatever an agency's records hold.

Street addresses are parsed with usaddress (a CRF tagger) and rewritten with the Pub 28 tables
in :mod:`statedata.standards.pub28`. Post office boxes, rural routes, highway contract routes,
general delivery and "c/o" lines are recognised first by patterns, because they have a fixed
shape and are what general parsers most often refuse. Nothing here raises on bad input: an
address that cannot be standardized comes back flagged with the reason, and its raw value is
always kept by the caller.

Results are cached on the address as written after case and spacing are made uniform, so an
address repeated across a file (the common case: the same facility, the same apartment block)
is parsed once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

import usaddress

from statedata.standards.pub28 import (
    DIRECTIONALS,
    HIGHWAYS,
    SPELLED_DIRECTIONS,
    SUFFIXES,
    UNIT_DESIGNATORS,
    UNITS_WITHOUT_NUMBER,
)

CACHE_SIZE = 200_000
STATES = {"CONNECTICUT": "CT", "CONN": "CT"}
JUNK = frozenset(
    {
        "",
        "NA",
        "N/A",
        "NONE",
        "NULL",
        "UNKNOWN",
        "UNK",
        "HOMELESS",
        "REFUSED",
        "NO ADDRESS",
        "SAME",
        "TBD",
        "XXX",
        "?",
        "0",
        "-",
        "NOT GIVEN",
        "DECLINED",
    }
)

# After a comma only: without one, where the street ends and the town begins is the tagger's call.
_LAST_LINE = re.compile(
    r",\s*(?P<city>[A-Z][A-Z .'-]*?)\s*,?\s+(?P<state>[A-Z]{2}|CONNECTICUT|CONN)"
    r"\s*,?\s+(?P<zip>\d{5})(?:\s*-?\s*(?P<plus4>\d{4}))?$"
)
# What may follow a box or route number: a town, then perhaps a state and a ZIP.
_PLACE = re.compile(
    r"^,?\s*(?P<city>[A-Z][A-Z .'-]*?)(?:\s*,?\s+(?P<state>[A-Z]{2}|CONNECTICUT|CONN))?"
    r"(?:\s*,?\s+(?P<zip>\d{5})(?:\s*-?\s*(?P<plus4>\d{4}))?)?$"
)
_HIGHWAY_SHORTHAND = re.compile(r"\b(I|US|SR|RT|RTE|CR)-(\d+[A-Z]?)\b")
_CARE_OF = re.compile(r"^(?:C/O|C O|CARE OF|ATTN:?|ATTENTION:?)\s+(?P<name>[^,]+?)\s*(?:,\s*|$)")
_PO_BOX = re.compile(
    r"^(?:P\s?O\s?B(?:OX|X)?|POST\s+OFFICE\s+B(?:OX|X)|P\s?O\s+DRAWER|POB|BOX|BX|DRAWER|LOCKBOX)"
    r"\s*#?\s*(?P<box>\d[A-Z0-9-]*|[A-Z]\d*)\b(?P<rest>.*)$"
)
_ROUTE = re.compile(
    r"^(?P<kind>RR|R\s?R|RURAL\s+ROUTE|RURAL\s+RTE|RURAL\s+RT|RFD|R\s?F\s?D|RURAL\s+FREE\s+DELIVERY"
    r"|HC|HCR|H\s?C|HIGHWAY\s+CONTRACT(?:\s+ROUTE)?|STAR\s+ROUTE)"
    r"\s*#?\s*(?P<route>\d+)\s*,?\s*(?:(?:BOX|BX)\s*#?\s*(?P<box>[A-Z0-9-]+))?\b(?P<rest>.*)$"
)
_HIGHWAY_NUMBER = re.compile(r"^(?P<kind>I|US|SR|CR|RT|RTE)-?(?P<number>\d+[A-Z]?)$")
_NUMBER_FIRST = re.compile(r"^\d")


@dataclass(frozen=True)
class StandardAddress:
    """One address standardized (or flagged), with its parts."""

    standardized: str | None  # the delivery line, then ", " and the last line when known
    delivery_line: str | None
    last_line: str | None
    kind: str  # street, po_box, rural_route, highway_contract, general_delivery, junk
    flag: str = ""  # why it could not be standardized ("" when it was)
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.flag


def _flagged(reason: str, kind: str = "junk") -> StandardAddress:
    return StandardAddress(None, None, None, kind, reason)


def normalized_text(raw: str) -> str:
    """Upper case, periods and stray punctuation gone, spacing single: the cache's key."""
    text = raw.upper().replace(".", " ").replace(";", ",").replace("\t", " ")
    text = text.replace(",", " , ").replace("#", " #")
    return " ".join(text.split()).replace(" ,", ",").replace("# ", "#").strip(" ,")


def _place(found: re.Match[str]) -> dict[str, str]:
    parts = {"city": found["city"].strip(" ,")}
    if found["state"]:
        parts["state"] = STATES.get(found["state"], found["state"])
    if found["zip"]:
        parts["zip"] = found["zip"]
    if found["plus4"]:
        parts["zip4"] = found["plus4"]
    return parts


def _split_last_line(text: str) -> tuple[str, dict[str, str]]:
    found = _LAST_LINE.search(text)
    if found is not None:
        return text[: found.start()].strip(" ,"), _place(found)
    return text, {}


def _rest_as_place(rest: str, place: dict[str, str]) -> dict[str, str] | None:
    """What follows a box or route number: nothing, or a town with state and ZIP (None: junk)."""
    rest = rest.strip(" ,")
    if not rest:
        return place
    if place:
        return None
    found = _PLACE.match(rest)
    return _place(found) if found is not None else None


def _last_line(parts: dict[str, str]) -> str | None:
    if not parts.get("city") and not parts.get("zip"):
        return None
    zip_code = parts.get("zip", "")
    if parts.get("zip4"):
        zip_code += "-" + parts["zip4"]
    return " ".join(p for p in (parts.get("city"), parts.get("state"), zip_code) if p)


def _result(
    delivery: str, kind: str, parts: dict[str, str], place: dict[str, str]
) -> StandardAddress:
    parts = {**parts, **place}
    last = _last_line(place)
    return StandardAddress(
        f"{delivery}, {last}" if last else delivery, delivery, last, kind, "", parts
    )


def _fixed_shape(delivery: str, place: dict[str, str]) -> StandardAddress | None:
    """PO boxes, rural and highway contract routes, general delivery (Pub 28 sections 28, 29)."""
    if delivery in ("GENERAL DELIVERY", "GEN DELIVERY", "GENERAL DEL"):
        return _result("GENERAL DELIVERY", "general_delivery", {}, place)
    box = _PO_BOX.match(delivery)
    if box is not None and (box_place := _rest_as_place(box["rest"], place)) is not None:
        number = box["box"]
        return _result(f"PO BOX {number}", "po_box", {"po_box": number}, box_place)
    route = _ROUTE.match(delivery)
    if route is not None and (route_place := _rest_as_place(route["rest"], place)) is not None:
        place = route_place
        contract = route["kind"].replace(" ", "").startswith(("HC", "HIGHWAY", "STAR"))
        label, kind = ("HC", "highway_contract") if contract else ("RR", "rural_route")
        line = f"{label} {route['route']}"
        parts = {"route": route["route"]}
        if route["box"]:
            line += f" BOX {route['box']}"
            parts["box"] = route["box"]
        return _result(line, kind, parts, place)
    return None


def _tagged(text: str) -> dict[str, str] | None:
    try:
        tagged, _ = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return None
    return {label: value.strip(" ,") for label, value in tagged.items()}


def _street_name(tags: dict[str, str]) -> tuple[list[str], str | None]:
    """The words of the street (pre-type, name, suffix) in Pub 28 form; and a flag."""
    name = tags.get("StreetName", "")
    pretype = tags.get("StreetNamePreType", "")
    suffix = tags.get("StreetNamePostType", "")
    words: list[str] = []
    words_of_name = ([pretype] if pretype else []) + name.split()
    if (
        not suffix
        and pretype not in HIGHWAYS
        and len(words_of_name) >= 2
        and words_of_name[-1] in SUFFIXES
    ):
        # "ORCHARD HILL": the tagger read the suffix as part of the name (or the name as a
        # type before it)
        name, suffix, pretype = " ".join(words_of_name[:-1]), words_of_name[-1], ""
    if pretype:
        if pretype in HIGHWAYS:
            words.append(HIGHWAYS[pretype])
        else:
            words.append(pretype)  # "AVENUE B": a type before the name is not abbreviated
    elif (highway := _HIGHWAY_NUMBER.match(name)) is not None:
        words.append(HIGHWAYS[highway["kind"]])
        name = highway["number"]
    if name:
        words.append(name)
    if suffix:
        words.append(SUFFIXES.get(suffix, suffix))
    if not name:
        return words, "no street name"
    return words, None


def _designated(designator: str, identifier: str) -> tuple[str, dict[str, str]]:
    designator = designator.replace("#", "").strip()
    identifier = identifier.replace("#", "").strip()
    if not designator and not identifier:
        return "", {}
    if not designator and identifier in UNIT_DESIGNATORS:
        designator, identifier = identifier, ""  # "REAR" alone
    if designator:
        designator = UNIT_DESIGNATORS.get(designator, designator)
        if designator in UNITS_WITHOUT_NUMBER or not identifier:
            return designator, {"unit_type": designator}
        return f"{designator} {identifier}", {"unit_type": designator, "unit": identifier}
    # No designator given: Pub 28 writes the pound sign, with a space before the number.
    return f"# {identifier}", {"unit_type": "#", "unit": identifier}


def _unit(tags: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The secondary address: a building or wing (subaddress), then the unit within it."""
    outer, outer_parts = _designated(
        tags.get("SubaddressType", ""), tags.get("SubaddressIdentifier", "")
    )
    inner, inner_parts = _designated(
        tags.get("OccupancyType", ""), tags.get("OccupancyIdentifier", "")
    )
    if outer and inner:
        parts = {f"building_{k}": v for k, v in outer_parts.items()} | inner_parts
        return f"{outer} {inner}", parts
    return (outer, outer_parts) if outer else (inner, inner_parts)


def _street(delivery: str, place: dict[str, str]) -> StandardAddress:
    tags = _simple_street(delivery) or _tagged(delivery)
    if tags is None:
        return _flagged("the address is ambiguous (a part appears twice)", "street")
    if UNIT_DESIGNATORS.get(tags.get("PlaceName", "")) in UNITS_WITHOUT_NUMBER and not (
        tags.get("OccupancyType") or tags.get("OccupancyIdentifier")
    ):
        tags["OccupancyType"] = tags.pop("PlaceName")  # "77 SHORE RD BASEMENT"
    if not place and (tags.get("PlaceName") or tags.get("ZipCode")):  # no comma before the town
        place = {
            k: v
            for k, v in {
                "city": tags.get("PlaceName", ""),
                "state": STATES.get(tags.get("StateName", ""), tags.get("StateName", "")),
                "zip": tags.get("ZipCode", "")[:5],
                "zip4": tags.get("ZipCode", "")[6:10],
            }.items()
            if v
        }
    number = tags.get("AddressNumber", "")
    if not number or not _NUMBER_FIRST.match(number):
        if "USPSBoxID" in tags or "USPSBoxGroupID" in tags:
            return _flagged("a box or route number without a recognisable form", "po_box")
        return _flagged("no street number", "junk" if not tags.get("StreetName") else "street")
    if tags.get("AddressNumberSuffix"):
        number += " " + tags["AddressNumberSuffix"]
    words, problem = _street_name(tags)
    if problem:
        return _flagged(problem, "street")
    predirectional = DIRECTIONALS.get(tags.get("StreetNamePreDirectional", ""), "")
    postdirectional = DIRECTIONALS.get(tags.get("StreetNamePostDirectional", ""), "")
    street = [number]
    if predirectional:
        street.append(predirectional)
    street += words
    if postdirectional:
        street.append(postdirectional)
    unit, unit_parts = _unit(tags)
    line = " ".join(street + ([unit] if unit else []))
    parts = {
        "number": number,
        **({"predirectional": predirectional} if predirectional else {}),
        "street": " ".join(words),
        **({"postdirectional": postdirectional} if postdirectional else {}),
        **unit_parts,
    }
    return _result(line, "street", parts, place)


_DIRECTION_AS_NAME = re.compile(r"^(\d+[A-Z]?(?: 1/2)?) (N|S|E|W|NE|NW|SE|SW) ([A-Z]+)(.*)$")
_HOUSE_NUMBER = re.compile(r"^\d+[A-Z]?$")
_WORD = re.compile(r"^[A-Z][A-Z'-]*$")
_UNIT_ID = re.compile(r"^#?[A-Z0-9][A-Z0-9-]*$")
NOT_NAMES = frozenset(HIGHWAYS) | {"BOX", "PO", "RR", "HC", "APT", "STE", "UNIT"}


def _simple_street(text: str) -> dict[str, str] | None:
    """The tags of the commonest shape, read without the tagger: a number, perhaps a
    directional, one to three name words, a suffix, perhaps a directional, perhaps one unit.
    Anything else (None) goes to usaddress."""
    tokens = text.split()
    if len(tokens) < 3 or not _HOUSE_NUMBER.match(tokens[0]):
        return None
    tags = {"AddressNumber": tokens[0]}
    rest = tokens[1:]
    if rest[0] == "1/2":
        tags["AddressNumberSuffix"], rest = "1/2", rest[1:]
    # A unit at the end: "APT 4B", "# 3", "#3" or a designator that takes no number.
    if len(rest) >= 2 and rest[-2] in UNIT_DESIGNATORS and _UNIT_ID.match(rest[-1]):
        tags["OccupancyType"], tags["OccupancyIdentifier"], rest = rest[-2], rest[-1], rest[:-2]
    elif rest and rest[-1].startswith("#") and _UNIT_ID.match(rest[-1]) and len(rest[-1]) > 1:
        tags["OccupancyIdentifier"], rest = rest[-1], rest[:-1]
    elif rest and UNIT_DESIGNATORS.get(rest[-1]) in UNITS_WITHOUT_NUMBER:
        tags["OccupancyType"], rest = rest[-1], rest[:-1]
    if len(rest) >= 3 and rest[-1] in DIRECTIONALS and rest[-2] in SUFFIXES:
        tags["StreetNamePostDirectional"], rest = rest[-1], rest[:-1]
    if len(rest) < 2 or rest[-1] not in SUFFIXES:
        return None
    tags["StreetNamePostType"], rest = rest[-1], rest[:-1]
    if len(rest) >= 2 and rest[0] in DIRECTIONALS:
        tags["StreetNamePreDirectional"], rest = rest[0], rest[1:]
    if not 1 <= len(rest) <= 3 or not all(_WORD.match(w) and w not in NOT_NAMES for w in rest):
        return None
    if rest[0] in DIRECTIONALS and len(rest) > 1:
        return None  # "N EAST WEST HWY": leave the reading to the tagger
    if any(word in SUFFIXES for word in rest[1:]):
        return None  # "HIGH BLVD LITCHFIELD CT": a street, then a town and state?
    tags["StreetName"] = " ".join(rest)
    return tags


def _spelled_direction_names(text: str) -> str:
    """'12 N ST' is a street named North: a directional that is the whole name is spelled out."""
    match = _DIRECTION_AS_NAME.match(text)
    if match and match[3] in SUFFIXES and match[3] not in ("N", "S", "E", "W"):
        return f"{match[1]} {SPELLED_DIRECTIONS[match[2]]} {match[3]}{match[4]}"
    return text


@lru_cache(maxsize=CACHE_SIZE)
def _standardized(text: str) -> StandardAddress:
    if text.replace(",", "").strip() in JUNK or not re.search(r"[A-Z0-9]", text):
        return _flagged("empty or a placeholder")
    care_of = ""
    if (found := _CARE_OF.match(text)) is not None:
        care_of, text = found["name"], text[found.end() :]
        if not text:
            return _flagged("only a c/o line", "junk")
    text = _HIGHWAY_SHORTHAND.sub(lambda m: f"{HIGHWAYS[m[1]]} {m[2]}", text)
    delivery, place = _split_last_line(text)
    fixed = _fixed_shape(delivery, place)
    if fixed is None:
        if not re.search(r"\d", delivery):
            return _flagged("no street number", "junk")
        fixed = _street(_spelled_direction_names(delivery), place)
    if care_of and fixed.ok:
        return replace(fixed, parts={**fixed.parts, "care_of": care_of})
    return fixed


def standardize_address(raw: object) -> StandardAddress:
    """``raw`` in Pub 28 form, or flagged with the reason; never raises."""
    if raw is None:
        return _flagged("empty or a placeholder")
    text = normalized_text(str(raw).replace("\n", ", "))
    try:
        return _standardized(text)
    except Exception as exc:
        return _flagged(f"could not be parsed ({type(exc).__name__})")
