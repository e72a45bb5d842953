"""``statedata pprl``: privacy-preserving linkage. ``encode`` runs at an agency on its own
file and writes Bloom-filter encodings (no name, date or number leaves); ``link`` runs at the
hub on two or more agencies' encodings and writes pseudonymous cluster IDs."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from statedata.core.errors import InvalidInput

app = typer.Typer(help="Privacy-preserving person linkage.", no_args_is_help=True)


def _secret(path: Path) -> bytes:
    if not path.is_file():
        raise InvalidInput(f"--secret-file {path}: no such file.")
    # a trailing newline from an editor or `echo` is not part of the secret
    return path.read_bytes().rstrip(b"\r\n")


@app.command("encode")
def encode(
    file: Path = typer.Argument(..., help="The agency's CSV file of person records."),
    id_column: str = typer.Option(..., "--id-column", help="The column that names each record."),
    mappings: list[str] = typer.Option(
        ..., "--map", help="attribute=column, as for `statedata link run`."
    ),
    secret_file: Path = typer.Option(
        ...,
        "--secret-file",
        help="A file holding the secret the agencies share (at least 16 random bytes); never "
        "sent to the hub.",
    ),
    out: Path = typer.Option(..., "--out", help="Where to write the encodings (record_id, clk)."),
) -> None:
    """Write FILE's records as keyed Bloom filters: one row per record, record_id and clk."""
    from statedata.linkage.attributes import parse_mapping
    from statedata.linkage.pprl.encode import encode_records
    from statedata.linkage.prepare import Source, read_source

    mapping = parse_mapping(mappings)
    raw = read_source(Source(file, file.name), id_column, mapping)
    present = {a: v for a, v in raw.values.items() if v is not None}
    if not present:
        raise InvalidInput(f"{file}: none of the mapped columns is in the file.")
    rows = [(rid, {a: values[n] for a, values in present.items()})
            for n, rid in enumerate(raw.record_ids)]  # fmt: skip
    encoded = encode_records(_secret(secret_file), rows)
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "clk"])
        writer.writerows(encoded)
    typer.echo(f"{len(encoded):,} records encoded; wrote {out}")


@app.command("link")
def link(
    files: list[Path] = typer.Argument(..., help="Two or more agencies' encodings files."),
    out: Path = typer.Option(..., "--out", help="Where to write source, record_id, cluster_id."),
    threshold: float = typer.Option(
        0.6, "--threshold", min=0.0, max=1.0, help="Dice coefficient that joins two records."
    ),
) -> None:
    """Link encodings across agencies; each cluster ID is random and says nothing of its records."""
    from statedata.linkage.pprl.encode import decode_filter
    from statedata.linkage.pprl.hub import Encodings, link_encodings

    sources = []
    for path in files:
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file.")
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"record_id", "clk"} <= set(reader.fieldnames):
                raise InvalidInput(f"{path}: needs the columns record_id and clk.")
            rows = [
                (row["record_id"], decode_filter(row["clk"], f"{path}, row {n}, column clk"))
                for n, row in enumerate(reader, start=2)
            ]
        sources.append(Encodings.of(path.name, rows))
    result = link_encodings(sources, threshold)
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "record_id", "cluster_id"])
        writer.writerows([s, r, c] for (s, r), c in result.clusters.items())
    rate = result.comparisons / result.seconds_comparing if result.seconds_comparing else 0
    typer.echo(
        f"{result.comparisons:,} comparisons ({rate:,.0f} per second), {result.pairs_kept:,} "
        f"pairs at Dice >= {threshold}, {len(set(result.clusters.values())):,} clusters; "
        f"wrote {out}"
    )
