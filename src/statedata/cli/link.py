"""``statedata link``: link person records in any CSV files, and measure a linkage against truth.

Needs no instance: files in, files out. Splink is imported when a command runs, so that other
commands start as fast as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Link person records across CSV files.", no_args_is_help=True)


@app.command("run")
def run(
    files: list[Path] = typer.Argument(
        ..., help="One CSV file to deduplicate, or several to link."
    ),
    id_column: str = typer.Option(..., "--id-column", help="The column that names each record."),
    mappings: list[str] = typer.Option(
        ...,
        "--map",
        help=(
            "attribute=column, once per attribute (first_name, middle_name, last_name, suffix, "
            "date_of_birth, sex, ssn, identifier, address, town, zip, phone, email); "
            "join columns with '+', e.g. address=number+street."
        ),
    ),
    out: Path = typer.Option(..., "--out", help="Where to write clusters.csv."),
    threshold: float = typer.Option(
        0.9, "--threshold", min=0.0, max=1.0, help="Match probability that joins two records."
    ),
) -> None:
    """Link FILES with the default model and write one row per record: source_file, record_id,
    person_id."""
    from statedata.linkage.attributes import parse_mapping
    from statedata.linkage.prepare import source_names
    from statedata.linkage.run import link_sources, write_clusters

    mapping = parse_mapping(mappings)
    result = link_sources(
        source_names(files),
        id_column=id_column,
        mapping=mapping,
        threshold=threshold,
        progress=lambda step: typer.echo(f"{step}...", err=True),
    )
    write_clusters(result, out)
    typer.echo(
        f"{result.records:,} records, {result.persons:,} persons, "
        f"{result.pairs_scored:,} candidate pairs scored; wrote {out}"
    )


@app.command("evaluate")
def evaluate(
    truth: Path = typer.Option(
        ..., "--truth", help="CSV with record_id, entity_id (and source_file when linking files)."
    ),
    clusters: Path = typer.Option(..., "--clusters", help="The clusters.csv of `link run`."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Pairwise precision, recall and F1, and B-cubed, of CLUSTERS against TRUTH."""
    from statedata.linkage.evaluate import evaluate_files

    scores = evaluate_files(truth, clusters)
    if as_json:
        typer.echo(json.dumps(scores.as_dict(), indent=2))
        return
    typer.echo(f"records {scores.records:,}")
    typer.echo(
        f"pairwise  precision {scores.precision:.4f}  recall {scores.recall:.4f}  "
        f"F1 {scores.f1:.4f}  ({scores.correct_pairs:,} of {scores.predicted_pairs:,} predicted "
        f"pairs right, {scores.true_pairs:,} true pairs)"
    )
    typer.echo(
        f"B-cubed   precision {scores.bcubed_precision:.4f}  recall {scores.bcubed_recall:.4f}  "
        f"F1 {scores.bcubed_f1:.4f}"
    )
