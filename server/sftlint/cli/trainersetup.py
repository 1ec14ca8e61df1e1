"""`--trainer-config FILE` (and the `trainer-config` key): the datasets a trainer's config
names, checked and shown as that run prepares their rows, and the config's own findings
(G rules) reported against the config file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sftlint.cli.errors import UsageError
from sftlint.settings import Settings, settings_for

if TYPE_CHECKING:  # imported when a trainer config is used: plain runs start faster
    from sftlint import trainerconfig
    from sftlint.engine import engine


def load(path: Path) -> trainerconfig.TrainerConfig:
    """The trainer config at `path` (read once per run); UsageError when it is no file."""
    from sftlint import trainerconfig

    if not path.is_file():
        raise UsageError(f"{path}: trainer config not found")
    return trainerconfig.cached(path)


def settings(
    target: Path, flag: Path | None, overrides: dict[str, Any], config: Path | None
) -> tuple[Settings, Path | None]:
    """`target`'s settings: sftlint.toml, then its run's keys when a trainer config (the
    flag, else the `trainer-config` key) names it, then the command line's flags; and the
    trainer config that applies."""
    base = settings_for(target, overrides, config)
    path = flag or base.trainer_config
    run = load(path).run_for(target) if path is not None else None
    if run is None:
        return base, path
    return settings_for(target, {**run.table, **overrides}, config), path  # run_settings


def data_files(path: Path) -> list[str]:
    """The files of every dataset the config names, each once, in the config's order."""
    seen: dict[str, None] = {}
    cwd = Path.cwd()
    for run in load(path).runs:
        for f in run.files:
            # Named as the user would: relative to the working folder when under it.
            seen.setdefault(str(f.relative_to(cwd)) if f.is_relative_to(cwd) else str(f), None)
    return list(seen)


def config_results(
    path: Path, results: list[engine.FileResult], base: Settings
) -> list[engine.FileResult]:
    """The config's own findings, one result per file they are in (the config, and
    LLaMA-Factory's dataset_info.json), from the results of its datasets' files."""
    from sftlint.engine import engine
    from sftlint.io.reader import FileInfo
    from sftlint.trainerconfig import checks

    config = load(path)
    by_path = {str(Path(r.path).resolve()): r for r in results}
    issues = list(config.issues)
    for run in config.runs:
        issues += checks.mapping_issues(config, run)
        checked = [by_path[str(f.resolve())] for f in run.files if str(f.resolve()) in by_path]
        if run.mirrored and checked:
            issues += checks.outcome_issues(config, run, checks.outcome(checked))
    out: dict[str, engine.FileResult] = {str(path): engine.FileResult(str(path), [], FileInfo())}
    for issue in issues:
        finding = checks.to_finding(config, issue, base)
        if finding is not None:
            result = out.setdefault(finding.path, engine.FileResult(finding.path, [], FileInfo()))
            result.findings.append(finding)
    for result in out.values():
        result.findings.sort(key=lambda f: f.sort_key)
    return list(out.values())
