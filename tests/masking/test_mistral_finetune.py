"""The mistral-finetune profile encodes rows as mistral-finetune does (finetune/data/
tokenize.py): mistral-common's ids message by message, a last tool call without its id, a
row's own `only_last`, and a refusal for content given as a list of parts. (Row-by-row
agreement with mistral-finetune's own output is tests/parity.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mask_helpers import settings

from sftlint.masking import analyze_conversation
from sftlint.masking.mistralfinetune import aligned

MF = {"tokenizer": "mistral-v3", "trainer": "mistral-finetune"}
SPACES = [
    {"role": "user", "content": "   leading spaces"},
    {"role": "assistant", "content": "Noted.  "},
]


def test_ids_are_mistral_commons_where_transformers_splits_spaces_otherwise(mistral_v3):
    res = analyze_conversation(SPACES, mistral_v3, settings(**MF))
    # SentencePiece: "▁▁▁" + "▁leading", as mistral-finetune trains (transformers' fast
    # tokenizer: "▁▁▁▁" + "leading"); the assistant's trailing spaces are kept
    # (mistral-common 1.4.4, which the golden was recorded with).
    assert res.ids == [1, 3, 3055, 6142, 11367, 4, 3048, 1054, 29491, 1027, 2]
    assert [t.text for t in res.tokens] == [
        "<s>", "[INST]", "␣␣␣", "␣leading", "␣spaces", "[/INST]", "␣Not", "ed", ".", "␣␣", "</s>"
    ]  # fmt: skip
    assert res.labels == [-100] * 6 + [3048, 1054, 29491, 1027, 2]
    assert [i.code for i in res.issues] == []
    # Without the profile the ids are transformers', and L009 says where they differ.
    generic = analyze_conversation(SPACES, mistral_v3, settings(tokenizer="mistral-v3"))
    assert generic.ids[2:4] == [1028, 22834]
    assert [i.code for i in generic.issues] == ["L009", "L009"]


def test_byte_pieces_of_one_character_share_its_span(mistral_v3):
    row = [{"role": "user", "content": "Coffee?"}, {"role": "assistant", "content": "☕ ok"}]
    res = analyze_conversation(row, mistral_v3, settings(**MF))
    assert res.rendered == "<s>[INST] Coffee?[/INST] ☕ ok</s>"
    assert res.ids[5:10] == [29473, 997, 923, 920, 4382]
    assert res.offsets[5:10] == [(24, 25), (25, 26), (25, 26), (25, 26), (26, 29)]


def test_aligned_places_pieces_or_refuses_text_they_are_not() -> None:
    enc = aligned("a☕", [1, 2, 3, 4], [b"a", b"\xe2", b"\x98", b"\x95"])
    assert enc is not None
    assert enc.offsets == [(0, 1), (1, 2), (1, 2), (1, 2)]
    assert [enc.char_to_token(c) for c in range(3)] == [0, 1, None]
    # SentencePiece's dummy prefix has no space in the text; spaces it strips are skipped.
    enc = aligned("ab  ", [1, 2], [b"a", b" b"])
    assert enc is not None and enc.offsets == [(0, 1), (1, 2)]
    assert aligned("ab", [1, 2], [b"a", b"c"]) is None
    assert aligned("abc", [1, 2], [b"a", b"b"]) is None


def test_the_last_tool_call_loses_its_id(mistral_v3):
    call = {
        "id": "abc123XYZ",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
    }
    row = [
        {"role": "user", "content": "Weather in Rome?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
    ]
    res = analyze_conversation(row, mistral_v3, settings(**MF))
    assert res.rendered == (
        '<s>[INST] Weather in Rome?[/INST][TOOL_CALLS] [{"name": "get_weather", '
        '"arguments": {"city": "Rome"}}]</s>'
    )
    assert [i.code for i in res.issues] == []
    generic = analyze_conversation(row, mistral_v3, settings(tokenizer="mistral-v3"))
    assert '"id": "abc123XYZ"' in generic.rendered
    # The id is checked before it is dropped, as mistral-finetune validates the row first.
    bad = [row[0], {**row[1], "tool_calls": [{**call, "id": "call_1"}]}]
    res = analyze_conversation(bad, mistral_v3, settings(**MF))
    assert [(i.code, i.turn) for i in res.issues] == [("L014", 1)]


def test_only_last_trains_the_last_message_alone(mistral_v3):
    row = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Bye"},
        {"role": "assistant", "content": "Bye!"},
    ]

    def trained(res) -> str:
        return "".join(t.text for t in res.tokens if t.trained)

    res = analyze_conversation(row, mistral_v3, settings(**MF), only_last=True)
    assert trained(res) == "␣Bye!</s>"
    assert [t.reason for t in res.tokens[4:7]] == ["only_last: last message only"] * 3
    assert trained(analyze_conversation(row, mistral_v3, settings(**MF))) == (
        "␣Hello!</s>␣Bye!</s>"
    )
    generic = settings(tokenizer="mistral-v3")  # other trainers read no `only_last`
    assert trained(analyze_conversation(row, mistral_v3, generic, only_last=True)) == (
        "␣Hello!</s>␣Bye!</s>"
    )


def test_content_parts_are_refused_at_the_content(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text(
        'tokenizer = "mistral-v3"\ntrainer = "mistral-finetune"\n'
    )
    parts = [{"type": "text", "text": "2, 3 and 5."}]
    turns = [{"role": "user", "content": "Primes?"}, {"role": "assistant", "content": parts}]
    line = json.dumps({"messages": turns})
    (tmp_path / "train.jsonl").write_text(line + "\n")
    command = ["check", "train.jsonl", "--format", "json", "--select", "L"]
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    got = [
        (f["code"], f["location"]["row"], f["location"]["column"], f["message"])
        for f in json.loads(proc.stdout)
    ]
    assert got == [
        (
            "L016",
            1,
            line.index('[{"type"') + 1,
            "mistral-finetune refuses this row: its FinetuningAssistantMessage takes content "
            "as a string and turn 2 (assistant) has a list of parts (pydantic ValidationError: "
            "Input should be a valid string)",
        )
    ]
