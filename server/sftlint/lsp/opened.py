"""An open document: its lines, its incremental linter, and what is in flight for it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from lsprotocol import types as lsp

from sftlint.lsp.documents import LineDocument
from sftlint.lsp.incremental import IncrementalLinter
from sftlint.lsp.maskpass import MaskPass
from sftlint.lsp.published import Published
from sftlint.model import Finding
from sftlint.settings import Settings


@dataclass(slots=True)
class OpenDocument:
    doc: LineDocument
    linter: IncrementalLinter
    settings: Settings
    config_error: str | None = None
    published: tuple[int, list[lsp.Diagnostic]] | None = None  # (version, diagnostics)
    waiters: list[asyncio.Future] = field(default_factory=list)
    task: asyncio.Task | None = None
    timer: asyncio.TimerHandle | None = None
    split_findings: list[Finding] = field(default_factory=list)  # last split-check run
    mask: MaskPass | None = None  # its cache of row outcomes
    mask_task: asyncio.Task | None = None
    mask_again: bool = False  # a newer version was linted while the mask pass ran
    shown: Published = field(default_factory=Published)  # diagnostics kept between edits
