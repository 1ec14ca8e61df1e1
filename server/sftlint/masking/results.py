"""What a row's analysis holds: tokens, per-turn summary, totals and issues.

Per-token data is kept as flat lists (cheap to build for thousands of rows); the `Token`
objects the preview and hover show are built on first access.

Token text makes whitespace visible: space -> "␣", newline -> "↵", tab -> "⇥",
carriage return -> "␍" (SentencePiece's "▁" is shown as "␣" too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .findings import MaskIssue

_VISIBLE = str.maketrans({" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍", "▁": "␣"})


def visible(text: str) -> str:
    """Whitespace made visible, as token texts show it."""
    return text.translate(_VISIBLE)


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    text: str  # whitespace made visible
    start: int  # character span in `rendered`
    end: int
    turn: int | None  # index into the row's messages; None for template scaffolding
    trained: bool
    reason: str  # "assistant", "end of turn", "user turn", "template", "truncated", ...

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "turn": self.turn,
            "trained": self.trained,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class TurnSummary:
    index: int
    role: str
    tokens: int
    trained: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "role": self.role,
            "tokens": self.tokens,
            "trained": self.trained,
        }


@dataclass(eq=False)
class MaskResult:
    rendered: str = ""
    ids: list[int] = field(default_factory=list)
    trained_mask: list[bool] = field(default_factory=list)
    turn_of: list[int | None] = field(default_factory=list)
    reason_of: list[str] = field(default_factory=list)
    issues: list[MaskIssue] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # role per message
    headers: dict[str, str] = field(default_factory=dict)  # role -> header as rendered
    truncated_at: int | None = None  # index of the first token cut by max-seq-length
    _offsets: Any = field(default=None, repr=False)  # list of (start, end) or an Encoding
    _pieces: Any = field(default=None, repr=False)  # callable id -> vocabulary piece
    _tokens: list[Token] | None = field(default=None, repr=False)
    _turns: list[TurnSummary] | None = field(default=None, repr=False)

    # --- totals -----------------------------------------------------------------------
    @property
    def total_tokens(self) -> int:
        return len(self.ids)

    @property
    def trained_tokens(self) -> int:
        return sum(self.trained_mask)

    @property
    def trains_nothing(self) -> bool:
        return bool(self.ids) and not any(self.trained_mask)

    @property
    def labels(self) -> list[int]:
        """What the trainer puts in `labels`: the id when trained, else -100."""
        return [i if t else -100 for i, t in zip(self.ids, self.trained_mask, strict=False)]

    @property
    def offsets(self) -> list[tuple[int, int]]:
        off = self._offsets
        if off is None:
            return [(0, 0)] * len(self.ids)
        if not isinstance(off, list):
            off = self._offsets = list(off.offsets)
        return off

    # --- per token / per turn ---------------------------------------------------------
    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = self._build_tokens()
        return self._tokens

    def _build_tokens(self) -> list[Token]:
        offsets = self.offsets
        text = self.rendered
        pieces = self._pieces
        out: list[Token] = []
        n = len(self.ids)
        for k, tid in enumerate(self.ids):
            s, e = offsets[k] if k < len(offsets) else (0, 0)
            shared = (k > 0 and offsets[k - 1] == (s, e)) or (
                k + 1 < n and offsets[k + 1] == (s, e)
            )
            if e > s and not shared:
                piece = text[s:e]
            else:  # zero-width (an added BOS) or byte-fallback pieces of one character
                piece = pieces(tid) if pieces else ""
                piece = piece if piece is not None else ""
            out.append(
                Token(
                    tid,
                    visible(piece),
                    s,
                    e,
                    self.turn_of[k],
                    self.trained_mask[k],
                    self.reason_of[k],
                )
            )
        return out

    @property
    def turns(self) -> list[TurnSummary]:
        if self._turns is None:
            counts = [0] * len(self.roles)
            trained = [0] * len(self.roles)
            for t, m in zip(self.turn_of, self.trained_mask, strict=False):
                if t is not None and 0 <= t < len(counts):
                    counts[t] += 1
                    trained[t] += m
            self._turns = [
                TurnSummary(i, r, counts[i], trained[i]) for i, r in enumerate(self.roles)
            ]
        return self._turns

    def as_dict(self) -> dict[str, Any]:
        return {
            "rendered": self.rendered,
            "tokens": [t.as_dict() for t in self.tokens],
            "turns": [t.as_dict() for t in self.turns],
            "total_tokens": self.total_tokens,
            "trained_tokens": self.trained_tokens,
            "truncated_at": self.truncated_at,
            "issues": [
                {
                    "code": i.code,
                    "severity": i.severity,
                    "message": i.message,
                    "turn": i.turn,
                    "detail": i.detail,
                    "fix": i.fix,
                }
                for i in self.issues
            ],
        }
