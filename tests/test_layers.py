"""The floors of the house, as docs/architecture.md draws them: a module imports only modules on
its own floor or below. Every import counts, those inside functions and for type checking too,
since each is a dependency a reader must know about."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
# Bottom to top. A module is on the floor of the longest prefix that names it; the adapters
# (routers, pages, the CKAN and Socrata shapes, sign-in) are found by their names below.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("ground", ("statedata.core", "statedata.__init__")),
    ("storage", ("statedata.storage",)),
    ("people and elements", ("statedata.identity", "statedata.standards")),
    ("catalog", ("statedata.catalog",)),
    ("reading", ("statedata.query",)),
    ("quality", ("statedata.quality",)),
    ("publishing", ("statedata.catalog.loads", "statedata.catalog.sources.pulls")),
    ("linkage and privacy", ("statedata.linkage", "statedata.privacy")),
    ("sharing and the plan", ("statedata.sharing", "statedata.plan")),
    ("adapters", ("statedata.web", "statedata.portal")),
    ("demo", ("statedata.demo",)),
    ("entry points", ("statedata.app", "statedata.cli", "statedata.wiring", "statedata.tables",
                      "statedata.backup", "statedata.migrations", "statedata.__main__")),
]  # fmt: skip
ADAPTER_NAMES = ("router", "pages", "oidc", "ckan", "socrata")
ADAPTER_SUFFIXES = ("_router", "_pages", "_api")
DOMAIN_PACKAGES = (
    "catalog", "demo", "identity", "linkage", "plan", "portal", "privacy", "quality", "query",
    "sharing", "standards", "storage", "web", "cli", "app", "wiring", "tables", "backup",
)  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def floor_of(module: str) -> int:
    leaf = module.rsplit(".", 1)[-1]
    if leaf in ADAPTER_NAMES or leaf.endswith(ADAPTER_SUFFIXES):
        return next(n for n, (name, _) in enumerate(FLOORS) if name == "adapters")
    best, found = -1, None
    for number, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), number
    if module == "statedata":
        return 0
    assert found is not None, f"{module} is on no floor: add it to FLOORS and the architecture"
    return found


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every statedata import in a file, wherever it is written."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # "from statedata.catalog import versions" imports the module statedata.catalog.versions
            names = [f"{target}.{a.name}" for a in node.names]
            found += [(node.lineno, n if _is_module(n) else target) for n in names]
    return [(line, name) for line, name in found if name.startswith("statedata")]


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (SOURCE / relative).with_suffix(".py").is_file() or (SOURCE / relative).is_dir()


def _sources() -> list[Path]:
    return sorted(p for p in (SOURCE / "statedata").rglob("*.py"))


def test_no_module_imports_one_on_a_higher_floor() -> None:
    wrong = []
    for path in _sources():
        here = module_name(path)
        mine = floor_of(here)
        for line, target in imports_of(path):
            theirs = floor_of(target)
            if theirs > mine:
                wrong.append(
                    f"{path.relative_to(SOURCE)}:{line}: {here} ({FLOORS[mine][0]}) imports "
                    f"{target} ({FLOORS[theirs][0]})"
                )
    assert not wrong, "\n".join(wrong)


def test_the_ground_floor_imports_no_domain_package() -> None:
    wrong = [
        f"{path.relative_to(SOURCE)}:{line}: {target}"
        for path in _sources()
        if module_name(path).startswith("statedata.core")
        for line, target in imports_of(path)
        if target.split(".")[1:2] and target.split(".")[1] in DOMAIN_PACKAGES
    ]
    assert not wrong, "\n".join(wrong)


def test_the_check_finds_an_import_that_reaches_up(tmp_path: Path) -> None:
    """The checker itself: a core module importing the catalog is caught."""
    assert floor_of("statedata.core.jobs") < floor_of("statedata.catalog.versions")
    assert floor_of("statedata.catalog.router") > floor_of("statedata.sharing.extracts")
    assert floor_of("statedata.catalog.loads.pipeline") > floor_of("statedata.quality.reports")


def test_no_module_is_longer_than_600_lines() -> None:
    """Small modules, one concept each: a file past 600 lines wants splitting."""
    long = [
        f"{path.relative_to(SOURCE)}: {count} lines"
        for path in _sources()
        if (count := len(path.read_text().splitlines())) > 600
    ]
    assert not long, "\n".join(long)


# Where a version's rows may be reached other than through the read path (query/reading.py):
# the engine itself, the record of which relation a version is, and the load pipeline's own
# checks of the rows it is writing (the gate, the profile, the personal-information proposal),
# and a steward's re-check of the published version against new rules.
ROW_ACCESS = re.compile(
    r"\.(relation|staged_relation|job_cursor|arrow_dataset)\(|version_relation\("
)
MAY_REACH_ROWS = {
    "statedata/storage/duck.py",
    "statedata/query/reading.py",
    "statedata/catalog/versions.py",
    "statedata/catalog/loads/pipeline.py",
    "statedata/quality/reports.py",
    "statedata/quality/service.py",
    "statedata/catalog/pii/findings.py",
}


def test_rows_are_reached_only_through_the_read_path_or_by_the_load_that_writes_them() -> None:
    """A new route that reads rows must open a Reading, which asks, masks and audits."""
    reaching = {
        str(path.relative_to(SOURCE)) for path in _sources() if ROW_ACCESS.search(path.read_text())
    }
    assert reaching <= MAY_REACH_ROWS, sorted(reaching - MAY_REACH_ROWS)


def test_duckdb_is_opened_and_sql_quoted_in_one_place_each() -> None:
    opening = re.compile(r"duckdb\.(connect|sql|execute|query|read_csv|read_parquet|from_arrow)\(")
    # a double quote doubled (an identifier) or a single quote doubled (a string literal)
    quoting = re.compile(r"""replace\('"',\s*'""'\)|replace\("'",\s*"''"\)""")
    opened = {str(p.relative_to(SOURCE)) for p in _sources() if opening.search(p.read_text())}
    quoted = {str(p.relative_to(SOURCE)) for p in _sources() if quoting.search(p.read_text())}
    assert opened == {"statedata/storage/duck.py"}
    assert quoted == {"statedata/storage/quoting.py"}
