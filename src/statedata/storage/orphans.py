"""What a killed load leaves in the lake: data files no version of their table refers to, and
staging folders. Found the same way on a local folder and on S3-compatible storage (through a
pyarrow filesystem), and only once older than a grace period, so a load still writing is never
touched.

A data file is referred to when any entry of its table's log adds it (an old version may still be
restored) or the current version holds it (a checkpoint may stand for log entries cleaned away).
A table whose log cannot be read keeps every file.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from deltalake import DeltaTable
from pyarrow import fs as pafs

if TYPE_CHECKING:
    from statedata.storage.delta import DeltaTableStore

log = logging.getLogger(__name__)


def lake_filesystem(store: DeltaTableStore) -> tuple[pafs.FileSystem, str]:
    """The lake's filesystem and the root's path in it."""
    if store.local:
        return pafs.LocalFileSystem(), str(Path(store.root.removeprefix("file://")))
    parts = urlsplit(store.root)
    options = {k.upper(): v for k, v in store.storage_options.items()}
    endpoint = options.get("AWS_ENDPOINT_URL", "")
    plain = endpoint.startswith("http://") and options.get("AWS_ALLOW_HTTP") == "true"
    filesystem = pafs.S3FileSystem(
        access_key=options.get("AWS_ACCESS_KEY_ID"),
        secret_key=options.get("AWS_SECRET_ACCESS_KEY"),
        region=options.get("AWS_REGION"),
        endpoint_override=endpoint.split("://", 1)[-1] or None,
        scheme="http" if plain else "https",
    )
    return filesystem, f"{parts.netloc}{parts.path}".rstrip("/")


def _referenced(store: DeltaTableStore, filesystem: pafs.FileSystem, folder: str) -> set[str]:
    names: set[str] = set()
    log = filesystem.get_file_info(pafs.FileSelector(f"{folder}/_delta_log", allow_not_found=True))
    if not log:
        return names  # no version was ever committed: nothing in it is referred to
    for entry in log:
        if entry.type != pafs.FileType.File or not entry.base_name.endswith(".json"):
            continue
        with filesystem.open_input_stream(entry.path) as stream:
            for line in stream.read().decode().splitlines():
                if '"add"' in line:
                    path = json.loads(line).get("add", {}).get("path")
                    if path:
                        names.add(PurePosixPath(unquote(path)).name)
    key = PurePosixPath(folder).name
    table = DeltaTable(f"{store.root}/{key}", storage_options=store.storage_options)
    names |= {PurePosixPath(f).name for f in table.file_uris()}
    return names


def orphaned_files(store: DeltaTableStore, older_than_seconds: float) -> list[str]:
    """Orphaned data files (their paths, or ``s3://`` URIs) and staging folders, older than the
    grace period."""
    cutoff = time.time() - older_than_seconds
    found: list[str] = []
    if store.staging is not None and store.staging.is_dir():
        found += [str(f) for f in store.staging.iterdir() if f.stat().st_mtime < cutoff]
    filesystem, root = lake_filesystem(store)
    tables = filesystem.get_file_info(pafs.FileSelector(root, allow_not_found=True))
    for folder in sorted((t for t in tables if t.type == pafs.FileType.Directory),
                         key=lambda t: t.path):  # fmt: skip
        try:
            referenced = _referenced(store, filesystem, folder.path)
        except Exception:  # a log only a newer reader understands: keep everything
            log.warning("orphans: kept every file of %s, whose log was not read", folder.path)
            continue
        for entry in filesystem.get_file_info(pafs.FileSelector(folder.path)):
            old = entry.mtime is not None and entry.mtime.timestamp() < cutoff
            if (
                entry.type == pafs.FileType.File
                and entry.base_name.endswith(".parquet")
                and entry.base_name not in referenced
                and old
            ):
                found.append(entry.path if store.local else f"s3://{entry.path}")
    return found


def remove_orphaned_files(store: DeltaTableStore, older_than_seconds: float) -> int:
    """Delete what :func:`orphaned_files` finds; returns how many."""
    found = orphaned_files(store, older_than_seconds)
    filesystem, _ = lake_filesystem(store)
    for name in found:
        if name.startswith("s3://"):
            filesystem.delete_file(name.removeprefix("s3://"))
        elif Path(name).is_dir():
            shutil.rmtree(name, ignore_errors=True)
        else:
            Path(name).unlink(missing_ok=True)
    return len(found)
