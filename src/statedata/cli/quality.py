"""``statedata quality``: check a file against quality rules before loading it."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from statedata.quality.files import check_file, read_rules

app = typer.Typer(help="Check data against quality rules.", no_args_is_help=True)


@app.command("check")
def check(
    file: Path = typer.Argument(..., help="A CSV, TSV or Parquet file."),
    rules: Path = typer.Option(..., "--rules", help="A JSON file holding a list of rules."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
) -> None:
    """Check FILE against the rules; exit 1 when an error-level rule is broken."""
    report = check_file(file, read_rules(rules))
    if as_json:
        payload = {
            "rows": report.rows,
            "score": report.score,
            "results": [r.as_dict() for r in report.results],
        }
        typer.echo(json.dumps(payload, indent=2, default=str))
    else:
        typer.echo(f"{file.name}: {report.rows:,} rows, score {report.score}")
        for result in report.results:
            state = (
                "skipped" if result.skipped else ("ok" if result.passed else result.rule.severity)
            )
            line = f"  [{state}] {result.rule.describe()}"
            if result.violations:
                line += f" {result.violations:,} rows"
                shown = ", ".join(str(s["row"]) for s in result.samples[:5])
                if shown:
                    line += f" (rows {shown}{', ...' if len(result.samples) > 5 else ''})"
            if result.detail:
                line += f" - {result.detail}"
            if result.skipped:
                line += f" - {result.skipped}"
            typer.echo(line)
    if report.blocking:
        raise typer.Exit(1)
