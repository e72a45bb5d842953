"""The command line, run as an operator runs it: a real process per command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from statedata.core.config import Settings


def run(
    settings: Settings, *args: str, home: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEDATA_")}
    env |= {
        "STATEDATA_HOME": str(home or settings.home),
        "STATEDATA_DATABASE_URL": settings.resolved_database_url if home is None else "",
        "STATEDATA_JOBS_BACKEND": "immediate",
    }
    return subprocess.run(
        [sys.executable, "-m", "statedata", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=input,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
# The demo's SQL runs on PostgreSQL in tests/demo; here the command builds and keeps it once.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_command_line_builds_the_demo_and_keeps_it(settings: Settings) -> None:
    assert "up to date" in ok(run(settings, "init"))
    assert "wrote" in ok(run(settings, "demo", "--persons", "300", "--seed", "4"))
    assert "already present; kept" in ok(
        run(settings, "demo", "--persons", "300", "--seed", "4", "--keep-existing")
    )
    assert (settings.home / "demo" / "dmv_licenses.parquet").exists()
    assert "cdo" in ok(run(settings, "user", "list"))


@pytest.mark.slow
def test_an_operator_sets_up_and_runs_an_instance(settings: Settings, tmp_path: Path) -> None:
    assert "up to date" in ok(run(settings, "init"))
    assert "0 agencies added" in ok(run(settings, "init"))

    ok(
        run(
            settings,
            "user",
            "create",
            "pat",
            "--role",
            "steward",
            "--agency",
            "DOT",
            "--password",
            "a-long-password-1",
        )
    )
    assert "pat" in ok(run(settings, "user", "list"))

    created = ok(
        run(
            settings,
            "token",
            "create",
            "pat",
            "--name",
            "nightly",
            "--scope",
            "read",
            "--scope",
            "write",
        )
    )
    token_id = created.split()[1]
    assert created.strip().splitlines()[-1].startswith("sdt_")
    assert f"revoked token {token_id}" in ok(run(settings, "token", "revoke", token_id))

    assert "created OSC" in ok(
        run(settings, "agency", "create", "OSC", "Office of the State Comptroller")
    )
    assert "OSC\tOffice of the State Comptroller" in ok(run(settings, "agency", "list"))
    assert "disabled pat" in ok(run(settings, "user", "disable", "pat"))
    assert "STATEDATA_SECRET_KEY=(set" in ok(run(settings, "config", "show")) or "hidden" in ok(
        run(settings, "config", "show")
    )

    archive = tmp_path / "instance.tar.gz"
    assert "backed up" in ok(run(settings, "backup", str(archive)))
    other = tmp_path / "restored"
    assert "restored" in ok(run(settings, "restore", str(archive), home=other))
    assert "pat" in ok(run(settings, "user", "list", home=other))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("user", "create", "x y", "--role", "analyst", "--password", "a-long-password-1"),
            "error: username: 'x y' must be",
        ),
        (
            ("user", "create", "pat", "--role", "boss", "--password", "a-long-password-1"),
            "error: role: 'boss' is not a role",
        ),
        (("user", "disable", "nobody"), "error: No user is named 'nobody'."),
        (("token", "revoke", "999"), "error: You have no token with id 999."),
        (("agency", "create", "d$s", "Bad"), "error: code: 'D$S' must be"),
        (("restore", "/nonexistent.tar.gz"), "error: backup: /nonexistent.tar.gz is not a file."),
        (("dataset", "pull"), "error: ref: name one dataset, or pass --due"),
    ],
)
def test_bad_input_gets_one_clear_line(
    settings: Settings, args: tuple[str, ...], message: str
) -> None:
    result = run(settings, *args)

    assert result.returncode == 2
    assert result.stderr.strip().startswith(message), result.stderr
    assert "Traceback" not in result.stderr


def test_commands_refuse_an_uninitialized_instance(settings: Settings, tmp_path: Path) -> None:
    result = run(settings, "user", "list", home=tmp_path / "empty")

    assert result.returncode == 2
    assert "run `statedata init` first" in result.stderr


def test_an_unknown_option_is_a_usage_error(settings: Settings) -> None:
    result = run(settings, "demo", "--people", "5")

    assert result.returncode == 2
    assert "No such option: --people" in result.stderr
