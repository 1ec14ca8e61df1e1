"""Client settings (initializationOptions, workspace/configuration, didChangeConfiguration)
merged over the sftlint.toml / [tool.sftlint] found beside each file."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sftlint import settings as config
from sftlint.settings import ConfigError, Settings

DEFAULT_GLOBS = ("*.jsonl", "*.jsonlines", "*.ndjson")
LANGUAGE_IDS = ("jsonl", "jsonlines", "json")

_SELECTION = ("select", "extend-select", "ignore")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def kebab(key: str) -> str:
    """`chatTemplate`, `chat_template` and `chat-template` are one key."""
    return _CAMEL.sub(r"-\1", key).replace("_", "-").lower()


@dataclass(slots=True)
class ClientSettings:
    """What the editor sent: config keys (overriding the config files) and editor-only keys."""

    overrides: dict[str, Any] = field(default_factory=dict)
    globs: tuple[str, ...] = DEFAULT_GLOBS
    max_problems: int | None = None  # None: the config's max-problems (default 1,000)
    debounce_ms: int = 5
    error: str | None = None  # why the overrides were dropped
    trusted: bool = True  # False: do not load tokenizers / templates from the workspace
    inlay_hints: bool = True
    roots: tuple[str, ...] = ()  # workspace folders (set by the server)
    # Set by the server: trust and tokenizer loading applied to each file's settings.
    prepare: Callable[[Settings, ClientSettings], Settings] | None = None

    @classmethod
    def parse(cls, raw: Any) -> ClientSettings:
        out = cls()
        if not isinstance(raw, dict):
            return out
        if isinstance(raw.get("sftlint"), dict):  # {"sftlint": {...}} or the section itself
            raw = raw["sftlint"]
        keys = set(config._schema()["properties"])
        overrides: dict[str, Any] = {}
        for key, value in raw.items():
            name = kebab(key)
            if name == "files" and isinstance(value, list):
                out.globs = tuple(str(v) for v in value)
            elif name == "debounce-ms" and isinstance(value, int):
                out.debounce_ms = max(0, value)
            elif name == "workspace-trusted" and isinstance(value, bool):
                out.trusted = value
            elif name == "inlay-hints" and isinstance(value, bool):
                out.inlay_hints = value
            elif name in keys and value is not None:
                overrides[name] = value
        try:
            config.validate(overrides, None)
        except ConfigError as err:
            out.error = f"sftlint settings from the editor ignored: {err}"
            overrides = {}
        if isinstance(overrides.get("max-problems"), int):
            out.max_problems = overrides["max-problems"]
        out.overrides = overrides
        return out

    def wants(self, path: str, language_id: str, head: bytes) -> bool:
        """Documents to lint: JSON Lines, JSON files that hold rows, and configured globs."""
        name = Path(path).name
        if any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(path, g) for g in self.globs):
            return True
        if language_id in ("jsonl", "jsonlines"):
            return True
        if language_id == "json" or name.lower().endswith(".json"):
            from sftlint.io import reader

            stripped = head.lstrip(reader.BOM).lstrip()
            return stripped.startswith(b"[") or reader.looks_like_jsonl(head)
        return False


def document_settings(path: str, client: ClientSettings) -> tuple[Settings, str | None]:
    """Settings of one file and, when its config file is broken, why (it is then ignored)."""
    target = Path(path)
    # Selection keys combine as on the command line (select replaces, ignore adds); the
    # editor's other keys replace the config file's.
    selection = {k: v for k, v in client.overrides.items() if k in _SELECTION}
    rest = {k: v for k, v in client.overrides.items() if k not in _SELECTION}
    found = config.find_config(target)
    prepare = client.prepare or (lambda settings, _client: settings)
    try:
        table = config.load_config(found) if found else {}
    except ConfigError as err:
        return prepare(config.resolve(rest, None, target, selection), client), str(err)
    settings = config.resolve({**table, **rest}, found, target, selection)
    if settings.trainer_config is not None:  # withheld in an untrusted workspace
        from sftlint import trainerconfig

        run = trainerconfig.cached(settings.trainer_config).run_for(target)
        if run is not None:  # the trainer config's keys, then the editor's
            settings = config.resolve({**table, **run.table, **rest}, found, target, selection)
    return prepare(settings, client), None


def max_problems(settings: Settings, client: ClientSettings) -> int:
    return client.max_problems if client.max_problems is not None else settings.max_problems
