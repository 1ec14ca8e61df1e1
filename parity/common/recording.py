"""The preamble the recorders that build a trainer share (parity/trl, parity/unsloth).

Runs inside a trainer's own venv; stdlib at import time. Importing it sets the offline
environment, so it is imported before the trainer's libraries (they read it on import).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


# No network (goldens come from local fixtures only), no tokenizer threads.
for _key, _value in OFFLINE.items():
    os.environ.setdefault(_key, _value)


def quiet() -> None:
    """No progress bars, no dataset cache (every case maps afresh), errors only."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    datasets.disable_caching()
    transformers.logging.set_verbosity_error()
    warnings.filterwarnings("ignore")


def tiny_model(vocab_size: int) -> Any:
    """A tiny random LlamaForCausalLM on CPU: the trainer needs a model, not its weights."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=2048,
    )
    return LlamaForCausalLM(config)
