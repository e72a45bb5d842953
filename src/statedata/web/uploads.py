"""Receive an uploaded file by streaming the request body straight to disk.

Starlette's form parser would spool the file and hand it over only when the whole body is in;
this reader writes each chunk as it arrives, hashes it on the way, and stops with 413 the moment
the body passes the configured limit (at once, when Content-Length already says so). Memory use
stays at one chunk whatever the file's size.

Two shapes are accepted: ``multipart/form-data`` with one file part named ``file`` (what a browser
form sends), and a raw body of any other type with the name in the ``filename`` query parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from statedata.catalog.datasets import get_dataset_for_edit
from statedata.catalog.models import Upload
from statedata.catalog.uploads import ReceivedFile, UploadWriter, register_upload, too_large
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.errors import InvalidInput
from statedata.identity.actor import Actor

FIELD_MAX_BYTES = 64 * 1024
MULTIPART_SLACK_BYTES = 64 * 1024  # boundaries, headers and small fields around the file


@dataclass
class _Part:
    name: str = ""
    file_name: str | None = None
    data: bytearray = field(default_factory=bytearray)


async def receive_upload(
    request: Request,
    settings: Settings,
    *,
    before_file: Callable[[dict[str, str]], None] | None = None,
) -> tuple[ReceivedFile, dict[str, str]]:
    """Stream the request's file to the uploads folder; return it with the form's other fields.

    Args:
        before_file: called with the fields that came before the file part, before any of the
            file is written (a page checks its CSRF field here).
    """
    declared = request.headers.get("content-length")
    if (
        declared
        and declared.isdigit()
        and int(declared) > settings.upload_max_bytes + MULTIPART_SLACK_BYTES
    ):
        raise too_large(settings)
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    sink = UploadWriter(settings)
    try:
        if content_type == b"multipart/form-data":
            boundary = options.get(b"boundary")
            if not boundary:
                raise InvalidInput("body: a multipart upload needs a boundary in Content-Type.")
            fields = await _read_multipart(request, sink, boundary, before_file)
        else:
            name = request.query_params.get("filename", "")
            if not name:
                raise InvalidInput(
                    "filename: name the file (?filename=data.csv) when sending it raw."
                )
            sink.open(name)
            async for chunk in request.stream():
                sink.write(chunk)
            fields = dict(request.query_params)
        if not sink.is_open:
            raise InvalidInput("file: the request has no file part named 'file'.")
        sink.close()
    except BaseException:
        sink.discard()
        raise
    return sink.received(), fields


async def _read_multipart(
    request: Request,
    sink: UploadWriter,
    boundary: bytes,
    before_file: Callable[[dict[str, str]], None] | None,
) -> dict[str, str]:
    fields: dict[str, str] = {}
    part = _Part()
    header_field, header_value = bytearray(), bytearray()
    headers: dict[str, bytes] = {}

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers[header_field.decode("latin-1").lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(headers.get("content-disposition", b""))
        part.name = disposition.get(b"name", b"").decode("utf-8", "replace")
        raw_name = disposition.get(b"filename")
        if raw_name is not None and part.name == "file":
            part.file_name = raw_name.decode("utf-8", "replace")
            if before_file is not None:
                before_file(dict(fields))
            sink.open(part.file_name)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.file_name is not None:
            sink.write(data[start:end])
        else:
            part.data.extend(data[start:end])
            if len(part.data) > FIELD_MAX_BYTES:
                raise InvalidInput(
                    f"{part.name}: a form field is limited to {FIELD_MAX_BYTES:,} bytes."
                )

    def on_part_end() -> None:
        if part.file_name is None and part.name:
            fields[part.name] = part.data.decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    async for chunk in request.stream():
        parser.write(chunk)
    parser.finalize()
    return fields


async def upload_to_dataset(
    request: Request,
    actor: Actor,
    ref: str,
    *,
    before_file: Callable[[dict[str, str]], None] | None = None,
) -> tuple[str, Upload]:
    """Receive a file for a dataset: refuse before reading a byte unless the actor may edit it,
    stream it to disk, and record it with its inferred schema. Returns the dataset's public id and
    the upload. The session is not held while the body streams in."""
    settings: Settings = request.app.state.settings
    factory = request.app.state.session_factory

    def editable() -> str:
        with unit_of_work(factory) as session:
            return get_dataset_for_edit(session, actor=actor, ref=ref).public_id

    def register(received: ReceivedFile, fields: dict[str, str]) -> Upload:
        with unit_of_work(factory) as session:
            return register_upload(
                session,
                actor=actor,
                ref=public_id,
                received=received,
                declared_format=fields.get("format"),
            )

    # The database and the schema inference (which reads the whole file) run on a worker
    # thread; only the streaming of the body stays on the event loop, which serves everyone.
    public_id = await run_in_threadpool(editable)
    received, fields = await receive_upload(request, settings, before_file=before_file)
    staged = await run_in_threadpool(register, received, fields)
    return public_id, staged
