"""Where a blocked version's rows wait: the files its load staged, moved out of the table's
folder into ``STATEDATA_HOME/held/<dataset>/``, since the store never committed them. Only those
who edit the dataset read them (through the read path); they go when the dataset's data is
destroyed."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from statedata.core.config import Settings
from statedata.storage.store import StagedRows

HELD_FOLDER = "held"


def held_folder(settings: Settings, key: str) -> Path:
    """Where a dataset's blocked versions keep their rows."""
    return settings.home / HELD_FOLDER / key


def move_to_held(settings: Settings, key: str, staged: StagedRows) -> list[str]:
    folder = held_folder(settings, key) / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    moved = []
    for path in staged.files:
        target = folder / Path(path).name
        shutil.move(path, target)
        moved.append(str(target))
    if not staged.in_table:
        shutil.rmtree(Path(staged.files[0]).parent, ignore_errors=True)
    return moved


def discard_held(settings: Settings, key: str) -> None:
    """Delete every blocked version's rows of a dataset (its data is being destroyed)."""
    shutil.rmtree(held_folder(settings, key), ignore_errors=True)
