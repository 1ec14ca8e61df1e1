"""`sftlint.checkFileOnDisk`: lint a file from disk (editors do not send files over 50 MB
to extensions), with progress, and publish its diagnostics."""

from __future__ import annotations

from typing import Any

from pygls import uris

from sftlint.engine import engine
from sftlint.lsp import convert
from sftlint.lsp.config import document_settings
from sftlint.lsp.linting import Linting
from sftlint.lsp.progress import run_with_progress
from sftlint.report import groups


async def check_file_on_disk(server: Any, linting: Linting, uri: str) -> dict[str, int]:
    path = uris.to_fs_path(uri)
    if not path:
        raise ValueError(f"not a file URI: {uri}")
    settings, error = document_settings(path, linting.client)
    if error:
        linting._warn(error)

    def work(report: Any) -> engine.FileResult:
        def progress(done: int, total: int) -> None:
            report(100 * done // max(total, 1), f"{done >> 20} of {total >> 20} MB")

        return engine.check_path(path, settings, progress=progress)

    result = await run_with_progress(server, f"sftlint: checking {path}", work)
    limit = settings.max_problems
    shown = result.findings[:limit]
    diagnostics = [convert.diagnostic(f, linting.uri_of) for f in shown]
    for group in reversed(groups.grouped(result.findings)):  # one more a cause, before
        if len(group) > 1:
            rows = sorted({groups.row_of(f) for f in group})
            counts = (groups.group_key(group[0]), len(group), len(rows))
            diagnostics.insert(0, convert.grouped(group[0], 0, counts, rows))
    if len(result.findings) > len(shown):
        diagnostics.append(convert.overflow(len(result.findings) - len(shown), len(shown), path))
    server.text_document_publish_diagnostics(convert.publish_params(uri, None, diagnostics))
    return {"problems": len(result.findings), "shown": len(shown)}
