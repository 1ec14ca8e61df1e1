"""`sftlint check`: run the engine over files, apply safe fixes, print what it found."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from sftlint.cli import trainersetup
from sftlint.cli.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from sftlint.cli.masksetup import mask_overrides, require_mask, status_stream
from sftlint.engine import converted, engine, fixes
from sftlint.engine.discovery import is_dataset_file, iter_targets
from sftlint.engine.raycheck import is_ray_target
from sftlint.io import columnar, reader
from sftlint.io.columnar import MissingDependency
from sftlint.io.lines import LineTooLong, read_bounded
from sftlint.io.regular import FileChangedError, why_not_regular
from sftlint.model import Severity
from sftlint.report import render, text
from sftlint.settings import Settings, settings_for

MAX_FIX_PASSES = 10  # a fix skipped for overlapping another applies on a later pass
PROGRESS_MIN_BYTES = 8 << 20


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("select", "extend_select", "ignore"):
        value = getattr(args, key, None)
        if value is not None:
            out[key.replace("_", "-")] = value
    return out | mask_overrides(args)


class _Run:
    """State of one `sftlint check` run: results, I/O errors, problems fixed."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.overrides = _overrides(args)
        self.results: list[engine.FileResult] = []
        self.io_errors = 0
        self.fixed = 0
        self.err_color = text.use_color(args.color, sys.stderr)
        self.mask_ready: set[tuple] = set()  # mask settings already loaded
        self.trainer_configs: dict[Path, None] = {}  # whose own findings are reported
        self.skipped: list[str] = []  # "path: why" of files a folder walk did not check

    def error(self, message: str) -> None:
        print(text.error_line(message, color=self.err_color), file=sys.stderr)
        self.io_errors += 1

    def settings(self, target: Path) -> Settings:
        """The settings of `target`, its tokenizer and template loaded (once per run)."""
        settings, trainer = trainersetup.settings(
            target, self.args.trainer_config, self.overrides, self.args.config
        )
        if trainer is not None:
            self.trainer_configs.setdefault(trainer)
        key = (settings.mask, settings.config_path)
        if key not in self.mask_ready:
            from_flags = bool(mask_overrides(self.args))
            require_mask(settings, from_flags, status_stream(self.args.no_progress))
            self.mask_ready.add(key)
        return settings

    def check_stdin(self) -> None:
        name = self.args.stdin_filename or "-"
        where = Path(name).absolute() if name != "-" else Path.cwd()
        settings = self.settings(where)
        try:
            data = read_bounded(sys.stdin.buffer, settings.max_line_bytes)
        except LineTooLong as err:
            self.error(f"{name}: {err}")
            return
        if not self.args.fix:
            self.results.append(engine.check_bytes(name, data, settings))
            return
        # As ruff does: the fixed text goes to stdout, the report to stderr.
        data, result = self._fix(name, data, settings)
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        self.results.append(result)

    def check_file(self, target: Path) -> None:
        settings = self.settings(target)
        try:
            if self.args.ray is not None and not self.args.fix and is_ray_target(target):
                from sftlint.engine import raycheck

                progress = self._ray_progress(target)
                result = raycheck.check_path(str(target), settings, progress=progress)
            elif converted.is_converted(target):
                if self.args.fix:
                    kind = converted.kind(target)
                    line = f"{target}: --fix cannot rewrite {kind} files; checked without fixing"
                    print(text.warning_line(line, color=self.err_color), file=sys.stderr)
                result = converted.check_converted(target, settings)
            elif self.args.fix:
                data, snapshot = fixes.read_for_fix(target)
                fixed, result = self._fix(str(target), data, settings)
                if fixed != data and not self._write(target, snapshot, fixed):
                    return
            else:
                result = engine.check_path(target, settings, progress=self._progress(target))
        except FileNotFoundError:
            self.error(f"{target}: no such file or directory")
            return
        except FileChangedError:
            self.error(f"{target}: file changed while it was read; {self._left_alone()}")
            return
        except fixes.FixRefused as err:
            self.error(f"{target}: {err.strerror}")
            return
        except IsADirectoryError:
            self.error(f"{target}: is a directory")
            return
        except OSError as err:
            self.error(f"{target}: cannot read: {err.strerror or err}")
            return
        self.results.append(result)

    def _write(self, target: Path, snapshot: fixes.Snapshot, data: bytes) -> bool:
        """Write the fixed bytes; False (the error said) when they could not be."""
        try:
            fixes.write_fixed(target, snapshot, data)
        except (FileChangedError, fixes.FixRefused):
            raise  # the caller's own messages: the file was left alone on purpose
        except OSError as err:  # ENOSPC, EFBIG, a read-only folder: not a read failure
            self.error(f"{target}: cannot write: {err.strerror or err}")
            return False
        return True

    def _left_alone(self) -> str:
        return "it was left alone, run again" if self.args.fix else "check it again"

    def _progress(self, target: Path) -> Callable[[int, int], None] | None:
        if self.args.no_progress or not sys.stderr.isatty():
            return None
        if target.stat().st_size < PROGRESS_MIN_BYTES:
            return None
        return text.ProgressBar(str(target), sys.stderr).update

    def _ray_progress(self, target: Path) -> Callable[[int, float], None] | None:
        """Rows done as the parts come back: on a terminal, never in CI or a pipe."""
        if self.args.no_progress or not sys.stderr.isatty():
            return None
        return text.ProgressBar(str(target), sys.stderr).rows

    def fix_splits(self) -> bool:
        """Apply the fixes of findings across files (a key one split names differently,
        D002), file by file; True when a file changed (the run must check again)."""
        changed = False
        for result in self.results:
            path = Path(result.path)
            if result.path == "-" or not path.is_file():
                continue
            try:
                data, snapshot = fixes.read_for_fix(path)
                applied = fixes.fix_bytes(data, result.findings, self.args.unsafe_fixes)
                written = applied.fixed and applied.data != data
                if written and self._write(path, snapshot, applied.data):
                    self.fixed += applied.fixed
                    changed = True
            except FileChangedError:
                self.error(f"{path}: file changed while it was read; {self._left_alone()}")
            except OSError as err:  # read-only, hard-linked, unreadable
                self.error(f"{path}: {err.strerror or err}")
        return changed

    def _fix(self, name: str, data: bytes, settings: Settings) -> tuple[bytes, engine.FileResult]:
        """Apply safe fixes until none is left; the result is the re-check of the new bytes."""
        result = engine.check_bytes(name, data, settings)
        for _ in range(MAX_FIX_PASSES):
            applied = fixes.fix_bytes(data, result.findings, self.args.unsafe_fixes)
            if not applied.fixed or applied.data == data:
                break
            self.fixed += applied.fixed
            data = applied.data
            result = engine.check_bytes(name, data, settings)
        return data, result


def not_a_dataset(path: Path) -> str | None:
    """Why a file named on the command line is not a JSON/JSONL dataset, or None.
    (A folder walk skips such files; named, they get this one line, not a finding a line.)"""
    suffix = path.suffix.lower()
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return None  # the check reports why it cannot be read
    if converted.is_converted(path):
        return None
    if head.startswith(columnar.PARQUET_MAGIC):
        return "not a JSON/JSONL dataset (a Parquet file: name it .parquet to check it)"
    if suffix in (".csv", ".tsv"):
        return f"not a JSON/JSONL dataset ({suffix} is not supported)"
    if not head.strip() or is_dataset_file(path):
        return None  # an empty file is a finding of its own (J012)
    if head.lstrip(reader.BOM).lstrip().startswith(b"[") or reader.looks_like_jsonl(head):
        return None  # rows under another name
    if suffix in reader.JSON_SUFFIXES:
        return "not a JSON/JSONL dataset (one JSON document, not an array of rows)"
    return "not a JSON/JSONL dataset (neither JSON Lines nor a JSON array of rows)"


def run_check(args: argparse.Namespace) -> int:
    if args.trainer_config is not None and args.paths == ["."]:
        # The datasets come from the trainer config (none found: its findings say why).
        args.paths = trainersetup.data_files(args.trainer_config)
    _ray_or_path(args)
    try:
        with _engine_session(args):
            return _run_check(args)
    except MissingDependency as err:  # --ray without Ray installed
        color = text.use_color(args.color, sys.stderr)
        print(text.error_line(str(err), color=color), file=sys.stderr)
        return EXIT_ERROR


def _ray_or_path(args: argparse.Namespace) -> None:
    """`--ray data.jsonl`: argparse took the path for the optional ADDRESS. An address is
    `auto`, HOST:PORT or ray://...; anything else is the first path."""
    value = args.ray
    if value in (None, "", "auto") or ":" in value:
        return
    args.paths = [value] if args.paths == ["."] else [value, *args.paths]
    args.ray = ""


def _engine_session(args: argparse.Namespace) -> contextlib.AbstractContextManager[None]:
    if args.ray is None:
        return contextlib.nullcontext()
    from sftlint.engine import raycheck  # Ray loads only for --ray

    address = args.ray or None  # "": a local Ray
    return raycheck.session(address)


def _run_check(args: argparse.Namespace) -> int:
    run = _Run(args)
    if not _check_all(run) and args.trainer_config is None and not run.io_errors:
        where = ", ".join(args.paths)
        line = f"no dataset files found in {where}: nothing was checked"
        print(text.warning_line(line, color=run.err_color), file=sys.stderr)
        return EXIT_ERROR
    if args.fix and "-" not in args.paths and run.fix_splits():
        # Keys renamed across files change what every check sees: check again.
        fixed, run = run.fixed, _Run(args)
        run.fixed = fixed
        _check_all(run)
    stdin_fixed = args.fix and "-" in args.paths
    try:
        with _report_stream(args.output_file, stdin_fixed) as out:
            render.render(
                run.results,
                args.output_format,
                out,
                color=args.output_file is None and text.use_color(args.color, out),
                statistics=args.statistics,
                fixed=run.fixed if args.fix else None,
                failed=run.io_errors,
                unsafe_fixes=args.unsafe_fixes,
                skipped=run.skipped,
            )
    except OSError as err:  # only the output file is opened here
        run.error(f"{args.output_file}: cannot write: {err.strerror or err}")
    if run.io_errors:
        return EXIT_ERROR
    worst = max((r.worst() or Severity.INFO for r in run.results if r.findings), default=None)
    return EXIT_FINDINGS if worst is not None and worst >= Severity.WARNING else EXIT_CLEAN


@contextlib.contextmanager
def _report_stream(output_file: Path | None, stdin_fixed: bool) -> Iterator[IO[str]]:
    """`--output-file` (its folders made, as ruff does), else stdout; stderr when the
    fixed text of standard input holds stdout."""
    if output_file is None:
        yield sys.stderr if stdin_fixed else sys.stdout
        return
    output_file.parent.mkdir(parents=True, exist_ok=True)
    with open(output_file, "w", encoding="utf-8") as f:
        yield f


def _check_all(run: _Run) -> bool:
    """Check every target of the run, then the splits across files; False when there was
    nothing to check."""
    args = run.args
    named = {Path(p) for p in args.paths if p != "-"}
    checked_any = False

    def skip(path: Path, why: str) -> None:
        run.skipped.append(f"{path}: {why}")

    for target in iter_targets(args.paths, run.error, skip):
        checked_any = True
        if target is None:
            run.check_stdin()
        elif (why := why_not_regular(target)) or (
            target in named and (why := not_a_dataset(target))
        ):
            run.error(f"{target}: {why}")
        else:
            run.check_file(target)
    if run.results:  # checks across files: splits of one dataset that disagree (D002-D004)
        from sftlint.engine import dataset

        first = Path(run.results[0].path).absolute()
        dataset.add_split_findings(run.results, settings_for(first, run.overrides, args.config))
    if args.trainer_config is not None:
        run.trainer_configs.setdefault(args.trainer_config)
    for path in run.trainer_configs:  # the configs' own findings (G), against their files
        base = settings_for(path, run.overrides, args.config)
        run.results += trainersetup.config_results(path, run.results, base)
    return checked_any
