"""Write the documents generated from the code (settings and CLI reference)."""

from __future__ import annotations

from pathlib import Path

from statedata.core.reference_docs import render_cli_reference, render_settings_reference

DOCS = Path(__file__).resolve().parents[1] / "docs"

if __name__ == "__main__":
    (DOCS / "settings.md").write_text(render_settings_reference())
    (DOCS / "cli.md").write_text(render_cli_reference())
    print("wrote docs/settings.md and docs/cli.md")
