"""Copy the front-end packages npm installed into the folder the app serves as /static/vendor.

Only the built files the pages use are copied; the folder is git-ignored so no third-party file
is ever committed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

# (source under node_modules, destination under the vendor folder); folders are copied whole.
ASSETS: list[tuple[str, str]] = [
    ("@uswds/uswds/dist/css", "uswds/css"),
    ("@uswds/uswds/dist/fonts", "uswds/fonts"),
    ("@uswds/uswds/dist/img", "uswds/img"),
    ("@uswds/uswds/dist/js", "uswds/js"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("vega/build/vega.min.js", "vega/vega.min.js"),
    ("vega-lite/build/vega-lite.min.js", "vega/vega-lite.min.js"),
    ("vega-embed/build/vega-embed.min.js", "vega/vega-embed.min.js"),
    ("leaflet/dist", "leaflet"),
    ("axe-core/axe.min.js", "axe/axe.min.js"),
]


def copy_assets(node_modules: Path, vendor: Path) -> None:
    """Copy every asset, failing with the missing path named when npm did not install it."""
    for source_name, target_name in ASSETS:
        source = node_modules / source_name
        target = vendor / target_name
        if not source.exists():
            raise SystemExit(f"copy_assets: {source} is missing; run 'npm ci' first")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)


if __name__ == "__main__":
    copy_assets(Path(sys.argv[1]), Path(sys.argv[2]))
