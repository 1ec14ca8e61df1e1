"""The lean didOpen path gives the lines `json.loads` + split would give (hypothesis)."""

from __future__ import annotations

import asyncio
import io
import json
import mmap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp
from pygls.io_ import StdinAsyncReader

from sftlint.lsp import transport
from sftlint.lsp.documents import encode
from sftlint.lsp.server import server

URI = "file:///tmp/t/train.jsonl"
# Text whose JSON has every escape JSON writers use, a quote after a backslash, lone
# surrogates, CRLF and lone CR.
PIECES = ["\n", "\r\n", "\r", '"', "\\", "\\n", "\\\\n", "😀", "\ud83d", "é", "\t", "{", "a"]
PIECES += ["/", "\\/", "\b", "\f", "\x01", "\\u0041", '\\"']


def body(text: str, ascii_only: bool, method_first: bool) -> bytes:
    params = {"textDocument": {"uri": URI, "languageId": "jsonl", "version": 3, "text": text}}
    if method_first:
        message = {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": params}
    else:
        message = {"params": params, "method": "textDocument/didOpen", "jsonrpc": "2.0"}
    return json.dumps(message, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "BIG", 0)  # every didOpen takes the lean path
    monkeypatch.setattr(transport, "CHUNK", 5)  # and is decoded in many pieces
    monkeypatch.setattr(transport, "READ", 7)  # read in many parts
    monkeypatch.setattr(transport, "HEAD", 160)  # the text found in the first parts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), st.booleans(), st.booleans())
def test_lines_equal_json_loads(text: str, ascii_only: bool, method_first: bool) -> None:
    message = transport.parse(server.protocol, body(text, ascii_only, method_first))
    assert isinstance(message.params, lsp.DidOpenTextDocumentParams)
    assert message.params.text_document.text == ""
    assert transport.take_lines(URI, 3) == encode(text).split(b"\n")
    assert transport.take_lines(URI, 3) is None  # handed over once


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), st.booleans())
def test_piece_decodes_as_json_does(text: str, ascii_only: bool) -> None:
    escaped = json.dumps(text, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert transport._decode(escaped[1:-1]) == encode(text)


def test_piece_past_the_strings_end_is_no_string() -> None:
    assert transport._decode(b'last row", "version": 3, "x": "y') is None
    assert transport._decode(b'ends with a backslash\\\\", "x": "y') is None


def read_big(data: bytes, size: int) -> tuple[Any, transport._TextReader | None]:
    reader = StdinAsyncReader(io.BufferedReader(io.BytesIO(data)))
    return asyncio.run(transport._read_big(reader, size))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), st.booleans(), st.booleans())
def test_text_decoded_while_read(text: str, ascii_only: bool, method_first: bool) -> None:
    data = body(text, ascii_only, method_first)
    got, decoded = read_big(data, len(data))
    assert got[:] == data
    assert decoded is not None  # a TextDocumentItem: its text was decoded as it came
    message = transport.parse(server.protocol, got, decoded)
    assert message.params.text_document.text == ""
    assert transport.take_lines(URI, 3) == encode(text).split(b"\n")


def test_stream_ending_early_gives_what_came() -> None:
    data = body("a\nb" * 10, True, False)
    got, _ = read_big(data[:50], len(data))
    assert got == data[:50]


def test_other_messages_parse_as_usual() -> None:
    change = {
        "jsonrpc": "2.0",
        "method": "textDocument/didChange",
        "params": {
            "textDocument": {"uri": URI, "version": 4},
            "contentChanges": [{"text": "a\nb"}],
        },
    }
    message = transport.parse(server.protocol, json.dumps(change).encode())
    assert message.params.content_changes[0].text == "a\nb"
    assert transport.take_lines(URI, 4) is None


@pytest.mark.parametrize("method_first", [True, False])
def test_decoded_text_given_back(monkeypatch: pytest.MonkeyPatch, method_first: bool) -> None:
    monkeypatch.setattr(transport, "READ", 1000)
    text = "".join(f'{{"a": "{i} 😀 \\"q\\""}}\r\n' for i in range(3000))
    data = body(text, False, method_first)
    got, decoded = read_big(data, len(data))
    assert isinstance(got, mmap.mmap)  # a didOpen: its decoded pages are given back
    middle = slice(len(data) // 2, len(data) // 2 + 64)
    assert got[middle] == bytes(64) != data[middle]
    assert got[: decoded.start] == data[: decoded.start]  # the head stays
    message = transport.parse(server.protocol, got, decoded)
    assert message.params.text_document.text == ""
    assert transport.take_lines(URI, 3) == encode(text).split(b"\n")


def test_big_other_message_read_whole() -> None:
    change = {
        "params": {
            "textDocument": {"uri": URI, "version": 4},
            "contentChanges": [{"text": "a\nb" * 5000}],
        },
        "method": "textDocument/didChange",
        "jsonrpc": "2.0",
    }
    data = json.dumps(change).encode()
    got, decoded = read_big(data, len(data))
    assert isinstance(got, bytearray) and got == data and decoded is None
    message = transport.parse(server.protocol, got, decoded)
    assert message.params.content_changes[0].text == "a\nb" * 5000
