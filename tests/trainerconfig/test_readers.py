"""Reading trainer configs: which trainer, which datasets, and the sftlint settings each
run is checked with (the trainers' unstated defaults included)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sftlint import trainerconfig
from sftlint.settings import Settings
from sftlint.trainerconfig import checks

TOKENIZERS = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers"
CHATML = str(TOKENIZERS / "chatml")
ROW = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rows(path: Path, *values: object) -> Path:
    path.write_text("".join(json.dumps(v) + "\n" for v in values), encoding="utf-8")
    return path


def located(config: trainerconfig.TrainerConfig) -> list[tuple[str, int, int, int, str]]:
    """(code, line, start column, end column, message) of each issue, 0-based."""
    out = []
    for issue in config.issues:
        f = checks.to_finding(config, issue, Settings())
        assert f is not None
        r = f.range
        out.append((f.code, r.start.line, r.start.column, r.end.column, f.message))
    return out


def test_axolotl_defaults_and_a_misspelled_key_on_its_line(tmp_path: Path) -> None:
    rows(tmp_path / "chat.jsonl", ROW)
    cfg = write(
        tmp_path / "axolotl.yml",
        f"base_model: {CHATML}\n"
        "chat_template: chatml\n"
        "datasets:\n"
        "  - path: chat.jsonl\n"
        "    type: chat_template\n"
        "    field_messsages: messages\n",
    )
    config = trainerconfig.load(cfg)
    assert config.trainer == "axolotl"
    [run] = config.runs
    assert run.files == [tmp_path / "chat.jsonl"]
    assert run.table == {
        "tokenizer": CHATML,
        "trainer": "axolotl",
        "max-seq-length": 512,
        "chat-template": "chatml",
        "field-messages": "messages",
        "roles-to-train": ["assistant"],
        "train-on-eos": "turn",
    }
    assert located(config) == [
        (
            "G005",
            5,
            4,
            19,
            'Axolotl\'s dataset entry does not read the key "field_messsages", so it is '
            'ignored; did you mean "field_messages"?',
        )
    ]


def test_axolotl_missing_dataset_unknown_template_and_uncached_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.chdir(tmp_path)
    cfg = write(
        tmp_path / "axolotl.yml",
        "base_model: some-org/not-here\n"
        "chat_template: chatml2\n"
        "datasets:\n"
        "  - path: trian.jsonl\n"
        "    type: chat_template\n",
    )
    assert located(trainerconfig.load(cfg)) == [
        (
            "G003",
            0,
            0,
            10,
            "base_model 'some-org/not-here' is neither a local folder nor in the local Hugging "
            "Face cache, so rows are checked without its tokenizer (sftlint never downloads: "
            "fetch it once with `huggingface-cli download some-org/not-here`)",
        ),
        ("G004", 1, 0, 13, "Axolotl has no chat template 'chatml2'; did you mean \"chatml\"?"),
        (
            "G002",
            3,
            4,
            8,
            "dataset 'trian.jsonl' is neither a local file or folder nor a Hub dataset in the "
            "local cache",
        ),
    ]


def test_a_hub_model_in_the_local_cache_is_used_by_its_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    (tmp_path / "hub" / "models--org--model" / "snapshots" / "abc").mkdir(parents=True)
    rows(tmp_path / "chat.jsonl", ROW)
    cfg = write(tmp_path / "trl.yaml", "model_name_or_path: org/model\ndataset_name: chat.jsonl\n")
    config = trainerconfig.load(cfg)
    assert config.issues == []
    assert config.runs[0].table == {
        "trainer": "trl",
        "tokenizer": "org/model",
        "max-seq-length": 1024,
    }


def test_trl_losses_and_length(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    rows(folder / "train.jsonl", ROW)
    rows(folder / "test.jsonl", ROW)
    cfg = write(
        tmp_path / "trl.yaml",
        f"model_name_or_path: {CHATML}\n"
        "dataset_name: data\n"
        "assistant_only_loss: true\n"
        "max_length: null\n",
    )
    config = trainerconfig.load(cfg)
    assert config.trainer == "trl"
    [run] = config.runs
    assert run.files == [folder / "train.jsonl"]
    assert run.table == {
        "trainer": "trl",
        "tokenizer": CHATML,
        "strategy": "assistant-only",
        "max-seq-length": trainerconfig.trl.NO_LIMIT,
    }


def test_llamafactory_dataset_info_columns_and_template(tmp_path: Path, llamafactory: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(llamafactory / "glaive_toolcall_en_demo.json", data)
    info = {
        "glaive_toolcall_en_demo": {
            "file_name": "glaive_toolcall_en_demo.json",
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "tools": "tools"},
        }
    }
    (data / "dataset_info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    cfg = write(
        tmp_path / "lf.yaml",
        f"model_name_or_path: {CHATML}\n"
        "stage: sft\n"
        "template: qwen\n"
        "dataset: glaive_toolcall_en_demo, identity\n"
        "dataset_dir: data\n"
        "cutoff_len: 1024\n"
        "mask_history: true\n",
    )
    config = trainerconfig.load(cfg)
    assert config.trainer == "llama-factory"
    [run] = config.runs
    assert run.files == [data / "glaive_toolcall_en_demo.json"]
    assert run.table == {
        "format": "sharegpt",
        "columns": {"messages": "conversations", "tools": "tools"},
        "tokenizer": CHATML,
        "trainer": "llama-factory",
        "chat-template": "qwen",
        "max-seq-length": 1024,
        "mask-history": True,
    }
    assert located(config) == [
        (
            "G002",
            3,
            0,
            7,
            "dataset 'identity' is not defined in dataset_info.json",
        )
    ]
    assert checks.mapping_issues(config, run) == []


def test_llamafactory_unknown_template(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "dataset_info.json", "{}")
    cfg = write(
        tmp_path / "lf.yaml", f"model_name_or_path: {CHATML}\ntemplate: qwen2\ndataset: x\n"
    )
    assert located(trainerconfig.load(cfg))[0] == (
        "G004",
        1,
        0,
        8,
        "LLaMA-Factory has no template 'qwen2'; did you mean \"qwen\"?",
    )


def test_mistral_finetune_instruct_data_with_weights(tmp_path: Path) -> None:
    rows(tmp_path / "a.jsonl", ROW)
    model = tmp_path / "model"
    model.mkdir()
    (model / "tekken.json").write_text("{}", encoding="utf-8")
    cfg = write(
        tmp_path / "mf.yaml",
        "model_id_or_path: model\ndata:\n  instruct_data: a.jsonl:2.0\n",
    )
    config = trainerconfig.load(cfg)
    assert config.trainer == "mistral-finetune"
    assert [(r.name, r.files, r.table) for r in config.runs] == [
        (
            "a.jsonl",
            [tmp_path / "a.jsonl"],
            {"trainer": "mistral-finetune", "tokenizer": "mistral-tekken"},
        )
    ]


def test_not_a_trainer_config_and_bad_yaml(tmp_path: Path) -> None:
    other = write(tmp_path / "ci.yaml", "jobs:\n  test: {}\n")
    assert [i.code for i in trainerconfig.load(other).issues] == ["G001"]
    bad = write(tmp_path / "bad.yaml", "base_model: x\ndatasets: [\n")
    assert located(trainerconfig.load(bad)) == [
        (
            "G001",
            2,
            0,
            0,
            "cannot read the trainer config: invalid YAML: expected the node content, but "
            "found '<stream end>'",
        )
    ]
