"""Write the documents generated from the code (settings, CLI reference, freshness thresholds)."""

from __future__ import annotations

from pathlib import Path

from statedata.catalog.freshness.doc import freshness_document
from statedata.cli.reference_docs import render_cli_reference, render_settings_reference

DOCS = Path(__file__).resolve().parents[1] / "docs"

if __name__ == "__main__":
    (DOCS / "settings.md").write_text(render_settings_reference())
    (DOCS / "cli.md").write_text(render_cli_reference())
    (DOCS / "freshness.md").write_text(freshness_document())
    print("wrote docs/settings.md, docs/cli.md and docs/freshness.md")
