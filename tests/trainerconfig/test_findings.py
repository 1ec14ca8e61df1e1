"""The G findings that need the rows: mappings no row matches (G006, G007) and the rows the
trainer drops or trains nothing on (G008, G009), one finding per cause with its count."""

from __future__ import annotations

import json
from pathlib import Path

from sftlint import trainerconfig
from sftlint.settings import Settings
from sftlint.trainerconfig import checks

CHATML = str(Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers" / "chatml")


def _config(
    tmp_path: Path, entry: str, *values: object, top: str = ""
) -> trainerconfig.TrainerConfig:
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(v) + "\n" for v in values), "utf-8")
    text = f"base_model: {CHATML}\nchat_template: chatml\n{top}datasets:\n  - path: d.jsonl\n"
    (tmp_path / "a.yml").write_text(text + entry, "utf-8")
    return trainerconfig.load(tmp_path / "a.yml")


def _located(config: trainerconfig.TrainerConfig, issues: list[trainerconfig.Issue]) -> list:
    out = []
    for issue in issues:
        f = checks.to_finding(config, issue, Settings())
        assert f is not None
        out.append((f.code, f.range.start.line, f.range.start.column, f.message))
    return out


def test_field_messages_no_row_has(tmp_path: Path) -> None:
    row = {"conversations": [{"role": "user", "content": "hi"}]}
    config = _config(tmp_path, "    type: chat_template\n", row)
    assert _located(config, checks.mapping_issues(config, config.runs[0])) == [
        (
            "G006",
            3,
            4,
            'no row has the key "messages" (field_messages) that Axolotl reads the '
            "conversation from; the rows' keys: conversations",
        )
    ]


def test_property_mapping_and_unmapped_role(tmp_path: Path) -> None:
    row = {"messages": [{"from": "human", "value": "hi"}, {"from": "bot", "value": "yo"}]}
    entry = (
        "    type: chat_template\n"
        "    message_property_mappings:\n"
        "      role: from\n"
        "      content: text\n"
        "    roles:\n"
        "      user: [human]\n"
    )
    config = _config(tmp_path, entry, row, row)
    assert _located(config, checks.mapping_issues(config, config.runs[0])) == [
        (
            "G006",
            7,
            6,
            'no message has the key "text" that message_property_mappings.content names',
        ),
        (
            "G007",
            8,
            4,
            '2 messages have the role "bot", which `roles` does not map (Axolotl passes it '
            "to the chat template as it is)",
        ),
    ]


def test_rows_dropped_for_length_and_training_nothing_one_finding_per_cause(
    tmp_path: Path,
) -> None:
    ok = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    long = {"messages": [{"role": "user", "content": "word " * 80}, ok["messages"][1]]}
    user_only = {"messages": [{"role": "user", "content": "hi"}]}
    config = _config(
        tmp_path, "    type: chat_template\n", ok, long, user_only, long, top="sequence_len: 40\n"
    )
    run = config.runs[0]
    got = checks.outcome(checks.check_run(run))
    data = tmp_path / "d.jsonl"
    assert _located(config, checks.outcome_issues(config, run, got)) == [
        (
            "G008",
            4,
            4,
            f"axolotl drops 2 of 4 rows of d.jsonl (first at {data}:2: Axolotl drops this "
            "row: 93 tokens, more than sequence_len 40)",
        ),
        (
            "G009",
            4,
            4,
            f"axolotl keeps but trains nothing on 1 of 4 rows of d.jsonl (first at {data}:3: "
            "the row trains on zero tokens: no turn with a role in roles-to-train (assistant) "
            "is trained)",
        ),
    ]
    assert (got.rows, got.tokens, got.trained) == (4, 207, 9)  # the mask pass's totals
