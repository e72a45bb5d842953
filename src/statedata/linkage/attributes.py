"""The person attributes a source's columns are mapped to, and the ``attr=column`` mapping syntax."""

from __future__ import annotations

from dataclasses import dataclass

from statedata.core.errors import InvalidInput

# In the order a person reads a record.
ATTRIBUTES: dict[str, str] = {
    "first_name": "Given name",
    "middle_name": "Middle name or initial",
    "last_name": "Family name (hyphenated and married names are split into parts)",
    "suffix": "Name suffix (Jr, Sr, III)",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "ssn": "Social Security number (structurally invalid numbers count as missing)",
    "identifier": "Another person identifier shared across sources (a state ID, a case number)",
    "address": "Street address (Publication 28 form)",
    "town": "Town or city",
    "zip": "ZIP code",
    "phone": "Phone number (E.164)",
    "email": "Email address",
}


@dataclass(frozen=True)
class Mapping:
    """Which source columns make each attribute; several columns are joined with spaces."""

    columns: dict[str, tuple[str, ...]]

    @property
    def attributes(self) -> list[str]:
        return [a for a in ATTRIBUTES if a in self.columns]

    def absent_in(self, available: list[str], where: str) -> list[str]:
        """The attributes none of whose columns this source has (missing for its records).

        An attribute whose columns the source has only some of is refused: a half-joined
        address would compare as a different address.
        """
        absent = []
        for attribute, columns in self.columns.items():
            missing = [c for c in columns if c not in available]
            if len(missing) == len(columns):
                absent.append(attribute)
            elif missing:
                raise InvalidInput(
                    f"{where}: no column {missing[0]!r} for {attribute}; the columns are "
                    f"{', '.join(available)}."
                )
        return absent


def parse_mapping(pairs: list[str], where: str = "--map") -> Mapping:
    """``["first_name=given", "address=number+street"]`` as a Mapping, naming any bad pair.

    Args:
        pairs: ``attribute=column`` texts, ``+`` joining several columns.
        where: what the pairs came from, for the error (a CLI flag, a form, an API field).
    """
    columns: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        attribute, sep, value = pair.partition("=")
        attribute = attribute.strip()
        if not sep or not attribute or not value.strip():
            raise InvalidInput(f"{where} {pair!r}: write attribute=column, e.g. last_name=surname.")
        if attribute not in ATTRIBUTES:
            raise InvalidInput(
                f"{where} {pair!r}: {attribute!r} is not an attribute; known are "
                f"{', '.join(ATTRIBUTES)}."
            )
        if attribute in columns:
            raise InvalidInput(f"{where} {pair!r}: {attribute} is mapped twice.")
        parts = tuple(p.strip() for p in value.split("+"))
        if any(not p for p in parts):
            raise InvalidInput(f"{where} {pair!r}: an empty column name around '+'.")
        columns[attribute] = parts
    usable = {"first_name", "last_name", "date_of_birth", "ssn", "identifier"}
    if not usable & set(columns):
        raise InvalidInput(
            f"{where}: map at least one of first_name, last_name, date_of_birth, ssn or identifier; "
            "without them records cannot be told apart."
        )
    return Mapping(columns)
