"""``statedata quality check``, run as a steward runs it before loading a file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.quality.test_runner import RULES, rows, write_csv


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statedata", "quality", "check", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rules_file(path: Path, rules: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps(rules))
    return path


def test_a_broken_error_rule_fails_the_check_and_names_the_rows(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "data.csv", rows())
    saved = rules_file(tmp_path / "rules.json", [r.as_dict() for r in RULES])
    result = run(str(data), "--rules", str(saved))
    assert result.returncode == 1, result.stderr
    assert "data.csv: 60 rows" in result.stdout
    assert "[error] Every row has a value in name. 1 rows (rows 5)" in result.stdout
    assert "[warning] category is one of a, b, c. 1 rows (rows 25)" in result.stdout

    as_json = json.loads(run(str(data), "--rules", str(saved), "--json").stdout)
    assert as_json["rows"] == 60
    assert as_json["results"][1]["samples"] == [{"row": 10, "values": {"id": "9"}}]


def test_only_warnings_pass_the_check(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "data.csv", rows())
    saved = rules_file(
        tmp_path / "rules.json",
        [{"type": "enum", "column": "category", "values": ["a", "b", "c"], "severity": "warning"}],
    )
    result = run(str(data), "--rules", str(saved))
    assert result.returncode == 0, result.stderr
    assert "[warning]" in result.stdout


def test_a_bad_rules_file_is_named_with_its_line_and_column(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "data.csv", rows(3))
    broken = tmp_path / "rules.json"
    broken.write_text('[\n  {"type": "required", "column": "name"},\n  {"type": }\n]')
    result = run(str(data), "--rules", str(broken))
    assert result.returncode == 2
    assert "error: rules: rules.json line 3, column 12:" in result.stderr

    unknown = rules_file(tmp_path / "unknown.json", [{"type": "required", "column": "nope"}])
    result = run(str(data), "--rules", str(unknown))
    assert result.returncode == 2
    assert "no column is named 'nope'" in result.stderr
