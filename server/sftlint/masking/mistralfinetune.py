"""mistral-finetune's own encoding of a chat row (finetune/data/tokenize.py, commit 1943535).

mistral-finetune never runs a Jinja template or a transformers tokenizer: `tokenize_instruct`
encodes message by message with mistral-common's instruct tokenizer (SentencePiece for v1/v3,
Tekken), and `maybe_remove_call_id` drops the call ids of a last assistant tool call. Under
the mistral-finetune profile with a Mistral built-in tokenizer, those ids are the row's ids;
the rendered text only gives them positions (`aligned`), so the engine's turn spans, reasons
and previews still work. transformers' fast tokenizer splits runs of spaces differently from
SentencePiece ("▁▁▁▁" + "leading" where SentencePiece has "▁▁▁" + "▁leading").
"""

from __future__ import annotations

import re
from typing import Any

# A SentencePiece byte-fallback piece: "<0x0A>" is the byte 0x0A.
_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


def drop_last_call_ids(messages: list[dict]) -> list[dict]:
    """`maybe_remove_call_id`: the last message's tool calls lose their ids ("we don't want
    to predict a random call id"); mistral-common then writes no id."""
    if not messages or not isinstance(messages[-1].get("tool_calls"), list):
        return messages
    last = messages[-1]
    calls = [
        {k: v for k, v in c.items() if k != "id"} if isinstance(c, dict) else c
        for c in last["tool_calls"]
    ]
    return [*messages[:-1], {**last, "tool_calls": calls}]


def finetune_ids(mistral: Any, messages: list[dict], tools: list | None) -> list[int] | None:
    """`tokenize_instruct`'s ids for the row (None when mistral-common cannot read it: the
    row is then refused, L016, and keeps transformers' ids). `messages` are in the layout
    mistral-common encodes (messages.mistral_layout), call ids already dropped."""
    from mistral_common.protocol.instruct.messages import (
        AssistantMessage,
        SystemMessage,
        ToolMessage,
        UserMessage,
    )
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    try:
        request = ChatCompletionRequest.from_openai(messages, tools=tools)
        instruct = mistral.instruct_tokenizer
        system = [m.content for m in request.messages if isinstance(m, SystemMessage)]
        convo = [m for m in request.messages if not isinstance(m, SystemMessage)]
        users = [i for i, m in enumerate(convo) if isinstance(m, UserMessage)]
        first, last = (users[0], users[-1]) if users else (-1, -1)
        ids: list[int] = list(instruct.start())
        for i, m in enumerate(convo):
            if isinstance(m, UserMessage):
                out = instruct.encode_user_message(
                    m,
                    available_tools=request.tools or None,
                    is_last=i == last,
                    is_first=i == first,
                    system_prompt=system[0] if system else None,
                )
            elif isinstance(m, ToolMessage):
                out = instruct.encode_tool_message(m, is_before_last_user_message=i < last)
            elif isinstance(m, AssistantMessage) and not m.tool_calls:
                # mistral-common 1.4.4 (the golden's) encodes the content as it is; later
                # releases strip its trailing spaces.
                out = instruct.tokenizer.encode(m.content or "", bos=False, eos=False)
                out = out if m.prefix else [*out, instruct.tokenizer.eos_id]
            elif isinstance(m, AssistantMessage):  # every call kept, as mistral-finetune
                out = instruct.encode_assistant_message(m, is_before_last_user_message=False)
            else:
                return None
            ids.extend(out[0] if isinstance(out, tuple) else out)  # newer releases: a tuple
        return ids
    except Exception:  # mistral-common refuses the row: L016 says why
        return None


def piece_bytes(mistral: Any, token_id: int) -> bytes:
    """The bytes a token stands for in the text (a control token: its own name)."""
    tok = mistral.instruct_tokenizer.tokenizer
    if hasattr(tok, "id_to_byte_piece"):  # Tekken
        from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy

        return bytes(tok.id_to_byte_piece(token_id, SpecialTokenPolicy.KEEP))
    piece = tok.id_to_piece(token_id)
    if m := _BYTE_PIECE.match(piece):
        return bytes([int(m.group(1), 16)])
    return piece.replace("\u2581", " ").encode()


class AlignedEncoding:
    """Ids with their character spans in the rendered text, read as a `tokenizers.Encoding`
    is (`ids`, `offsets`, `char_to_token`, `token_to_chars`)."""

    __slots__ = ("_token_at", "ids", "offsets")

    def __init__(self, ids: list[int], offsets: list[tuple[int, int]], length: int) -> None:
        self.ids = ids
        self.offsets = offsets
        self._token_at = [-1] * length
        for k in range(len(offsets) - 1, -1, -1):  # the first token covering a character
            s, e = offsets[k]
            self._token_at[s:e] = [k] * (e - s)

    def char_to_token(self, c: int) -> int | None:
        k = self._token_at[c] if 0 <= c < len(self._token_at) else -1
        return k if k >= 0 else None

    def token_to_chars(self, k: int) -> tuple[int, int] | None:
        return self.offsets[k] if 0 <= k < len(self.offsets) else None


def aligned(text: str, ids: list[int], pieces: list[bytes]) -> AlignedEncoding | None:
    """Place each token on the rendered text, or None when the text is not those tokens.
    SentencePiece's dummy prefix (a leading "▁" with no space in the text) and spaces
    mistral-common strips (an assistant turn's trailing spaces) are allowed for."""
    data = text.encode()
    spans: list[tuple[int, int]] = []
    cur = 0
    for piece in pieces:
        if data.startswith(piece, cur):
            spans.append((cur, cur + len(piece)))
        elif piece.startswith(b" ") and data.startswith(piece[1:], cur):
            spans.append((cur, cur + len(piece) - 1))
        else:
            skip = cur
            while skip < len(data) and data[skip] == 0x20:
                skip += 1
            if skip == cur or not data.startswith(piece, skip):
                return None
            cur = skip
            spans.append((cur, cur + len(piece)))
        cur = spans[-1][1]
    if data[cur:].strip(b" "):
        return None
    # Byte offsets -> character offsets; a byte-fallback piece of a character spans it all.
    char_at = [0] * (len(data) + 1)
    c = 0
    for i, ch in enumerate(text):
        n = len(ch.encode())
        char_at[c : c + n] = [i] * n
        c += n
    char_at[len(data)] = len(text)
    offsets = []
    for s, e in spans:
        if e == s:
            offsets.append((char_at[s], char_at[s]))
        else:
            offsets.append((char_at[s], char_at[e - 1] + 1))
    return AlignedEncoding(ids, offsets, len(text))
