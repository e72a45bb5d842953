"""Connecticut's 169 towns with their 2022 county-equivalent (planning region) codes.

The reference file lost the leading zero of every FIPS code (Connecticut is state 09); codes are
restored to their full width here, once, so the rest of the code never sees the damaged form.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

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
