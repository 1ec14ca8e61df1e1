"""Configuration: find it, validate it, and resolve it into `Settings` for one file.

Sources, nearest first: `sftlint.toml`, `.sftlint.toml`, or `[tool.sftlint]` in
`pyproject.toml`, found by walking up from the checked file; then command-line
overrides. Keys are kebab-case; the trainers' snake_case spellings are accepted as
aliases (`field_messages`, `roles_to_train`, ...). A bad config is a `ConfigError` naming
its file and line.

Over 600 lines: finding, validating (errors located at their TOML line) and resolving a
config share its key tables, kept together so that one key is read one way.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sftlint import registry
from sftlint.io import formats
from sftlint.io.lines import DEFAULT_MAX_LINE_BYTES
from sftlint.model import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAMES = ("sftlint.toml", ".sftlint.toml", "pyproject.toml")
SCHEMA_DIR = Path(__file__).parent / "schemas"

# Keys of the masking engine, passed through to it (paths made absolute).
MASK_KEYS = (
    "tokenizer",
    "chat-template",
    "trainer",
    "trainer-version",
    "strategy",
    "instruction-part",
    "response-part",
    "roles-to-train",
    "train-on-eos",
    "message-field-training",
    "message-field-training-detail",
    "max-seq-length",
    "train-on-prompt",
    "mask-history",
    "canonical-check",
    "eot-tokens",
)
# Mask keys that may name a file or folder: resolved against the config's folder.
_PATH_KEYS = ("tokenizer", "chat-template")


class ConfigError(Exception):
    """A configuration that cannot be used; `str()` names the file and line."""

    def __init__(
        self, path: Path | None, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        where = f"{path}" if path else "configuration"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class MaskConfig:
    """The masking keys as configured. Their values are validated by the masking engine
    (`masking.MaskSettings.from_config`) when it is used: a bad one is an L012 finding
    of the file, not a config error, so structural checks still run."""

    tokenizer: str | None = None
    chat_template: str | None = None
    trainer: str | None = None
    trainer_version: str | None = None
    strategy: str | None = None
    instruction_part: str | None = None
    response_part: str | None = None
    roles_to_train: tuple[str, ...] | str | None = None
    train_on_eos: str | bool | None = None
    message_field_training: str | None = None
    message_field_training_detail: str | None = None
    max_seq_length: int | None = None
    train_on_prompt: bool | None = None
    mask_history: bool | None = None
    canonical_check: str | bool | None = None
    eot_tokens: tuple[str, ...] | str | None = None
    # The language server's: the tokenizer while it loads (the structural lint runs
    # without it), and the values an untrusted workspace may not load, as (key, value).
    pending_tokenizer: str | None = None
    withheld: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> MaskConfig:
        """From kebab-case keys (others are ignored); lists become tuples (hashable)."""
        values: dict[str, Any] = {}
        for key in MASK_KEYS:
            if key in table:
                value = table[key]
                values[key.replace("-", "_")] = tuple(value) if isinstance(value, list) else value
        return cls(**values)

    def table(self) -> dict[str, Any]:
        """The configured keys, kebab-case, as the masking engine reads them."""
        out: dict[str, Any] = {}
        for key in MASK_KEYS:
            value = getattr(self, key.replace("-", "_"))
            if value is not None:
                out[key] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(slots=True)
class Settings:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    max_problems: int = 1000
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES  # a longer JSON Lines line is J013
    fields: formats.Fields = field(default_factory=formats.Fields)
    mask: MaskConfig = field(default_factory=MaskConfig)
    dataset_files: list[Path] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    config_path: Path | None = None
    trainer_config: Path | None = None  # `trainer-config`: the faces apply its dataset runs

    @property
    def base_dir(self) -> Path:
        """The folder relative paths of the config are relative to."""
        return self.config_path.parent if self.config_path else Path.cwd()

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


SELECTOR = re.compile(r"^(ALL|[A-Z][0-9]{0,3})$", re.IGNORECASE)


def check_selector(selector: str) -> str | None:
    """Why `selector` selects no rule, or None when it is a valid code or prefix."""
    if not SELECTOR.match(selector):
        return f'"{selector}" is not a rule code or prefix (e.g. R, R0, R003, ALL)'
    upper = selector.upper()
    if upper == "ALL":
        return None
    if upper[0] not in registry.FAMILIES:
        families = ", ".join(registry.FAMILIES)
        return f'"{selector}" is not a rule family (families: {families})'
    codes = [r.code for r in registry.all_rules()]
    if any(code.startswith(upper) for code in codes):
        return None
    # Nearest codes of the same family, as `sftlint rule` suggests a rule.
    family = [c for c in codes if c[0] == upper[0]]
    close = difflib.get_close_matches(upper, family, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f'"{selector}" selects no rule{hint} (`sftlint rules` lists them)'


# --- finding and reading config files ---------------------------------------------------


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above `start` (a file or a folder)."""
    start = start.absolute()
    folder = start if start.is_dir() else start.parent
    for d in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            candidate = d / name
            if candidate.is_file():
                if name == "pyproject.toml" and not _has_tool_table(candidate):
                    continue
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return (
        re.search(r"^\s*\[\s*tool\s*\.\s*sftlint\b|^\s*tool\s*\.\s*sftlint\b", text, re.M)
        is not None
    )


def load_config(path: Path) -> dict[str, Any]:
    """The validated, kebab-cased table of a config file. Raises ConfigError."""
    try:
        st = path.stat()
    except OSError as err:
        raise ConfigError(path, f"cannot read config file: {err.strerror or err}") from err
    return _load_config(path, st.st_mtime_ns, st.st_size)


def clear_config_cache() -> None:
    """Forget the configs read (the language server, told a config file changed)."""
    _load_config.cache_clear()


# Cached by (path, mtime, size), so an edited config is read again.
@lru_cache(maxsize=64)
def _load_config(path: Path, _mtime: int, _size: int) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(path, f"config file is not UTF-8 (byte {err.start})") from err
    except OSError as err:
        raise ConfigError(path, f"cannot read config file: {err.strerror or err}") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _toml_error(path, err) from err
    except RecursionError as err:  # tomllib recurses once per nested array or table
        raise ConfigError(path, "invalid TOML: arrays or tables nested too deeply") from err
    prefix: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        prefix = ("tool", "sftlint")
        data = data.get("tool", {}).get("sftlint", {})
        if not isinstance(data, dict):
            lines = _key_lines(text)
            raise ConfigError(path, "tool.sftlint must be a table", lines.get(prefix))
    lines = _key_lines(text, prefix)
    table = _normalize(data, path, text)
    validate(table, path, lines)
    return table


def _toml_error(path: Path, err: Exception) -> ConfigError:
    msg = str(err)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)", msg)
    if m:
        msg = msg[: m.start()] + msg[m.end() :]
    msg = msg[:1].lower() + msg[1:]
    line = int(m.group(1)) if m else None
    column = int(m.group(2)) if m else None
    return ConfigError(path, f"invalid TOML: {msg}", line, column)


def _normalize(data: dict[str, Any], path: Path | None, text: str = "") -> dict[str, Any]:
    """snake_case aliases -> kebab-case at the top level (mapping values are left alone)."""
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in data.items():
        kebab = key.replace("_", "-")
        if kebab in out:
            raise ConfigError(
                path,
                f'key "{key}" given twice (also as "{spelled[kebab]}")',
                _raw_line(text, key),
            )
        out[kebab] = value
        spelled[kebab] = key
    return out


def normalize_keys(table: dict[str, Any]) -> dict[str, Any]:
    """snake_case aliases -> kebab-case, at the top level (mapping values are left alone)."""
    return _normalize(table, None)


def _raw_line(text: str, key: str) -> int | None:
    """Line of the last `key = ...` spelled exactly so (the repeated one)."""
    found = None
    for n, line in enumerate(text.splitlines(), 1):
        if re.match(rf"""\s*["']?{re.escape(key)}["']?\s*=""", line):
            found = n
    return found


# --- where keys are in the TOML text (for error lines) -----------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
)
_PART = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*(?:\.|$)""")
_INLINE_KEY = re.compile(r"""[{,]\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _PART.findall(dotted))


def _kebab_first(parts: tuple[str, ...]) -> tuple[str, ...]:
    return (parts[0].replace("_", "-"), *parts[1:]) if parts else parts


def _key_lines(text: str, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """1-based line of each key path (relative to `prefix`), first occurrence wins.

    Approximate on purpose: it only needs to point at the line a user should look at.
    """
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()

    def record(path: tuple[str, ...], n: int) -> None:
        if path[: len(prefix)] != prefix:
            return
        rel = _kebab_first(path[len(prefix) :])
        if rel:
            lines.setdefault(rel, n)
        elif prefix:
            lines.setdefault(prefix, n)

    for n, line in enumerate(text.splitlines(), 1):
        if m := _HEADER.match(line):
            table = _parts(m.group(1))
            record(table, n)
            continue
        if m := _KEY.match(line):
            key = (*table, *_parts(m.group(1)))
            for i in range(len(table) + 1, len(key) + 1):
                record(key[:i], n)
            rest = line[m.end() :]
            if "{" in rest:
                for inner in _INLINE_KEY.findall(rest[rest.index("{") :]):
                    record((*key, inner.strip("\"'")), n)
    return lines


def _line_for(lines: dict[tuple[str, ...], int], path: list[str | int]) -> int | None:
    keys = tuple(str(p) for p in path)
    for depth in range(len(keys), 0, -1):
        if keys[:depth] in lines:
            return lines[keys[:depth]]
    return None


# --- validation --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "config.schema.json").read_text(encoding="utf-8"))


_TYPE_NAMES = {
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a table",
    "null": "null",
}


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _where(path: list[str | int]) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            part = p if re.fullmatch(r"[A-Za-z0-9_\-]+", p) else _show(p)
            out += f".{part}" if out else part
    return out


def validate(
    table: dict[str, Any], path: Path | None, lines: dict[tuple[str, ...], int] | None = None
) -> None:
    """Raise ConfigError for the first problem of `table` (schema order, then by key)."""
    import jsonschema  # only when a config exists: keeps plain runs fast

    lines = lines or {}
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(table), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        err = errors[0]
        loc = list(err.absolute_path)
        message, at = _explain(err, loc)
        raise ConfigError(path, message, _line_for(lines, at))
    for key in ("select", "extend-select", "ignore"):
        for i, selector in enumerate(table.get(key, [])):
            if why := check_selector(selector):
                raise ConfigError(path, f"{key}[{i}]: {why}", _line_for(lines, [key]))
    for pattern, codes in table.get("per-file-ignores", {}).items():
        for i, selector in enumerate(codes):
            if why := check_selector(selector):
                where = _where(["per-file-ignores", pattern, i])
                raise ConfigError(
                    path, f"{where}: {why}", _line_for(lines, ["per-file-ignores", pattern])
                )
    for code in table.get("severity", {}):
        if registry.get(code) is None:
            raise ConfigError(
                path,
                f'severity: no rule "{code}" (see `sftlint rules`)',
                _line_for(lines, ["severity", code]),
            )


def _explain(err: Any, loc: list[str | int]) -> tuple[str, list[str | int]]:
    """A one-line message for a jsonschema error, and the key path to point at."""
    where = _where(loc)
    prefix = f"{where}: " if where else ""
    v = err.validator
    if "propertyNames" in err.relative_schema_path:  # a bad key: point at its line
        return _explain_value(err, prefix), [*loc, err.instance]
    if v == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in allowed]
        key = sorted(extra)[0] if extra else "?"
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        suggestion = f'; did you mean "{hint[0]}"?' if hint else ""
        scope = f" in {where}" if where else ""
        return f'unknown key "{key}"{scope}{suggestion}', [*loc, key]
    if v == "type":
        expected = err.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        want = " or ".join(_TYPE_NAMES.get(t, t) for t in names)
        return f"{prefix}expected {want}, got {_type_of(err.instance)}", loc
    if v in ("enum", "minimum", "pattern"):
        return _explain_value(err, prefix), loc
    if v in ("oneOf", "anyOf"):
        return (
            f"{prefix}expected a string or an array of strings, got {_type_of(err.instance)}",
            loc,
        )
    return f"{prefix}{err.message}", loc


def _explain_value(err: Any, prefix: str) -> str:
    v = err.validator
    if v == "enum":
        options = ", ".join(_show(o) for o in err.validator_value)
        return f"{prefix}{_show(err.instance)} is not one of {options}"
    if v == "minimum":
        return f"{prefix}must be at least {err.validator_value}, got {err.instance}"
    if v == "pattern":
        return f"{prefix}{_show(err.instance)} is not a rule code or prefix"
    return f"{prefix}{err.message}"


# --- resolving a table into Settings -----------------------------------------------------


def resolve(
    table: dict[str, Any],
    config_path: Path | None,
    target: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Settings for `target` from a config table plus command-line overrides.

    Overrides: `select` replaces the config's, `ignore` and `extend-select` add to it,
    every other key replaces the config's value (paths relative to the working folder).
    """
    overrides = normalize_keys(overrides or {})
    s = Settings(config_path=config_path)
    base = s.base_dir
    s.select = list(overrides.get("select", table.get("select", ["ALL"])))
    s.select += [*table.get("extend-select", []), *overrides.get("extend-select", [])]
    s.ignore = [*table.get("ignore", []), *overrides.get("ignore", [])]
    if target is not None:
        rel = _relative(target, base)
        for pattern, codes in table.get("per-file-ignores", {}).items():
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(target.name, pattern):
                s.ignore += list(codes)
    s.severity_overrides = {
        k.upper(): Severity.parse(v) for k, v in table.get("severity", {}).items()
    }
    s.max_problems = int(table.get("max-problems", s.max_problems))
    s.max_line_bytes = int(table.get("max-line-bytes", s.max_line_bytes))
    merged = {**table, **{k: v for k, v in overrides.items() if k not in _SELECTION_KEYS}}
    s.fields = _fields(merged)
    mask = {k: table[k] for k in MASK_KEYS if k in table}
    for key in _PATH_KEYS:
        if isinstance(mask.get(key), str):
            mask[key] = _existing_path(mask[key], base)
    for key in MASK_KEYS:
        if overrides.get(key) is not None:
            value = overrides[key]
            is_path = key in _PATH_KEYS and isinstance(value, str)
            mask[key] = _existing_path(value, Path.cwd()) if is_path else value
    s.mask = MaskConfig.from_table(mask)
    s.dataset_files = [(base / p).resolve() for p in table.get("dataset-files", [])]
    if isinstance(tc := table.get("trainer-config"), str):
        s.trainer_config = (base / os.path.expanduser(tc)).resolve()
    s.include = list(table.get("include", []))
    s.exclude = list(table.get("exclude", []))
    return s


_SELECTION_KEYS = ("select", "extend-select", "ignore")


def _existing_path(value: str, base: Path) -> str:
    """`value` as an absolute path when it names something relative to `base`.

    Otherwise it stays as written: a built-in name or a Hugging Face repo id.
    """
    p = Path(os.path.expanduser(value))
    if p.is_absolute():
        return str(p)
    try:  # a name too long for a path, or a symlink loop, stays as written
        return str((base / p).resolve()) if (base / p).exists() else value
    except (OSError, RuntimeError):
        return value


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
    f.tags = tags
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
    if path is not None and config is not None and not path.is_file():
        raise ConfigError(path, "config file not found")
    table = load_config(path) if path else {}
    return resolve(table, path, target, overrides)
