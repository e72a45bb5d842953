"""The demo's background job: generate the synthetic Connecticut with progress."""

from __future__ import annotations

from typing import Any

from statedata.core.jobs import JobContext

DEMO_JOB = "demo.generate"


def generate_demo_job(context: JobContext) -> dict[str, Any]:
    # Imported here: the generator brings Arrow's Parquet writer, which a serving process that
    # never generates the demo should not hold in memory.
    from statedata.demo.generator import generate_demo

    persons = int(context.params["persons"])
    seed = int(context.params["seed"])
    context.log(f"generating {persons:,} persons with seed {seed}")
    summary = generate_demo(
        context.settings.demo_dir,
        persons=persons,
        seed=seed,
        progress=lambda done, total, message: context.progress(done, total, message),
    )
    context.log(f"wrote {sum(summary.files.values()):,} rows in {len(summary.files)} files")
    return summary.as_dict()
