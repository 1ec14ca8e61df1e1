"""LLaMA-Factory's supervised encoding: its own templates, each turn's slot tokenized on its
own, the whole assistant slot trained.

Mirrors llamafactory 0.9.5: `data/template.py` (`register_template` of the templates
below, `Template._encode`, `Llama2Template._encode`, `_convert_elements_to_ids`) and
`data/processor/supervised.py` (`SupervisedDatasetProcessor._encode_data_example`, with
`processor_utils.infer_seqlen` for `cutoff_len`). Rows the converters drop are the
profile's L016 findings (`profiles.chat_refusal`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .findings import ERROR, WARNING, MaskIssue
from .results import MaskResult
from .settings import MaskSettings
from .tokenizers import TokenizerHandle

BOS, EOS = "{bos}", "{eos}"  # slot elements that are the tokenizer's bos / eos id
Slots = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LFTemplate:
    user: Slots
    assistant: Slots
    system: Slots
    prefix: Slots = ()
    default_system: str = ""
    stop_word: str | None = None  # replace_eos: the eos becomes the first stop word
    system_in_user: bool = False  # Llama2Template: the system text opens the first user slot
    # A multimodal plugin that loads the model's processor for every row, text or not.
    needs_processor: bool = False


_CONTENT = "{{content}}"
TEMPLATES: dict[str, LFTemplate] = {
    "qwen": LFTemplate(
        user=("<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n",),
        assistant=("{{content}}<|im_end|>\n",),
        system=("<|im_start|>system\n{{content}}<|im_end|>\n",),
        default_system="You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
        stop_word="<|im_end|>",
    ),
    "llama3": LFTemplate(
        user=(
            "<|start_header_id|>user<|end_header_id|>\n\n{{content}}<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
        ),
        assistant=("{{content}}<|eot_id|>",),
        system=("<|start_header_id|>system<|end_header_id|>\n\n{{content}}<|eot_id|>",),
        prefix=(BOS,),
    ),
    "gemma": LFTemplate(
        user=("<start_of_turn>user\n{{content}}<end_of_turn>\n<start_of_turn>model\n",),
        assistant=("{{content}}<end_of_turn>\n",),
        system=("{{content}}\n\n",),
        prefix=(BOS,),
        stop_word="<end_of_turn>",
        system_in_user=True,
    ),
    "default": LFTemplate(
        user=("Human: {{content}}", EOS, "\nAssistant:"),
        assistant=("{{content}}", EOS, "\n"),
        system=("System: {{content}}", EOS, "\n"),
    ),
    "empty": LFTemplate(user=(_CONTENT,), assistant=(_CONTENT,), system=(_CONTENT,)),
}
# Gemma 3: gemma's slots, with the gemma3 image plugin (which needs the processor).
TEMPLATES["gemma3"] = replace(TEMPLATES["gemma"], needs_processor=True)


def infer_seqlen(source_len: int, target_len: int, cutoff_len: int) -> tuple[int, int]:
    """processor_utils.infer_seqlen: how much of a prompt and its answer fit."""
    if target_len * 2 < cutoff_len:
        max_target_len = cutoff_len
    elif source_len * 2 < cutoff_len:
        max_target_len = cutoff_len - source_len
    else:
        max_target_len = int(cutoff_len * (target_len / (source_len + target_len)))
    new_target_len = min(max_target_len, target_len)
    new_source_len = min(max(cutoff_len - new_target_len, 0), source_len)
    return new_source_len, new_target_len


class _Encoder:
    """Slot elements -> ids, with the text and character offsets the preview shows."""

    def __init__(self, handle: TokenizerHandle, template: LFTemplate) -> None:
        tok = handle.tokenizer
        self.backend = handle.backend
        self.bos_id = tok.bos_token_id
        eos = template.stop_word or tok.eos_token
        self.eos = eos
        self.eos_id = self.backend.token_to_id(eos) if eos else None
        self.text = ""

    def encode(self, slots: Slots, content: str) -> tuple[list[int], list[tuple[int, int]]]:
        ids: list[int] = []
        offsets: list[tuple[int, int]] = []
        for slot in slots:
            if slot in (BOS, EOS):
                tid = self.bos_id if slot == BOS else self.eos_id
                if tid is not None:
                    text = (self.backend.id_to_token(tid) or "") if slot == EOS else ""
                    ids.append(tid)
                    offsets.append((len(self.text), len(self.text) + len(text)))
                    self.text += text
                continue
            elem = slot.replace(_CONTENT, content, 1)
            if not elem:
                continue
            enc = self.backend.encode(elem, add_special_tokens=False)
            base = len(self.text)
            ids += enc.ids
            offsets += [(base + s, base + e) for s, e in enc.offsets]
            self.text += elem
        return ids, offsets


def analyze(messages: list[dict], handle: TokenizerHandle, settings: MaskSettings) -> MaskResult:
    """One chat row as LLaMA-Factory's sft stage encodes it (messages already accepted by
    its converter: optional system, then user/assistant pairs)."""
    name = settings.chat_template or "empty"
    template = TEMPLATES[name]
    roles = [str(m.get("role")) for m in messages]
    if template.needs_processor and not _has_processor(handle):
        res = MaskResult(roles=roles)
        res.issues.append(
            MaskIssue(
                "L016",
                WARNING,
                f"LLaMA-Factory's {name} template loads the model's processor for every row "
                'and raises "Processor was not found": the tokenizer folder has no '
                "preprocessor_config.json",
                None,
            )
        )
        return res
    system = ""
    turns = list(enumerate(messages))
    if turns and roles[0] == "system":
        system = str(messages[0].get("content") or "")
        turns = turns[1:]
    system = system or template.default_system
    enc = _Encoder(handle, template)
    # Each message's ids on their own (Template._encode): the first one carries the prefix
    # and the system slot (or, for Llama2Template, the system text inside the user slot).
    encoded: list[tuple[int, list[int], list[tuple[int, int]], list[int | None]]] = []
    for k, (i, m) in enumerate(turns):
        content = str(m.get("content") or "")
        ids: list[int] = []
        offs: list[tuple[int, int]] = []
        owner: list[int | None] = []
        if k == 0:
            got = enc.encode(template.prefix, "")
            ids, offs, owner = got[0], got[1], [None] * len(got[0])
            if system and not template.system_in_user:
                got = enc.encode(template.system, system)
                ids, offs = ids + got[0], offs + got[1]
                owner += [0 if roles[0] == "system" else None] * len(got[0])
            elif system:
                content = template.system[0].replace(_CONTENT, system, 1) + content
        slots = template.user if m.get("role") == "user" else template.assistant
        got = enc.encode(slots, content)
        ids, offs = ids + got[0], offs + got[1]
        owner += [i] * len(got[0])
        encoded.append((i, ids, offs, owner))
    pairs = [(encoded[j], encoded[j + 1]) for j in range(0, len(encoded) - 1, 2)]
    return _assemble(pairs, enc, settings, roles, handle)


def _has_processor(handle: TokenizerHandle) -> bool:
    folder = Path(handle.name or "")
    return folder.is_dir() and (folder / "preprocessor_config.json").is_file()


def _assemble(
    pairs: list[tuple[Any, Any]],
    enc: _Encoder,
    settings: MaskSettings,
    roles: list[str],
    handle: TokenizerHandle,
) -> MaskResult:
    """supervised._encode_data_example: cutoff per pair, prompt masked, answer trained;
    mask_history keeps the last pairs first and trains only the last answer."""
    cutoff = settings.max_seq_length or 2048
    total = 0
    cut = 0
    order = pairs[::-1] if settings.mask_history else pairs
    chunks: list[tuple[list[int], list[tuple[int, int]], list[int | None], list[bool], list[str]]]
    chunks = []
    for k, (source, target) in enumerate(order):
        if total >= cutoff:
            cut += len(source[1]) + len(target[1])
            continue
        s_len, t_len = infer_seqlen(len(source[1]), len(target[1]), cutoff - total)
        cut += len(source[1]) - s_len + len(target[1]) - t_len
        total += s_len + t_len
        s_train = settings.train_on_prompt
        t_train = not (settings.mask_history and k != 0)
        s_why = "train-on-prompt" if s_train else "prompt"
        t_why = "assistant" if t_train else "masked history"
        chunk = (
            source[1][:s_len] + target[1][:t_len],
            source[2][:s_len] + target[2][:t_len],
            source[3][:s_len] + target[3][:t_len],
            [s_train] * s_len + [t_train] * t_len,
            [s_why] * s_len + [t_why] * t_len,
        )
        chunks.append(chunk)
    if settings.mask_history:
        chunks.reverse()
    res = MaskResult(rendered=enc.text, roles=roles, _pieces=handle.backend.id_to_token)
    offsets: list[tuple[int, int]] = []
    for ids, offs, owner, trained, why in chunks:
        res.ids += ids
        offsets += offs
        res.turn_of += owner
        res.trained_mask += trained
        res.reason_of += why
    res._offsets = offsets
    if cut:
        lost_all = not any(res.trained_mask)
        res.issues.append(
            MaskIssue(
                "L005" if lost_all else "L006",
                ERROR if lost_all else WARNING,
                f"cutoff_len {cutoff} (max-seq-length) cuts {cut} tokens: LLaMA-Factory shortens "
                "each prompt and answer to fit",
                None,
            )
        )
    return res
