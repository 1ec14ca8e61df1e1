"""The `sftlint` command line: a thin face over the engine."""

from __future__ import annotations

import argparse
import difflib
import ipaddress
import os
import sys
from pathlib import Path

from sftlint import __version__, registry
from sftlint.cli.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError
from sftlint.cli.masksetup import add_mask_options
from sftlint.settings import ConfigError, check_selector


def _selectors(text: str) -> list[str]:
    """argparse type for --select/--ignore: comma-separated codes or prefixes."""
    out = [c.strip() for c in text.split(",") if c.strip()]
    for s in out:
        if why := check_selector(s):
            raise argparse.ArgumentTypeError(why)
    return out


def _address(text: str) -> str:
    """argparse type for --tcp/--ws: HOST:PORT with a port the system can listen on."""
    _, colon, port = text.rpartition(":")
    if not colon or not port.isdigit():
        raise argparse.ArgumentTypeError(f'"{text}" is not HOST:PORT (e.g. 127.0.0.1:2087)')
    if not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (1-65535)")
    return text


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
        help="files, folders, hf://ORG/NAME dataset ids (local cache), or - for standard input",
    )
    check.add_argument(
        "--format",
        dest="output_format",
        default="text",
        choices=["text", "json", "sarif", "github"],
        help="output format (default: text)",
    )
    check.add_argument(
        "--output-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="write the report to PATH instead of stdout (e.g. SARIF for code scanning)",
    )
    check.add_argument(
        "--select", type=_selectors, default=None, help="comma-separated codes or prefixes"
    )
    check.add_argument(
        "--extend-select", type=_selectors, default=None, help="add to the selected rules"
    )
    check.add_argument(
        "--ignore", type=_selectors, default=None, help="comma-separated codes or prefixes"
    )
    check.add_argument("--config", type=Path, default=None, help="use this config file")
    check.add_argument(
        "--trainer-config",
        type=Path,
        default=None,
        metavar="FILE",
        help="an Axolotl, LLaMA-Factory, TRL or mistral-finetune config: check the datasets "
        "it names as that run prepares them, and the config itself",
    )
    check.add_argument(
        "--ray",
        nargs="?",
        const="",  # no address: start a local Ray
        default=None,
        metavar="ADDRESS",
        help="check JSON Lines, Parquet and Arrow files in parts on Ray: a local Ray, or the "
        "cluster at ADDRESS (auto, HOST:PORT, ray://HOST:PORT); needs pip install 'sftlint[ray]'",
    )
    check.add_argument("--fix", action="store_true", help="apply the safe fixes in place")
    check.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix, also apply the fixes that change what is trained on (review them)",
    )
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument(
        "--stdin-filename", default=None, help="file name to report for - (decides JSON vs JSONL)"
    )
    check.add_argument("--no-progress", action="store_true", help="never draw a progress bar")
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    add_mask_options(check)

    sub.add_parser("rules", help="list every rule")
    rule = sub.add_parser("rule", help="explain a rule")
    rule.add_argument("code", help="a rule code (R003) or name (unknown-role)")
    from sftlint.cli.show import add_parser as add_show_parser

    add_show_parser(sub)
    serve = sub.add_parser("serve", help="run the language server (default: over stdio)")
    transport = serve.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="talk over stdin/stdout")
    transport.add_argument("--tcp", type=_address, metavar="HOST:PORT", help="listen on a TCP port")
    transport.add_argument(
        "--ws", type=_address, metavar="HOST:PORT", help="listen for WebSocket clients"
    )
    serve.add_argument(
        "--host",
        metavar="HOST",
        help="the address --tcp/--ws may bind when it is not loopback (the network can reach it)",
    )
    serve.add_argument(
        "--token",
        default=os.environ.get("SFTLINT_TOKEN"),
        help="socket transports: the client's initializationOptions.token must equal it "
        "(default: $SFTLINT_TOKEN)",
    )
    return parser


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _nearest_option(option: str, parser: argparse.ArgumentParser) -> str | None:
    close = difflib.get_close_matches(option, list(parser._option_string_actions), n=1)
    return close[0] if close else None


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """parse_args, with the nearest option suggested for an unknown one, in the usage of
    the command it belongs to (Python 3.11's argparse suggests nothing)."""
    commands = _commands(parser)
    if (
        argv
        and argv[0].startswith("-")
        and argv[0].split("=")[0]
        not in (
            "-h",
            "--help",
            "--version",
        )
    ):
        # An option before any command: most likely one of check's, the command forgotten.
        option = argv[0].split("=")[0]
        match = _nearest_option(option, commands["check"])
        if match:
            commands["check"].error(
                f"unrecognized arguments: {option}; did you mean `sftlint check {match}`?"
            )
    args, extra = parser.parse_known_args(argv)
    if extra:
        owner = commands.get(args.command or "", parser)
        unknown = next((a for a in extra if a.startswith("-")), extra[0])
        match = _nearest_option(unknown.split("=")[0], owner) if unknown.startswith("-") else None
        hint = f"; did you mean {match}?" if match else ""
        owner.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    return args


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the `sftlint` program, not a call from Python code
        _without_torch()
    parser = build_parser()
    args = _parse(parser, sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "serve":
            from sftlint.lsp.server import serve  # lazy: pygls only for the server

            host = (args.tcp or args.ws or "").rpartition(":")[0]
            if host and not _loopback(host) and host != args.host:
                _commands(parser)["serve"].error(
                    f"{host} can be reached from the network: pass --host {host} to mean it"
                )
            return serve(tcp=args.tcp, ws=args.ws, token=args.token or None)
        if args.command == "check":
            from sftlint.cli.check import run_check

            return run_check(args)
        if args.command == "show":
            from sftlint.cli.show import run_show

            return run_show(args)
        if args.command == "rules":
            return cmd_rules()
        if args.command == "rule":
            return cmd_rule(args.code)
    except (ConfigError, UsageError) as err:
        print(f"sftlint: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # `sftlint check | head`: stop quietly, as other linters do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    parser.print_help()
    return EXIT_ERROR


def _without_torch() -> None:
    """sftlint never uses torch, yet transformers imports it whenever it is installed
    (AutoTokenizer -> configuration_utils -> torch): ~1.7 s and ~180 MB of a run with a
    tokenizer. A `None` entry in sys.modules makes `import torch` fail and `find_spec`
    report it absent, so transformers loads tokenizers as it does where torch is not
    installed (tokenizers never need it; tests/cli/test_startup.py compares the totals).
    Only in the program: Python code that calls `main(argv)` keeps its torch."""
    sys.modules.setdefault("torch", None)  # type: ignore[arg-type]  # None blocks the import


def cmd_rules() -> int:
    family = None
    for rule in registry.all_rules():
        if rule.code[0] != family:
            if family is not None:
                print()
            family = rule.code[0]
            print(f"{family}  {rule.family}")
        mark = f" {FIX_MARKS[rule.fix_mode]}" if rule.fix else ""
        print(f"  {rule.code}  {rule.severity.label:<7}  {rule.name}: {rule.summary}{mark}")
    return EXIT_CLEAN


# How `sftlint rules` marks a rule with a fix, by who applies it (as ruff: [*] is --fix's).
FIX_MARKS = {
    "safe": "[*]",
    "unsafe": "[fix with --unsafe-fixes]",
    "editor": "[fix in the editor]",
}
APPLIED_BY = {
    "safe": "`sftlint check --fix`",
    "unsafe": "`sftlint check --fix --unsafe-fixes` (review it: it changes what is trained on)",
    "editor": "the editor's quick fix",
}


def find_rule(code: str) -> registry.Rule | None:
    """A rule by code (any case) or by name."""
    rule = registry.get(code.strip())
    if rule is None:
        rule = next((r for r in registry.all_rules() if r.name == code.strip().lower()), None)
    return rule


def cmd_rule(code: str) -> int:
    rule = find_rule(code)
    if rule is None:
        known = [r.code for r in registry.all_rules()] + [r.name for r in registry.all_rules()]
        close = difflib.get_close_matches(code.upper(), known, n=1) or difflib.get_close_matches(
            code.lower(), known, n=1
        )
        hint = f'; did you mean "{close[0]}"?' if close else ""
        print(
            f'sftlint: error: no rule "{code}"{hint} (`sftlint rules` lists them)',
            file=sys.stderr,
        )
        return EXIT_ERROR
    print(f"# {rule.code} {rule.name}\n")
    print(f"{rule.summary}. Default severity: {rule.severity.label}. Family: {rule.family}.")
    if rule.fix:
        print(f"Fix: {rule.fix}, applied by {APPLIED_BY[rule.fix_mode]}.")
    print()
    print(rule.explanation.rstrip())
    return EXIT_CLEAN
