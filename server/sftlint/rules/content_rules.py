"""C: what the turns say. Empty or mistyped content, control tokens, broken tool calls."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from sftlint.io import formats, jsonscan
from sftlint.io.formats import Turn
from sftlint.io.jsonscan import json_type
from sftlint.io.reader import JsonPath, Row, format_path
from sftlint.model import Range, Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import RowContext, row_check
from sftlint.rules.conversations import CALL_PART_TYPES, row_conversations, where

register(
    Rule(
        "C001",
        "empty-assistant-content",
        Severity.ERROR,
        "Assistant turn with empty or whitespace-only content",
        """\
An empty assistant turn teaches the model to answer with nothing but the end-of-turn
token: after training it stops right after the header. It usually means a generation
step failed while the data was built. An assistant turn that only makes `tool_calls`
may have empty content and is not reported.

Bad:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "C002",
        "empty-content",
        Severity.WARNING,
        "User, system or tool turn with empty or whitespace-only content",
        """\
A prompt turn with nothing in it trains the model to answer an empty question; an empty
system prompt renders a bare system header (templates such as Qwen 2.5's then skip their
default system prompt). Usually a field was lost while the data was converted.

Bad:
```json
{"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "C003",
        "content-wrong-type",
        Severity.ERROR,
        "Content that is not a string or a list of content parts",
        """\
Message content is a string, or a list of content parts (objects with a `type` and a
`text` / `value`, as in OpenAI and LLaMA-Factory v1 data). A number, an object or a list
of bare strings makes templates render `42` or the Python repr of a dict, or raise
(`can only concatenate str`); `datasets` fails to build one Arrow type for the column.
Alpaca fields and prompt/completion strings must be strings.

Bad:
```json
{"messages": [{"role": "user", "content": {"text": "hi"}}, {"role": "assistant", "content": 42}]}
```
Good:
```json
{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]},
              {"role": "assistant", "content": "42"}]}
```
""",
    ),
    Rule(
        "C004",
        "control-token-in-content",
        Severity.ERROR,
        "Literal chat-template control token inside content",
        """\
Text such as `<|im_end|>`, `[INST]`, `<start_of_turn>`, `<|eot_id|>` or `</s>` inside
content is not plain text to the tokenizer: it is encoded as the special token itself.
The rendered row then has an extra turn boundary in the middle of a turn, the loss mask
built from those boundaries is wrong (Unsloth's and Axolotl's searches find the marker
at the wrong place), and the model learns to emit end-of-turn tokens mid-answer.
Usually the data was rendered with a chat template once already. Remove the token, or
write it so that it is not one (e.g. a space inside it). One finding a string, at its
first token and naming every token it holds; the rows whose strings hold the same tokens
print as one line.

A `text` row is different: it is often a chat rendered on purpose (Unsloth's notebooks
render `messages` to `text`, then `train_on_responses_only` searches it for the turn
headers), and its tokens are right when they are the model's own. There C004 is an info,
one a row naming its tokens, and the rows of a file print as one line.

Bad:
```json
{"messages": [{"role": "user", "content": "hi<|im_end|>"},
              {"role": "assistant", "content": "hello</s>"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "C005",
        "invalid-tool-arguments",
        Severity.ERROR,
        "Tool call `arguments` that are not valid JSON",
        """\
OpenAI `tool_calls[].function.arguments` is a JSON *string* holding an object, and a
ShareGPT `function_call` turn's value is a JSON string `{"name": ..., "arguments": ...}`.
Chat templates and trainers parse them (`json.loads`): invalid JSON raises
(LLaMA-Factory: `Invalid JSON format in function message`), or the broken text is
trained as the call. The finding points at the character where the JSON breaks.

Bad:
```json
{"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
 "function": {"name": "weather", "arguments": "{'city': 'Paris'}"}}]}
```
Good:
```json
{"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
 "function": {"name": "weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}
```
""",
    ),
)

# Control tokens of common chat templates. `<|python_tag|>` is left out: Llama 3 tool
# calls carry it in assistant content on purpose.
CONTROL_TOKENS = (
    "<|im_start|>",
    "<|im_end|>",
    "<|im_sep|>",
    "<|endoftext|>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|user|>",
    "<|assistant|>",
    "<|system|>",
    "<|end|>",
    "<|observation|>",
    "[INST]",
    "[/INST]",
    "[SYSTEM_PROMPT]",
    "[/SYSTEM_PROMPT]",
    "[TOOL_CALLS]",
    "[AVAILABLE_TOOLS]",
    "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]",
    "[/TOOL_RESULTS]",
    "<s>",
    "</s>",
    "<bos>",
    "<eos>",
    "<start_of_turn>",
    "<end_of_turn>",
    "[gMASK]",
    "<sop>",
    "<eop>",
    "<｜begin▁of▁sentence｜>",
    "<｜end▁of▁sentence｜>",
    "<｜User｜>",
    "<｜Assistant｜>",
)
TOKEN_RE = re.compile("|".join(re.escape(t) for t in CONTROL_TOKENS))
# Cheap test on the raw row bytes: a token, or an escape that could spell one
# (`\u003c` for "<" as Go's encoder writes, `\uff5c` for DeepSeek's "｜").
_RAW_TOKEN_RE = re.compile(
    b"|".join(re.escape(t.encode()) for t in CONTROL_TOKENS)
    + rb"|\\u00(?:3[cC]|5[bB])|\\u[fF][fF]5[cC]"
)


# What may follow "[" in a bracket token ([INST], [/INST], [SYSTEM_PROMPT], [gMASK], ...).
_BRACKET_NEXT = frozenset(b"/ABCDEFGHIJKLMNOPQRSTUVWXYZg")


def may_hold_token(raw: bytes) -> bool:
    """Whether the raw row can hold a control token at all (most rows: no regex run).

    Every token starts with "<" or "[", or is spelled with a "\\u" escape: `in` and `find`
    on bytes are memchr-fast, and rows have few "[" to look behind.
    """
    if b"<" not in raw and b"\\u" not in raw:
        find, i = raw.find, raw.find(b"[")
        while i >= 0 and (i + 1 == len(raw) or raw[i + 1] not in _BRACKET_NEXT):
            i = find(b"[", i + 1)
        if i < 0:
            return False
    return _RAW_TOKEN_RE.search(raw) is not None


# A tuple, like CALL_PART_TYPES: `in` must not raise on an unhashable "type".
_TEXT_PART_TYPES = ("text", "reasoning", "thinking", "input_text", "output_text", "refusal")
_TEXT_KEYS = ("text", "value", "content", "thinking", "reasoning")


# --- where a substring of a JSON string sits in the file -----------------------------------

# One escape: a surrogate pair (one character), \uXXXX, or a one-letter escape.
_ESCAPE = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)"
)


def source_index(body: str, k: int) -> int:
    """Index in a JSON string's source `body` (no quotes) of decoded character `k`."""
    if "\\" not in body:
        return k
    decoded = 0
    src = 0
    for m in _ESCAPE.finditer(body):
        plain = m.start() - src  # characters copied as they are before this escape
        if decoded + plain >= k:
            break
        decoded += plain + 1  # the escape decodes to one character
        src = m.end()
    return src + (k - decoded)


def substring_span(row: Row, path: JsonPath, start: int, end: int) -> Range:
    """Range in the file of characters [start, end) of the string value at `path`."""
    root = row.scan.root
    node = jsonscan.locate(root, path) if root is not None else None
    if node is None or node.kind != "string":
        return row.span(path)
    body = row.rowtext.text[node.start + 1 : node.end - 1]
    base = node.start + 1
    return row.rowtext.range(base + source_index(body, start), base + source_index(body, end))


# --- the strings of a row and who speaks them ----------------------------------------------


@dataclass(slots=True)
class Slot:
    """One piece of content: a message's content, or an Alpaca / prompt-completion field."""

    path: JsonPath
    value: Any
    role: str | None  # canonical role whose words these are
    parts_allowed: bool  # a list of content parts is fine (chat messages)
    exempt_empty: bool = False  # e.g. an assistant turn that only calls tools
    turn: Turn | None = None

    @property
    def label(self) -> str:
        """How messages name it: `turn 2 (messages[1].content)`, or `output`."""
        return where(self.turn, self.path) if self.turn else format_path(self.path)


def _field_slots(ctx: RowContext) -> Iterator[Slot]:
    """Content held by row fields rather than messages: Alpaca, prompt/completion, text."""
    fmt, value = ctx.format, ctx.value
    if fmt == formats.ALPACA:
        yield from _alpaca_slots(ctx)
    elif fmt == formats.PROMPT_COMPLETION:
        for key, role in (("prompt", "user"), ("completion", "assistant")):
            if not isinstance(value.get(key), list):
                yield Slot((key,), value.get(key), role, False)
    elif fmt == formats.PREFERENCE:
        for key, role in (("prompt", "user"), ("chosen", "assistant"), ("rejected", "assistant")):
            if key in value and not isinstance(value[key], list | dict):
                yield Slot((key,), value[key], role, False)
    elif fmt == formats.UNPAIRED_PREFERENCE and "completion" in value:
        for key, role in (("prompt", "user"), ("completion", "assistant")):
            if key in value and not isinstance(value[key], list):
                yield Slot((key,), value[key], role, False)
    elif fmt == formats.TEXT:
        yield Slot(("text",), value.get("text"), None, False)


def _alpaca_slots(ctx: RowContext) -> Iterator[Slot]:
    value, fields = ctx.value, ctx.fields
    prompt = fields.column("prompt", "instruction")
    query = fields.column("query", "input")
    response = fields.column("response", "output")
    system = fields.column("system", "system")
    # An empty instruction is fine when the input holds the question.
    query_value = value.get(query)
    has_query = isinstance(query_value, str) and query_value.strip() != ""
    for key, role, exempt in (
        (system, "system", True),
        (prompt, "user", has_query),
        (query, "user", True),
        (response, "assistant", False),
    ):
        if key in value:
            yield Slot((key,), value[key], role, False, exempt_empty=exempt)
    history_key = fields.column("history", "history")
    history = value.get(history_key)
    if isinstance(history, list):
        for i, pair in enumerate(history):
            if isinstance(pair, list) and len(pair) == 2:
                for j, role in ((0, "user"), (1, "assistant")):
                    path = (history_key, i, j)
                    yield Slot(path, pair[j], role, False)


def _calls_tool(turn: Turn) -> bool:
    m = turn.message
    return turn.role == "assistant" and bool(m.get("tool_calls") or m.get("function_call"))


def _part_text(part: dict[str, Any]) -> tuple[str, str] | None:
    """(key, text) of a text-like content part; None for other parts."""
    kind = part.get("type")
    if kind is not None and kind not in _TEXT_PART_TYPES:
        return None
    for key in _TEXT_KEYS:
        if isinstance(part.get(key), str):
            return key, part[key]
    return None


def _strings(slot: Slot) -> Iterator[tuple[JsonPath, str]]:
    """The text strings of a slot, each with its JSON path (for exact spans)."""
    value = slot.value
    if isinstance(value, str):
        yield slot.path, value
    elif isinstance(value, list) and slot.parts_allowed:
        for i, part in enumerate(value):
            if isinstance(part, dict):
                found = _part_text(part)
                if found is not None:
                    key, text = found
                    yield (*slot.path, i, key), text


def _check_type(ctx: RowContext, slot: Slot) -> bool:
    """C003; True when the slot's type is usable for the other checks."""
    value = slot.value
    if isinstance(value, str) or value is None:
        return True
    if not isinstance(value, list) or not slot.parts_allowed:
        expected = "a string or a list of content parts" if slot.parts_allowed else "a string"
        ctx.report(
            "C003", f"{slot.label}: content is a JSON {json_type(value)}, not {expected}", slot.path
        )
        return False
    ok = True
    for i, part in enumerate(value):
        path = (*slot.path, i)
        if not isinstance(part, dict):
            ctx.report(
                "C003",
                f"{slot.label}: content part {i + 1} is a JSON {json_type(part)}, not an object",
                path,
            )
            ok = False
            continue
        kind = part.get("type")
        if kind is not None and not isinstance(kind, str):
            ctx.report(
                "C003",
                f'{slot.label}: content part {i + 1} has a "type" that is a JSON '
                f"{json_type(kind)}, not a string",
                (*path, "type"),
            )
            ok = False
        elif kind is None:
            if _part_text(part) is None:
                ctx.report("C003", f'{slot.label}: content part {i + 1} has no "type"', path)
                ok = False
        elif kind in _TEXT_PART_TYPES and _part_text(part) is None:
            ctx.report(
                "C003",
                f'{slot.label}: content part {i + 1} of type "{kind}" has no "text" string',
                path,
            )
            ok = False
    return ok


def _is_empty(value: Any) -> str | None:
    """ "empty", "whitespace only", "null", or None when the content says something."""
    if value is None:
        return "null"
    if isinstance(value, str):
        if not value:
            return "empty"
        return "whitespace only" if value.isspace() else None
    if isinstance(value, list):
        texts = []
        for part in value:
            if not isinstance(part, dict):
                return None
            found = _part_text(part)
            if found is None:
                return None  # an image, audio or tool-call part says something
            texts.append(found[1])
        if not texts or not any(texts):
            return "empty"
        return "whitespace only" if all(t.isspace() or not t for t in texts) else None
    return None


def _check_empty(ctx: RowContext, slot: Slot) -> None:
    if slot.exempt_empty:
        return
    state = _is_empty(slot.value)
    if state is None:
        return
    if slot.role == "assistant":
        ctx.report(
            "C001",
            f"{slot.label}: assistant content is {state}: the model learns to answer with nothing",
            slot.path,
        )
    else:
        who = f"{slot.role} content" if slot.role else "text"
        ctx.report("C002", f"{slot.label}: {who} is {state}", slot.path)


TEXT_TOKENS_CAUSE = "control tokens in a text row"


def _check_tokens(ctx: RowContext, slot: Slot) -> None:
    """One C004 a string holding tokens, at its first token and naming them all: one
    cause (a chat rendered once already, a marker pasted in) is one finding, not one a
    token; rows with the same tokens share a cause key (one line for the file)."""
    if ctx.format == formats.TEXT:
        _check_text_tokens(ctx, slot)
        return
    for path, text in _strings(slot):
        found, tokens, names = _tokens(text)
        if not found:
            continue
        label = where(slot.turn, path) if slot.turn else format_path(path)
        n, many = len(found), len(tokens) > 1
        count = f" ({n} in all)" if many else f" ({n} times)" if n > 1 else ""
        read = "them as special tokens" if many else "it as a special token"
        ctx.reporter.add(
            "C004",
            f"{label}: chat-template control token{'s' * many} {names} inside the text{count}: "
            f"tokenizers read {read}, which breaks turns and masks",
            ctx.row.path,
            substring_span(ctx.row, path, found[0].start(), found[0].end()),
            row_line=ctx.row.line,
            cause="control tokens in content: " + " ".join(sorted(tokens)),
        )


def _tokens(text: str) -> tuple[list[re.Match[str]], list[str], str]:
    """The control tokens in `text`: every match in order, each token once, and those
    quoted for a message."""
    found = list(TOKEN_RE.finditer(text))
    tokens = list(dict.fromkeys(m.group() for m in found))
    return found, tokens, ", ".join(f'"{t}"' for t in tokens)


def _check_text_tokens(ctx: RowContext, slot: Slot) -> None:
    """A `text` row is usually a chat rendered already (Unsloth's notebooks, TRL's
    dataset_text_field): its control tokens are there on purpose when they are the model's
    own. One info a row, at its first token, with a cause shared by every such row."""
    text = slot.value
    if not isinstance(text, str):
        return
    found, _, names = _tokens(text)
    if not found:
        return
    ctx.reporter.add(
        "C004",
        f"{slot.label}: chat-template control tokens {names} inside the text ({len(found)} in "
        "all): tokenizers read them as special tokens; right for a chat rendered with the "
        "model's own template (ignore C004), else remove them",
        ctx.row.path,
        substring_span(ctx.row, slot.path, found[0].start(), found[0].end()),
        row_line=ctx.row.line,
        severity=Severity.INFO,
        cause=TEXT_TOKENS_CAUSE,
    )


# --- tool calls ------------------------------------------------------------------------


def _json_error(text: str) -> tuple[str, int] | None:
    """(message, character index) of the first JSON error in `text`, or None if valid."""
    try:
        orjson.loads(text)
        return None
    except orjson.JSONDecodeError:
        pass
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        return err.msg[:1].lower() + err.msg[1:], err.pos
    except RecursionError:
        return "nested too deeply", 0
    return "NaN or Infinity is not valid JSON", 0


def _check_json_string(
    ctx: RowContext, label: str, path: JsonPath, text: str, what: str, need_name: bool
) -> None:
    error = _json_error(text)
    if error is not None:
        message, pos = error
        end = pos + 1 if pos < len(text) else pos
        ctx.reporter.add(
            "C005",
            f"{label}: {what} is not valid JSON: {message} (character {pos + 1})",
            ctx.row.path,
            substring_span(ctx.row, path, pos, end),
            row_line=ctx.row.line,
        )
        return
    parsed = orjson.loads(text)
    calls = parsed if need_name and isinstance(parsed, list) else [parsed]
    for call in calls:
        if not isinstance(call, dict):
            ctx.report("C005", f"{label}: {what} is a JSON {json_type(call)}, not an object", path)
            return
        if need_name and not isinstance(call.get("name"), str):
            ctx.report("C005", f'{label}: {what} has no "name" string', path)
            return


def _check_tool_calls(ctx: RowContext, turn: Turn) -> None:
    m = turn.message
    calls = m.get("tool_calls")
    if isinstance(calls, list):
        for i, call in enumerate(calls):
            if not isinstance(call, dict):
                continue
            fn = call.get("function")
            base = (*turn.path, "tool_calls", i, "function")
            if not isinstance(fn, dict):
                fn, base = call, (*turn.path, "tool_calls", i)
            args = fn.get("arguments")
            if isinstance(args, str):
                path = (*base, "arguments")
                _check_json_string(
                    ctx, where(turn, path), path, args, "the arguments string", False
                )
    content = turn.content
    if turn.raw_role == "function_call" and isinstance(content, str):
        path = turn.content_path
        _check_json_string(ctx, where(turn, path), path, content, "the function_call value", True)
    elif isinstance(content, list):
        for i, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") in CALL_PART_TYPES:
                key = next((k for k in ("value", "text") if isinstance(part.get(k), str)), None)
                if key is not None:
                    path = (*turn.content_path, i, key)
                    _check_json_string(
                        ctx, where(turn, path), path, part[key], "the tool call", True
                    )


def _check_slot(ctx: RowContext, slot: Slot, tokens: bool) -> None:
    if _check_type(ctx, slot):
        _check_empty(ctx, slot)
        if tokens:
            _check_tokens(ctx, slot)


@row_check
def check_content(ctx: RowContext) -> None:
    tokens = may_hold_token(ctx.row.raw) and ctx.enabled("C004")
    if ctx.format != formats.ALPACA:
        for turn in row_conversations(ctx)[0]:
            m = turn.message
            if type(m) is not dict:
                continue  # R003 reports it
            content = turn.content
            if turn.role == "assistant" and (
                "tool_calls" in m or turn.raw_role == "function_call" or type(content) is list
            ):
                _check_tool_calls(ctx, turn)
            if turn.content_key is None:
                continue  # R002 reports it
            if tokens or type(content) is not str or not content or content.isspace():
                # Not the common case of a non-empty string in a row without tokens.
                slot = Slot(turn.content_path, content, turn.role, True, _calls_tool(turn), turn)
                _check_slot(ctx, slot, tokens)
    for slot in _field_slots(ctx):
        _check_slot(ctx, slot, tokens)
