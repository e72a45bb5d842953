"""Reference documents generated from the code: the settings table and the CLI help.

`make docs` writes them; tests fail when the committed copies drift from the code.
"""

from __future__ import annotations

from typing import Any

import typer.main

from statedata.core.config import Settings, env_name

SETTINGS_HEADER = """# Settings reference

Generated from `statedata.core.config.Settings` by `make docs`; a test fails when it drifts.
Every setting is an environment variable. `statedata config show` prints the effective values,
secrets hidden.

| variable | type | default | what it does |
|---|---|---|---|
"""


def _type_name(annotation: object) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    text = text.replace("typing.", "").replace("pydantic.types.", "").replace("pathlib.", "")
    return text.replace("|", "or")


def render_settings_reference() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "(empty)" if default in ("", None) else f"`{default}`"
        if name == "home":
            shown = "`./var`"
        description = (field.description or "").replace("|", "\\|")
        rows.append(
            f"| `{env_name(name)}` | {_type_name(field.annotation)} | {shown} | {description} |"
        )
    return SETTINGS_HEADER + "\n".join(rows) + "\n"


def _walk(command: Any, path: list[str]) -> list[tuple[str, str]]:
    # A fixed width keeps the generated text the same in every terminal.
    context = typer.Context(
        command, info_name=" ".join(path), terminal_width=100, max_content_width=100
    )
    sections = [(" ".join(path), command.get_help(context))]
    if hasattr(command, "commands"):  # a group: document each subcommand too
        for name in sorted(command.commands):
            sections += _walk(command.commands[name], [*path, name])
    return sections


def render_cli_reference() -> str:
    from statedata.cli import app

    root = typer.main.get_command(app)
    parts = [
        "# Command-line reference\n\nGenerated from the Typer app by `make docs`; a test fails when it drifts.\n"
    ]
    for name, text in _walk(root, ["statedata"]):
        parts.append(f"\n## `{name}`\n\n```text\n{text.rstrip()}\n```\n")
    return "".join(parts)
