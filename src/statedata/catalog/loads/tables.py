"""A table a job made (an extract, a release) loaded as a dataset's next version.

The table goes through the same path as an upload: a Parquet file received into the upload
area, planned and loaded as a replace, so it is checked, versioned and audited like any other.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyarrow as pa

from statedata.catalog.datasets import find_dataset
from statedata.catalog.loads.pipeline import execute_load
from statedata.catalog.loads.plan import plan_load
from statedata.catalog.schemas import ColumnIn, LoadRequest
from statedata.catalog.uploads import receive_local_file, register_upload
from statedata.core.db import unit_of_work
from statedata.core.jobs import JobContext
from statedata.identity.actor import Actor


def load_table(context: JobContext, *, actor: Actor, ref: str, table: pa.Table, note: str) -> None:
    """Replace dataset ``ref``'s rows with ``table`` as its next version."""
    import pyarrow.parquet as pq  # a writing library: a server that only reads never loads it

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"{ref}.parquet"
        pq.write_table(table, path)
        received = receive_local_file(context.settings, path)
    with unit_of_work(context.session_factory) as session:
        upload = register_upload(session, actor=actor, ref=ref, received=received)
        dataset = find_dataset(session, ref=ref)
        request = LoadRequest(
            mode="replace",
            columns=[ColumnIn(name=c["name"], type=c["type"]) for c in upload.inferred_columns],
            note=note,
        )
        params = plan_load(session, upload=upload, dataset=dataset, request=request)
        upload.job_id = context.job_id
    execute_load(context, params)
