"""LLaMA-Factory's supervised encoding: its own templates, each turn's slot tokenized on its
own, the whole assistant slot trained.

Mirrors llamafactory 0.9.5: `data/template.py` (`register_template` of the templates
below, `Template._encode`, `Llama2Template._encode`, `_convert_elements_to_ids`) and
`data/processor/supervised.py` (`SupervisedDatasetProcessor._encode_data_example`, with
`processor_utils.infer_seqlen` for `cutoff_len`) and `data/converter.py` (the sharegpt,
openai and alpaca converters; a row they drop or raise on is an L016 finding).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
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
    observation: Slots | None = None  # None: the user slots
    function: Slots | None = None  # None: the assistant slots
    tool_format: str = "default"
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
        observation=(
            "<|im_start|>user\n<tool_response>\n{{content}}\n</tool_response><|im_end|>\n"
            "<|im_start|>assistant\n",
        ),
        tool_format="qwen",
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
        observation=(
            "<|start_header_id|>ipython<|end_header_id|>\n\n{{content}}<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
        ),
        tool_format="llama3",
        prefix=(BOS,),
    ),
    "gemma": LFTemplate(
        user=("<start_of_turn>user\n{{content}}<end_of_turn>\n<start_of_turn>model\n",),
        assistant=("{{content}}<end_of_turn>\n",),
        system=("{{content}}\n\n",),
        observation=("<start_of_turn>tool\n{{content}}<end_of_turn>\n<start_of_turn>model\n",),
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


USER, ASSISTANT, OBSERVATION, FUNCTION = "user", "assistant", "observation", "function"
# DatasetAttr's tags, the ShareGPT defaults (the openai formatting takes the same defaults).
DEFAULT_TAGS = {
    "role_tag": "from",
    "content_tag": "value",
    "user_tag": "human",
    "assistant_tag": "gpt",
    "observation_tag": "observation",
    "function_tag": "function_call",
    "system_tag": "system",
}


@dataclass(frozen=True, slots=True)
class Example:
    """A row as LLaMA-Factory's converter hands it to the processor."""

    messages: tuple[tuple[str, Any, int], ...]  # (role, content, index of the row's turn)
    system: str = ""
    tools: str = ""


def convert(
    value: Any, layout: str, columns: dict[str, str], tags: dict[str, str]
) -> Example | str:
    """converter.py's SharegptDatasetConverter / OpenAIDatasetConverter /
    AlpacaDatasetConverter for one row; a string says why LLaMA-Factory drops the row or
    raises on it."""
    if not isinstance(value, dict):
        return "LLaMA-Factory raises on this row: it is not a JSON object"
    if layout == "alpaca":
        return _convert_alpaca(value, columns)
    t = {**DEFAULT_TAGS, **tags}
    column = columns.get("messages", "conversations")
    messages = value.get(column)
    if column not in value:
        return (
            f'LLaMA-Factory raises on this row: it reads the turns from the "{column}" column '
            "(dataset_info columns.messages), which the row does not have; set `columns` in "
            "the config as in dataset_info.json"
        )
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        return f'LLaMA-Factory raises on this row: "{column}" is not a list of message objects'
    offset = 0
    if messages and messages[0].get(t["role_tag"]) == t["system_tag"]:
        system = messages[0].get(t["content_tag"])
        messages, offset = messages[1:], 1
    else:
        system = value.get(columns["system"], "") if "system" in columns else ""
    mapping = {
        t["user_tag"]: USER,
        t["assistant_tag"]: ASSISTANT,
        t["observation_tag"]: OBSERVATION,
        t["function_tag"]: FUNCTION,
    }
    aligned: list[tuple[str, Any, int]] = []
    if layout == "openai":
        pending: list[tuple[Any, int]] = []
        for k, m in enumerate(messages, offset):
            role, content = m.get(t["role_tag"]), m.get(t["content_tag"])
            if role in (t["assistant_tag"], t["function_tag"]) and m.get("tool_calls"):
                calls = [c.get("function") for c in m["tool_calls"] if isinstance(c, dict)]
                content, role = json.dumps(calls, ensure_ascii=False), t["function_tag"]
            if role == t["observation_tag"]:
                pending.append((content, k))
                continue
            if pending:
                joined = "\n</tool_response>\n<tool_response>\n".join(str(c) for c, _ in pending)
                aligned.append((OBSERVATION, joined, pending[0][1]))
                pending = []
            if role not in mapping:
                return _invalid_tag(k)
            aligned.append((mapping[role], content, k))
        accept = ((USER, OBSERVATION), (ASSISTANT, FUNCTION))
        for n, (role, _, k) in enumerate(aligned):
            if role not in accept[n % 2]:
                return _invalid_tag(k)
    else:
        accept_tags = (
            (t["user_tag"], t["observation_tag"]),
            (t["assistant_tag"], t["function_tag"]),
        )
        for n, m in enumerate(messages):
            if m.get(t["role_tag"]) not in accept_tags[n % 2]:
                return _invalid_tag(n + offset)
            aligned.append((mapping[m[t["role_tag"]]], m.get(t["content_tag"]), n + offset))
    if len(aligned) % 2:
        return (
            "LLaMA-Factory drops this row (Invalid message count): it needs prompt/answer "
            f"pairs and the row has {len(aligned)} turns after the system prompt"
        )
    for _, content, k in aligned:
        if not isinstance(content, str):
            return (
                f"LLaMA-Factory raises on this row: turn {k + 1}'s content is not a string "
                '("Expected a string")'
            )
    tools = value.get(columns["tools"], "") if "tools" in columns else ""
    if isinstance(tools, dict | list):
        tools = json.dumps(_arrow_unified([tools])[0], ensure_ascii=False)
    system = system if isinstance(system, str) else ""
    if layout == "openai":  # the converter's own suffix for reasoning models
        if not system:
            system = "" if tools else _THINKING_OFF
        elif not tools:
            if "detailed thinking on" not in system and _THINKING_OFF not in system:
                system += "\n" + _THINKING_OFF
        else:
            system += "\n"
    return Example(tuple(aligned), system, tools if isinstance(tools, str) else "")


_THINKING_OFF = "detailed thinking off"


def _arrow_unified(values: list[Any]) -> list[Any]:
    """Values as `datasets` hands them back from Arrow: objects side by side in one list
    (or column) share one struct type, so each gets every key any of them has, in
    first-seen order, missing ones as null."""
    dicts = [v for v in values if v is not None]
    if dicts and all(isinstance(v, dict) for v in dicts):
        keys = list(dict.fromkeys(k for d in dicts for k in d))
        columns = {
            k: _arrow_unified([d.get(k) if d is not None else None for d in values]) for k in keys
        }
        return [
            None if v is None else {k: columns[k][i] for k in keys} for i, v in enumerate(values)
        ]
    if dicts and all(isinstance(v, list) for v in dicts):
        flat = _arrow_unified([x for v in dicts for x in v])
        out: list[list[Any] | None] = []
        pos = 0
        for v in values:
            if v is None:
                out.append(None)
                continue
            out.append(flat[pos : pos + len(v)])
            pos += len(v)
        return out
    return values


def _invalid_tag(turn: int) -> str:
    return (
        f"LLaMA-Factory drops this row (Invalid role tag): turn {turn + 1} has a role its "
        "converter does not accept at that place (turns must alternate user/observation and "
        "assistant/function)"
    )


# data/parser.py DatasetAttr: the columns an alpaca dataset reads when dataset_info gives
# no `columns` (with `columns`, the keys it leaves out read nothing).
ALPACA_DEFAULTS = {"prompt": "instruction", "query": "input", "response": "output"}


def _convert_alpaca(value: dict, columns: dict[str, str]) -> Example | str:
    columns = columns or ALPACA_DEFAULTS
    query = []
    for key in ("prompt", "query"):
        column = columns.get(key)
        if column and value.get(column):
            if not isinstance(value[column], str):
                return f'LLaMA-Factory raises on this row: "{column}" is not a string'
            query.append(value[column])
    response = value.get(columns.get("response", ""))
    if not isinstance(response, str):
        return "LLaMA-Factory drops this row: it has no response string"
    system = value.get(columns["system"], "") if "system" in columns else ""
    return Example(((USER, "\n".join(query), 0), (ASSISTANT, response, 1)), system or "")


# The tags of an OpenAI `messages` row (role/content, tool results as `tool`).
OPENAI_TAGS = {
    "role_tag": "role",
    "content_tag": "content",
    "user_tag": "user",
    "assistant_tag": "assistant",
    "observation_tag": "tool",
}
# With no dataset_info (no trainer config), the entry that reads the row's own layout, as the
# parity goldens record it: formatting -> (columns besides `messages`, tags).
DEFAULT_ENTRIES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "openai": ({"tools": "tools"}, OPENAI_TAGS),
    "sharegpt": ({"system": "system", "tools": "tools"}, {}),
}


def from_messages(messages: list[dict]) -> Example | str:
    """Template messages (OpenAI layout) through the openai converter."""
    return convert({"messages": messages}, "openai", {"messages": "messages"}, OPENAI_TAGS)


def analyze(
    example: Example, handle: TokenizerHandle, settings: MaskSettings, roles: list[str]
) -> MaskResult:
    """One converted row as LLaMA-Factory's sft stage encodes it."""
    name = settings.chat_template or "empty"
    template = TEMPLATES[name]
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
    system = example.system or template.default_system
    tool_text = tool_prompt(template.tool_format, example.tools) if example.tools else ""
    enc = _Encoder(handle, template)
    # Each message's ids on their own (Template._encode): the first one carries the prefix
    # and the system slot (or, for Llama2Template, the system text inside the user slot).
    encoded: list[tuple[int, list[int], list[tuple[int, int]], list[int | None]]] = []
    has_system_turn = bool(roles) and roles[0] == "system"
    for k, (role, content, i) in enumerate(example.messages):
        ids: list[int] = []
        offs: list[tuple[int, int]] = []
        owner: list[int | None] = []
        if k == 0:
            got = enc.encode(template.prefix, "")
            ids, offs, owner = got[0], got[1], [None] * len(got[0])
            if (system or tool_text) and not template.system_in_user:
                got = enc.encode(template.system, system + tool_text)
                ids, offs = ids + got[0], offs + got[1]
                owner += [0 if has_system_turn else None] * len(got[0])
            elif system or tool_text:
                content = template.system[0].replace(_CONTENT, system + tool_text, 1) + content
        if role == USER:
            slots = template.user
        elif role == OBSERVATION:
            slots = template.observation or template.user
        elif role == FUNCTION:
            slots = template.function or template.assistant
            content = function_text(template.tool_format, content)
        else:
            slots = template.assistant
        got = enc.encode(slots, content)
        ids, offs = ids + got[0], offs + got[1]
        owner += [i] * len(got[0])
        encoded.append((i, ids, offs, owner))
    pairs = [(encoded[j], encoded[j + 1]) for j in range(0, len(encoded) - 1, 2)]
    return _assemble(pairs, enc, settings, roles, handle)


def today() -> str:
    """The date Llama 3's tool prompt carries (LLaMA-Factory writes the day it runs)."""
    return datetime.now().strftime("%d %b %Y")


def tool_prompt(tool_format: str, tools: str) -> str:
    """ToolFormatter: the tool definitions as the template's system text."""
    try:
        parsed = json.loads(tools)
    except ValueError:
        return ""
    if not parsed:  # ToolFormatter.apply: `"[]"` gives no tool prompt at all
        return ""
    parsed = [t for t in (parsed if isinstance(parsed, list) else [parsed]) if isinstance(t, dict)]
    if tool_format == "qwen":
        text = "".join("\n" + json.dumps(_wrapped(t), ensure_ascii=False) for t in parsed)
        return (
            "\n\n# Tools\n\nYou may call one or more functions to assist with the user query."
            "\n\nYou are provided with function signatures within <tools></tools> XML tags:\n"
            f"<tools>{text}\n</tools>\n\nFor each function call, return a json object with "
            "function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
        )
    if tool_format == "llama3":
        text = "".join(
            json.dumps(_wrapped(t), indent=4, ensure_ascii=False) + "\n\n" for t in parsed
        )
        return (
            f"Cutting Knowledge Date: December 2023\nToday Date: {today()}\n\n"
            "You have access to the following functions. To call a function, please respond "
            'with JSON for a function call. Respond in the format {"name": function name, '
            '"parameters": dictionary of argument name and its value}. Do not use variables.'
            f"\n\n{text}"
        )
    return _default_tool_prompt(parsed)


def _wrapped(tool: dict) -> dict:
    return tool if tool.get("type") == "function" else {"type": "function", "function": tool}


def _default_tool_prompt(tools: list[dict]) -> str:
    """DefaultToolUtils.tool_formatter."""
    tool_text, names = "", []
    for tool in tools:
        tool = tool.get("function", "") if tool.get("type") == "function" else tool
        params = ""
        for name, param in tool["parameters"]["properties"].items():
            required = ", required" if name in tool["parameters"].get("required", []) else ""
            enum = f", should be one of [{', '.join(param['enum'])}]" if param.get("enum") else ""
            items = (
                f", where each item should be {param['items'].get('type', '')}"
                if param.get("items")
                else ""
            )
            params += (
                f"  - {name} ({param.get('type', '')}{required}): "
                f"{param.get('description', '')}{enum}{items}\n"
            )
        tool_text += (
            f"> Tool Name: {tool['name']}\nTool Description: {tool.get('description', '')}\n"
            f"Tool Args:\n{params}\n"
        )
        names.append(tool["name"])
    return (
        f"You have access to the following tools:\n{tool_text}"
        "Use the following format if using a tool:\n```\n"
        f"Action: tool name (one of [{', '.join(names)}])\n"
        "Action Input: the input to the tool, in a JSON format representing the kwargs "
        '(e.g. ```{"input": "hello world", "num_beams": 5}```)\n```\n'
    )


def function_text(tool_format: str, content: str) -> str:
    """FunctionFormatter: a function message's JSON calls as the template writes them."""
    calls = json.loads(content)
    calls = calls if isinstance(calls, list) else [calls]
    pairs = [(c["name"], json.dumps(c["arguments"], ensure_ascii=False)) for c in calls]
    if tool_format == "qwen":
        texts = [
            json.dumps({"name": n, "arguments": json.loads(a)}, ensure_ascii=False)
            for n, a in pairs
        ]
        return "\n".join(f"<tool_call>\n{t}\n</tool_call>" for t in texts)
    if tool_format == "llama3":
        objs = [{"name": n, "parameters": json.loads(a)} for n, a in pairs]
        return json.dumps(objs[0] if len(objs) == 1 else objs, ensure_ascii=False)
    return "\n".join(f"Action: {n}\nAction Input: {a}" for n, a in pairs)


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
