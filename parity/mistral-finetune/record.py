"""Record mistral-finetune goldens: its own instruct data path, on mistral-common.

Run inside the mistral-finetune venv (parity/mistral-finetune/record.sh builds it and checks
the source out):
    MISTRAL_FINETUNE_SRC=<checkout> MISTRAL_FINETUNE_COMMIT=1943535 python parity/mistral-finetune/record.py

What runs: each row of chat.jsonl and mistral_tools.jsonl, parsed as `finetune/data/dataset.py` parses a line, goes through
`finetune.data.tokenize.encode(data, instruct_tokenizer, SampleType.INSTRUCT)`, i.e.
`build_instruct_sample` (message parsing, mistral-common's MistralRequestValidatorV3 in
finetuning mode, `only_last` for rows with tools) then `tokenize_instruct` (per-message
encoding and the boolean loss mask). The instruct tokenizer is `train.py`'s own:
`MistralTokenizer.v3(is_tekken=False).instruct_tokenizer`, the v3 SentencePiece model
sftlint's `mistral-v3` built-in is made from. A row `encode` raises on is that row's
`error` (in a real run the data iterator raises and training stops there).

mistral-finetune's mask marks the tokens it trains on (it shifts when building x/y):
labels[i] = tokens[i] where the mask is true, else -100. Eval-only chunking
(`maybe_chunk_data`) is not part of the training data path and is not recorded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
from golden import GoldenWriter, read_rows, short_error, versions
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

COMMIT = os.environ["MISTRAL_FINETUNE_COMMIT"]
# case -> rows file: the shared chat rows, and rows mistral-finetune accepts that exercise its
# tool encoding, `only_last` and `weight` (every tool row of chat.jsonl is refused).
CASES = {"instruct/mistral-v3": "chat.jsonl", "tools/mistral-v3": "mistral_tools.jsonl"}


def checkout() -> str:
    """Put mistral-finetune's checkout on sys.path; its commit (it must be the pinned one)."""
    src = os.environ["MISTRAL_FINETUNE_SRC"]
    head = subprocess.run(
        ["git", "-C", src, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert head.startswith(COMMIT), f"{src} is at {head}, not {COMMIT}"
    sys.path.insert(0, src)
    return head


def main() -> None:
    head = checkout()
    from finetune.data.tokenize import SampleType, encode  # mistral-finetune's own code

    w = GoldenWriter("mistral-finetune", COMMIT)
    t0 = time.time()
    instruct_tokenizer = MistralTokenizer.v3(is_tekken=False).instruct_tokenizer  # as train.py
    settings = {
        "sample_type": "instruct",
        "instruct_tokenizer": "MistralTokenizer.v3(is_tekken=False).instruct_tokenizer",
    }
    for case, rows_file in CASES.items():
        w.case(case, "mistral-v3", settings, rows_file)
        for i, row in enumerate(read_rows(rows_file)):
            try:
                sample = encode(
                    row, instruct_tokenizer=instruct_tokenizer, as_type=SampleType.INSTRUCT
                )
            except Exception as e:
                w.add(case, i, "error", short_error(e))
                continue
            labels = [t if m else -100 for t, m in zip(sample.tokens, sample.masks, strict=True)]
            w.add(case, i, "ok", None, sample.tokens, labels)
    out = w.write(
        {
            "versions": {**versions("mistral_common", "sentencepiece"), "mistral-finetune": head},
            "upstream": {
                "file": "finetune/data/tokenize.py",
                "functions": [
                    "encode(data, instruct_tokenizer, SampleType.INSTRUCT)",
                    "build_instruct_sample (parsing, MistralRequestValidatorV3 finetuning, only_last)",
                    "tokenize_instruct (per-message encoding, boolean mask)",
                ],
                "release": f"github.com/mistralai/mistral-finetune@{head} (no PyPI release)",
            },
            "how": "each row (chat.jsonl, mistral_tools.jsonl) as a parsed JSON line through encode(); instruct tokenizer "
            "as train.py builds it (v3 SentencePiece, mistral_instruct_tokenizer_240323.model.v3); "
            "labels = tokens where the mask is true, else -100; an exception is the row's error",
        }
    )
    print(f"wrote {out} ({len(w.lines)} lines) in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
