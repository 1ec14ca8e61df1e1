"""How a command ends: its exit statuses, and the one error it stops with (one line, 2)."""

from __future__ import annotations

# Exit statuses, as ruff's: nothing at warning or above, problems found, usage/config/I/O.
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A mistake in what the user asked for (a setting that cannot load, a file that is
    not a dataset, ...): `sftlint: error: <message>` and exit 2, no traceback."""
