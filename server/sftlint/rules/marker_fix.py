"""The fix an L001 offers when the markers are wrong: set the markers the data needs in
the sftlint.toml that set the wrong ones, changing only their values' bytes."""

from __future__ import annotations

import json
import pathlib
import re

from sftlint.io.positions import utf16_len
from sftlint.model import Edit, Fix, Position, Range

_TOML_VALUE = r"""\s*=\s*("(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""


def marker_fix(config: pathlib.Path, markers: dict[str, str]) -> Fix | None:
    """Replace the markers' values in the config file that set them (only those bytes).

    None when the config does not set them (they came from the command line or an
    editor setting): then there is no file to fix.
    """
    try:
        data = config.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    edits = []
    for key, value in markers.items():
        names = "|".join(re.escape(k) for k in (key, key.replace("-", "_")))
        m = re.search(rf"^[ \t]*(?:{names}){_TOML_VALUE}", text, re.MULTILINE)
        if m is None:
            return None
        edits.append(Edit(str(config), _text_range(text, *m.span(1)), _toml_string(value)))
    return Fix(
        "Set "
        + " and ".join(f"{k} = {_toml_string(v)}" for k, v in markers.items())
        + f" in {config.name}",
        tuple(edits),
    )


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string


def _text_range(text: str, start: int, end: int) -> Range:
    def position(index: int) -> Position:
        line = text.count("\n", 0, index)
        before = text[text.rfind("\n", 0, index) + 1 : index]
        offset = len(text[:index].encode("utf-8"))
        return Position(line, len(before), utf16_len(before), offset)

    return Range(position(start), position(end))
