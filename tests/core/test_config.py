"""Settings: defaults, one clear line for bad configuration, the secret key, and the docs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from statedata.core.config import (
    effective_settings,
    load_settings,
    prepare_home,
    read_or_create_secret_key,
)
from statedata.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_put_everything_under_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)

    assert settings.resolved_database_url == f"sqlite:///{tmp_path}/statedata.db"
    assert settings.resolved_lake_uri == str(tmp_path / "lake")


def test_plain_postgresql_urls_use_the_psycopg_driver(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, database_url="postgresql://u:p@db/statedata")

    assert settings.resolved_database_url == "postgresql+psycopg://u:p@db/statedata"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "STATEDATA_DATABASE_URL",
            "mysql://db/statedata",
            "STATEDATA_DATABASE_URL: unknown database URL scheme 'mysql'",
        ),
        (
            "STATEDATA_DATABASE_URL",
            "statedata.db",
            "STATEDATA_DATABASE_URL: unknown database URL scheme",
        ),
        ("STATEDATA_PORT", "eighty", "STATEDATA_PORT: Input should be a valid integer"),
        ("STATEDATA_PORT", "70000", "STATEDATA_PORT: Input should be less than or equal to 65535"),
        (
            "STATEDATA_JOBS_BACKEND",
            "celery",
            "STATEDATA_JOBS_BACKEND: Input should be 'sqlite', 'redis' or 'immediate'",
        ),
        (
            "STATEDATA_COOKIE_SECURE",
            "perhaps",
            "STATEDATA_COOKIE_SECURE: Input should be a valid boolean",
        ),
        ("STATEDATA_LAKE_URI", "ftp://host/lake", "STATEDATA_LAKE_URI: unknown lake URI scheme"),
    ],
)
def test_bad_environment_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert raised.value.detail.startswith(expected)
    assert "\n" not in raised.value.detail


def test_an_unwritable_home_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(
        ConfigError, match=r"^STATEDATA_HOME: .*a-file/home is not a writable folder"
    ):
        prepare_home(load_settings(home=blocker / "home"))


def test_secrets_are_never_shown(tmp_path: Path) -> None:
    settings = load_settings(
        home=tmp_path,
        secret_key="s3cret-value",
        oidc_client_secret="other-s3cret",
        database_url="postgresql+psycopg://u:pw@h/d",
    )

    shown = "\n".join(f"{k}={v}" for k, v in effective_settings(settings).items())

    assert "s3cret" not in shown
    assert ":pw@" not in shown
    assert "STATEDATA_SECRET_KEY=(set, hidden)" in shown
    assert "postgresql+psycopg://u:***@h/d" in shown


def test_the_secret_key_is_generated_once_and_readable_only_by_its_owner(tmp_path: Path) -> None:
    first = read_or_create_secret_key(tmp_path)
    second = read_or_create_secret_key(tmp_path)

    assert first == second
    assert len(first) >= 48
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("STATEDATA_DATABASE_URL", "oracle://db/x", "STATEDATA_DATABASE_URL"),
        ("STATEDATA_PORT", "abc", "STATEDATA_PORT"),
        ("STATEDATA_HOME", "/proc/statedata-cannot-live-here", "STATEDATA_HOME"),
    ],
)
def test_bad_configuration_stops_start_up_with_one_line(
    tmp_path: Path, variable: str, value: str, named: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEDATA_")}
    env |= {"STATEDATA_HOME": str(tmp_path / "home"), variable: value}

    result = subprocess.run(
        [sys.executable, "-m", "statedata", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {named}: ")
    assert "Traceback" not in result.stderr


def test_the_settings_reference_is_generated_from_the_code() -> None:
    from statedata.cli.reference_docs import render_settings_reference

    documented = (ROOT / "docs" / "settings.md").read_text()

    assert documented == render_settings_reference(), "docs/settings.md drifted: run `make docs`"


def test_the_cli_reference_is_generated_from_the_code() -> None:
    from statedata.cli.reference_docs import render_cli_reference

    documented = (ROOT / "docs" / "cli.md").read_text()

    assert documented == render_cli_reference(), "docs/cli.md drifted: run `make docs`"
