"""``statedata dataset create|list|load|pull|versions|restore``: the catalog from the command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from statedata.catalog import datasets, versions
from statedata.catalog.loads.local import load_local_file
from statedata.catalog.loads.restore import restore_version
from statedata.catalog.search import SearchRequest, search_datasets
from statedata.catalog.sources import pulls
from statedata.cli.context import open_instance
from statedata.core.errors import InvalidInput
from statedata.core.jobs import Job, run_job
from statedata.identity.actor import Actor

app = typer.Typer(
    help="Manage datasets in the catalog.", no_args_is_help=True, rich_markup_mode=None
)
CLI = Actor.system("cli")


@app.command("create")
def create(
    title: str = typer.Argument(..., help="The dataset's title."),
    agency: str = typer.Option(..., help="Code of the agency that holds it, e.g. DPH."),
    category: str = typer.Option("", help="One of Connecticut's open data categories."),
    classification: str = typer.Option(
        "internal", help="public, internal, confidential or restricted."
    ),
    description: str = typer.Option("", help="What the data is."),
) -> None:
    """Add a draft dataset and print its public id."""
    instance = open_instance()
    with instance.session() as session:
        dataset = datasets.create_dataset(
            session,
            actor=CLI,
            agency_code=agency,
            data={
                "title": title,
                "category": category,
                "classification": classification,
                "description": description,
            },
        )
        typer.echo(f"{dataset.public_id}\t{dataset.slug}")


@app.command("list")
def list_datasets(q: str = typer.Option("", help="Words to search for.")) -> None:
    """List datasets (id, status, rows, title)."""
    instance = open_instance()
    with instance.session() as session:
        result = search_datasets(
            session,
            actor=CLI,
            request=SearchRequest(q=q, limit=1000, sort="title"),
            with_facets=False,
        )
        for dataset in result.datasets:
            typer.echo(
                f"{dataset.public_id}\t{dataset.status}\t{dataset.row_count}\t{dataset.title}"
            )


def _parse_types(types: list[str]) -> dict[str, str]:
    parsed = {}
    for given in types:
        name, sep, kind = given.partition("=")
        if not sep or not name or not kind:
            raise InvalidInput(f"--type: {given!r} must look like column=TYPE, e.g. zip=VARCHAR.")
        parsed[name] = kind.upper()
    return parsed


@app.command("load")
def load(
    ref: str = typer.Argument(..., help="The dataset's public id or slug."),
    file: Path = typer.Argument(..., help="CSV, TSV, JSON, NDJSON, Parquet or Excel file."),
    mode: str = typer.Option("replace", help="replace, append or upsert."),
    type_: list[str] = typer.Option(
        [], "--type", help="Override an inferred column type: column=TYPE (repeatable)."
    ),
    primary_key: list[str] = typer.Option([], "--key", help="Primary key column (repeatable)."),
    note: str = typer.Option("", help="A note kept with the version."),
) -> None:
    """Load a file as the dataset's next version, showing progress."""
    instance = open_instance()
    overrides = _parse_types(type_)
    columns_shown = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns_shown) as bar:
        task = bar.add_task(f"loading {file.name}")
        job = load_local_file(
            instance.settings,
            instance.session_factory,
            actor=CLI,
            ref=ref,
            path=file,
            mode=mode,
            types=overrides,
            primary_key=primary_key or None,
            note=note,
            listener=lambda done, total, message: bar.update(task, description=message),
        )
    if job.status != "succeeded":
        typer.echo(f"error: {job.error}", err=True)
        raise typer.Exit(code=1)
    result = job.result or {}
    typer.echo(f"version {result.get('version')}: {result.get('rows', 0):,} rows")


@app.command("pull")
def pull(
    ref: str = typer.Argument("", help="The dataset's public id or slug (or use --due)."),
    due: bool = typer.Option(
        False, "--due", help="Pull every source whose scheduled time has come (for cron)."
    ),
) -> None:
    """Pull a dataset's configured source now and load it as the next version."""
    instance = open_instance()
    settings, factory = instance.settings, instance.session_factory
    if due == bool(ref):
        raise InvalidInput("ref: name one dataset, or pass --due for every source that is due.")
    finished: list[Job] = []

    def run(job_id: int) -> None:
        finished.append(run_job(job_id, settings=settings, session_factory=factory))

    if due:
        pulls.enqueue_due_pulls(settings, factory, run)
    else:
        with instance.session() as session:
            job_id = pulls.start_pull(session, actor=CLI, ref=ref).id
        run(job_id)
    for job in finished:
        dataset = job.params.get("dataset")
        if job.status == "succeeded":
            result = job.result or {}
            typer.echo(
                f"{dataset}: version {result.get('version')}, {result.get('rows', 0):,} rows"
            )
        else:
            typer.echo(f"{dataset}: error: {job.error}", err=True)
    if due and not finished:
        typer.echo("no source is due")
    if any(job.status != "succeeded" for job in finished):
        raise typer.Exit(code=1)


@app.command("versions")
def list_versions(ref: str = typer.Argument(..., help="The dataset's public id or slug.")) -> None:
    """List a dataset's versions (number, mode, rows, checksum of the rows, when)."""
    instance = open_instance()
    with instance.session() as session:
        dataset = datasets.get_dataset(session, actor=CLI, ref=ref)
        for v in versions.list_versions(session, dataset=dataset):
            typer.echo(
                f"{v.number}\t{v.mode}\t{v.rows}\t{v.rows_checksum}\t{v.created_at:%Y-%m-%d %H:%M}"
            )


@app.command("restore")
def restore(
    ref: str = typer.Argument(..., help="The dataset's public id or slug."),
    number: int = typer.Argument(..., help="The version whose rows to publish again."),
) -> None:
    """Publish an earlier version's rows as a new version."""
    instance = open_instance()
    with instance.session() as session:
        version = restore_version(
            session, actor=CLI, settings=instance.settings, ref=ref, number=number
        )
        typer.echo(f"version {version.number}: {version.rows:,} rows (restored from {number})")
