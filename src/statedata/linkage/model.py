"""The default model: comparisons and blocking rules chosen from the attributes a steward mapped.

Splink's own types stay in this package. Every comparison has a null level (missing on either
side says nothing), so a source without an attribute neither helps nor hurts a pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from statedata.linkage.blocking import BLOCKING_KEYS, SWAPPED_NAMES, needs


@dataclass(frozen=True)
class Sql:
    """The functions our own levels use, as each backend spells them (Splink's library levels
    spell theirs; the same model runs on DuckDB and on Spark)."""

    dialect: str  # duckdb or spark

    def jaro_winkler(self, left: str, right: str) -> str:
        name = "jaro_winkler" if self.dialect == "spark" else "jaro_winkler_similarity"
        return f"{name}({left}, {right})"

    def damerau_levenshtein(self, left: str, right: str) -> str:
        return f"damerau_levenshtein({left}, {right})"

    def share_an_item(self, left: str, right: str) -> str:
        if self.dialect == "spark":
            return f"size(array_intersect({left}, {right})) > 0"
        return f"len(list_intersect({left}, {right})) > 0"


# Levels from most to least alike; term frequencies where a common value (SMITH, HARTFORD)
# says less than a rare one.


def _name(
    column: str,
    *,
    group: str | None = None,
    parts: str | None = None,
    reversed_with: str | None = None,
) -> Any:
    levels: list[Any] = [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column).configure(tf_adjustment_column=column),
    ]
    if reversed_with is not None:  # given and family names written in each other's place
        levels.append(cll.ColumnsReversedLevel(column, reversed_with, symmetrical=True))
    if group is not None:
        levels.append(cll.ArrayIntersectLevel(group, min_intersection=1))
    levels += [
        cll.JaroWinklerLevel(column, 0.92),
        cll.DamerauLevenshteinLevel(column, 1),
    ]
    if parts is not None:  # one part of a hyphenated or married name in common
        levels.append(cll.ArrayIntersectLevel(parts, min_intersection=1))
    levels += [cll.JaroWinklerLevel(column, 0.8), cll.ElseLevel()]
    return cl.CustomComparison(levels, output_column_name=column)


def _date_of_birth() -> Any:
    column = "date_of_birth"
    swapped = (
        "substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4) "
        "AND substr(date_of_birth_l, 6, 2) = substr(date_of_birth_r, 9, 2) "
        "AND substr(date_of_birth_l, 9, 2) = substr(date_of_birth_r, 6, 2)"
    )
    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column).configure(tf_adjustment_column=column),
            cll.CustomLevel(swapped, "day and month swapped"),
            cll.DamerauLevenshteinLevel(column, 1),
            cll.CustomLevel(
                "substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4)", "same year"
            ),
            cll.DamerauLevenshteinLevel(column, 2),
            cll.ElseLevel(),
        ],
        output_column_name=column,
    )


def _residence(sql: Sql, *, zip_code: bool) -> Any:
    """Street address and ZIP as one comparison: a person who moves changes both at once, and
    twins or spouses share both, so scoring them apart would count one fact twice. Its levels
    still tell a clerk's typo in one part from a move."""
    a_l, a_r = "address_l", "address_r"
    alike = f"{sql.jaro_winkler(a_l, a_r)} >= 0.9"
    if not zip_code:
        return cl.CustomComparison(
            [
                cll.NullLevel("address"),
                cll.ExactMatchLevel("address"),
                cll.CustomLevel(alike, "address alike"),
                cll.ElseLevel(),
            ],
            output_column_name="residence",
        )
    near_zip = f"{sql.damerau_levenshtein('zip_l', 'zip_r')} <= 1"
    nothing = f"({a_l} IS NULL OR {a_r} IS NULL) AND (zip_l IS NULL OR zip_r IS NULL)"
    return cl.CustomComparison(
        [
            cll.CustomLevel(nothing, "no place").configure(is_null_level=True),
            cll.CustomLevel(f"{a_l} = {a_r} AND zip_l = zip_r", "same home"),
            cll.ExactMatchLevel("address"),
            cll.CustomLevel(f"{alike} AND {near_zip}", "address and ZIP alike"),
            cll.CustomLevel(alike, "address alike"),
            cll.CustomLevel("zip_l = zip_r", "same ZIP"),
            cll.CustomLevel(near_zip, "ZIP alike"),
            cll.ElseLevel(),
        ],
        output_column_name="residence",
    )


def _code(column: str, *, typos: int = 1) -> Any:
    levels: list[Any] = [cll.NullLevel(column), cll.ExactMatchLevel(column)]
    if typos:
        levels.append(cll.DamerauLevenshteinLevel(column, typos))
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=column)


def _same_home() -> Any:
    """When the street addresses agree, so does the town for everyone living there (twins,
    spouses): the level is fixed at no weight, since the address comparison counted it."""
    return cll.CustomLevel("address_l = address_r", "same address (counted there)").configure(
        m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True
    )


def _text(column: str, *, tf: bool = False, home_first: bool = False) -> Any:
    exact: Any = cll.ExactMatchLevel(column)
    if tf:
        exact = exact.configure(tf_adjustment_column=column)
    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            *([_same_home()] if home_first else []),
            exact,
            cll.JaroWinklerLevel(column, 0.9),
            cll.JaroWinklerLevel(column, 0.75),
            cll.ElseLevel(),
        ],
        output_column_name=column,
    )


def _full_name(sql: Sql, *, group: bool, parts: bool) -> Any:
    """First and last name as one comparison, so that a swapped order is a level of its own
    (scoring them apart would count a swap as two disagreements)."""
    f_l, f_r, s_l, s_r = "first_name_l", "first_name_r", "last_name_l", "last_name_r"

    def both(condition_first: str, condition_last: str) -> str:
        return f"({condition_first}) AND ({condition_last})"

    def jw(left: str, right: str, at: float) -> str:
        return f"{sql.jaro_winkler(left, right)} >= {at}"

    levels: list[Any] = [
        cll.CustomLevel(
            f"({f_l} IS NULL OR {f_r} IS NULL) AND ({s_l} IS NULL OR {s_r} IS NULL)", "no names"
        ).configure(is_null_level=True),
        # The same full name, with its term frequency: JOHN SMITH says less than ZYGMUNT
        # KOWALCZYK.
        cll.ExactMatchLevel("full_name").configure(tf_adjustment_column="full_name"),
        cll.CustomLevel(both(f"{f_l} = {s_r}", f"{s_l} = {f_r}"), "names swapped"),
        cll.CustomLevel(both(jw(f_l, f_r, 0.92), jw(s_l, s_r, 0.92)), "both names alike"),
        cll.CustomLevel(both(jw(f_l, s_r, 0.88), jw(s_l, f_r, 0.88)), "names swapped, alike"),
    ]
    if group:
        levels.append(
            cll.CustomLevel(
                both(
                    sql.share_an_item("first_name_group_l", "first_name_group_r"),
                    f"{s_l} = {s_r}",
                ),
                "same family name, given names of one nickname group",
            )
        )
    levels.append(cll.CustomLevel(f"{s_l} = {s_r}", "same family name"))
    if parts:
        levels.append(
            cll.CustomLevel(
                both(
                    f"{f_l} = {f_r}",
                    sql.share_an_item("last_name_parts_l", "last_name_parts_r"),
                ),
                "same given name, a family name part in common",
            )
        )
    levels += [
        cll.CustomLevel(f"{f_l} = {f_r}", "same given name"),
        cll.CustomLevel(both(jw(f_l, f_r, 0.8), jw(s_l, s_r, 0.8)), "names somewhat alike"),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(levels, output_column_name="name")


def comparisons_for(attributes: list[str], dialect: str = "duckdb") -> list[Any]:
    sql = Sql(dialect)
    chosen = set(attributes)
    found: list[Any] = []
    if {"first_name", "last_name"} <= chosen:
        found.append(_full_name(sql, group=True, parts=True))
    elif "first_name" in chosen:
        found.append(_name("first_name", group="first_name_group"))
    elif "last_name" in chosen:
        found.append(_name("last_name", parts="last_name_parts"))
    if "middle_name" in chosen:
        found.append(_code("middle_name", typos=0))
    if "date_of_birth" in chosen:
        found.append(_date_of_birth())
    if "sex" in chosen:
        found.append(_code("sex", typos=0))
    for identifier in ("ssn", "identifier", "phone"):
        if identifier in chosen:
            found.append(_code(identifier, typos=2 if identifier == "ssn" else 1))
    if "address" in chosen:
        found.append(_residence(sql, zip_code="zip" in chosen))
        if "town" in chosen:
            found.append(_text("town", tf=True, home_first=True))
    else:
        if "town" in chosen:
            found.append(_text("town", tf=True))
        if "zip" in chosen:
            found.append(_code("zip"))
    if "email" in chosen:
        found.append(_code("email"))
    return found


# Rules for training: each trains the comparisons not in it.
_TRAINING: list[tuple[str, ...]] = [
    ("first_name", "last_name"),
    ("date_of_birth",),
    ("zip",),  # billions of pairs in a million records: EM samples them (engine.EM_MAX_PAIRS)
    ("ssn",),
    ("identifier",),
]


def blocking_keys(attributes: list[str]) -> list[tuple[str, ...]]:
    chosen = set(attributes)
    return [rule for rule in BLOCKING_KEYS if needs(rule) <= chosen]


def training_keys(attributes: list[str]) -> list[tuple[str, ...]]:
    chosen = set(attributes)
    return [rule for rule in _TRAINING if set(rule) <= chosen]


def default_settings(
    attributes: list[str],
    *,
    link_type: str,
    dialect: str = "duckdb",
    keys: list[tuple[str, ...]] | None = None,
) -> SettingsCreator:
    """Settings for these attributes; ``link_type`` is dedupe_only or link_and_dedupe; ``keys``
    are the blocking keys (``blocking.chosen_keys``; the strict ones for the attributes if
    not given)."""
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        comparisons=comparisons_for(attributes, dialect),
        blocking_rules_to_generate_predictions=[
            *(block_on(*rule) for rule in (keys or blocking_keys(attributes))),
            *(
                [CustomRule(SWAPPED_NAMES)]
                if {"first_name", "last_name"} <= set(attributes)
                else []
            ),
        ],
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["record_id"],
    )


def training_rules(attributes: list[str]) -> list[Any]:
    return [block_on(*rule) for rule in training_keys(attributes)]


def deterministic_rules(attributes: list[str]) -> list[Any]:
    """Pairs that are almost surely the same person, to estimate how common matches are."""
    chosen = set(attributes)
    rules = []
    for rule in (
        ("first_name", "last_name", "date_of_birth"),
        ("ssn",),
        ("identifier",),
        ("last_name", "date_of_birth", "zip"),
    ):
        if set(rule) <= chosen:
            rules.append(block_on(*rule))
    return rules
