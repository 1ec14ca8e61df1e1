"""Configuration: find it, validate it, and resolve it into `Settings` for one file.

Sources, nearest first: `sftlint.toml`, `.sftlint.toml`, or `[tool.sftlint]` in
`pyproject.toml`, found by walking up from the checked file; then command-line
overrides. Keys are kebab-case; the trainers' snake_case spellings are accepted as
aliases (`field_messages`, `roles_to_train`, ...).
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sftlint import formats, registry
from sftlint.model import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAMES = ("sftlint.toml", ".sftlint.toml", "pyproject.toml")
SCHEMA_DIR = Path(__file__).parent / "schemas"

# Keys of the masking engine, passed through to it untouched.
MASK_KEYS = (
    "tokenizer",
    "chat-template",
    "strategy",
    "instruction-part",
    "response-part",
    "roles-to-train",
    "train-on-eos",
    "message-field-training",
    "max-seq-length",
    "train-on-prompt",
    "mask-history",
)


class ConfigError(Exception):
    """A configuration that cannot be used; `str()` names the file and line."""

    def __init__(self, path: Path | None, message: str, line: int | None = None) -> None:
        where = f"{path}" if path else "configuration"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


def normalize_keys(table: dict[str, Any]) -> dict[str, Any]:
    """snake_case aliases -> kebab-case, at the top level (mapping values are left alone)."""
    return {k.replace("_", "-"): v for k, v in table.items()}


@dataclass(slots=True)
class Settings:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    max_problems: int = 1000
    fields: formats.Fields = field(default_factory=formats.Fields)
    mask: dict[str, Any] = field(default_factory=dict)  # MASK_KEYS present in the config
    dataset_files: list[Path] = field(default_factory=list)
    config_path: Path | None = None

    def enabled(self, code: str) -> bool:
        """The most specific selector wins, as in ruff (`--ignore R --select R003`)."""
        sel = _best(code, self.select)
        ign = _best(code, self.ignore)
        return sel is not None and (ign is None or sel > ign)

    def severity(self, code: str) -> Severity:
        if code in self.severity_overrides:
            return self.severity_overrides[code]
        rule = registry.get(code)
        return rule.severity if rule else Severity.ERROR


def _best(code: str, selectors: list[str]) -> int | None:
    best = None
    for s in selectors:
        s = s.upper()
        if s == "ALL" or code.startswith(s):
            n = 0 if s == "ALL" else len(s)
            best = n if best is None else max(best, n)
    return best


# --- finding and reading config files ---------------------------------------------------


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above `start` (a file or a folder)."""
    folder = start if start.is_dir() else start.parent
    for d in (folder.resolve(), *folder.resolve().parents):
        for name in CONFIG_NAMES:
            candidate = d / name
            if candidate.is_file():
                if name == "pyproject.toml" and not _has_tool_table(candidate):
                    continue
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        return "[tool.sftlint" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


@lru_cache(maxsize=64)
def load_config(path: Path) -> dict[str, Any]:
    """The validated, kebab-cased table of a config file. Raises ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(path, f"cannot read: {err}") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"line (\d+)", str(err))
        raise ConfigError(path, f"invalid TOML: {err}", int(m.group(1)) if m else None) from err
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("sftlint", {})
    table = normalize_keys(data)
    validate(table, path, text)
    return table


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "config.schema.json").read_text(encoding="utf-8"))


def validate(table: dict[str, Any], path: Path | None, text: str = "") -> None:
    import jsonschema  # only when a config exists: keeps plain runs fast

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(table), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    key = next((str(p) for p in err.absolute_path if isinstance(p, str)), None)
    if key is None and err.validator == "additionalProperties":
        m = re.search(r"'([^']+)' was unexpected", err.message)
        key = m.group(1) if m else None
    where = ".".join(str(p) for p in err.absolute_path) or key or "config"
    raise ConfigError(path, f"{where}: {err.message}", _line_of(text, key))


def _line_of(text: str, key: str | None) -> int | None:
    if not key:
        return None
    variants = {key, key.replace("-", "_")}
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.strip().strip('"')
        if any(re.match(rf'"?{re.escape(v)}"?\s*=', stripped) for v in variants):
            return i
    return None


def resolve(
    table: dict[str, Any],
    config_path: Path | None,
    target: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Settings for `target` from a config table plus command-line overrides."""
    table = {**table, **normalize_keys(overrides or {})}
    base = config_path.parent if config_path else Path.cwd()
    s = Settings(config_path=config_path)
    if "select" in table:
        s.select = list(table["select"])
    s.select += list(table.get("extend-select", []))
    s.ignore = list(table.get("ignore", []))
    if target is not None:
        rel = _relative(target, base)
        for pattern, codes in table.get("per-file-ignores", {}).items():
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(target.name, pattern):
                s.ignore += list(codes)
    s.severity_overrides = {
        k.upper(): Severity.parse(v) for k, v in table.get("severity", {}).items()
    }
    s.max_problems = int(table.get("max-problems", s.max_problems))
    s.fields = _fields(table)
    s.mask = {k: table[k] for k in MASK_KEYS if k in table}
    s.dataset_files = [(base / p).resolve() for p in table.get("dataset-files", [])]
    return s


def _relative(target: Path, base: Path) -> str:
    try:
        return target.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return target.as_posix()


def _fields(table: dict[str, Any]) -> formats.Fields:
    """Field and role names from Axolotl-style and LLaMA-Factory-style mappings."""
    f = formats.Fields()
    columns: dict[str, str] = dict(table.get("columns", {}))
    tags: dict[str, str] = dict(table.get("tags", {}))
    f.columns = columns
    if fmt := table.get("format"):
        f.forced_format = None if fmt == "auto" else fmt
    messages = table.get("field-messages") or columns.get("messages")
    if messages:
        f.messages = (messages, *[m for m in f.messages if m != messages])
    props: dict[str, Any] = dict(table.get("message-property-mappings", {}))
    role_key = props.get("role") or tags.get("role_tag")
    content_key = props.get("content") or tags.get("content_tag")
    if role_key:
        f.role = (role_key, *[r for r in f.role if r != role_key])
    if content_key:
        f.content = (content_key, *[c for c in f.content if c != content_key])
    roles: dict[str, str] = {}
    for canonical, names in table.get("roles", {}).items():
        for name in [names] if isinstance(names, str) else names:
            roles[name] = canonical
    for tag, canonical in (
        ("user_tag", "user"),
        ("assistant_tag", "assistant"),
        ("system_tag", "system"),
        ("observation_tag", "tool"),
        ("function_tag", "assistant"),
    ):
        if tag in tags:
            roles[tags[tag]] = canonical
    f.extra_roles = roles
    return f


def settings_for(
    target: Path, overrides: dict[str, Any] | None = None, config: Path | None = None
) -> Settings:
    """Settings for a file: its nearest config (or `config`) plus overrides."""
    path = config or find_config(target)
    table = load_config(path) if path else {}
    return resolve(table, path, target, overrides)
