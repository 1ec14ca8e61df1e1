"""L rules through the real CLI: the masking engine's findings placed on the row's JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GEMMA = ROOT / "tests" / "fixtures" / "tokenizers" / "gemma"
ROWS = [
    {
        "messages": [
            {"role": "user", "content": "Name three prime numbers."},
            {"role": "assistant", "content": "2, 3 and 5."},
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "Paris."},
        ]
    },
]
V1_STYLE = (
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}"
    "{{ '[INST] ' + m.content + ' [/INST]' }}{% else %}{{ ' ' + m.content + eos_token }}"
    "{% endif %}{% endfor %}"
)


def sftlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sftlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def write_rows(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def findings(proc: subprocess.CompletedProcess[str]) -> list[tuple]:
    return [
        (f["code"], f["location"]["row"], f["location"]["column"], f["message"])
        for f in json.loads(proc.stdout)
    ]


def test_failure_1_bare_gemma_markers(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text(
        f'tokenizer = "{GEMMA}"\nchat-template = "gemma3"\nstrategy = "markers"\n'
        'instruction-part = "user\\n"\nresponse-part = "model\\n"\n'
    )
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint("check", "train.jsonl", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    got = findings(proc)
    assert got[0] == (
        "L001",
        1,
        1,
        "2 of 2 rows train on nothing: the trainer will stop with 'All labels in your "
        "dataset are -100'; use instruction-part '<start_of_turn>user\\n' and response-part "
        "'<start_of_turn>model\\n' as the rows render them",
    )
    # Each row: trains nothing (at the conversation key), and both markers occur as text
    # but not as token sequences (at the turn's content). No L007 on rows training nothing.
    assert got[1:5] == [
        (
            "L001",
            1,
            2,
            "the row trains on zero tokens: the response-part's token sequence "
            "never occurs in the token ids",
        ),
        (
            "L002",
            1,
            43,
            "instruction-part 'user\\n' occurs in the rendered text of turn 1 "
            "(user) but its token sequence does not occur in the row's ids",
        ),
        (
            "L002",
            1,
            106,
            "response-part 'model\\n' occurs in the rendered text of turn 2 "
            "(assistant) but its token sequence does not occur in the row's ids",
        ),
        (
            "L001",
            2,
            2,
            "the row trains on zero tokens: the response-part's token sequence "
            "never occurs in the token ids",
        ),
    ]
    assert [c for c, *_ in got].count("L007") == 0


def test_the_fixed_markers_train(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint(
        "check",
        "train.jsonl",
        "--format",
        "json",
        "--tokenizer",
        str(GEMMA),
        "--chat-template",
        "gemma3",
        "--strategy",
        "assistant-only",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings(proc) == []


def test_failure_3_extra_space_token_reported_at_the_turn(tmp_path: Path) -> None:
    (tmp_path / "v1-style.jinja").write_text(V1_STYLE)
    write_rows(tmp_path / "train.jsonl", ROWS[:1])
    proc = sftlint(
        "check",
        "train.jsonl",
        "--format",
        "json",
        "--tokenizer",
        "mistral-v3",
        "--chat-template",
        "v1-style.jinja",
        cwd=tmp_path,
    )
    [l009] = [f for f in findings(proc) if f[0] == "L009"]
    # At the user turn's content: the extra ▁ (29473) sits before [/INST].
    assert l009[1:3] == (1, 43)
    assert l009[3].startswith("turn 1 (user): transformers gives ␣(29473) [/INST](4) at token")


def test_unloadable_tokenizer_is_one_configuration_error(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    missing = tmp_path / "missing"
    proc = sftlint("check", "train.jsonl", "--tokenizer", str(missing), cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        f"sftlint: error: unknown tokenizer {str(missing)!r}: not a built-in (mistral-v1, "
        f"mistral-v3, mistral-tekken), a local folder ({missing} not found) or a Hugging Face "
        "repo id\n"
    )


def test_show_json_contract(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint(
        "show",
        "train.jsonl:2",
        "--json",
        "--tokenizer",
        str(GEMMA),
        "--chat-template",
        "gemma3",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["filename"] == "train.jsonl"
    assert data["row"] == 2
    assert data["findings"] == []
    tokens = data["tokens"]
    assert {"id", "text", "trained", "turn"} <= set(tokens[0])
    trained = "".join(t["text"] for t in tokens if t["trained"])
    assert trained == "Paris.<end_of_turn>"
    assert {t["turn"] for t in tokens if t["trained"]} == {2}  # 1-based, as "turn 2" reads
    assert data["totals"] == {"tokens": len(tokens), "trained": sum(t["trained"] for t in tokens)}


def test_show_plain_text_when_not_a_terminal(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint(
        "show",
        "train.jsonl:2",
        "--tokenizer",
        str(GEMMA),
        "--chat-template",
        "gemma3",
        cwd=tmp_path,
    )
    lines = proc.stdout.splitlines()
    assert lines[1].endswith("trained (" + lines[1].split("(")[-1])
    assert "legend: [token] trained, token masked (-100), ␣ space, ↵ newline" in lines
    assert "turn 2 · assistant · " in proc.stdout
    assert "[Paris] [.] [<end_of_turn>]" in proc.stdout
    assert "\x1b[" not in proc.stdout


def test_show_without_tokenizer_says_how(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint("show", "train.jsonl:1", cwd=tmp_path)
    assert "No tokenizer configured" in proc.stdout
    assert proc.returncode == 0


# --- preference rows: DPO trains on the chosen and the rejected completion --------------
CHATML = ROOT / "tests" / "fixtures" / "tokenizers" / "chatml"
SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "system": "system"}


def _dpo_rows(tmp_path: Path, corpus: Path, max_seq_length: int | None = None) -> list[dict]:
    rows = json.loads((corpus / "dpo_en_demo.json").read_text(encoding="utf-8"))[:3]
    (tmp_path / "dpo.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2))
    config = f'tokenizer = "{CHATML}"\nchat-template = "chatml"\n'
    if max_seq_length:
        config += f"max-seq-length = {max_seq_length}\n"
    (tmp_path / "sftlint.toml").write_text(config)
    return rows


def test_preference_corpus_totals_count_both_branches(tmp_path: Path, llamafactory: Path) -> None:
    from transformers import AutoTokenizer

    rows = _dpo_rows(tmp_path, llamafactory)
    tok = AutoTokenizer.from_pretrained(str(CHATML))
    template = (ROOT / "server" / "sftlint" / "masking" / "templates" / "chatml.jinja").read_text()

    def ids(messages: list[dict], prompt: bool = False) -> list[int]:
        convo = [{"role": SHAREGPT_ROLES[m["from"]], "content": m["value"]} for m in messages]
        out = tok.apply_chat_template(
            convo,
            chat_template=template,
            tokenize=True,
            return_dict=True,
            add_generation_prompt=prompt,
        )
        return list(out["input_ids"])

    tokens = trained = 0
    for row in rows:
        prompt = ids(row["conversations"], prompt=True)
        for key in ("chosen", "rejected"):
            full = ids([*row["conversations"], row[key]])
            assert full[: len(prompt)] == prompt
            tokens += len(full)
            trained += len(full) - len(prompt)
    proc = sftlint("check", "dpo.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tokens, trained) == (7254, 4478)
    assert (
        "Tokens: 3 rows tokenized, 7,254 tokens, 4,478 trained (61.7%), 0 rows training nothing."
        in proc.stdout
    )


def test_preference_corpus_findings_at_the_branch_key(tmp_path: Path, llamafactory: Path) -> None:
    _dpo_rows(tmp_path, llamafactory, max_seq_length=600)
    proc = sftlint("check", "dpo.json", "--format", "json", cwd=tmp_path)
    got = [f for f in findings(proc) if f[0].startswith("L")]
    assert got == [
        (
            "L001",
            1,
            1,
            "1 of 3 rows train on nothing: the trainer drops them or computes no loss on them",
        ),
        (
            "L006",
            11,
            16,
            "chosen: max-seq-length 600 cuts 397 of 997 tokens (turn 2), 397 of 926 trained tokens",
        ),
        (
            "L005",
            26,
            18,
            "chosen: max-seq-length 600 cuts 1226 of 1826 tokens (turns 1-2) and with them "
            "all 540 trained tokens",
        ),
        (
            "L005",
            26,
            18,
            "rejected: max-seq-length 600 cuts 1214 of 1814 tokens (turns 1-2) and with them "
            "all 528 trained tokens",
        ),
        (
            "L006",
            47,
            16,
            "chosen: max-seq-length 600 cuts 950 of 1550 tokens (turn 2), "
            "950 of 1519 trained tokens",
        ),
        (
            "L006",
            51,
            16,
            "rejected: max-seq-length 600 cuts 102 of 702 tokens (turn 2), "
            "102 of 671 trained tokens",
        ),
    ]
    lines = (tmp_path / "dpo.json").read_text(encoding="utf-8").splitlines()
    # The completion findings sit on the branch's "value"; the long prompt's on its own.
    assert lines[8].strip() == '"chosen": {' and lines[10][15:].startswith('"That sounds like')
    assert lines[48].strip() == '"rejected": {' and lines[50][15:].startswith('"Subject: Collab')
    assert lines[25][17:].startswith('"Q: In this task')
    assert (
        "Tokens: 3 rows tokenized, 7,254 tokens, "
        in sftlint("check", "dpo.json", cwd=tmp_path).stdout
    )


PREFERENCE_ROWS = [
    {
        "prompt": "Name three prime numbers.",
        "chosen": " 2, 3 and 5.",
        "rejected": " 4, 6 and 8, which are not prime at all.",
    },
    {
        "prompt": [{"role": "user", "content": "Name three prime numbers."}],
        "chosen": [{"role": "assistant", "content": "2, 3 and 5."}],
        "rejected": [{"role": "assistant", "content": "4, 6 and 8, which are not prime at all."}],
    },
    {
        "chosen": [
            {"role": "user", "content": "Name three prime numbers."},
            {"role": "assistant", "content": "2, 3 and 5."},
        ],
        "rejected": [
            {"role": "user", "content": "Name three prime numbers."},
            {"role": "assistant", "content": "4, 6 and 8, which are not prime at all."},
        ],
    },
    {
        "instruction": "Name three prime numbers.",
        "input": "",
        "chosen": "2, 3 and 5.",
        "rejected": "4, 6 and 8, which are not prime at all.",
    },
]


def test_preference_layouts_branch_at_their_keys(llamafactory: Path) -> None:
    from sftlint.io.formats import Fields
    from sftlint.rules.mask_branches import preference_branches

    user = [{"role": "user", "content": "Name three prime numbers."}]
    got = [
        [(b.name, b.prompt, b.completion, b.paths) for b in preference_branches(row, Fields())]
        for row in PREFERENCE_ROWS
    ]
    assert got[0] == [
        ("chosen", "Name three prime numbers.", " 2, 3 and 5.", [("prompt",), ("chosen",)]),
        (
            "rejected",
            "Name three prime numbers.",
            " 4, 6 and 8, which are not prime at all.",
            [("prompt",), ("rejected",)],
        ),
    ]
    for layout in (got[1], got[2]):
        assert [b[0] for b in layout] == ["chosen", "rejected"]
        assert [b[1] for b in layout] == [user, user]
        assert layout[0][2] == [{"role": "assistant", "content": "2, 3 and 5."}]
    assert [b[3] for b in got[1]] == [
        [("prompt", 0, "content"), ("chosen", 0, "content")],
        [("prompt", 0, "content"), ("rejected", 0, "content")],
    ]
    assert [b[3] for b in got[2]] == [
        [("chosen", 0, "content"), ("chosen", 1, "content")],
        [("rejected", 0, "content"), ("rejected", 1, "content")],
    ]
    assert [b[3] for b in got[3]] == [
        [("instruction",), ("chosen",)],
        [("instruction",), ("rejected",)],
    ]
    # LLaMA-Factory: ShareGPT `conversations` + message objects, and `chosen_messages`.
    sharegpt = {
        "conversations": [{"from": "human", "value": "Hi"}],
        "chosen": {"from": "gpt", "value": "Hello."},
        "rejected": {"from": "gpt", "value": "Go away."},
    }
    [chosen, rejected] = preference_branches(sharegpt, Fields())
    assert (chosen.prompt, chosen.completion, chosen.paths) == (
        [{"role": "user", "content": "Hi"}],
        [{"role": "assistant", "content": "Hello."}],
        [("conversations", 0, "value"), ("chosen", "value")],
    )
    assert rejected.paths == [("conversations", 0, "value"), ("rejected", "value")]
    v1 = json.loads(
        (llamafactory / "v1_dpo_demo.jsonl").read_text(encoding="utf-8").splitlines()[0]
    )
    [chosen, rejected] = preference_branches(v1, Fields())
    assert [m["role"] for m in chosen.prompt] == ["system", "user"]
    assert chosen.completion[0]["content"].startswith("Abdulah Hasanagic is the proud owner")
    assert rejected.completion[0]["content"].startswith(" Abdulah Hasanagic is the proud")
    assert chosen.paths == [("chosen_messages", 1, "content"), ("chosen_messages", 2, "content")]
    assert rejected.paths == [
        ("rejected_messages", 1, "content"),
        ("rejected_messages", 2, "content"),
    ]


def test_preference_layouts_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text(
        f'tokenizer = "{CHATML}"\nchat-template = "chatml"\nmax-seq-length = 16\n'
    )
    write_rows(tmp_path / "train.jsonl", PREFERENCE_ROWS)
    proc = sftlint("check", "train.jsonl", "--format", "json", cwd=tmp_path)
    cut = "max-seq-length 16 cuts {} of {} tokens (turn 2), {} of {} trained tokens"
    chosen, rejected = (
        "chosen: " + cut.format(5, 21, 5, 8),
        "rejected: " + cut.format(12, 28, 12, 15),
    )
    # Each at its branch's completion: "rejected", chosen[0].content, rejected[1].content...
    # (the rows' structural findings, such as C006 on a leading space, are not the point)
    assert [f for f in findings(proc) if f[0].startswith("L")] == [
        ("L006", 1, 79, "rejected: " + cut.format(3, 19, 3, 14)),
        ("L006", 2, 116, chosen),
        ("L006", 2, 179, rejected),
        ("L006", 3, 104, chosen),
        ("L006", 3, 225, rejected),
        ("L006", 4, 69, chosen),
        ("L006", 4, 96, rejected),
    ]
    lines = (tmp_path / "train.jsonl").read_text().splitlines()
    assert lines[0][78:].startswith('" 4, 6 and 8')
    assert lines[1][115:].startswith('"2, 3 and 5."}], "rejected"')
    assert lines[2][224:].startswith('"4, 6 and 8')
    assert lines[3][68:].startswith('"2, 3 and 5.", "rejected"')


# --- reasoning: LLaMA-Factory `reasoning` parts render as Qwen 3's <think> blocks ----------
QWEN3_REASONING = (
    "{%- set ns = namespace(last=-1) -%}"
    "{%- for m in messages -%}{%- if m.role == 'user' -%}{%- set ns.last = loop.index0 -%}"
    "{%- endif -%}{%- endfor -%}"
    "{%- for m in messages -%}{{- '<|im_start|>' + m.role + '\\n' -}}"
    "{%- if m.role == 'assistant' and loop.index0 > ns.last and m.reasoning_content -%}"
    "{{- '<think>\\n' + m.reasoning_content + '\\n</think>\\n\\n' -}}{%- endif -%}"
    "{{- m.content + '<|im_end|>\\n' -}}{%- endfor -%}"
)


def _reasoning_turn(thought: str, answer: str) -> dict:
    parts = [{"type": "reasoning", "value": thought}, {"type": "text", "value": answer}]
    return {"role": "assistant", "content": parts}


def test_llamafactory_reasoning_parts_dropped_from_earlier_turns(tmp_path: Path) -> None:
    (tmp_path / "qwen3.jinja").write_text(QWEN3_REASONING)
    row = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "value": "Name three primes."}]},
            _reasoning_turn("Small primes.", "2, 3 and 5."),
            {"role": "user", "content": [{"type": "text", "value": "Two more?"}]},
            _reasoning_turn("Next ones.", "7 and 11."),
        ]
    }
    write_rows(tmp_path / "train.jsonl", [row])
    args = ["--tokenizer", str(CHATML), "--chat-template", "qwen3.jinja"]
    proc = sftlint("check", "train.jsonl", "--format", "json", *args, cwd=tmp_path)
    assert findings(proc) == [
        ("L008", 1, 128, "turn 2 (assistant): the template drops the <think> block from this turn")
    ]
    line = (tmp_path / "train.jsonl").read_text()
    assert line[127:].startswith('[{"type": "reasoning", "value": "Small primes."}')
    proc = sftlint("show", "train.jsonl:1", "--json", *args, cwd=tmp_path)
    tokens = json.loads(proc.stdout)["tokens"]
    trained = "".join(t["text"] for t in tokens if t["trained"] and t["turn"] == 4)
    assert trained == "<think>\nNext ones.\n</think>\n\n7 and 11.<|im_end|>"


def test_slow_and_fast_tokenizers_disagree_at_the_turn(tmp_path: Path) -> None:
    rows = [
        {
            "messages": [
                {"role": "user", "content": "Name three prime numbers."},
                {"role": "assistant", "content": "2, 3  and 5."},
            ]
        }
    ]
    write_rows(tmp_path / "train.jsonl", rows)
    proc = sftlint(
        "check", "train.jsonl", "--format", "json", "--tokenizer", "mistral-v3", cwd=tmp_path
    )
    assert [f for f in findings(proc) if "slow" in f[3]] == [
        (
            "L009",
            1,
            106,
            'turn 2 (assistant): 2 spaces before "and" split differently: the fast tokenizer '
            "gives ␣␣(1027) and(1159) at token 13 where the slow (SentencePiece) tokenizer "
            "gives ␣(29473) ␣and(1072)",
        )
    ]
    assert (tmp_path / "train.jsonl").read_text()[105:].startswith('"2, 3  and 5."')


def test_file_level_fix_sets_the_markers_in_the_config(tmp_path: Path) -> None:
    config = (
        f'# markers as Unsloth takes them\ntokenizer = "{GEMMA}"\nchat-template = "gemma3"\n'
        'strategy = "markers"\ninstruction_part = "user\\n"  # snake_case alias\n'
        "response-part = 'model\\n'\n"
    )
    (tmp_path / "sftlint.toml").write_text(config, encoding="utf-8")
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint("check", "train.jsonl", "--format", "json", cwd=tmp_path)
    [file_level] = [f for f in json.loads(proc.stdout) if f["location"] == {"row": 1, "column": 1}]
    fix = file_level["fix"]
    assert fix["message"] == (
        'Set instruction-part = "<start_of_turn>user\\n" and response-part = '
        '"<start_of_turn>model\\n" in sftlint.toml'
    )
    assert fix["applicability"] == "unsafe"  # it edits another file than the one checked
    # Applying the edits changes the two values and nothing else.
    lines = config.splitlines(keepends=True)
    for edit in sorted(fix["edits"], key=lambda e: e["location"]["row"], reverse=True):
        assert edit["filename"] == str(tmp_path / "sftlint.toml")
        row = edit["location"]["row"]
        start, end = edit["location"]["column"], edit["end_location"]["column"]
        line = lines[row - 1]
        lines[row - 1] = line[: start - 1] + edit["content"] + line[end - 1 :]
    fixed = "".join(lines)
    assert fixed == config.replace('"user\\n"', '"<start_of_turn>user\\n"').replace(
        "'model\\n'", '"<start_of_turn>model\\n"'
    )
    (tmp_path / "sftlint.toml").write_text(fixed, encoding="utf-8")
    again = sftlint("check", "train.jsonl", "--format", "json", cwd=tmp_path)
    assert [f for f in json.loads(again.stdout) if f["code"] in ("L001", "L002")] == []


def test_no_config_fix_when_the_markers_come_from_the_command_line(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint(
        "check", "train.jsonl", "--format", "json", "--tokenizer", str(GEMMA),
        "--chat-template", "gemma3", "--strategy", "markers",
        "--instruction-part", "user\n", "--response-part", "model\n", cwd=tmp_path,
    )  # fmt: skip
    l001 = [f for f in json.loads(proc.stdout) if f["code"] == "L001"]
    assert [f["location"]["row"] for f in l001] == [1, 1, 2]  # the file verdict, then rows
    assert all(f["fix"] is None for f in l001)


def test_mistral_finetune_tool_schema_refusal_at_the_tools_key(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text(
        'tokenizer = "mistral-v3"\ntrainer = "mistral-finetune"\n'
    )
    tool = {"type": "function", "function": {"name": "bad name!", "parameters": {}}}
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    write_rows(tmp_path / "train.jsonl", [{"messages": messages, "tools": [tool]}])
    proc = sftlint("check", "train.jsonl", "--format", "json", "--select", "L", cwd=tmp_path)
    line = (tmp_path / "train.jsonl").read_text()
    assert line[line.index('"tools"') + 9 :].startswith("[{")
    assert findings(proc) == [
        (
            "L016",
            1,
            line.index('"tools"') + 10,
            "mistral-finetune refuses this row: mistral-common raises InvalidToolException: "
            "Function name was bad name! but must be a-z, A-Z, 0-9, or contain underscores "
            "and dashes, with a maximum length of 64.",
        )
    ]
