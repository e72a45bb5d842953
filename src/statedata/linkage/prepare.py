"""Person records standardized for matching: one row per source record, the same columns for
every source, values in the forms the comparisons expect.

The raw record is not changed; matching reads these columns only. Each distinct raw value is
standardized once (sources repeat towns, ZIPs and common names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from statedata.core.errors import InvalidInput
from statedata.linkage.attributes import ATTRIBUTES, Mapping
from statedata.standards.address import standardize_address
from statedata.standards.codes import standardize_email, standardize_sex, standardize_zip
from statedata.standards.dates import standardize_birth_date, standardize_date
from statedata.standards.names import nickname_group
from statedata.standards.phone import standardize_phone
from statedata.standards.ssn import standardize_ssn
from statedata.standards.towns import standardize_town
from statedata.storage import duck
from statedata.storage.quoting import quoted

_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV", "V"})


def match_text(raw: str | None) -> str | None:
    """Upper case, no diacritics or punctuation, single spaces; None when nothing is left."""
    if raw is None:
        return None
    folded = unicodedata.normalize("NFKD", raw)
    plain = "".join(c for c in folded if not unicodedata.combining(c)).upper()
    text = _NOT_ALNUM.sub(" ", plain.replace("'", "")).strip()
    return text or None


@lru_cache(maxsize=262_144)
def _given(raw: str) -> str | None:
    text = match_text(raw)
    return text.split(" ")[0] if text else None


@lru_cache(maxsize=262_144)
def _family(raw: str) -> str | None:
    text = match_text(raw)
    if text is None:
        return None
    words = [w for w in text.split(" ") if w not in _SUFFIXES]
    return " ".join(words) or None


@lru_cache(maxsize=65_536)
def _group(given: str) -> list[str]:
    return sorted(n.upper() for n in nickname_group(given.lower()).split(";"))


def _ok_or_none(found: object) -> str | None:
    standardized = getattr(found, "standardized", None)
    return standardized if getattr(found, "ok", False) and standardized else None


@lru_cache(maxsize=262_144)
def _dob(raw: str) -> str | None:
    # A well-formed date a quality check would flag as implausible (born 130 years ago) is
    # still evidence that two records agree.
    return _ok_or_none(standardize_birth_date(raw)) or _ok_or_none(standardize_date(raw))


@lru_cache(maxsize=262_144)
def _ssn(raw: str) -> str | None:
    found = _ok_or_none(standardize_ssn(raw))
    return found.replace("-", "") if found else None  # an invalid SSN counts as missing


@lru_cache(maxsize=262_144)
def _identifier(raw: str) -> str | None:
    text = match_text(raw)
    return text.replace(" ", "") if text else None


@lru_cache(maxsize=262_144)
def _address(raw: str) -> str | None:
    found = standardize_address(raw)
    if found.ok and found.delivery_line:
        return found.delivery_line
    return match_text(raw)  # not a Pub 28 address (another country's): compared as text


@lru_cache(maxsize=65_536)
def _town(raw: str) -> str | None:
    found = standardize_town(raw)
    return found.standardized.upper() if found.ok and found.standardized else match_text(raw)


def _zip(raw: str) -> str | None:
    found = _ok_or_none(standardize_zip(raw))
    return found[:5] if found else None


def _phone(raw: str) -> str | None:
    return _ok_or_none(standardize_phone(raw))


def _email(raw: str) -> str | None:
    found = _ok_or_none(standardize_email(raw))
    return found.lower() if found else None


def _sex(raw: str) -> str | None:
    found = _ok_or_none(standardize_sex(raw))
    return found if found in ("F", "M", "X") else None  # unknown is missing, not a value


STANDARDIZERS: dict[str, Callable[[str], str | None]] = {
    "first_name": _given,
    "middle_name": lambda raw: (_given(raw) or "")[:1] or None,  # initials and names alike
    "last_name": _family,
    "suffix": match_text,
    "date_of_birth": _dob,
    "sex": _sex,
    "ssn": _ssn,
    "identifier": _identifier,
    "address": _address,
    "town": _town,
    "zip": _zip,
    "phone": _phone,
    "email": _email,
}


@dataclass(frozen=True)
class Source:
    """One input file and the name its records carry (``source_dataset``)."""

    path: Path
    name: str


def open_csv(path: Path) -> duckdb.DuckDBPyRelation:
    """A CSV file read as text in every column, or a clear error naming the file."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file.")
    try:
        return duck.reader_connection().read_csv(str(path), header=True, all_varchar=True)
    except duckdb.Error as exc:
        raise InvalidInput(f"{path}: not a readable CSV file ({exc}).") from exc


@dataclass(frozen=True)
class RawSource:
    """A source's record ids and each attribute's raw text; None for an attribute it lacks."""

    record_ids: list[str]
    values: dict[str, list[str | None] | None]


def read_source(source: Source, id_column: str, mapping: Mapping) -> RawSource:
    """The id column and each mapped attribute's raw text (joined columns), read as text."""
    relation = open_csv(source.path)
    available = list(relation.columns)
    if id_column not in available:
        raise InvalidInput(
            f"{source.path}: no id column {id_column!r}; the columns are {', '.join(available)}."
        )
    absent = set(mapping.absent_in(available, str(source.path)))
    present = [a for a in mapping.columns if a not in absent]
    selected = [quoted(id_column)] + [
        "concat_ws(' ', " + ", ".join(quoted(c) for c in mapping.columns[a]) + ")" for a in present
    ]
    rows = relation.select(", ".join(selected)).fetchall()
    ids = [r[0] for r in rows]
    blank = next((n for n, value in enumerate(ids, start=2) if not (value or "").strip()), None)
    if blank is not None:
        raise InvalidInput(f"{source.path}, row {blank}: the id column {id_column!r} is empty.")
    seen: set[str] = set()
    for line, value in enumerate(ids, start=2):
        if value in seen:
            raise InvalidInput(f"{source.path}, row {line}: the id {value!r} appears twice.")
        seen.add(value)
    values: dict[str, list[str | None] | None] = dict.fromkeys(absent)
    for index, attribute in enumerate(present, start=1):
        values[attribute] = [r[index] or None for r in rows]
    return RawSource(ids, values)


def prepared_records(
    sources: list[Source],
    id_column: str,
    mapping: Mapping,
    notice: Callable[[str], None] | None = None,
) -> pa.Table:
    """Every source's records standardized, numbered ``unique_id`` from 1, in one table.

    A source without an attribute's columns has it missing (``notice`` is told); an attribute
    no source has is refused, since it is almost surely a misspelt column.
    """
    raws = [read_source(source, id_column, mapping) for source in sources]
    for attribute in mapping.attributes:
        lacking = [
            s.name for s, raw in zip(sources, raws, strict=True) if raw.values[attribute] is None
        ]
        if len(lacking) == len(sources):
            columns = "+".join(mapping.columns[attribute])
            raise InvalidInput(f"--map {attribute}={columns}: no file has this column.")
        if lacking and notice is not None:
            notice(f"{', '.join(lacking)}: no {attribute} column; its records have none")
    named = [(source.name, raw) for source, raw in zip(sources, raws, strict=True)]
    return standardized_records(named, mapping.attributes)


def standardized_records(
    named: list[tuple[str, RawSource]], attributes: list[str], first_id: int = 1
) -> pa.Table:
    """Each named source's raw records standardized into one table, numbered from
    ``first_id``, with the columns the comparisons read besides the attributes."""
    batches: dict[str, list[object]] = {
        "unique_id": [],
        "source_dataset": [],
        "record_id": [],
        **{a: [] for a in attributes},
    }
    next_id = first_id
    for name, raw in named:
        count = len(raw.record_ids)
        batches["unique_id"] += range(next_id, next_id + count)
        next_id += count
        batches["source_dataset"] += [name] * count
        batches["record_id"] += raw.record_ids
        for attribute in attributes:
            standardize = STANDARDIZERS[attribute]
            column = raw.values.get(attribute)
            values = [standardize(v) if v else None for v in column] if column else [None] * count
            batches[attribute] += values
    return with_comparison_columns(batches)


def full_name(first: str | None, last: str | None) -> str | None:
    """The full name the name comparison's exact level and term frequencies use."""
    return f"{first} {last}" if first and last else None


def with_comparison_columns(batches: dict[str, list[object]]) -> pa.Table:
    """The standardized columns plus what the comparisons and blocking derive from them: the
    given name's nickname group, the family name's parts, the birth year and the full name."""
    types = {"unique_id": pa.int64()}
    if "first_name" in batches:
        batches["first_name_group"] = [
            _group(v) if isinstance(v, str) else None for v in batches["first_name"]
        ]
        types["first_name_group"] = pa.list_(pa.string())
    if "last_name" in batches:
        batches["last_name_parts"] = [
            v.split(" ") if isinstance(v, str) else None for v in batches["last_name"]
        ]
        types["last_name_parts"] = pa.list_(pa.string())
    if "date_of_birth" in batches:  # a blocking key with names and places
        batches["birth_year"] = [
            v[:4] if isinstance(v, str) else None for v in batches["date_of_birth"]
        ]
    if "first_name" in batches and "last_name" in batches:
        batches["full_name"] = [
            full_name(f, s)  # type: ignore[arg-type]
            for f, s in zip(batches["first_name"], batches["last_name"], strict=True)
        ]
    return pa.table(
        {
            name: pa.array(values, type=types.get(name, pa.string()))
            for name, values in batches.items()
        }
    )


def source_names(paths: list[Path]) -> list[Source]:
    """Each file named by its file name; the same name twice gets its folder too."""
    names = [p.name for p in paths]
    return [Source(p, p.name if names.count(p.name) == 1 else str(p)) for p in paths]


assert set(STANDARDIZERS) == set(ATTRIBUTES)
