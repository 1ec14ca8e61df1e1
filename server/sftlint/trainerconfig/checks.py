"""The G findings of a trainer config: its own issues, the mappings no row matches (G006,
G007), and what the trainer will do to the rows of each dataset (G008-G010), each one
finding with a count at the dataset's entry."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sftlint.engine import converted, engine
from sftlint.io.reader import FileInfo
from sftlint.masking.llamafactory import DEFAULT_TAGS
from sftlint.model import Finding, Position, Range
from sftlint.settings import Settings, settings_for

from .model import DatasetRun, Issue, TrainerConfig
from .yamldoc import KeyPath

# Axolotl's default roles mapping (prompt_strategies/chat_template.py, ChatTemplatePrompter).
AXOLOTL_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
    "tool": "tool",
}
CANONICAL_ROLES = ("system", "user", "assistant", "tool")


def run_settings(
    run: DatasetRun,
    target: Path,
    overrides: dict[str, Any] | None = None,
    config: Path | None = None,
) -> Settings:
    """The settings `target` (a file of `run`) is checked with: sftlint.toml (or `config`),
    then what the trainer config says, then the command line's `overrides`."""
    return settings_for(target, {**run.table, **(overrides or {})}, config)


@dataclass(slots=True)
class RunOutcome:
    """What the trainer does to the rows of one run (from the engine's row findings)."""

    rows: int = 0
    # kind (G008 dropped, G010 cut, G009 trains nothing) -> cause -> one finding a row
    rows_by: dict[str, dict[str, list[Finding]]] = field(default_factory=dict)
    formats: Counter[str] = field(default_factory=Counter)
    tokens: int = 0
    trained: int = 0


# Row findings that say the trainer refuses or drops the row, cuts it, or trains nothing.
_DIGITS = re.compile(r"\d+")
KINDS = {"L016": "G008", "L005": "G008", "L003": "G008", "L006": "G010", "L001": "G009"}


def outcome(results: list[engine.FileResult]) -> RunOutcome:
    out = RunOutcome()
    for result in results:
        out.rows += result.info.rows
        out.formats.update(result.formats)
        mask = result.stats.get("mask", {})
        out.tokens += mask.get("tokens", 0)
        out.trained += mask.get("trained_tokens", 0)
        counted: set[tuple[str, int]] = set()
        for f in result.findings:
            kind = KINDS.get(f.code)
            if kind is None or f.row_line is None or (kind, f.row_line) in counted:
                continue  # a file's summary line, or a row already counted for this kind
            counted.add((kind, f.row_line))
            # The cause: the message up to its details, numbers aside ("cutoff_len 2048
            # cuts 986 tokens: ..." and "... cuts 263 tokens: ..." are one cause).
            cause = f.cause or f"{f.code} {_DIGITS.sub('#', f.message.split(':')[0])}"
            out.rows_by.setdefault(kind, {}).setdefault(cause, []).append(f)
    return out


def outcome_issues(config: TrainerConfig, run: DatasetRun, got: RunOutcome) -> list[Issue]:
    """G008-G010: one issue per cause of rows the trainer drops, cuts or trains nothing on."""
    trainer = config.trainer or "the trainer"
    by = {k: dict(v) for k, v in got.rows_by.items()}
    dropped_rows = {(f.path, f.row_line) for fs in by.get("G008", {}).values() for f in fs}
    nothing = {
        cause: kept
        for cause, fs in by.pop("G009", {}).items()
        if (kept := [f for f in fs if (f.path, f.row_line) not in dropped_rows])
    }
    if run.drops_untrained:  # Axolotl with sample_packing drops them
        by.setdefault("G008", {}).update(nothing)
    elif nothing:
        by["G009"] = nothing
    what = {"G008": "drops", "G010": "cuts", "G009": "keeps but trains nothing on"}
    issues = []
    for code in ("G008", "G010", "G009"):
        for found in by.get(code, {}).values():
            first = found[0]
            where = f"{first.path}:{(first.row_line or 0) + 1}"
            verb = "fails on" if first.code == "L003" else what[code]
            issues.append(
                Issue(
                    code,
                    f"{trainer} {verb} {len(found)} of {got.rows} rows of {run.name} "
                    f"(first at {where}: {first.message})",
                    run.at,
                )
            )
    return issues


def to_finding(config: TrainerConfig, issue: Issue, settings: Settings) -> Finding | None:
    """The finding of an issue, in the file it is written in (None: rule disabled)."""
    if not settings.enabled(issue.code):
        return None
    doc = issue.doc or config.doc
    if doc is None:
        p = Position(0, 0, 0, 0)
        return Finding(
            issue.code, settings.severity(issue.code), issue.message, str(config.path), Range(p, p)
        )
    return Finding(
        issue.code,
        settings.severity(issue.code),
        issue.message,
        str(doc.path),
        doc.range_of(issue.at),
    )


def check_run(
    run: DatasetRun, overrides: dict[str, Any] | None = None, config: Path | None = None
) -> list[engine.FileResult]:
    """Every file of `run`, checked as that trainer prepares its rows."""
    results = []
    for path in run.files:
        settings = run_settings(run, path, overrides, config)
        if converted.is_converted(path):
            results.append(converted.check_converted(path, settings))
        else:
            results.append(engine.check_path(path, settings))
    return results


# --- mappings no row matches ---------------------------------------------------------------


def mapping_issues(config: TrainerConfig, run: DatasetRun) -> list[Issue]:
    """G006 (a field or column no row has) and G007 (roles the mapping does not map)."""
    rows = list(_values(run.files))
    if not rows:
        return []
    if config.trainer == "axolotl" and run.mirrored:
        return _axolotl(run, rows)
    if config.trainer == "llama-factory":
        return _llamafactory(run, rows)
    return []


def _values(files: list[Path]) -> Iterator[Any]:
    for path in files:
        if converted.is_converted(path):
            continue  # Parquet and gzip: read by the engine only
        try:
            for row in engine.iter_file_rows(str(path), FileInfo()):
                if row.ok:
                    yield row.value
        except OSError:
            continue


def _issue(run: DatasetRun, code: str, message: str, *keys: str | int) -> Issue:
    """An issue at the mapping key (its dataset entry when the key is not written)."""
    doc, at = run.mapping
    path: KeyPath = (*at, *keys)
    return Issue(code, message, path, doc)


def _keys_of(rows: list[Any]) -> list[str]:
    seen: Counter[str] = Counter()
    for v in rows:
        if isinstance(v, dict):
            seen.update(str(k) for k in v)
    return [k for k, _ in seen.most_common(5)]


def _axolotl(run: DatasetRun, rows: list[Any]) -> list[Issue]:
    issues = []
    table = run.table
    fm = table.get("field-messages", "messages")
    convs = [v[fm] for v in rows if isinstance(v, dict) and isinstance(v.get(fm), list)]
    if not convs:
        issues.append(
            _issue(
                run,
                "G006",
                f'no row has the key "{fm}" (field_messages) that Axolotl reads the '
                f"conversation from; the rows' keys: {', '.join(_keys_of(rows))}",
                "field_messages",
            )
        )
        return issues
    messages = [m for c in convs for m in c if isinstance(m, dict)]
    mappings = {"role": "role", "content": "content", **table.get("message-property-mappings", {})}
    for prop, key in mappings.items():
        if not any(key in m for m in messages):
            issues.append(
                _issue(
                    run,
                    "G006",
                    f'no message has the key "{key}" that message_property_mappings.{prop} names',
                    "message_property_mappings",
                    prop,
                )
            )
    roles = table.get("roles")
    known = (
        {s: t for t, names in roles.items() for s in ([names] if isinstance(names, str) else names)}
        if roles
        else AXOLOTL_ROLES
    )
    used = Counter(
        m.get(mappings["role"]) for m in messages if isinstance(m.get(mappings["role"]), str)
    )
    for role, count in sorted(used.items()):
        if role not in known and role not in CANONICAL_ROLES:
            issues.append(
                _issue(
                    run,
                    "G007",
                    f'{count} messages have the role "{role}", which `roles` does not map '
                    "(Axolotl passes it to the chat template as it is)",
                    "roles",
                )
            )
    return issues


def _llamafactory(run: DatasetRun, rows: list[Any]) -> list[Issue]:
    issues = []
    fmt = run.table.get("format", "alpaca")
    columns = dict(run.table.get("columns", {}))
    doc, at = run.mapping
    entry = doc.value.get(at[0]) if doc is not None and at else None
    written = entry.get("columns") if isinstance(entry, dict) else None
    for name, column in columns.items():
        if not isinstance(written, dict) or name not in written:
            continue  # LLaMA-Factory's defaults: a row may lack them (an empty `input`)
        if not any(isinstance(v, dict) and column in v for v in rows):
            issues.append(
                _issue(
                    run,
                    "G006",
                    f'no row has the column "{column}" that columns.{name} names; the rows\' '
                    f"keys: {', '.join(_keys_of(rows))}",
                    "columns",
                    name,
                )
            )
    if fmt == "alpaca" or "messages" not in columns:
        return issues
    tags = {**DEFAULT_TAGS, **run.table.get("tags", {})}
    if fmt == "messages" and "tags" not in run.table:
        tags.update(
            role_tag="role",
            content_tag="content",
            user_tag="user",
            assistant_tag="assistant",
            observation_tag="tool",
            function_tag="function",
        )
    known = {tags[k] for k in tags if k not in ("role_tag", "content_tag")}
    used: Counter[str] = Counter()
    for v in rows:
        turns = v.get(columns["messages"]) if isinstance(v, dict) else None
        for m in turns if isinstance(turns, list) else []:
            role = m.get(tags["role_tag"]) if isinstance(m, dict) else None
            if isinstance(role, str):
                used[role] += 1
    if not used:
        issues.append(
            _issue(
                run, "G006", f'no message has the key "{tags["role_tag"]}" (tags.role_tag)', "tags"
            )
        )
    for role, count in sorted(used.items()):
        if role not in known:
            issues.append(
                _issue(
                    run,
                    "G007",
                    f'{count} messages have the role "{role}", which no tag maps '
                    "(LLaMA-Factory drops their rows: Invalid role tag)",
                    "tags",
                )
            )
    return issues
