"""filecolumns.BufferColumns: an edited buffer's columns, pass after pass, equal to
`of_bytes` of its text, reading again only the lines an edit changed."""

from __future__ import annotations

import pytest

from sftlint.io import filecolumns

PLAIN = b'{"conversations": []}'
SYSTEM = b'{"conversations": [], "system": "Be brief."}'
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The lines filecolumns parses, in order."""
    lines_read: list[bytes] = []
    of_lines = filecolumns.of_lines

    def counted(lines):
        lines = list(lines)
        lines_read.extend(lines)
        return of_lines(lines)

    monkeypatch.setattr(filecolumns, "of_lines", counted)
    return lines_read


def test_jsonl_columns_follow_edits_and_read_only_changed_lines(read: list[bytes]) -> None:
    buffer = filecolumns.BufferColumns("train.jsonl")
    passes = [
        [PLAIN, PLAIN, b"not json", b"[1, 2]", b""],
        [PLAIN, SYSTEM, b"not json", b"[1, 2]", b""],  # row 1 gains `system`
        [PLAIN, SYSTEM, b"not json", b"[1, 2]", b""],  # no edit
        [PLAIN, PLAIN, b"not json", b"[1, 2]", b""],  # row 1 loses it
        [BOM + SYSTEM, PLAIN, b""],  # a BOM: orjson reads no object there
    ]
    got, reads = [], []
    for lines in passes:
        read.clear()
        got.append(buffer.of(lines))
        reads.append(list(read))
        assert got[-1] == filecolumns.of_bytes("train.jsonl", b"\n".join(lines))
    assert got == [
        {"conversations"},
        {"conversations", "system"},
        {"conversations", "system"},
        {"conversations"},
        {"conversations"},
    ]
    # Each distinct line once, then only the lines an edit wrote: PLAIN, on row 0 all
    # along, is never read again.
    assert reads == [[PLAIN, b"not json", b"[1, 2]", b""], [SYSTEM], [], [], [BOM + SYSTEM]]


def test_lines_edited_away_are_let_go(read: list[bytes]) -> None:
    """A buffer edited for hours keeps the keys of about its current lines, not of every
    line it ever held: a line edited away long ago is read again when it comes back."""
    buffer = filecolumns.BufferColumns("train.jsonl")
    for i in range(100):
        buffer.of([PLAIN, b'{"id": %d}' % i])
    read.clear()
    lines = [PLAIN, b'{"id": 98}', b'{"id": 99}', b'{"id": 0}']
    assert buffer.of(lines) == {"conversations", "id"}
    assert read == [b'{"id": 0}']


def test_a_json_buffer_is_read_whole_and_again_only_when_its_text_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[bytes] = []
    of_bytes = filecolumns.of_bytes

    def counted(path: str, data: bytes) -> frozenset[str]:
        read.append(data)
        return of_bytes(path, data)

    monkeypatch.setattr(filecolumns, "of_bytes", counted)
    buffer = filecolumns.BufferColumns("train.json")
    array = [b"[", PLAIN + b",", SYSTEM, b"]"]
    assert buffer.of(array) == {"conversations", "system"}
    edited = [b"[", PLAIN + b",", PLAIN, b"]"]
    assert buffer.of(edited) == {"conversations"}
    assert buffer.of(list(edited)) == {"conversations"}
    assert read == [b"\n".join(array), b"\n".join(edited)]
    # A .json file holding JSON Lines is read as JSON Lines, as of_bytes reads it.
    assert buffer.of([SYSTEM, PLAIN]) == {"conversations", "system"}
