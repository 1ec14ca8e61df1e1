"""A document's diagnostics kept from one publication to the next.

An edit changes the findings of the lines it touches and moves those after it; the first
`maxProblems` findings, those shown, are mostly the ones shown before (an edit below them
changes none). So each shown diagnostic is kept with the finding it was made from and its
line, and made again only for a finding or a line it was not made for: an edit of a file
with a finding on every row converts a few diagnostics, not a thousand.

A kept diagnostic also keeps its JSON form (`Diagnostic.json`, filled by the converter the
server hands pygls: `converter`), so publishing it again does not unstructure it again.
"""

from __future__ import annotations

from typing import Any, cast

import attrs
from cattrs import Converter
from lsprotocol import converters
from lsprotocol import types as lsp

from sftlint.lsp import convert
from sftlint.model import Finding

# A finding as the incremental linter locates it: (line, f) with `f` as if on line 0,
# moved to `line`; or (None, f) with `f` on its own lines.
Located = tuple[int | None, Finding]


@attrs.define
class Diagnostic(lsp.Diagnostic):
    """An `lsp.Diagnostic` that keeps its JSON form once made (never changed after)."""

    json: dict[str, Any] | None = attrs.field(default=None, eq=False, repr=False)


class Published:
    """The diagnostics of a document's findings, by (line, finding): those of the last
    list made are kept (the finding too: its id stays its own), the others dropped."""

    __slots__ = ("_kept",)

    def __init__(self) -> None:
        self._kept: dict[tuple[int | None, int], tuple[Finding, Diagnostic]] = {}

    def diagnostics(self, located: list[Located], uri_of: convert.UriOf) -> list[lsp.Diagnostic]:
        kept = self._kept
        made: dict[tuple[int | None, int], tuple[Finding, Diagnostic]] = {}
        out: list[lsp.Diagnostic] = []
        for line, f in located:
            key = (line, id(f))
            hit = kept.get(key)
            if hit is None or hit[0] is not f:
                d = convert.diagnostic(f, uri_of, line or 0, Diagnostic)
                hit = (f, cast(Diagnostic, d))
            made[key] = hit
            out.append(hit[1])
        self._kept = made
        return out

    def clear(self) -> None:
        """Forget every diagnostic (the URIs of related locations may have changed)."""
        self._kept = {}


def converter() -> Converter:
    """lsprotocol's converter (pygls's default), with kept diagnostics unstructured once."""
    out = converters.get_converter()
    plain = out.get_unstructure_hook(lsp.Diagnostic)

    def unstructure(d: lsp.Diagnostic) -> dict[str, Any]:
        if type(d) is not Diagnostic:
            return plain(d)
        if d.json is None:
            d.json = plain(d)
        return d.json

    out.register_unstructure_hook(lsp.Diagnostic, unstructure)
    return out
