"""`sftlint.check` for notebooks and training scripts: the CLI's checks, as values.

A source is a path (a dataset file, a Parquet file, a folder), or rows: a list of dicts,
or anything that iterates over dict rows and gives row `i` as `rows[i]` (a
`datasets.Dataset` does both, without torch).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from sftlint import registry
from sftlint.engine import converted, dataset, engine
from sftlint.engine.discovery import iter_targets
from sftlint.io import arrowipc, columnar, hfcache
from sftlint.model import Finding as EngineFinding
from sftlint.settings import settings_for

ROWS_NAME = "<rows>"  # the file name of findings in rows given as values


class Rows(Protocol):
    """Rows given as values: a list of dicts, a `datasets.Dataset`."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem sftlint found. `line` and `column` count from 1, as the CLI prints
    them; `row` is the 0-based index of the row in the rows given or in the Parquet file
    (None in a JSON/JSONL file: see `line`)."""

    code: str
    severity: str  # "error", "warning" or "info"
    message: str
    filename: str
    line: int
    column: int
    row: int | None
    name: str | None  # the rule's name, e.g. "no-assistant-turn"
    fixable: bool  # `sftlint check --fix` (with --unsafe-fixes for unsafe fixes) fixes it

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of the fields."""
        return asdict(self)


def check(source: str | os.PathLike[str] | Rows, **settings: Any) -> list[Finding]:
    """Check a dataset; `settings` are config keys (`select=["R"]`, `ignore=["D001"]`,
    `extend_select`, ...: underscores stand for dashes), as in `[tool.sftlint]`."""
    overrides = {key.replace("_", "-"): value for key, value in settings.items()}
    if isinstance(source, str | os.PathLike):
        return _check_paths(os.fspath(source), overrides)
    target = Path.cwd()  # the config of the working folder, as for standard input
    result = converted.check_values(
        ROWS_NAME,
        (columnar.row_line(row) for row in source),
        lambda i: source[i],
        settings_for(target, overrides),
    )
    return [_public(f, by_row=True) for f in result.findings]


def _check_paths(path: str, overrides: dict[str, Any]) -> list[Finding]:
    folders = [path]
    if (found := hfcache.dataset_id(path)) is not None:
        # NotCached (a FileNotFoundError) says why
        folders = [str(folder) for folder in hfcache.locate(found)]
    elif not os.path.exists(path):
        raise FileNotFoundError(path)
    results: list[engine.FileResult] = []
    for target in iter_targets(folders):
        assert target is not None  # only "-" stands for standard input
        settings = settings_for(target, overrides)
        if converted.is_converted(target):
            results.append(converted.check_converted(target, settings))
        else:
            results.append(engine.check_path(target, settings))
    if results:
        dataset.add_split_findings(results, settings_for(Path(folders[0]), overrides))
    return [_public(f, by_row=_by_row(r.path)) for r in results for f in r.findings]


def _by_row(path: str) -> bool:
    """Files whose findings are located by row index (they have no text lines)."""
    return columnar.is_parquet(path) or arrowipc.is_arrow(path)


def _public(f: EngineFinding, *, by_row: bool) -> Finding:
    rule = registry.get(f.code)
    start = f.range.start
    return Finding(
        f.code,
        f.severity.label,
        f.message,
        f.path,
        start.line + 1,
        start.column + 1,
        start.line if by_row else None,
        rule.name if rule else None,
        bool(f.fixes),
    )
