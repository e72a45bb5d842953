"""Public datasets for the focal points: crashes, overdose deaths, businesses, flood-zone assets.

Sized to the state (not to the synthetic population) so counts look like a state's: most towns
report small numbers, which is what small-cell suppression and aberration alerts are for.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np

from statedata.demo import employers, places
from statedata.demo.population import town_weights, town_zip
from statedata.standards.towns import load_towns

Row = dict[str, Any]
STATEWIDE_CRASHES_PER_MONTH = 8_000
STATEWIDE_OVERDOSE_DEATHS_PER_QUARTER = 340
# Connecticut's extent, for placing synthetic facilities.
LATITUDE = (41.0, 42.05)
LONGITUDE = (-73.72, -71.79)


def crashes_by_town_month(seed: int) -> Iterator[Row]:
    rng = np.random.default_rng([seed, 101])
    weights = town_weights()
    for year in range(2021, 2026):
        for month in range(1, 13):
            winter = 1.15 if month in (1, 2, 12) else 1.0
            for town, weight in zip(load_towns(), weights, strict=True):
                crashes = int(rng.poisson(STATEWIDE_CRASHES_PER_MONTH * weight * winter))
                injuries = int(rng.binomial(crashes, 0.22))
                yield {
                    "town": town.name,
                    "town_fips": town.fips_2022,
                    "planning_region": town.planning_region,
                    "month": date(year, month, 1),
                    "crashes": crashes,
                    "injury_crashes": injuries,
                    "fatal_crashes": int(rng.binomial(injuries, 0.012)),
                }


def overdose_deaths_by_town_quarter(seed: int) -> Iterator[Row]:
    rng = np.random.default_rng([seed, 202])
    weights = town_weights()
    towns = load_towns()
    spike_town = int(rng.integers(0, len(towns)))  # one town has an aberrant last quarter
    for year in range(2021, 2026):
        for quarter in range(1, 5):
            for index, (town, weight) in enumerate(zip(towns, weights, strict=True)):
                expected = STATEWIDE_OVERDOSE_DEATHS_PER_QUARTER * weight
                if index == spike_town and (year, quarter) == (2025, 4):
                    expected = expected * 4 + 6
                deaths = int(rng.poisson(expected))
                yield {
                    "town": town.name,
                    "town_fips": town.fips_2022,
                    "year_quarter": f"{year}Q{quarter}",
                    "deaths": deaths,
                    "fentanyl_involved": int(rng.binomial(deaths, 0.8)),
                }


def _business_name(rng: random.Random) -> tuple[str, str]:
    word, kind = rng.choice(employers.EMPLOYER_WORDS), rng.choice(employers.EMPLOYER_KINDS)
    long_form, short_form = rng.choice(employers.LEGAL_FORMS)
    return f"{word} {kind} {long_form}", f"{word} {kind} {short_form}"


def businesses(seed: int, count: int) -> Iterator[tuple[Row, Row | None, str]]:
    """Yield (Secretary of the State registration, DOL employer record or None, business id)."""
    rng = random.Random(f"{seed}:businesses")
    towns = load_towns()
    for index in range(count):
        business_id = f"B{index + 1:07d}"
        legal, short = _business_name(rng)
        town_index = rng.randrange(len(towns))
        street = f"{rng.randrange(1, 3000)} {rng.choice(places.STREETS)} {rng.choice(places.STREET_SUFFIXES)[1]}"
        fein = f"{rng.randrange(10, 99)}-{rng.randrange(10**6, 10**7)}"
        registered = date(1990, 1, 1) + timedelta(days=rng.randrange(0, 35 * 365))
        registration = {
            "record_id": f"SOTS-{business_id}",
            "business_name": legal,
            "fein": fein if rng.random() < 0.9 else None,
            "street_address": street,
            "town": towns[town_index].name,
            "zip": town_zip(town_index),
            "registration_date": registered,
            "status": "Active" if rng.random() < 0.85 else "Dissolved",
            "naics": str(
                rng.choice(
                    (236220, 311811, 423450, 484110, 541330, 541511, 561730, 621210, 722511, 811111)
                )
            ),
        }
        employer = None
        if rng.random() < 0.6:
            shown = short.upper() if rng.random() < 0.5 else short.replace(" and ", " & ")
            employer = {
                "record_id": f"DOLE-{business_id}",
                "employer_name": shown,
                "employer_fein": fein
                if rng.random() > 0.02
                else fein[:-1] + str((int(fein[-1]) + 1) % 10),
                "street_address": street.upper(),
                "town": towns[town_index].name.upper(),
                "employees": max(1, int(rng.lognormvariate(2.2, 1.1))),
            }
        yield registration, employer, business_id


def flood_zone_facilities(seed: int, count: int = 600) -> Iterator[Row]:
    rng = random.Random(f"{seed}:facilities")
    towns = load_towns()
    kinds = (
        "School",
        "Fire station",
        "Police station",
        "Hospital",
        "Wastewater plant",
        "Bridge",
        "Shelter",
        "Nursing home",
    )
    for index in range(count):
        town = rng.choice(towns)
        coastal = town.planning_region in {
            "South Central Connecticut Planning Region",
            "Southeastern Connecticut Planning Region",
            "Western Connecticut Planning Region",
            "Greater Bridgeport Planning Region",
            "Lower Connecticut River Valley Planning Region",
        }
        yield {
            "facility_id": f"F{index + 1:05d}",
            "facility_type": rng.choice(kinds),
            "town": town.name,
            "latitude": round(rng.uniform(*LATITUDE), 5),
            "longitude": round(rng.uniform(*LONGITUDE), 5),
            "flood_zone": rng.choices(
                ("AE", "VE", "X", "A"), weights=(3, 2, 10, 2) if coastal else (2, 0, 14, 2)
            )[0],
        }
