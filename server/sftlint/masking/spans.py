"""Character spans -> token ranges (same overlap rule as transformers' assistant mask)."""

from __future__ import annotations

from typing import Any


class Spans:
    """Maps character spans to token index ranges without materialising all offsets."""

    __slots__ = ("enc", "n", "offsets")

    def __init__(self, enc: Any, n: int) -> None:
        self.enc = enc
        self.n = n
        self.offsets: list[tuple[int, int]] | None = None

    def _chars(self, k: int) -> tuple[int, int]:
        if self.offsets is not None:
            return self.offsets[k]
        r = self.enc.token_to_chars(k)
        return r if r is not None else (0, 0)

    def tokens(self, s: int, e: int) -> tuple[int, int]:
        """[a, b): the tokens t with start(t) < e and end(t) > s."""
        if e <= s or self.n == 0:
            return (0, 0)
        enc = self.enc
        a = enc.char_to_token(s)
        b = enc.char_to_token(e - 1)
        if a is None or b is None or b < a:
            return self._walk(s, e)
        # Neighbours sharing the boundary characters (byte-fallback pieces, zero-width
        # tokens) need the careful walk; ordinary boundaries do not.
        if a > 0 and self._chars(a - 1)[1] > s:
            return self._walk(s, e)
        if b + 1 < self.n and self._chars(b + 1)[0] < e:
            return self._walk(s, e)
        return (a, b + 1)

    def _walk(self, s: int, e: int) -> tuple[int, int]:
        enc = self.enc
        a = None
        for c in range(s, min(e, s + 64)):
            a = enc.char_to_token(c)
            if a is not None:
                break
        b = None
        for c in range(e - 1, max(s, e - 64) - 1, -1):
            b = enc.char_to_token(c)
            if b is not None:
                break
        if a is None or b is None:
            return self._scan(s, e)
        if b < a:
            a, b = b, a
        while a > 0:
            ps, pe = self._chars(a - 1)
            if pe > s and ps < e:
                a -= 1
            else:
                break
        while b + 1 < self.n:
            ns, ne = self._chars(b + 1)
            if ns < e and ne > s:
                b += 1
            else:
                break
        return (a, b + 1)

    def _scan(self, s: int, e: int) -> tuple[int, int]:
        if self.offsets is None:
            self.offsets = list(self.enc.offsets)
        a = b = None
        for k, (ts, te) in enumerate(self.offsets):
            if ts < e and te > s:
                if a is None:
                    a = k
                b = k
        return (a, b + 1) if a is not None and b is not None else (0, 0)

    def first_at_or_after(self, c: int) -> int:
        """Index of the first token starting at or after character c."""
        if self.offsets is None:
            self.offsets = list(self.enc.offsets)
        for k, (ts, _te) in enumerate(self.offsets):
            if ts >= c and not (ts == 0 and _te == 0 and c > 0):
                return k
        return self.n
