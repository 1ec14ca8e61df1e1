"""`sftlint check`: run the engine over files and print what it found."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sftlint import engine, output
from sftlint.model import Severity
from sftlint.settings import ConfigError, Settings, settings_for

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    out: dict[str, object] = {}
    if args.select:
        out["select"] = [c.strip() for c in args.select.split(",") if c.strip()]
    if args.ignore:
        out["ignore"] = [c.strip() for c in args.ignore.split(",") if c.strip()]
    return out


def run_check(args: argparse.Namespace) -> int:
    from sftlint.cli import iter_targets

    overrides = _overrides(args)
    results: list[engine.FileResult] = []
    io_errors = 0
    color = output.use_color(args.color, sys.stdout)
    for target in iter_targets(args.paths):
        if target is None:
            name = args.stdin_filename or "-"
            settings = settings_for(
                Path(name).resolve() if name != "-" else Path.cwd(), overrides, args.config
            )
            data = sys.stdin.buffer.read()
            results.append(engine.check_bytes(name, data, settings))
            continue
        try:
            settings = settings_for(target, overrides, args.config)
        except ConfigError:
            raise
        if not target.exists():
            print(f"sftlint: error: {target}: no such file or directory", file=sys.stderr)
            io_errors += 1
            continue
        try:
            results.append(_check_one(target, settings, args))
        except OSError as err:
            print(f"sftlint: error: {target}: {err.strerror or err}", file=sys.stderr)
            io_errors += 1
    output.render(results, args.output_format, sys.stdout, color=color, statistics=args.statistics)
    if io_errors:
        return EXIT_ERROR
    worst = max((r.worst() or Severity.INFO for r in results if r.findings), default=None)
    return EXIT_FINDINGS if worst is not None and worst >= Severity.WARNING else EXIT_CLEAN


def _check_one(target: Path, settings: Settings, args: argparse.Namespace) -> engine.FileResult:
    progress = None
    if not args.no_progress and sys.stderr.isatty() and target.stat().st_size > (8 << 20):
        progress = output.ProgressBar(str(target), sys.stderr).update
    return engine.check_path(target, settings, progress=progress)
