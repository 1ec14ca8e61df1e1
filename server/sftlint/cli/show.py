"""`sftlint show PATH[:ROW|:A-B]`: rows as the trainer sees them, token by token.

One row (`PATH:ROW`), the rows starting in lines A-B, or every row (`PATH`); with
`--json`, one row is one indented object and several are JSON Lines (one object a line),
all in one process (the tokenizer loads once)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from sftlint.cli import trainersetup
from sftlint.cli.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from sftlint.cli.masksetup import add_mask_options, mask_overrides, require_mask, status_stream
from sftlint.engine import engine, rowview
from sftlint.io.positions import point
from sftlint.io.reader import FileInfo, Row
from sftlint.io.regular import why_not_regular
from sftlint.masking import profiles
from sftlint.model import Finding, Severity
from sftlint.report import json as report_json
from sftlint.report import text
from sftlint.settings import MaskConfig, Settings

if TYPE_CHECKING:
    from sftlint.masking.results import MaskResult

# Alternating backgrounds make token boundaries visible; green = trained, grey = masked.
_TRAINED = ("\x1b[30;42m", "\x1b[30;102m")
_MASKED = ("\x1b[2;37;100m", "\x1b[2;37;40m")
_RESET, _BOLD, _DIM = "\x1b[0m", "\x1b[1m", "\x1b[2m"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = sub.add_parser("show", help="show rows' tokens and loss mask")
    show.add_argument(
        "target",
        metavar="PATH[:ROW|:A-B]",
        help="file, and the line where the row starts or a range of lines (default: every row)",
    )
    show.add_argument("--config", type=Path, default=None, help="use this config file")
    show.add_argument(
        "--trainer-config",
        type=Path,
        default=None,
        metavar="FILE",
        help="an Axolotl, LLaMA-Factory, TRL or mistral-finetune config naming PATH: show "
        "the rows as that run prepares them",
    )
    show.add_argument("--json", action="store_true", help="print JSON")
    show.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    add_mask_options(show)


def find_row(path: Path, line: int) -> Row | None:
    """The row that starts at (or contains) 1-based `line`."""
    info = FileInfo()
    for row in engine.iter_file_rows(str(path), info):
        if row.line <= line - 1 <= row.end_line:
            return row
        if row.line > line - 1:
            return None
    return None


_LINES = re.compile(r"(\d+)(?:-(\d+))?")


def parse_target(target: str) -> tuple[Path, tuple[int, int] | None, bool] | None:
    """(file, (first, last) 1-based lines or None for every row, a single row?)."""
    if Path(target).is_file():
        return Path(target), None, False
    head, _, tail = target.rpartition(":")
    m = _LINES.fullmatch(tail)
    if not head or m is None:
        return None
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else first
    return Path(head), (first, max(first, last)), m.group(2) is None


def rows_in(path: Path, lines: tuple[int, int] | None) -> Iterator[Row]:
    """The rows overlapping the 1-based `lines` (every row when None), in file order."""
    info = FileInfo()
    for row in engine.iter_file_rows(str(path), info):
        if lines is not None and row.line > lines[1] - 1:
            return
        if lines is None or row.end_line >= lines[0] - 1:
            yield row


def run_show(args: argparse.Namespace) -> int:
    parsed = parse_target(args.target)
    if parsed is None:
        print(
            "sftlint: error: expected PATH, PATH:ROW or PATH:A-B, e.g. data/train.jsonl:12",
            file=sys.stderr,
        )
        return EXIT_ERROR
    path, lines, single = parsed
    if path.is_dir():
        print(f"sftlint: error: {path} is a directory; show takes FILE:ROW", file=sys.stderr)
        return EXIT_ERROR
    if why := why_not_regular(path):  # missing; or a FIFO that would block, a device
        print(f"sftlint: error: {path}: {why}", file=sys.stderr)
        return EXIT_ERROR
    overrides = mask_overrides(args)
    settings, _ = trainersetup.settings(path, args.trainer_config, overrides, args.config)
    named = args.trainer_config is not None
    if named and trainersetup.load(args.trainer_config).run_for(path) is None:
        names = ", ".join(trainersetup.data_files(args.trainer_config)) or "none found"
        print(
            f"sftlint: error: {path} is not a dataset of {args.trainer_config} "
            f"(its datasets: {names})",
            file=sys.stderr,
        )
        return EXIT_ERROR
    require_mask(settings, bool(overrides), status_stream(False))
    file_findings = _file_mask_findings(path, settings)
    if single:
        assert lines is not None
        row = find_row(path, lines[0])
        if row is None:
            print(f"sftlint: error: {path}: no row at line {lines[0]}", file=sys.stderr)
            return EXIT_ERROR
        selected: Iterator[Row] = iter([row])
    else:
        selected = rows_in(path, lines)
    color = text.use_color(args.color, sys.stdout)
    worst = Severity.INFO
    shown = 0
    for row in selected:
        view = rowview.inspect_row(row, settings)
        view.findings[:0] = file_findings
        findings = view.findings
        worst = max([worst, *(f.severity for f in findings)])
        if args.json:
            payload = report_json.row_json(str(path), view)
            option = orjson.OPT_INDENT_2 if single else 0
            sys.stdout.write(orjson.dumps(payload, option=option).decode() + "\n")
        else:
            if shown:
                sys.stdout.write("\n")
            print_row(
                sys.stdout, path, row, view.format, settings.mask, view.result, findings, color
            )
        shown += 1
    if not shown and lines is not None:
        print(f"sftlint: error: {path}: no row in lines {lines[0]}-{lines[1]}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_FINDINGS if worst >= Severity.WARNING and shown else EXIT_CLEAN


def _file_mask_findings(path: Path, settings: Settings) -> list[Finding]:
    """Findings about the settings every row shares (L017: control tokens the tokenizer
    splits), which `check` reports once at 1:1 and a row's view would not show."""
    from sftlint.masking.controltokens import control_token_issue
    from sftlint.rules import mask_rules

    if not settings.mask.tokenizer or not settings.enabled("L017"):
        return []
    state = mask_rules.mask_state(settings)
    issue = None if isinstance(state, str) else control_token_issue(state.settings, state.handle)
    if issue is None:
        return []
    severity = Severity.parse(issue.severity)
    return [Finding(issue.code, severity, issue.message, str(path), point(0, 0, 0, 0))]


def print_row(
    out: IO[str],
    path: Path,
    row: Row,
    fmt: str | None,
    mask: MaskConfig,
    result: MaskResult | None,
    findings: list[Finding],
    color: bool,
) -> None:
    def c(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    where = f"{path}:{row.line + 1}"
    keys = ("tokenizer", "chat-template", "strategy")
    shown = [f"{k} {v}" for k, v in mask.table().items() if k in keys]
    if profile := profiles.label(mask.trainer, mask.trainer_version):
        shown.insert(0, f"as {profile} trains it")
    settings_text = " · ".join(shown)
    out.write(
        c(_BOLD, where)
        + f"  {fmt or 'not a row object'}"
        + (f"  ({settings_text})" if settings_text else "")
        + "\n"
    )
    if result is None:
        if not mask.tokenizer:
            out.write(
                "No tokenizer configured: set `tokenizer` in sftlint.toml or pass "
                "--tokenizer (e.g. mistral-v3, or a local tokenizer folder).\n"
            )
    else:
        total, trained = result.total_tokens, result.trained_tokens
        share = f"{trained / total:.0%}" if total else "0%"
        out.write(f"{total} tokens, {trained} trained ({share})\n")
        if why := rowview.no_tokens_reason(result):
            out.write(f"No tokens: {why}\n")
        out.write(_legend(color))
        roles = {t.index: t for t in result.turns}
        seen: set[int] = set()
        for turn, tokens in _groups(result.tokens):
            if turn is None:
                title = "template"
            elif turn in seen:  # the rest of a turn a folded system prompt interrupted
                summary = roles.get(turn)
                title = f"turn {turn + 1} · {summary.role if summary else '?'} (continued)"
            else:
                seen.add(turn)
                summary = roles.get(turn)
                role = summary.role if summary else "?"
                if tokens[0].reason.startswith("system prompt folded"):
                    role = tokens[0].reason  # inside another turn's header, as the template puts it
                counts = f"{summary.tokens} tokens, {summary.trained} trained" if summary else ""
                title = f"turn {turn + 1} · {role} · {counts}"
            out.write("\n" + c(_DIM, title) + "\n  ")
            out.write(_tokens_line(tokens, color) + "\n")
    if findings:
        out.write("\n")
        for f in findings:
            s = f.range.start
            out.write(
                f"{path}:{s.line + 1}:{s.column + 1}: "
                f"{c(text.COLORS[f.severity], f.code)} {f.message}\n"
            )


def _legend(color: bool) -> str:
    """What the token view's marks mean, with colour or without."""
    if not color:
        return "legend: [token] trained, token masked (-100), ␣ space, ↵ newline\n"
    trained = f"{_TRAINED[0]}trained{_RESET}"
    masked = f"{_MASKED[0]}masked (-100){_RESET}"
    return f"legend: {trained} {masked}, ␣ space, ↵ newline\n"


def _groups(tokens: list[Any]) -> list[tuple[int | None, list[Any]]]:
    groups: list[tuple[int | None, list[Any]]] = []
    for t in tokens:
        if groups and groups[-1][0] == t.turn:
            groups[-1][1].append(t)
        else:
            groups.append((t.turn, [t]))
    return groups


def _tokens_line(tokens: list[Any], color: bool) -> str:
    if not color:
        return " ".join(f"[{t.text}]" if t.trained else t.text for t in tokens)
    parts = []
    for i, t in enumerate(tokens):
        palette = _TRAINED if t.trained else _MASKED
        parts.append(f"{palette[i % 2]}{t.text}{_RESET}")
    return "".join(parts)
