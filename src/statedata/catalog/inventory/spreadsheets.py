"""Tables of text cells written as CSV or Excel (.xlsx), for the inventory and the access plan."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from fastapi import Response

from statedata.core.errors import InvalidInput

KINDS = ("csv", "xlsx")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(sheet_name: str, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> bytes:
    from openpyxl import Workbook  # only spreadsheet exports pay for importing openpyxl

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(name, "") for name in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def spreadsheet_response(
    *, kind: str, stem: str, sheet_name: str, columns: Sequence[str], rows: list[dict[str, str]]
) -> Response:
    """A download of ``rows`` as ``<stem>.csv`` or ``<stem>.xlsx``; another kind is refused."""
    disposition = {"Content-Disposition": f'attachment; filename="{stem}.{kind}"'}
    if kind == "csv":
        return Response(csv_bytes(columns, rows), media_type="text/csv", headers=disposition)
    if kind == "xlsx":
        content = xlsx_bytes(sheet_name, columns, rows)
        return Response(content, media_type=XLSX_MEDIA_TYPE, headers=disposition)
    raise InvalidInput(f"format: {kind!r} is not offered; use .csv or .xlsx.")
