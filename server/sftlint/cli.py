"""The `sftlint` command line: a thin face over the engine."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from sftlint import __version__, registry
from sftlint.settings import ConfigError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sftlint",
        description="Lint fine-tuning datasets for chat models (JSONL / JSON).",
    )
    parser.add_argument("--version", action="version", version=f"sftlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check files and folders (default: .)")
    check.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="files, folders, or - for standard input",
    )
    check.add_argument(
        "--format",
        dest="output_format",
        default="text",
        choices=["text", "json", "sarif", "github"],
    )
    check.add_argument("--select", default=None, help="comma-separated codes or prefixes")
    check.add_argument("--ignore", default=None, help="comma-separated codes or prefixes")
    check.add_argument("--config", type=Path, default=None, help="use this config file")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes in place")
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument(
        "--stdin-filename", default=None, help="file name to report for - (decides JSON vs JSONL)"
    )
    check.add_argument("--no-progress", action="store_true", help="never draw a progress bar")
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto")

    sub.add_parser("rules", help="list every rule")
    rule = sub.add_parser("rule", help="explain a rule")
    rule.add_argument("code")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            from sftlint.cli_check import run_check

            return run_check(args)
        if args.command == "rules":
            return cmd_rules()
        if args.command == "rule":
            return cmd_rule(args.code)
    except ConfigError as err:
        print(f"sftlint: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # `sftlint check | head`: stop quietly, as other linters do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    parser.print_help()
    return EXIT_ERROR


def cmd_rules() -> int:
    family = None
    for rule in registry.all_rules():
        if rule.family != family:
            family = rule.family
            print(f"\n{family}")
        fixable = " (fix)" if rule.fix else ""
        print(f"  {rule.code}  {rule.severity.label:<7}  {rule.name}: {rule.summary}{fixable}")
    return EXIT_CLEAN


def cmd_rule(code: str) -> int:
    rule = registry.get(code)
    if rule is None:
        print(f"sftlint: error: no rule {code!r} (see `sftlint rules`)", file=sys.stderr)
        return EXIT_ERROR
    print(f"# {rule.code} {rule.name}\n")
    print(f"{rule.summary}. Default severity: {rule.severity.label}. Family: {rule.family}.")
    if rule.fix:
        print(f"Fix: {rule.fix}.")
    print()
    print(rule.explanation.rstrip())
    return EXIT_CLEAN


def iter_targets(paths: list[str]) -> Iterator[Path | None]:
    """Files to check; None stands for standard input."""
    from sftlint.engine import is_dataset_file

    for p in paths:
        if p == "-":
            yield None
            continue
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".") and d not in ("node_modules", "__pycache__")
                )
                for name in sorted(files):
                    candidate = Path(root) / name
                    if is_dataset_file(candidate):
                        yield candidate
        else:
            yield path
