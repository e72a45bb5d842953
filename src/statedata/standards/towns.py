"""Connecticut's 169 towns with their 2022 county-equivalent (planning region) codes.

The reference file lost the leading zero of every FIPS code (Connecticut is state 09); codes are
restored to their full width here, once, so the rest of the code never sees the damaged form.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from statedata.standards.result import Standardized, flagged, text_of

TOWN_FILE = "ct-town-to-planning-region.csv"


@dataclass(frozen=True)
class Town:
    name: str
    fips_2020: str  # 10 digits: state, 2020 county, county subdivision
    fips_2022: str  # 10 digits: state, 2022 planning region, county subdivision
    planning_region: str
    planning_region_fips: str  # 5 digits: state and planning region


@cache
def load_towns() -> tuple[Town, ...]:
    """The 169 towns in file order (alphabetical)."""
    text = (
        resources.files("statedata.standards")
        .joinpath("data", TOWN_FILE)
        .read_text(encoding="utf-8-sig")
    )
    return tuple(
        Town(
            name=row["town_name"].strip(),
            fips_2020=row["town_fips_2020"].strip().zfill(10),
            fips_2022=row["town_fips_2022"].strip().zfill(10),
            planning_region=row["ce_name_2022"].strip(),
            planning_region_fips=row["ce_fips_2022"].strip().zfill(5),
        )
        for row in csv.DictReader(text.splitlines())
    )


# Connecticut's eight counties (2020 FIPS), which still name places in many records although the
# state replaced them with planning regions as county equivalents in 2022.
COUNTIES = {
    "001": "Fairfield",
    "003": "Hartford",
    "005": "Litchfield",
    "007": "Middlesex",
    "009": "New Haven",
    "011": "New London",
    "013": "Tolland",
    "015": "Windham",
}
# Villages and boroughs people write for their town, each wholly inside one town. (Mystic, for
# one, straddles Groton and Stonington, so it is not here: it is flagged as not a town.)
VILLAGES = {
    "STORRS": "Mansfield",
    "UNCASVILLE": "Montville",
    "MOOSUP": "Plainfield",
    "NIANTIC": "East Lyme",
    "UNIONVILLE": "Farmington",
    "ROCKVILLE": "Vernon",
    "WILLIMANTIC": "Windham",
    "DANIELSON": "Killingly",
    "JEWETT CITY": "Griswold",
    "PAWCATUCK": "Stonington",
    "TAFTVILLE": "Norwich",
    "GALES FERRY": "Ledyard",
    "BROAD BROOK": "East Windsor",
}
_ABBREVIATIONS = {"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST", "ST": "SAINT"}
_PREFIXES = ("TOWN OF ", "CITY OF ", "BOROUGH OF ")


def county_of(town: Town) -> str:
    """The county (2020) a town is in."""
    return COUNTIES[town.fips_2020[2:5]]


def _key(text: str) -> str:
    words = re.sub(r"[^A-Z ]", " ", text.upper().replace(".", " ")).split()
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    joined = " ".join(words)
    for prefix in _PREFIXES:
        joined = joined.removeprefix(prefix)
    return joined.removesuffix(" CT").removesuffix(" CONNECTICUT").strip()


@cache
def _by_key() -> dict[str, Town]:
    towns = {_key(t.name): t for t in load_towns()}
    for village, name in VILLAGES.items():
        towns.setdefault(village, next(t for t in load_towns() if t.name == name))
    return towns


@lru_cache(maxsize=4_096)
def standardize_town(raw: object) -> Standardized:
    """A Connecticut town's name as the state writes it, with its county and planning region;
    case, punctuation, "Town of", abbreviated directions (N. Haven), village names (Storrs) and
    misspellings one or two letters off (Bloomfeild) are read; anything else is flagged."""
    text = text_of(raw)
    if not text:
        return flagged("empty")
    key = _key(text)
    towns = _by_key()
    town = towns.get(key) or towns.get(key.replace(" ", ""))
    how = "exact"
    if town is None:
        close = difflib.get_close_matches(key, list(towns), n=2, cutoff=0.85)
        if not close:
            return flagged(f"{text!r} is not a Connecticut town")
        if len(close) > 1 and difflib.SequenceMatcher(None, key, close[1]).ratio() >= 0.9:
            return flagged(f"{text!r} could be {towns[close[0]].name} or {towns[close[1]].name}")
        town, how = towns[close[0]], "corrected"
    if key in VILLAGES:
        how = "village"
    parts = {
        "county": county_of(town),
        "planning_region": town.planning_region,
        "planning_region_fips": town.planning_region_fips,
        "town_fips": town.fips_2022,
        "matched": how,
    }
    return Standardized(town.name, "", parts)
