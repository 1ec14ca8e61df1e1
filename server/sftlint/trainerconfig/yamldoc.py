"""A YAML (or JSON) document with the place of every key and item, so that a finding about
a trainer config points at the line a user must edit.

PyYAML's `compose` keeps each node's start and end mark; the values come from the same
nodes (safe constructors only: no tags that build Python objects).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sftlint.io.positions import utf16_len
from sftlint.model import Position, Range

# A key path inside the document: mapping keys and sequence indices.
KeyPath = tuple[str | int, ...]


class DocumentError(ValueError):
    """The file is not YAML/JSON a trainer can read; `where` is its place (0-based)."""

    def __init__(self, message: str, where: tuple[int, int] = (0, 0)) -> None:
        super().__init__(message)
        self.where = where


@dataclass(slots=True)
class Document:
    path: Path
    text: str
    value: Any
    # Where each key is written (a mapping key) or each item starts (a sequence item).
    keys: dict[KeyPath, tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list)

    def range_of(self, path: KeyPath) -> Range:
        """The range of the key at `path` (or of its nearest written parent; the file's
        start when none is written)."""
        for depth in range(len(path), -1, -1):
            if path[:depth] in self.keys:
                start, end = self.keys[path[:depth]]
                if start[0] != end[0]:  # a multi-line item: its first line only
                    end = (start[0], len(self._line(start[0])))
                return Range(self.position(*start), self.position(*end))
        return Range(self.position(0, 0), self.position(0, 0))

    def position(self, line: int, column: int) -> Position:
        text = self._line(line)
        if not self._line_starts:
            self._line_starts = _line_starts(self.text)
        start = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        offset = len(self.text[:start].encode("utf-8")) + len(text[:column].encode("utf-8"))
        return Position(line, column, utf16_len(text[:column]), offset)

    def _line(self, line: int) -> str:
        lines = self.text.split("\n")
        return lines[line] if line < len(lines) else ""


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def load(path: Path) -> Document:
    """Read and compose `path`; raises DocumentError (bad UTF-8, bad YAML, OSError)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DocumentError(f"not UTF-8 (byte {err.start})") from err
    except OSError as err:
        raise DocumentError(f"cannot read: {err.strerror or err}") from err
    return parse(path, text)


def parse(path: Path, text: str) -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        value = yaml.load(text, Loader=yaml.SafeLoader) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = (mark.line, mark.column) if mark else (0, 0)
        raise DocumentError(f"invalid YAML: {err.problem or err}", where) from err
    except (yaml.YAMLError, RecursionError) as err:
        raise DocumentError(f"invalid YAML: {err}") from err
    doc = Document(path, text, value)
    if node is not None:
        _walk(node, (), doc.keys)
    return doc


def _walk(node: yaml.Node, path: KeyPath, keys: dict) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, child in node.value:
            if isinstance(key, yaml.ScalarNode):
                here = (*path, key.value)
                keys.setdefault(here, (_mark(key.start_mark), _mark(key.end_mark)))
                _walk(child, here, keys)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            here = (*path, i)
            keys.setdefault(here, (_mark(child.start_mark), _mark(child.end_mark)))
            _walk(child, here, keys)


def _mark(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line, mark.column
