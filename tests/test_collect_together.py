"""Any test folders collect together. pytest imports each test folder's modules by their
bare name (rootdir-relative "prepend" import mode, no __init__.py), so two helper modules
of one basename shadow each other, and `from conftest import ...` takes whichever folder's
conftest was imported last (with `pytest tests/masking tests/cli`, the CLI's)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _modules() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def test_no_two_modules_share_a_name() -> None:
    """Only conftest.py repeats: pytest imports each one itself, and no module imports it
    (next test)."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        if path.name != "conftest.py":
            where[path.stem].append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}


def test_no_module_imports_a_conftest_by_its_bare_name() -> None:
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if "conftest" in names:
                found.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert found == []


def test_every_folder_collects_beside_the_others() -> None:
    """All folders named at once: pytest loads every folder's conftest before it imports a
    test module, the order in which a shadowed name breaks."""
    folders = sorted(
        (str(p.relative_to(ROOT)) for p in TESTS.iterdir() if any(p.glob("**/test_*.py"))),
        reverse=True,
    )
    assert "tests/masking" in folders and "tests/cli" in folders
    collect = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [*collect, *folders],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout[-3000:]
