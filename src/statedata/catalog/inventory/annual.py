"""The annual data inventory of an agency: review, export and import (CSV, XLSX), submit for a year.

The inventory is the agency's datasets with their inventory fields; the data officer marks what
is high-value and submits it for the year, which keeps a snapshot. An import changes existing
entries (matched by public id) and adds new drafts, all or nothing: every row is checked first,
and the first problem is reported with its row and column.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import create_dataset, update_metadata, visible_to
from statedata.catalog.models import Dataset, InventorySubmission
from statedata.catalog.schemas import parse_metadata
from statedata.core.audit import record_event
from statedata.core.db import utcnow
from statedata.core.errors import Conflict, InvalidInput
from statedata.identity.actor import Actor
from statedata.identity.agencies import get_agency_by_code
from statedata.identity.models import Agency
from statedata.identity.policy import Action, Resource, authorize
from statedata.storage.readers import check_workbook

COLUMNS = (
    "public_id",
    "title",
    "description",
    "category",
    "classification",
    "is_high_value",
    "high_value_criteria",
    "is_gis",
    "pii_present",
    "source_system",
    "legal_authority",
    "update_frequency",
    "open_data_status",
    "planned_publication_date",
    "contact_email",
)
LIST_COLUMNS = ("high_value_criteria",)
DEFAULTED_COLUMNS = ("classification", "open_data_status")  # empty: keep (or take) the default
FLAG_COLUMNS = ("is_high_value", "is_gis", "pii_present")
TRUE, FALSE = ("yes", "true", "1", "y"), ("no", "false", "0", "n", "")


def inventory_rows(session: Session, *, actor: Actor, agency_code: str) -> list[Dataset]:
    """The agency's datasets the actor may see (its own staff see all of them)."""
    agency = get_agency_by_code(session, code=agency_code.upper())
    query = (
        select(Dataset)
        .where(Dataset.agency_id == agency.id, visible_to(session, actor))
        .order_by(Dataset.title, Dataset.id)
    )
    return list(session.scalars(query))


def row_of(dataset: Dataset) -> dict[str, str]:
    """One inventory line as text cells."""
    values: dict[str, str] = {}
    for name in COLUMNS:
        value = getattr(dataset, name)
        if name in LIST_COLUMNS:
            values[name] = "; ".join(value)
        elif name in FLAG_COLUMNS:
            values[name] = "yes" if value else "no"
        else:
            values[name] = "" if value is None else str(value)
    return values


def _read_rows(content: bytes, fmt: str) -> list[dict[str, str]]:
    if fmt == "xlsx":
        from openpyxl import load_workbook

        check_workbook(content, "file")
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise InvalidInput(f"file: is not an Excel (.xlsx) workbook ({exc}).") from None
        lines = [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("file: the CSV is not UTF-8 text.") from None
        lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise InvalidInput("file: the inventory is empty.")
    header = [h.strip() for h in lines[0]]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or "title" not in header:
        raise InvalidInput(
            f"file: row 1 must name the columns ({', '.join(COLUMNS)}); "
            + (f"{unknown[0]!r} is not one of them." if unknown else "'title' is missing.")
        )
    return [
        dict(zip(header, line, strict=False)) for line in lines[1:] if any(c.strip() for c in line)
    ]


def _metadata_of(row: dict[str, str], number: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, cell in row.items():
        cell = cell.strip()
        if name == "public_id" or (name in DEFAULTED_COLUMNS and not cell):
            continue
        if name in FLAG_COLUMNS:
            if cell.lower() not in TRUE + FALSE:
                raise InvalidInput(
                    f"row {number}, column '{name}': {cell!r} is not yes or no.",
                    field=name,
                    row=number,
                    column=name,
                )
            data[name] = cell.lower() in TRUE
        elif name in LIST_COLUMNS:
            data[name] = [part.strip() for part in cell.split(";") if part.strip()]
        elif name == "planned_publication_date":
            data[name] = cell or None
        else:
            data[name] = cell
    try:
        parse_metadata(data)
    except InvalidInput as exc:
        message = exc.detail.removeprefix(f"{exc.field}: ")
        raise InvalidInput(
            f"row {number}, column '{exc.field}': {message}",
            field=exc.field,
            row=number,
            column=exc.field,
        ) from None
    return data


def import_inventory(
    session: Session, *, actor: Actor, agency_code: str, content: bytes, fmt: str
) -> dict[str, int]:
    """Update and add the agency's inventory entries from a CSV or XLSX file, all or nothing."""
    agency = get_agency_by_code(session, code=agency_code.upper())
    authorize(
        session,
        actor=actor,
        action=Action.MANAGE_INVENTORY,
        resource=Resource(type="inventory", id=agency.code, agency_id=agency.id),
    )
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(f"format: {fmt!r} is not supported; use csv or xlsx.")
    rows = _read_rows(content, fmt)
    planned = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        data = _metadata_of(row, number)
        ref = row.get("public_id", "").strip()
        if ref:
            existing = session.scalar(select(Dataset).where(Dataset.public_id == ref))
            if existing is None or existing.agency_id != agency.id:
                raise InvalidInput(
                    f"row {number}, column 'public_id': {ref!r} is not a dataset of {agency.code}."
                )
        planned.append((ref, data))
    added = updated = 0
    for ref, data in planned:
        if ref:
            update_metadata(session, actor=actor, ref=ref, data=data)
            updated += 1
        else:
            create_dataset(session, actor=actor, agency_code=agency.code, data=data)
            added += 1
    return {"added": added, "updated": updated}


def submit_inventory(
    session: Session, *, actor: Actor, agency_code: str, year: int, note: str = ""
) -> InventorySubmission:
    """Record the agency's inventory for a year as it stands now (once per year)."""
    agency: Agency = get_agency_by_code(session, code=agency_code.upper())
    authorize(
        session,
        actor=actor,
        action=Action.MANAGE_INVENTORY,
        resource=Resource(type="inventory", id=agency.code, agency_id=agency.id),
    )
    if not 2000 <= year <= utcnow().year + 1:
        raise InvalidInput(f"year: {year} is not a year an inventory can be submitted for.")
    exists = session.scalar(
        select(InventorySubmission).where(
            InventorySubmission.agency_id == agency.id, InventorySubmission.year == year
        )
    )
    if exists is not None:
        raise Conflict(f"year: {agency.code}'s inventory for {year} was already submitted.")
    datasets = list(session.scalars(select(Dataset).where(Dataset.agency_id == agency.id)))
    submission = InventorySubmission(
        agency_id=agency.id,
        year=year,
        items=[row_of(d) for d in datasets],
        note=note,
        submitted_by_name=actor.username,
    )
    session.add(submission)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="inventory.submit",
        resource_type="inventory",
        resource_id=f"{agency.code}/{year}",
        detail={"items": len(datasets), "high_value": sum(d.is_high_value for d in datasets)},
    )
    return submission


def list_submissions(session: Session, *, agency_id: int) -> list[InventorySubmission]:
    """An agency's submitted inventories, newest year first."""
    query = (
        select(InventorySubmission)
        .where(InventorySubmission.agency_id == agency_id)
        .order_by(InventorySubmission.year.desc())
    )
    return list(session.scalars(query))
