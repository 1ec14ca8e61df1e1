"""M: multimodal rows. Media placeholders in the conversation against the media lists.

LLaMA-Factory's layout (mllm_demo.json) writes `<image>` in the text where each entry of
the row's `images` list goes; `videos` / `<video>` and `audios` / `<audio>` likewise.
Content parts of type `image` / `image_url` (OpenAI, TRL) stand for an image too. The
processor pairs them in order and raises (`The number of images does not match the number
of <image> tokens`) or, in some versions, silently drops the extra ones.
"""

from __future__ import annotations

from typing import Any

from sftlint.io import formats
from sftlint.model import Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import FileContext, RowContext, file_check, row_check

# (kind, default list key, placeholder, content part types)
MEDIA = (
    ("image", "images", "<image>", ("image", "image_url", "input_image")),
    ("video", "videos", "<video>", ("video", "video_url")),
    ("audio", "audios", "<audio>", ("audio", "audio_url", "input_audio")),
)

register(
    Rule(
        "M001",
        "media-count-mismatch",
        Severity.ERROR,
        "Number of `<image>`/`<video>`/`<audio>` placeholders differs from the media list",
        """\
Each `<image>` placeholder in the conversation (or content part of type `image` /
`image_url`) is replaced by one entry of the row's `images` list, in order (`<video>` with
`videos`, `<audio>` with `audios`). When the counts differ the multimodal processor raises
(`ValueError: The number of images does not match the number of <image> tokens`) in the
middle of training, or pairs the wrong image with the wrong question.

Bad:
```json
{"messages": [{"role": "user", "content": "<image><image>What differs?"},
              {"role": "assistant", "content": "The colour."}],
 "images": ["a.jpg"]}
```
Good:
```json
{"messages": [{"role": "user", "content": "<image><image>What differs?"},
              {"role": "assistant", "content": "The colour."}],
 "images": ["a.jpg", "b.jpg"]}
```
""",
    ),
)


def _texts(
    value: dict[str, Any], ctx_turns: list[formats.Turn], fields: formats.Fields
) -> list[Any]:
    """The content values of the prompt side of a row, where placeholders may stand."""
    if ctx_turns:
        return [t.content for t in ctx_turns]
    key = formats.messages_key(value, fields)
    if key is not None:
        return [
            next((m[c] for c in fields.content if c in m), None)
            for m in value[key]
            if isinstance(m, dict)
        ]
    prompt = value.get("prompt")
    if isinstance(prompt, list):
        return [m.get("content") for m in prompt if isinstance(m, dict)]
    return [prompt]


def media_counts(
    contents: list[Any], placeholder: str, part_types: tuple[str, ...]
) -> tuple[int, int]:
    """(placeholders in text, media content parts) over the given content values."""
    tokens = parts = 0
    for content in contents:
        if isinstance(content, str):
            tokens += content.count(placeholder)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") in part_types:
                    parts += 1
                elif isinstance(part, dict) and isinstance(part.get("text"), str):
                    tokens += part["text"].count(placeholder)
                elif isinstance(part, str):
                    tokens += part.count(placeholder)
    return tokens, parts


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def _describe(kind: str, placeholder: str, tokens: int, parts: int) -> str:
    marks = _plural(tokens, f'"{placeholder}" placeholder')
    pieces = _plural(parts, kind + " part")
    if not parts:
        return f"{marks} in the conversation"
    if not tokens:
        return f"{pieces} in the conversation"
    return f"{_plural(tokens + parts, kind)} in the conversation ({marks}, {pieces})"


@row_check
def media_count(ctx: RowContext) -> None:
    value = ctx.value
    contents: list[Any] | None = None
    for kind, default, placeholder, part_types in MEDIA:
        key = ctx.fields.column(default, default)
        if key not in value:
            continue
        media = value[key]
        if isinstance(media, str):
            have = 1  # a single path: LLaMA-Factory wraps it in a list
        elif isinstance(media, list):
            have = len(media)
        else:
            continue  # null or another type: K003 reports the type drift
        if contents is None:
            contents = _texts(value, ctx.turns, ctx.fields)
        tokens, parts = media_counts(contents, placeholder, part_types)
        if tokens + parts != have:
            ctx.report(
                "M001",
                f"{key}: {_describe(kind, placeholder, tokens, parts)} but "
                f'{_plural(have, "entry", "entries")} in "{key}"',
                (key,),
                "key",
            )


@file_check
def placeholders_without_media(ctx: FileContext) -> None:
    """Rows of a multimodal file (most rows have e.g. `images`) with placeholders but no list.

    Only in such files: a text-only dataset may well discuss an HTML `<video>` tag.
    """
    if not ctx.enabled("M001"):
        return
    objects = len(ctx.summaries) - ctx.count("format").get(None, 0)
    for kind, default, placeholder, part_types in MEDIA:
        key = ctx.fields.column(default, default)
        # Rows that are not objects have no keys: count the objects' key tuples only.
        having = sum(n for keys, n in ctx.count("keys").items() if key in keys)
        if having == objects or 2 * (objects - having) >= objects:
            continue
        lacking = [s for s in ctx.summaries if s.format is not None and key not in s.keys]
        needle = placeholder.encode()
        for s in lacking:
            row = ctx.load(s)
            if not row.ok or needle not in row.raw:
                continue
            fmt = formats.detect(row.value, ctx.fields)
            turns = formats.turns(row.value, fmt, ctx.fields)
            tokens, _ = media_counts(_texts(row.value, turns, ctx.fields), placeholder, part_types)
            if tokens:
                anchor = formats.messages_key(row.value, ctx.fields)
                ctx.report(
                    "M001",
                    f"{anchor or 'the row'}: {_describe(kind, placeholder, tokens, 0)} but no "
                    f'"{key}" in this row',
                    row,
                    (anchor,) if anchor else (),
                    "key" if anchor else "value",
                )
