"""Agencies' source datasets: the same people as DSS, SDE, DOL, DMV and DPH record them.

Each source has its own fields, coverage and habits of error (:class:`ErrorRates`). Every record
carries a record id; the truth (which person a record is) is returned beside the records, never
inside them.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from statedata.demo import employers, errors, places
from statedata.demo.population import AS_OF, Population, age_on, town_zip
from statedata.standards.towns import load_towns

Row = dict[str, Any]


@dataclass(frozen=True)
class ErrorRates:
    """How often a source's records differ from the truth, per record."""

    typo: float = 0.02
    nickname: float = 0.03
    swap_day_month: float = 0.01
    shift_dob: float = 0.005
    ssn_missing: float = 0.05
    ssn_transposed: float = 0.01
    name_order_swap: float = 0.003
    stale_address: float = 0.3
    maiden_name: float = 0.15
    duplicate: float = 0.015
    upper_case: bool = False


@dataclass(frozen=True)
class Source:
    name: str
    agency: str
    title: str
    rates: ErrorRates


SOURCES = {
    "dss_enrollments": Source(
        "dss_enrollments",
        "DSS",
        "Benefit program enrollments",
        ErrorRates(ssn_missing=0.04, duplicate=0.02),
    ),
    "sde_students": Source(
        "sde_students",
        "SDE",
        "Public school student enrollments",
        ErrorRates(ssn_missing=1.0, nickname=0.05, maiden_name=0.0, duplicate=0.005),
    ),
    "dol_wages": Source(
        "dol_wages",
        "DOL",
        "Quarterly unemployment insurance wage records",
        ErrorRates(
            ssn_missing=0.0,
            ssn_transposed=0.012,
            name_order_swap=0.01,
            nickname=0.06,
            stale_address=0.0,
            duplicate=0.0,
        ),
    ),
    "dmv_licenses": Source(
        "dmv_licenses",
        "DMV",
        "Driver licenses and identity cards",
        ErrorRates(ssn_missing=0.3, typo=0.01, stale_address=0.4, upper_case=True, duplicate=0.01),
    ),
    "dph_births": Source(
        "dph_births",
        "DPH",
        "Birth records",
        ErrorRates(
            ssn_missing=0.5,
            typo=0.01,
            nickname=0.0,
            swap_day_month=0.0,
            shift_dob=0.0,
            maiden_name=1.0,
            duplicate=0.002,
        ),
    ),
    "dph_deaths": Source(
        "dph_deaths",
        "DPH",
        "Death records",
        ErrorRates(ssn_missing=0.03, typo=0.01, nickname=0.01, maiden_name=0.05, duplicate=0.002),
    ),
}

DSS_PROGRAMS = (
    "SNAP",
    "HUSKY A",
    "HUSKY C",
    "HUSKY D",
    "Temporary Family Assistance",
    "State Administered General Assistance",
)
CAUSES = (
    "Diseases of the heart",
    "Malignant neoplasms",
    "Accidental poisoning (drug overdose)",
    "Cerebrovascular diseases",
    "Chronic lower respiratory diseases",
    "Motor vehicle crash",
    "Other causes",
)


# Record numbers have room enough that a million records of one source do not collide (ten
# digits did, by the birthday bound, past a few hundred thousand).
RECORD_DIGITS = 14


def opaque_id(*parts: object, digits: int = 10) -> str:
    """A stable number derived from ``parts`` that reveals nothing about them (no person index)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return f"{int.from_bytes(digest, 'big') % 10**digits:0{digits}d}"


def as_date(days: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(days))


class Clerk:
    """Writes one person's identifying fields as one source would, errors included."""

    def __init__(self, population: Population, source: Source, rng: random.Random) -> None:
        self.p = population
        self.source = source
        self.rates = source.rates
        self.rng = rng
        self.towns = load_towns()

    def _name(self, i: int) -> tuple[str, str, str, str]:
        p, r, rng = self.p, self.rates, self.rng
        first = str(p.first_name[i])
        last = str(p.last_name[i])
        if p.birth_last_name[i] != p.last_name[i] and rng.random() < r.maiden_name:
            last = str(p.birth_last_name[i])
        if rng.random() < r.nickname:
            first = errors.nickname(first, rng)
        if rng.random() < r.typo:
            first = errors.typo(first, rng)
        if rng.random() < r.typo:
            last = errors.typo(last, rng)
        if rng.random() < r.name_order_swap:
            first, last = last, first
        middle, suffix = str(p.middle_name[i]), str(p.suffix[i])
        if r.upper_case:
            first, last, middle = first.upper(), last.upper(), middle.upper()
        return first, middle, last, suffix

    def _dob(self, i: int) -> date:
        value = as_date(self.p.dob[i])
        if self.rng.random() < self.rates.swap_day_month:
            value = errors.swap_day_month(value)
        if self.rng.random() < self.rates.shift_dob:
            value = errors.shift_date(value, self.rng)
        return value

    def _ssn(self, i: int) -> str | None:
        if self.rng.random() < self.rates.ssn_missing:
            return None
        ssn = str(self.p.ssn[i])
        if self.rng.random() < self.rates.ssn_transposed:
            ssn = errors.transpose_digits(ssn, self.rng)
        return errors.format_ssn(ssn, self.rng.randrange(3) if self.rng.random() < 0.3 else 0)

    def _address(self, i: int) -> tuple[str, str, str]:
        p, rng = self.p, self.rng
        town, house, street, suffix_index = (
            int(p.town[i]),
            int(p.house_number[i]),
            int(p.street[i]),
            int(p.street_suffix[i]),
        )
        if p.previous_town[i] >= 0 and rng.random() < self.rates.stale_address:
            town, house, street = (
                int(p.previous_town[i]),
                int(p.previous_house_number[i]),
                int(p.previous_street[i]),
            )
        long_suffix, short_suffix = places.STREET_SUFFIXES[suffix_index]
        abbreviated = self.rates.upper_case or rng.random() < 0.5
        line = f"{house} {places.STREETS[street]} {short_suffix if abbreviated else long_suffix}"
        if p.unit[i]:
            long_unit, short_unit = places.UNIT_FORMS[house % len(places.UNIT_FORMS)]
            unit = short_unit if abbreviated else (long_unit or short_unit)
            line += f" {unit}{'' if unit == '#' else ' '}{p.unit[i]}"
        if p.po_box[i]:
            line = rng.choice(("PO Box", "P.O. Box", "POB")) + f" {p.po_box[i]}"
        if self.rates.upper_case:
            line = line.upper()
        return line, self.towns[town].name, town_zip(town)

    def identity(self, i: int) -> Row:
        first, middle, last, suffix = self._name(i)
        return {
            "first_name": first,
            "middle_name": middle or None,
            "last_name": last,
            "name_suffix": suffix or None,
            "date_of_birth": self._dob(i),
            "sex": str(self.p.sex[i]),
        }

    def address(self, i: int) -> Row:
        line, town, zip_code = self._address(i)
        return {"street_address": line, "town": town, "zip": zip_code}


def build_source(name: str, population: Population, seed: int, chunk: int) -> list[tuple[Row, str]]:
    """(record, person_id) for one source over one chunk of the population, in a shuffled order."""
    source = SOURCES[name]
    rng = random.Random(f"{seed}:{chunk}:{name}")
    clerk = Clerk(population, source, rng)
    pairs = list(_with_duplicates(source, population, clerk, rng, seed, chunk))
    rng.shuffle(pairs)
    return pairs


def _with_duplicates(
    source: Source, population: Population, clerk: Clerk, rng: random.Random, seed: int, chunk: int
) -> Iterator[tuple[Row, str]]:
    for record, person_index in _BUILDERS[source.name](population, clerk, rng, seed, chunk):
        yield record, str(population.person_id[person_index])
        if rng.random() < source.rates.duplicate:
            duplicate = dict(record)
            duplicate.update(clerk.identity(person_index))
            # A duplicate is a second registration: new record id and new agency number.
            prefix = record["record_id"].split("-")[0]
            duplicate["record_id"] = (
                f"{prefix}-{opaque_id(seed, 'duplicate', record['record_id'], digits=RECORD_DIGITS)}"
            )
            for key in ("case_number", "license_number", "sasid", "certificate_number"):
                if key in duplicate:
                    duplicate[key] = opaque_id(
                        seed, key, record["record_id"], digits=len(str(record[key]))
                    )
            yield duplicate, str(population.person_id[person_index])


def _alive_on(p: Population, i: int, on: date) -> bool:
    return bool(p.death_date[i] < 0 or as_date(p.death_date[i]) > on)


def _dss(
    p: Population, clerk: Clerk, rng: random.Random, seed: int, chunk: int
) -> Iterator[tuple[Row, int]]:
    for i in range(len(p)):
        deceased = p.death_date[i] >= 0
        if rng.random() >= (0.35 if deceased else 0.18):
            continue
        start = AS_OF - timedelta(days=rng.randrange(30, 3000))
        end: date | None = None
        if deceased:
            death = as_date(p.death_date[i])
            start = min(start, death - timedelta(days=60))
            # Most cases close at death; some keep paying (benefits after death).
            end = None if rng.random() < 0.08 else death + timedelta(days=rng.randrange(0, 45))
        elif rng.random() < 0.3:
            end = start + timedelta(days=rng.randrange(60, 900))
            end = min(end, AS_OF)
        programs = [rng.choice(DSS_PROGRAMS)]
        if rng.random() < 0.04:  # dual enrollment in a second program under another case
            programs.append(rng.choice(DSS_PROGRAMS))
        for k, program in enumerate(programs):
            record = {
                "record_id": "DSS-" + opaque_id(seed, "dss", chunk, i, k, digits=RECORD_DIGITS),
                "case_number": opaque_id(seed, "case", chunk, i, k, digits=9),
                "program": program,
                **clerk.identity(i),
                "ssn": clerk._ssn(i),
                **clerk.address(i),
                "phone": str(p.phone[i]) or None,
                "enrollment_start_date": start,
                "enrollment_end_date": end,
            }
            yield record, i


def _sde(
    p: Population, clerk: Clerk, rng: random.Random, seed: int, chunk: int
) -> Iterator[tuple[Row, int]]:
    towns = load_towns()
    for i in range(len(p)):
        sasid = opaque_id(seed, "sasid", chunk, i)
        race = str(p.race[i])
        for year in (2022, 2023, 2024, 2025):
            september = date(year - 1, 9, 1)
            age = float(age_on(p.dob[i : i + 1], september)[0])
            if not 5 <= age < 18.5 or rng.random() > 0.97 or not _alive_on(p, i, september):
                continue
            identity = clerk.identity(i)
            yield (
                {
                    "record_id": "SDE-"
                    + opaque_id(seed, "sde", chunk, i, year, digits=RECORD_DIGITS),
                    "sasid": sasid,
                    **identity,
                    "race_ethnicity": race,
                    "grade": "K" if age < 6 else str(min(12, int(age) - 5)),
                    "district_town": towns[int(p.town[i])].name,
                    "school_year": f"{year - 1}-{str(year)[2:]}",
                },
                i,
            )


def _employer(rng: random.Random) -> tuple[str, str]:
    index = rng.randrange(600)
    local = random.Random(index)
    name = f"{local.choice(employers.EMPLOYER_WORDS)} {local.choice(employers.EMPLOYER_KINDS)} {local.choice(employers.LEGAL_FORMS)[1]}"
    return f"06-{1_000_000 + index * 7717 % 8_999_999:07d}", name


def _dol(
    p: Population, clerk: Clerk, rng: random.Random, seed: int, chunk: int
) -> Iterator[tuple[Row, int]]:
    for i in range(len(p)):
        age = float(age_on(p.dob[i : i + 1], date(2025, 6, 30))[0])
        if not 18 <= age < 67 or rng.random() > 0.68:
            continue
        fein, employer = _employer(rng)
        base = rng.lognormvariate(9.3, 0.55)
        for quarter in range(1, 5):
            quarter_end = date(2025, 3 * quarter, 28)
            if rng.random() > 0.93 or not _alive_on(p, i, quarter_end):
                continue
            identity = clerk.identity(i)
            yield (
                {
                    "record_id": "DOL-"
                    + opaque_id(seed, "dol", chunk, i, quarter, digits=RECORD_DIGITS),
                    "ssn": clerk._ssn(i),
                    "first_name": identity["first_name"],
                    "last_name": identity["last_name"],
                    "employer_fein": fein,
                    "employer_name": employer,
                    "year_quarter": f"2025Q{quarter}",
                    "wages": round(base * rng.uniform(0.85, 1.15), 2),
                },
                i,
            )


def _dmv(
    p: Population, clerk: Clerk, rng: random.Random, seed: int, chunk: int
) -> Iterator[tuple[Row, int]]:
    for i in range(len(p)):
        age = float(age_on(p.dob[i : i + 1], AS_OF)[0])
        if age < 16 or rng.random() > 0.85 or not _alive_on(p, i, AS_OF):
            continue
        issued = AS_OF - timedelta(days=rng.randrange(1, 6 * 365))
        yield (
            {
                "record_id": "DMV-" + opaque_id(seed, "dmv", chunk, i, digits=RECORD_DIGITS),
                "license_number": opaque_id(seed, "license", chunk, i, digits=9),
                **clerk.identity(i),
                "ssn": clerk._ssn(i),
                **clerk.address(i),
                "issue_date": issued,
                "expiration_date": issued + timedelta(days=6 * 365),
            },
            i,
        )


def _births(
    p: Population, clerk: Clerk, rng: random.Random, seed: int, chunk: int
) -> Iterator[tuple[Row, int]]:
    towns = load_towns()
    first_day = (date(1995, 1, 1) - date(1970, 1, 1)).days
    for i in np.flatnonzero(p.dob >= first_day):
        if rng.random() > 0.85:
            continue
        identity = clerk.identity(int(i))
        yield (
            {
                "record_id": "DPHB-" + opaque_id(seed, "birth", chunk, i, digits=RECORD_DIGITS),
                "certificate_number": f"B{as_date(p.dob[i]).year}{rng.randrange(10**6):06d}",
                **identity,
                "ssn": clerk._ssn(int(i)),
                "birth_town": towns[
                    int(p.town[i] if p.previous_town[i] < 0 else p.previous_town[i])
                ].name,
            },
            int(i),
        )


def _deaths(
    p: Population, clerk: Clerk, rng: random.Random, seed: int, chunk: int
) -> Iterator[tuple[Row, int]]:
    towns = load_towns()
    for i in np.flatnonzero(p.death_date >= 0):
        died = as_date(p.death_date[i])
        yield (
            {
                "record_id": "DPHD-" + opaque_id(seed, "death", chunk, i, digits=RECORD_DIGITS),
                "certificate_number": f"D{died.year}{rng.randrange(10**6):06d}",
                **clerk.identity(int(i)),
                "ssn": clerk._ssn(int(i)),
                "date_of_death": died,
                "residence_town": towns[int(p.town[i])].name,
                "cause_category": rng.choices(CAUSES, weights=(23, 21, 4, 5, 5, 2, 40))[0],
            },
            int(i),
        )


_BUILDERS = {
    "dss_enrollments": _dss,
    "sde_students": _sde,
    "dol_wages": _dol,
    "dmv_licenses": _dmv,
    "dph_births": _births,
    "dph_deaths": _deaths,
}
