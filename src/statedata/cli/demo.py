"""``statedata demo``: the synthetic Connecticut and the demo sign-ins."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from statedata.cli.context import Instance, open_instance
from statedata.core.instance import DEMO_MODE, set_fact
from statedata.core.jobs import run_job
from statedata.demo.accounts import create_demo_accounts
from statedata.demo.catalog import publish_demo_catalog
from statedata.demo.jobs import DEMO_JOB
from statedata.demo.manifest import MAX_PERSONS, read_manifest
from statedata.demo.persons import build_demo_person_index
from statedata.demo.plan import build_demo_plan
from statedata.demo.sharing import build_demo_sharing
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job


def demo(
    persons: int = typer.Option(
        20_000, min=1, max=MAX_PERSONS, help="How many fictional people to create."
    ),
    seed: int = typer.Option(2026, min=0, help="Random seed; the same seed gives the same data."),
    keep_existing: bool = typer.Option(
        False,
        "--keep-existing",
        help="Keep demo data already generated with the same persons and seed.",
    ),
) -> None:
    """Generate the synthetic Connecticut into STATEDATA_HOME/demo and create the demo sign-ins."""
    instance = open_instance()
    manifest = read_manifest(instance.settings.demo_dir)
    with instance.session() as session:
        accounts = create_demo_accounts(session)
        set_fact(session, DEMO_MODE, True)
    if (
        keep_existing
        and manifest
        and manifest.get("persons") == persons
        and manifest.get("seed") == seed
    ):
        typer.echo(
            f"demo data for {persons:,} persons (seed {seed}) already present; kept. {accounts} sign-ins added"
        )
        _publish(instance)
        return
    with instance.session() as session:
        job_id = create_job(
            session,
            actor=Actor.system("cli"),
            kind=DEMO_JOB,
            params={"persons": persons, "seed": seed},
        ).id
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns) as bar:
        task = bar.add_task("synthetic Connecticut", total=persons)

        def show(done: int, total: int | None, message: str) -> None:
            bar.update(task, completed=done, total=total, description=message)

        job = run_job(
            job_id,
            settings=instance.settings,
            session_factory=instance.session_factory,
            listener=show,
        )
    if job.status != "succeeded":
        raise typer.Exit(code=_fail(job.error or "failed"))
    files = (job.result or {}).get("files", {})
    typer.echo(
        f"wrote {sum(files.values()):,} rows in {len(files)} files to {instance.settings.demo_dir}; {accounts} sign-ins added"
    )
    _publish(instance)


def _publish(instance: Instance) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("demo catalog", total=None)

        def show(done: int, total: int, title: str) -> None:
            bar.update(task, completed=done, total=total, description=title[:40])

        added = publish_demo_catalog(instance.settings, instance.session_factory, show)
    if added:
        typer.echo(
            f"demo catalog: {added} datasets published, with versions, drafts and a retired one"
        )
    else:
        typer.echo("demo catalog already published; kept")
    _index_persons(instance)


def _index_persons(instance: Instance) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("person index", total=None)

        def show(done: int, total: int | None, message: str) -> None:
            bar.update(task, completed=done, total=total, description=message[:40])

        records = build_demo_person_index(instance.settings, instance.session_factory, show)
    if records:
        typer.echo(f"person index: {records:,} person records of six sources linked")
    else:
        typer.echo("person index already built; kept")
    _share(instance)


def _share(instance: Instance) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("sharing", total=None)

        def show(done: int, total: int | None, message: str) -> None:
            bar.update(task, completed=done, total=total, description=message[:40])

        made = build_demo_sharing(instance.settings, instance.session_factory, show)
    if made:
        typer.echo(
            f"sharing: agreements, {len(made['requests'])} data requests (one in each state), "
            f"{len(made['releases'])} aggregate releases and {made['obstacles']} legal obstacles"
        )
    else:
        typer.echo("sharing already set up; kept")
    objectives = build_demo_plan(instance.session_factory)
    if objectives:
        typer.echo(f"plan: Connecticut's State Data Plan adopted with {objectives} objectives")
    else:
        typer.echo("plan already loaded; kept")


def _fail(message: str) -> int:
    typer.echo(f"error: demo generation failed: {message}", err=True)
    return 1
