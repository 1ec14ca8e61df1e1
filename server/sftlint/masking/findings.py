"""Mask findings (codes L001-L017, L015 unused) and the rule descriptions the registry shows.

The engine reports `MaskIssue`s: plain values with a code, a severity, a one-line message
naming the turn, the turn index (None for the whole row or file) and optional detail/fix.
`sftlint.rules.mask_rules` reports them as `Finding`s at the row's position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"


@dataclass(frozen=True, slots=True)
class MaskIssue:
    code: str
    severity: str  # "error" | "warning" | "info"
    message: str  # one line, names the turn
    turn: int | None = None  # index into the row's messages; None for the whole row
    detail: str | None = None  # longer text, e.g. both tokenizations
    fix: dict[str, Any] | None = None  # e.g. {"instruction-part": ..., "response-part": ...}
    cause: str | None = None  # what rows with this issue share, when the message says more


@dataclass(frozen=True, slots=True)
class MaskRule:
    code: str
    name: str
    severity: str
    summary: str
    explanation: str  # Markdown, with a bad and a good example
    tags: tuple[str, ...] = field(default=("masking",))


def turn_name(turn: int | None, role: str | None = None) -> str:
    """'turn 3 (assistant)' for message index 2: turns are numbered from 1 for people."""
    if turn is None:
        return "the row"
    return f"turn {turn + 1} ({role})" if role else f"turn {turn + 1}"


RULES: list[MaskRule] = [
    MaskRule(
        "L001",
        "trains-on-nothing",
        ERROR,
        "The row trains on zero tokens: every label is -100.",
        """\
After tokenizing and masking, no token of the row keeps its label. Such rows contribute
nothing; when every row is like this the trainer stops with *"All labels in your dataset
are -100"* (Unsloth) or raises on the first example (TRL). At file level sftlint counts
the rows and, for `markers`, proposes the turn headers that really occur in the rendered
rows.

Bad (Gemma 3 with `strategy: markers`):
```yaml
instruction-part: "user\\n"
response-part: "model\\n"
```
Good:
```yaml
instruction-part: "<start_of_turn>user\\n"
response-part: "<start_of_turn>model\\n"
```
""",
    ),
    MaskRule(
        "L002",
        "marker-tokenizes-differently",
        ERROR,
        "A marker's text occurs in the rendered row but its token sequence does not.",
        """\
Unsloth's `train_on_responses_only` searches the row's token ids for the ids of
`instruction-part` / `response-part` tokenized on their own. A marker that tokenizes
differently alone than inside the row (a leading space, a newline merged with the next
word, a missing special token) is never found, so its turns are masked.

Bad: `response-part: "model\\n"` — alone it is `model`,`\\n`; inside
`<start_of_turn>model\\n` the row holds the same text but the search starts at a
different token boundary.

Good: use the full header as it renders, e.g. `<start_of_turn>model\\n`.
""",
    ),
    MaskRule(
        "L003",
        "template-raised",
        ERROR,
        "The chat template raised an error for this row.",
        """\
The chat template refused the row (its own message is shown), so the trainer will crash
on it or skip it.

Bad (Gemma 3): `[{"role": "user", ...}, {"role": "user", ...}]` — *Conversation roles
must alternate user/assistant/user/assistant/...*

Good: merge consecutive user turns, or insert the missing assistant turn.
""",
    ),
    MaskRule(
        "L004",
        "turn-not-located",
        WARNING,
        "The token span of a turn cannot be found in the rendered row.",
        """\
Without `{% generation %}` blocks, trainers such as Axolotl find each turn by searching
the rendered text; when the template rewrites the content the search fails (Axolotl logs
start = -1, end = -1) and the turn is silently masked.

Bad: a template that rewrites assistant content (`content | replace(...)`).

Good: a template with `{% generation %}` blocks, or content that renders verbatim.
""",
    ),
    MaskRule(
        "L005",
        "truncation-removes-all",
        ERROR,
        "Truncation at max-seq-length removes every trained token.",
        """\
The trainer keeps the first `max-seq-length` tokens. When every trained token lies after
the cut, the row trains on nothing.

Bad: a 3,000-token prompt followed by the answer with `max-seq-length: 2048`.

Good: raise `max-seq-length`, shorten the prompt, or drop the row.
""",
    ),
    MaskRule(
        "L006",
        "truncation-removes-part",
        WARNING,
        "Truncation at max-seq-length removes part of the trained tokens.",
        """\
The answer is cut mid-way: the model learns a response that stops without its end of
turn, and never sees the rest.

Bad: an answer of 800 tokens starting at token 1,500 with `max-seq-length: 2048`.

Good: raise `max-seq-length` or shorten the row.
""",
    ),
    MaskRule(
        "L007",
        "end-of-turn-not-trained",
        WARNING,
        "The end-of-turn token after a trained turn is masked: the model never learns to stop.",
        """\
If the token that closes an assistant turn (`<|im_end|>`, `<end_of_turn>`, `<|eot_id|>`,
`</s>`) is not trained, the fine-tuned model keeps generating past its answer.

Bad: `train-on-eos: none`, or a template whose `{% generation %}` block ends before
the end-of-turn token.

Good: `train-on-eos: turn` (Axolotl's default), or put the end-of-turn token inside the
`{% generation %}` block.
""",
    ),
    MaskRule(
        "L008",
        "template-changes-text",
        INFO,
        "The chat template changes the row's text (trims, folds/drops the system prompt, "
        "injects text, drops <think> blocks).",
        """\
What the model trains on is what the template renders, not what the row holds. Content
can be trimmed, a system prompt folded into the first user turn (Gemma) or dropped, a
default system prompt or today's date injected (Qwen 2.5, Llama 3.1), earlier `<think>`
blocks removed (Qwen 3: the reasoning of turns before the last user message, whether in
the content or in `reasoning_content` / LLaMA-Factory `reasoning` parts, is not rendered,
so it is never trained). Axolotl reads a file as one table: a row without the `system`
column the file's other rows have gets an empty system turn (the rows print as one line).

Bad: a `system` message with a Gemma template that has no system turn — it is folded into
the first user turn.

Good: know it and accept it, or choose a template that renders the row as intended.
""",
    ),
    MaskRule(
        "L009",
        "tokenizations-disagree",
        WARNING,
        "Two tokenizations of the same row disagree (transformers vs the vendor's canonical "
        "encoder, slow vs fast tokenizer, or prompt alone vs in context).",
        """\
The ids the trainer computes differ from the model's canonical encoding, e.g. Mistral v3
through transformers inserts an extra `▁` (29473) before `[/INST]` when the template
writes a space there; mistral-common does not. When a model ships both a SentencePiece
`tokenizer.model` (the slow tokenizer) and a `tokenizer.json` (the fast one), the two can
split the same text differently around whitespace: a double space is `▁▁` + `and` for
one and `▁` + `▁and` for the other, so the model sees ids at training it never saw in
pre-training (and the `legacy` slow tokenizer adds a `▁` after every special token).
Rows are sampled by layout (`canonical-check`), so the check stays cheap.

Bad: `[INST] Name three prime numbers. [/INST]` (space before `[/INST]`).

Good: `[INST] Name three prime numbers.[/INST]`, the layout mistral-common encodes.
""",
    ),
    MaskRule(
        "L010",
        "double-bos",
        WARNING,
        "The row starts with two BOS tokens.",
        """\
The template (or the text) already starts with the BOS token and the tokenizer adds
another one. The model then trains on a sequence it never sees at inference.

Bad: a `text` row starting with `<s>` tokenized with `add_special_tokens=True`.

Good: drop the BOS from the text, or tokenize with `add_special_tokens=False`.
""",
    ),
    MaskRule(
        "L011",
        "prompt-trained",
        INFO,
        "Prompt tokens are trained (strategy full or train-on-prompt).",
        """\
With `strategy: full` or `train-on-prompt: true` the loss also covers the user and system
turns. This is sometimes intended (continued pre-training) but usually the user meant to
train on the answers only.

Bad: `strategy: full` for an instruction dataset.

Good: `strategy: assistant-only` (or `completion-only` for prompt/completion rows).
""",
    ),
    MaskRule(
        "L012",
        "tokenizer-unavailable",
        ERROR,
        "The tokenizer or chat template cannot be loaded.",
        """\
sftlint needs the tokenizer (a built-in name, a local folder, or a model already in the
Hugging Face cache; it never downloads) and a chat template to compute masks.

Bad: `tokenizer: meta-llama/Llama-3.1-8B-Instruct` when the model is not in the cache.

Good: `tokenizer: ./models/llama-3.1` (a folder holding `tokenizer.json`), or download it
once with `huggingface-cli download`.
""",
    ),
    MaskRule(
        "L013",
        "row-not-tokenized",
        WARNING,
        "The row cannot be rendered or tokenized, so it is missing from the token totals.",
        """\
Every row the trainer reads is rendered with the chat template and tokenized. When a row
cannot be (a turn that is not a message object or has no role, content that is not text,
a `function_call` turn or `tools` column that is not JSON), the trainer crashes on it or
drops it, and sftlint cannot show its tokens: the message says which turn or key is at
fault. `sftlint check` counts such rows in its token summary.

Under `trainer = "llama-factory"` (its sft stage) a row of a layout that stage does not
train is one info, one cause for the file's rows: preference rows (its dpo and rm stages),
`text` rows (dropped: no response; its pt stage trains them), and conversational
prompt/completion rows, which none of its converters reads (alpaca raises on the message
lists; openai reads one list, and the prompt alone is dropped); with no trainer config,
rows whose content parts are `{"type", "value"}`, the layout of its v1 data engine.

Bad (LLaMA-Factory ShareGPT): `{"from": "function_call", "value": "get_weather(Paris)"}`

Good:
```json
{"from": "function_call",
 "value": "{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Paris\\"}}"}
```
""",
    ),
    MaskRule(
        "L014",
        "tool-call-id-rejected",
        ERROR,
        "A tool call id is not the 9 letters and digits mistral-common requires.",
        """\
mistral-common (the encoder of Mistral models, which mistral-finetune trains with)
validates every tool call id and every tool result's `tool_call_id` against
`^[a-zA-Z0-9]{9}$` and rejects the whole row otherwise. OpenAI-style ids such as
`call_abc123` fail. Applies to the Mistral built-in tokenizers.

Bad:
```json
{"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
  "function": {"name": "get_weather", "arguments": "{}"}}]}
```
Good:
```json
{"role": "assistant", "tool_calls": [{"id": "a1b2c3d4e", "type": "function",
  "function": {"name": "get_weather", "arguments": "{}"}}]}
```
""",
    ),
    MaskRule(
        "L016",
        "trainer-drops-row",
        WARNING,
        "The configured trainer refuses or silently drops this row.",
        """\
With a `trainer` profile, sftlint applies that trainer's own acceptance rules: a row its
data preparation raises on, or filters out, never reaches training. The message names
the trainer and why (LLaMA-Factory drops rows whose turns do not alternate user/assistant
or whose message count is odd; TRL 0.x does not recognize a conversational row whose
first message has no `content` key and fails on it; mistral-finetune runs mistral-common's
validator over every row and raises on an empty assistant turn, a last turn that is not the
assistant's, an invalid tool schema or function name, quoted in the message).

Bad (`trainer = "llama-factory"`): two user turns in a row.
```json
{"messages": [{"role": "user", "content": "First."}, {"role": "user", "content": "Second."},
              {"role": "assistant", "content": "Both answered."}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "First. Second."},
              {"role": "assistant", "content": "Both answered."}]}
```
""",
    ),
    MaskRule(
        "L017",
        "control-token-split",
        ERROR,
        "The chat template writes control tokens the tokenizer does not have, so they are "
        "split into pieces.",
        """\
A chat template's control tokens (`<|eot_id|>`, `<|im_start|>`, `<start_of_turn>`) must
be special tokens of the tokenizer: one id each, the ids the model learned turn boundaries
and the end of a turn with. A template of another model family writes them as text, which
the tokenizer cuts into ordinary pieces (`<|eot_id|>` becomes `<` `|` `e` `ot` `_` `id`
`|` `>` with a Mistral tokenizer): the model never sees a turn boundary it knows and never
learns to stop. Reported once per file, naming the tokens and the tokenizer.

Bad: `tokenizer = "mistral-v3"` with `chat-template = "llama3"`.

Good: `tokenizer = "mistral-v3"` with its own template (`chat-template = "mistral-v3"`, or
no `chat-template`), or a Llama 3 tokenizer with `chat-template = "llama3"`.
""",
    ),
]

RULES_BY_CODE: dict[str, MaskRule] = {r.code: r for r in RULES}
