"""`sftlint.preflight` against the trainers' own code: a real TRL `SFTTrainer` (and
unsloth_zoo's `train_on_responses_only` on it) on a tiny random Llama, on CPU, fails on
the rows where preflight raises first (failure-modes.md, failures 1 and 2).

The `preflight-tests` extra installs trl and the CPU torch wheel (scripts/setup.sh, so CI
runs these); unsloth_zoo goes in with --no-deps (its pins want a GPU stack).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

import sftlint

pytest.importorskip("trl", reason="trl is absent: pip install -e '.[preflight-tests]'")

import torch
from datasets import Dataset
from transformers import (
    AutoTokenizer,
    DataCollatorWithPadding,
    LlamaConfig,
    LlamaForCausalLM,
    Trainer,
    TrainingArguments,
)
from trl import SFTConfig, SFTTrainer

GEMMA = Path(__file__).parent / "fixtures" / "tokenizers" / "gemma"
ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Name {n} prime numbers."},
            {"role": "assistant", "content": "2, 3 and 5."},
        ]
    }
    for n in range(3, 7)
]


def tiny_model(vocab_size: int) -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
    )
    return LlamaForCausalLM(config)


def sft_config(tmp_path: Path, **kwargs: Any) -> SFTConfig:
    return SFTConfig(
        output_dir=str(tmp_path),
        report_to="none",
        use_cpu=True,
        max_steps=1,
        per_device_train_batch_size=2,
        save_strategy="no",
        disable_tqdm=True,
        **kwargs,
    )


@pytest.fixture(scope="module")
def gemma() -> Any:
    return AutoTokenizer.from_pretrained(GEMMA)


def test_wrong_unsloth_markers_raise_before_training(gemma: Any, tmp_path: Path) -> None:
    with pytest.raises(sftlint.PreflightError) as caught:
        sftlint.preflight(
            Dataset.from_list(ROWS),
            gemma,
            trainer="unsloth",
            instruction_part="user\n",
            response_part="model\n",
        )
    assert str(caught.value) == (
        "sftlint preflight (unsloth, 4 rows): training would fail or train nothing\n"
        "- L001 trains-on-nothing: rows 0, 1, 2, 3: 4 of 4 rows train on nothing: the "
        "trainer will stop with 'All labels in your dataset are -100'; use instruction-part "
        "'<start_of_turn>user\\n' and response-part '<start_of_turn>model\\n' as the rows "
        "render them\n"
        "  fix: train the assistant turns: set the strategy and the markers the rows render "
        "with"
    )
    assert caught.value.rows == [0, 1, 2, 3]
    assert {f.code for f in caught.value.findings} == {"L001"}

    # The markers preflight suggests pass.
    found = sftlint.preflight(
        ROWS,
        gemma,
        trainer="unsloth",
        instruction_part="<start_of_turn>user\n",
        response_part="<start_of_turn>model\n",
    )
    assert [f.code for f in found if f.severity == "error"] == []


def unsloth_zoo_dataset_utils() -> Any:
    """unsloth_zoo's dataset_utils, imported on CPU as Unsloth's own CPU opt-outs allow."""
    os.environ.setdefault("UNSLOTH_ZOO_DISABLE_GPU_INIT", "1")
    os.environ.setdefault("UNSLOTH_DATASET_NUM_PROC", "0")
    return pytest.importorskip(
        "unsloth_zoo.dataset_utils",
        reason="unsloth_zoo is absent: pip install --no-deps unsloth_zoo (scripts/setup.sh)",
    )


def test_unsloth_itself_fails_on_the_wrong_markers(gemma: Any, tmp_path: Path) -> None:
    """The failure preflight prevents, as unsloth_zoo raises it on a real SFTTrainer."""
    zoo = unsloth_zoo_dataset_utils()
    texts = [{"text": gemma.apply_chat_template(r["messages"], tokenize=False)} for r in ROWS]
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()):
        patch.setattr(SFTTrainer, "_prepare_dataset", zoo.sft_prepare_dataset)  # as Unsloth does
        trainer = SFTTrainer(
            model=tiny_model(len(gemma)),
            args=sft_config(tmp_path, dataset_text_field="text"),
            train_dataset=Dataset.from_list(texts),
            processing_class=gemma,
        )
        with pytest.raises(ValueError, match="masked every label to -100"):
            zoo.train_on_responses_only(trainer, "user\n", "model\n")


def tokenized(tokenizer: Any) -> Dataset:
    rows = []
    for row in ROWS:
        enc = tokenizer.apply_chat_template(row["messages"], tokenize=True, return_dict=True)
        rows.append({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]})
    return Dataset.from_list(rows)


def test_a_collator_without_labels_raises_before_training(gemma: Any, tmp_path: Path) -> None:
    dataset = tokenized(gemma)
    collator = DataCollatorWithPadding(gemma)
    with pytest.raises(sftlint.PreflightError) as caught:
        sftlint.preflight(dataset, gemma, data_collator=collator)
    assert str(caught.value) == (
        "sftlint preflight (trl, 4 rows): training would fail or train nothing\n"
        "- labels missing: the data collator's batch has input_ids, attention_mask and no "
        "labels (rows 0-1), so the model computes no loss (transformers' Trainer: 'The model "
        "did not return a loss from the inputs')\n"
        "  fix: give the rows labels (prompt tokens -100), or use a collator that builds them "
        "(TRL's default DataCollatorForLanguageModeling copies input_ids into labels)"
    )

    # The same rows and collator in real runs fail at step 0. TRL 1.16's fused loss meets
    # the missing labels as None; transformers' Trainer says the model returned no loss.
    trainer = SFTTrainer(
        model=tiny_model(len(gemma)),
        args=sft_config(tmp_path, dataset_kwargs={"skip_prepare_dataset": True}),
        train_dataset=dataset,
        processing_class=gemma,
        data_collator=collator,
    )
    with pytest.raises(TypeError, match="'NoneType' object is not subscriptable"):
        trainer.train()
    plain = Trainer(
        model=tiny_model(len(gemma)),
        args=TrainingArguments(str(tmp_path), report_to="none", use_cpu=True, max_steps=1),
        train_dataset=dataset,
        data_collator=collator,
    )
    with pytest.raises(ValueError, match="did not return a loss from the inputs"):
        plain.train()

    # TRL's own collator builds the labels: nothing blocks.
    assert [f.code for f in sftlint.preflight(dataset, gemma) if f.severity == "error"] == []


def test_rows_where_some_labels_are_missing_or_all_masked(gemma: Any) -> None:
    enc = tokenized(gemma)
    rows = [dict(enc[i]) for i in range(3)]
    rows[1]["labels"] = [-100] * len(rows[1]["input_ids"])
    rows[2]["labels"] = list(rows[2]["input_ids"])
    with pytest.raises(sftlint.PreflightError) as caught:
        sftlint.preflight(rows, str(GEMMA), select=["T", "L"])
    assert caught.value.rows == [0, 1]
    # Each row under its own cause: neither is also reported as training nothing.
    assert str(caught.value).splitlines()[1:] == [
        '- T003 missing-labels: row 0: input_ids: no "labels" in this row, but 2 of 3 rows '
        "have them",
        "  fix: give every row labels, or none (the language-modelling collator then copies "
        "input_ids into labels)",
        "- T002 no-trainable-labels: row 1: labels: all 22 labels are -100: the row trains "
        "on nothing",
        "  fix: keep the labels of the response tokens (only prompt tokens are -100), or drop "
        "the rows",
    ]


def test_truncation_that_removes_every_trained_token(gemma: Any) -> None:
    with pytest.raises(sftlint.PreflightError) as caught:
        sftlint.preflight(ROWS[:1], gemma, strategy="assistant-only", max_seq_length=8)
    assert str(caught.value).splitlines()[1:] == [
        "- L005 truncation-removes-all: row 0: max-seq-length 8 cuts 14 of 22 tokens "
        "(turns 1-2) and with them all 7 trained tokens",
        "  fix: raise max-seq-length (TRL max_length) or shorten the rows",
    ]


def test_a_template_that_raises(gemma: Any) -> None:
    rows = [
        {"messages": [{"role": "assistant", "content": "hi"}, {"role": "user", "content": "x"}]}
    ]
    with pytest.raises(sftlint.PreflightError) as caught:
        sftlint.preflight(rows, gemma)
    assert str(caught.value).splitlines()[1:] == [
        "- L003 template-raised: row 0: the chat template raised: Conversation roles must "
        "alternate user/assistant/user/assistant/...",
        "  fix: fix the rows the chat template rejects (or the template)",
    ]


def test_an_object_that_is_no_tokenizer() -> None:
    with pytest.raises(TypeError, match="expected a transformers tokenizer, a folder or"):
        sftlint.preflight(ROWS, 42)


def test_the_trl_example_of_the_docs_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = (Path(__file__).parents[1] / "docs" / "python-api.md").read_text(encoding="utf-8")
    code = doc.split("### TRL", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    model_line = 'MODEL = "google/gemma-3-270m-it"'
    assert model_line in code and "SFTTrainer(model=MODEL," in code and 'report_to="none"' in code
    code = code.replace(model_line, f"MODEL = {str(GEMMA)!r}")  # offline: the fixture
    code = code.replace("SFTTrainer(model=MODEL,", "SFTTrainer(model=tiny_model(len(tokenizer)),")
    code = code.replace('report_to="none"', 'report_to="none", use_cpu=True')  # bf16 needs a GPU
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/python-api.md", "exec"), {"tiny_model": tiny_model})
    assert (tmp_path / "out").is_dir()


TEXTS = [{"text": f"Name {n} prime numbers: 2, 3 and 5."} for n in range(3, 7)]


def sftlint_labels(rows: list[dict[str, Any]], tmp_path: Path, **config: Any) -> list[list[int]]:
    """Each row's ids with sftlint's loss mask (-100 where untrained), as `show` sees them
    with the TRL profile (or the config keys given)."""
    from sftlint.engine import engine, rowview
    from sftlint.io.reader import FileInfo
    from sftlint.settings import resolve

    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = resolve({"tokenizer": str(GEMMA), "trainer": "trl", **config}, None)
    out = []
    for row in engine.iter_file_rows(str(path), FileInfo()):
        result = rowview.inspect_row(row, settings).result
        assert result is not None
        out.append([t if m else -100 for t, m in zip(result.ids, result.trained_mask, strict=True)])
    return out


@pytest.mark.parametrize("layout", ["text", "pre-tokenized"])
def test_language_modelling_rows_train_every_token_as_trl_does(
    gemma: Any, tmp_path: Path, layout: str
) -> None:
    """TRL's language-modelling layout: the text tokenized with the EOS appended, or the
    ids as given; labels copy input_ids. sftlint's mask is TRL's labels, and nothing blocks."""
    dataset = Dataset.from_list(TEXTS) if layout == "text" else tokenized(gemma)
    assert sftlint.preflight(dataset, gemma) == []
    # Nor is a prompt trained under strategy full: a text row has none (no L011).
    assert sftlint.preflight(dataset, gemma, strategy="full") == []
    trainer = SFTTrainer(
        model=tiny_model(len(gemma)),
        args=sft_config(tmp_path),
        train_dataset=dataset,
        processing_class=gemma,
    )
    prepared = trainer.train_dataset
    assert all(r["labels"] == r["input_ids"] for r in prepared)
    if layout == "text":
        assert all(r["input_ids"][-1] == gemma.eos_token_id for r in prepared)
    rows = TEXTS if layout == "text" else [dict(r) for r in dataset]
    assert sftlint_labels(rows, tmp_path) == [r["labels"] for r in prepared]


@pytest.mark.parametrize("layout", ["text", "pretokenized"])
def test_assistant_only_on_rows_that_are_not_conversations(
    gemma: Any, tmp_path: Path, layout: str
) -> None:
    dataset = Dataset.from_list(TEXTS) if layout == "text" else tokenized(gemma)
    with pytest.raises(sftlint.PreflightError) as caught:
        sftlint.preflight(dataset, gemma, strategy="assistant-only")
    assert str(caught.value) == (
        "sftlint preflight (trl, 4 rows): training would fail or train nothing\n"
        "- strategy assistant-only (TRL assistant_only_loss=True) needs conversational rows, "
        f"and row 0 is a {layout} row: TRL's SFTTrainer raises 'You set "
        "`assistant_only_loss=True`, but the dataset is not conversational' before training\n"
        "  fix: drop strategy assistant-only (TRL then trains every token of text and "
        "pre-tokenized rows), or give the rows as messages"
    )
    assert (caught.value.findings, caught.value.rows) == ([], [])
    with pytest.raises(ValueError, match=r"^You set `assistant_only_loss=True`, but the dataset"):
        SFTTrainer(
            model=tiny_model(len(gemma)),
            args=sft_config(tmp_path, assistant_only_loss=True),
            train_dataset=dataset,
            processing_class=gemma,
        )
    # Conversations under the same setting are not refused for their layout.
    found = sftlint.preflight(ROWS, gemma, strategy="assistant-only")
    assert [f.code for f in found if f.severity == "error"] == []


def test_truncation_of_pretokenized_rows_as_trl_truncates_them(gemma: Any, tmp_path: Path) -> None:
    """TRL cuts input_ids and labels at max_length and drops a row left with no trained
    label: row 0 trains only its last 4 tokens, row 1 every token."""
    enc = tokenized(gemma)
    rows = [{"input_ids": enc[i]["input_ids"]} for i in range(2)]
    n = len(rows[0]["input_ids"])
    rows[0]["labels"] = [-100] * (n - 4) + rows[0]["input_ids"][-4:]
    rows[1]["labels"] = list(rows[1]["input_ids"])
    with pytest.raises(sftlint.PreflightError) as caught:
        sftlint.preflight(rows, gemma, max_seq_length=8)
    assert str(caught.value).splitlines()[1:] == [
        f"- L005 truncation-removes-all: row 0: max-seq-length 8 cuts {n - 8} of {n} tokens "
        "(input_ids) and with them all 4 trained tokens",
        "  fix: raise max-seq-length (TRL max_length) or shorten the rows",
    ]
    trainer = SFTTrainer(
        model=tiny_model(len(gemma)),
        args=sft_config(tmp_path, max_length=8),
        train_dataset=Dataset.from_list(rows),
        processing_class=gemma,
    )
    # Row 0 is gone; row 1 is cut where sftlint cuts it.
    assert [r["labels"] for r in trainer.train_dataset] == [rows[1]["labels"][:8]]
    assert sftlint_labels(rows, tmp_path)[1][:8] == rows[1]["labels"][:8]


def test_unsloth_markers_over_text_rows(gemma: Any, tmp_path: Path) -> None:
    """Unsloth's usual layout: chats rendered to `text`, then train_on_responses_only.
    Wrong markers raise before training; the right ones give unsloth_zoo's own labels."""
    zoo = unsloth_zoo_dataset_utils()
    texts = [{"text": gemma.apply_chat_template(r["messages"], tokenize=False)} for r in ROWS]
    with pytest.raises(sftlint.PreflightError) as caught:
        sftlint.preflight(texts, gemma, trainer="unsloth", **MARKERS["wrong"])
    assert str(caught.value).splitlines()[1:] == [
        "- L001 trains-on-nothing: rows 0, 1, 2, 3: 4 of 4 rows train on nothing: the trainer "
        "will stop with 'All labels in your dataset are -100'",
        "  fix: train the assistant turns: set the strategy and the markers the rows render with",
    ]
    # The right markers raise nothing (the rows' control tokens are C004's, not blocking).
    found = sftlint.preflight(texts, gemma, trainer="unsloth", **MARKERS["right"])
    assert {f.code for f in found} == {"C004"}

    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()):
        patch.setattr(SFTTrainer, "_prepare_dataset", zoo.sft_prepare_dataset)  # as Unsloth does
        trainer = SFTTrainer(
            model=tiny_model(len(gemma)),
            args=sft_config(tmp_path, dataset_text_field="text"),
            train_dataset=Dataset.from_list(texts),
            processing_class=gemma,
        )
        trainer = zoo.train_on_responses_only(trainer, *MARKERS["right"].values())
    theirs = [list(r["labels"]) for r in trainer.train_dataset]
    config = {"trainer": "unsloth", **{k.replace("_", "-"): v for k, v in MARKERS["right"].items()}}
    assert sftlint_labels(texts, tmp_path, **config) == theirs


MARKERS = {
    "wrong": {"instruction_part": "user\n", "response_part": "model\n"},
    "right": {
        "instruction_part": "<start_of_turn>user\n",
        "response_part": "<start_of_turn>model\n",
    },
}
