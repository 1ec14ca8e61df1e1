"""Linting a big `didOpen` while its text still arrives.

`transport` decodes the text of a big `didOpen` piece by piece as the message is read, and
streams the lines before the split point to the lint helper process (`sftlint.lsp.worker`) as
they come: it lints them while the rest arrives and this process lints the rest. When the
document opens, its linter expects the helper's results (`IncrementalLinter.expect`).
"""

from __future__ import annotations

from sftlint.lsp.worker import Job


class EarlyLint:
    def __init__(self, job: Job, split: int) -> None:
        self.job = job
        self.split = split  # the lines that start before this body offset go to `job`
        self._sent = 0  # lines [0, _sent) were sent
        self._done = False

    def decoded(self, lines: list[bytes], begin: int) -> None:
        """The text decoded so far: `lines`, every one whole; `begin`: the body offset of
        the next line."""
        if self._done or len(lines) == self._sent:
            return
        self.job.add(self._sent, lines[self._sent :])
        self._sent = len(lines)
        self._done = begin >= self.split

    def end(self, total: int) -> None:
        """The text is all there: it has `total` lines."""
        self.job.end(total)

    def abandon(self) -> None:
        self.job.abandon()
