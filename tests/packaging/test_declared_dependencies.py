"""Every third-party module the installed package imports is declared in pyproject.toml
(issue 16: ``secretstorage`` was imported but not declared), and no benchmark ships inside it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "app" / "tokendesk"
#: import name -> distribution name, where they differ
DISTRIBUTION = {"PySide6": "pyside6-essentials", "jwt": "pyjwt"}


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "tokendesk"}


def test_every_imported_third_party_module_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0].lower()
                for dep in project["dependencies"]}
    imported = _imported_top_levels()
    assert {"PySide6", "jwt", "secretstorage"} <= imported
    missing = sorted(n for n in imported if DISTRIBUTION.get(n, n).lower() not in declared)
    assert missing == []


def test_no_benchmark_ships_in_the_package():
    assert [p.name for p in PACKAGE.rglob("bench*.py")] == []
    assert (ROOT / "benchmarks" / "first_paint.py").is_file()
