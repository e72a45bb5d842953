"""What a generated demo folder says about itself, readable without loading the generator.

The CLI reads this on every start; the generator (and the Parquet writer it brings) loads only
when a demo is actually generated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_PERSONS = 20_000_000
MANIFEST_NAME = "manifest.json"


def read_manifest(target: Path) -> dict[str, Any] | None:
    """The manifest of demo data already generated in ``target``, if any."""
    path = target / MANIFEST_NAME
    return json.loads(path.read_text()) if path.exists() else None
