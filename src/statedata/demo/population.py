"""The true population: fictional people with a birth date, SSN, sex, race, a home, twins and namesakes.

Generated in chunks with a random stream per (seed, chunk), so any number of persons is produced in
bounded memory and the same seed always gives the same people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from statedata.demo import names, places
from statedata.standards.towns import load_towns

AS_OF = date(2026, 1, 1)
EPOCH = date(1970, 1, 1)
# 2024 OMB SPD 15 minimum categories (ethnicity is one of them since 2024).
RACES = (
    ("White", 0.58),
    ("Hispanic or Latino", 0.18),
    ("Black or African American", 0.11),
    ("Asian", 0.05),
    ("Multiracial", 0.05),
    ("Middle Eastern or North African", 0.01),
    ("American Indian or Alaska Native", 0.01),
    ("Native Hawaiian or Pacific Islander", 0.01),
)
# Age shares by band (years), roughly Connecticut's pyramid.
AGE_BANDS = (
    (0, 5, 0.05),
    (5, 18, 0.15),
    (18, 30, 0.16),
    (30, 45, 0.19),
    (45, 65, 0.27),
    (65, 95, 0.18),
)
VALID_SSN_AREAS = np.array([a for a in range(1, 900) if a != 666], dtype=np.int64)
SSN_SPACE = len(VALID_SSN_AREAS) * 99 * 9999


@dataclass
class Population:
    """One chunk of persons as parallel arrays (index i is one person)."""

    person_id: NDArray[np.str_]
    sex: NDArray[np.str_]
    first_name: NDArray[np.object_]
    middle_name: NDArray[np.object_]
    birth_last_name: NDArray[np.object_]
    last_name: NDArray[np.object_]  # current: married name where married
    suffix: NDArray[np.object_]
    dob: NDArray[np.int64]  # days since 1970-01-01
    ssn: NDArray[np.object_]
    race: NDArray[np.object_]
    town: NDArray[np.int64]  # index into load_towns()
    house_number: NDArray[np.int64]
    street: NDArray[np.int64]
    street_suffix: NDArray[np.int64]
    unit: NDArray[np.object_]
    po_box: NDArray[np.object_]
    previous_town: NDArray[np.int64]  # -1 when the person never moved
    previous_house_number: NDArray[np.int64]
    previous_street: NDArray[np.int64]
    phone: NDArray[np.object_]
    email: NDArray[np.object_]
    death_date: NDArray[np.int64]  # days since epoch, -1 when alive
    twin_of: NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.person_id)


def zipf_weights(count: int, exponent: float = 0.9) -> NDArray[np.float64]:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def town_weights() -> NDArray[np.float64]:
    weights = np.array(
        [places.LARGE_TOWNS.get(t.name, places.SMALL_TOWN_WEIGHT) for t in load_towns()],
        dtype=np.float64,
    )
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def town_zip(town_index: int) -> str:
    """A fictional but stable five-digit ZIP in Connecticut's 06xxx range for each town."""
    return f"06{(1 + town_index * 5) % 929:03d}"


def ssn_for(indexes: NDArray[np.int64], seed: int) -> NDArray[np.object_]:
    """Structurally valid, unique SSNs: an affine permutation of the valid-number space by index."""
    rng = np.random.default_rng([seed, 7_777])
    # A multiplier near the golden ratio of the space scatters consecutive persons across it.
    multiplier = (int(SSN_SPACE * 0.6180339887) + int(rng.integers(0, 1_000_000))) | 1
    while np.gcd(multiplier, SSN_SPACE) != 1:
        multiplier += 2
    offset = int(rng.integers(0, SSN_SPACE))
    position = (indexes.astype(object) * multiplier + offset) % SSN_SPACE
    position = position.astype(np.int64)
    area = VALID_SSN_AREAS[position // (99 * 9999)]
    group = (position // 9999) % 99 + 1
    serial = position % 9999 + 1
    return np.array(
        [f"{a:03d}-{g:02d}-{s:04d}" for a, g, s in zip(area, group, serial, strict=True)],
        dtype=object,
    )


def _dates_of_birth(rng: np.random.Generator, count: int) -> NDArray[np.int64]:
    shares = np.array([band[2] for band in AGE_BANDS])
    band = rng.choice(len(AGE_BANDS), size=count, p=shares / shares.sum())
    low = np.array([b[0] for b in AGE_BANDS])[band]
    high = np.array([b[1] for b in AGE_BANDS])[band]
    age_days = ((low + rng.random(count) * (high - low)) * 365.25).astype(np.int64)
    return np.asarray((AS_OF - EPOCH).days - age_days, dtype=np.int64)


def generate_population(start: int, count: int, seed: int) -> Population:
    """Persons ``start`` .. ``start + count - 1`` of the population made with ``seed``."""
    rng = np.random.default_rng([seed, start])
    towns = load_towns()
    index = np.arange(start, start + count, dtype=np.int64)
    sex = np.where(rng.random(count) < 0.51, "F", "M")
    male = np.array(names.MALE_FIRST, dtype=object)
    female = np.array(names.FEMALE_FIRST, dtype=object)
    last = np.array(names.LAST, dtype=object)
    first = np.where(
        sex == "F",
        female[rng.choice(len(female), count, p=zipf_weights(len(female)))],
        male[rng.choice(len(male), count, p=zipf_weights(len(male)))],
    )
    middle_pick = np.where(
        sex == "F",
        female[rng.integers(0, len(female), count)],
        male[rng.integers(0, len(male), count)],
    )
    middle = np.where(rng.random(count) < 0.75, middle_pick, "")
    birth_last = last[rng.choice(len(last), count, p=zipf_weights(len(last), 0.7))]
    dob = _dates_of_birth(rng, count)
    age = ((AS_OF - EPOCH).days - dob) / 365.25
    married = (sex == "F") & (age > 22) & (rng.random(count) < 0.45)
    current_last = np.where(
        married, last[rng.choice(len(last), count, p=zipf_weights(len(last), 0.7))], birth_last
    )
    suffix = np.where(
        (sex == "M") & (rng.random(count) < 0.03),
        np.array(names.SUFFIXES, dtype=object)[rng.integers(0, 4, count)],
        "",
    )
    race = np.array([r[0] for r in RACES], dtype=object)[
        rng.choice(len(RACES), count, p=np.array([r[1] for r in RACES]) / sum(r[1] for r in RACES))
    ]
    town = rng.choice(len(towns), count, p=town_weights())
    house = rng.integers(1, 2400, count)
    street = rng.integers(0, len(places.STREETS), count)
    street_suffix = rng.integers(0, len(places.STREET_SUFFIXES), count)
    has_unit = rng.random(count) < 0.18
    unit = np.where(has_unit, np.char.mod("%d", rng.integers(1, 40, count)).astype(object), "")
    po_box = np.where(
        rng.random(count) < 0.02, np.char.mod("%d", rng.integers(1, 9999, count)).astype(object), ""
    )
    moved = rng.random(count) < 0.15
    previous_town = np.where(moved, rng.choice(len(towns), count, p=town_weights()), -1)
    previous_house = rng.integers(1, 2400, count)
    previous_street = rng.integers(0, len(places.STREETS), count)
    phone = np.array(
        [
            f"860{n:07d}" if r < 0.5 else f"203{n:07d}"
            for n, r in zip(
                rng.integers(2_000_000, 9_999_999, count), rng.random(count), strict=True
            )
        ],
        dtype=object,
    )
    phone = np.where(rng.random(count) < 0.8, phone, "")
    domains = np.array(["example.com", "example.org", "example.net"], dtype=object)
    email = np.array(
        [
            f"{f.lower()}.{ln.lower().replace(' ', '').replace(chr(39), '')}{i % 997}@{d}"
            for f, ln, i, d in zip(
                first, current_last, index, domains[rng.integers(0, 3, count)], strict=True
            )
        ],
        dtype=object,
    )
    email = np.where((age >= 16) & (rng.random(count) < 0.6), email, "")
    death_risk = np.clip((age - 50) / 45, 0.002, 1) * 0.03
    died = rng.random(count) < death_risk
    death_date = np.where(
        died, (date(2018, 1, 1) - EPOCH).days + rng.integers(0, 8 * 365, count), -1
    )
    death_date = np.where(death_date > dob, death_date, -1)
    population = Population(
        person_id=np.char.mod("P%08d", index + 1),
        sex=sex,
        first_name=first,
        middle_name=middle,
        birth_last_name=birth_last,
        last_name=current_last,
        suffix=suffix,
        dob=dob,
        ssn=ssn_for(index, seed),
        race=race,
        town=town,
        house_number=house,
        street=street,
        street_suffix=street_suffix,
        unit=unit,
        po_box=po_box,
        previous_town=previous_town,
        previous_house_number=previous_house,
        previous_street=previous_street,
        phone=phone,
        email=email,
        death_date=death_date,
        twin_of=np.full(count, "", dtype=object),
    )
    _make_twins(population, rng)
    _make_namesakes(population, rng)
    return population


def _make_twins(population: Population, rng: np.random.Generator) -> None:
    """About 1% of persons are the second of a twin pair: same birth, family and home, another first name."""
    count = len(population)
    second = np.flatnonzero(rng.random(count) < 0.01)
    second = second[second > 0]
    first_of = second - 1
    p = population
    for field in (
        "dob",
        "birth_last_name",
        "last_name",
        "town",
        "house_number",
        "street",
        "street_suffix",
        "unit",
        "po_box",
        "previous_town",
        "previous_house_number",
        "previous_street",
        "race",
    ):
        values = getattr(p, field)
        values[second] = values[first_of]
    p.last_name[second] = p.birth_last_name[second]
    p.death_date[second] = -1
    male, female = (
        np.array(names.MALE_FIRST, dtype=object),
        np.array(names.FEMALE_FIRST, dtype=object),
    )
    for twin, sibling in zip(second, first_of, strict=True):
        pool = female if p.sex[twin] == "F" else male
        choice = pool[rng.integers(0, len(pool))]
        while choice == p.first_name[sibling]:
            choice = pool[rng.integers(0, len(pool))]
        p.first_name[twin] = choice
        p.twin_of[twin] = p.person_id[sibling]


def _make_namesakes(population: Population, rng: np.random.Generator) -> None:
    """About 2% share first and family name with another person (born on another day)."""
    count = len(population)
    chosen = np.flatnonzero(rng.random(count) < 0.02)
    model = rng.integers(0, count, len(chosen))
    p = population
    same_sex = p.sex[chosen] == p.sex[model]
    chosen, model = chosen[same_sex], model[same_sex]
    p.first_name[chosen] = p.first_name[model]
    p.last_name[chosen] = p.last_name[model]
    p.birth_last_name[chosen] = np.where(
        p.last_name[chosen] == p.birth_last_name[chosen],
        p.last_name[model],
        p.birth_last_name[chosen],
    )


def day(days_since_epoch: int) -> date:
    return EPOCH + timedelta(days=int(days_since_epoch))


def age_on(dob_days: NDArray[np.int64], on: date) -> NDArray[np.float64]:
    return ((on - EPOCH).days - dob_days) / 365.25
