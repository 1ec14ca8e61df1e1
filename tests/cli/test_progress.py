"""What a terminal shows while a check runs: the tokenizer loading, then a bar with an ETA."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sftlint.cli.masksetup import require_mask
from sftlint.report import text
from sftlint.settings import settings_for

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"


def test_loading_line_is_shown_then_cleared(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "d.jsonl", {"tokenizer": str(CHATML)})
    out = io.StringIO()
    require_mask(settings, True, out)
    assert out.getvalue() == f"loading tokenizer {CHATML}…\r\x1b[2K"
    quiet = io.StringIO()
    require_mask(settings, True, None)  # not a terminal: nothing written anywhere
    assert quiet.getvalue() == ""


def test_progress_bar_shows_the_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([100.0, 102.0, 110.0])
    monkeypatch.setattr(text.time, "monotonic", lambda: next(clock))
    out = io.StringIO()
    bar = text.ProgressBar("big.jsonl", out)
    bar.update(25_000_000, 100_000_000)  # a quarter in 2 s: 6 s left
    bar_text = "━" * 7 + "╺" + " " * 22
    assert out.getvalue() == f"\rbig.jsonl {bar_text}  25% 25/100 MB  2.0s ETA 6s\x1b[K"
    out.truncate(0)
    out.seek(0)
    bar.update(100_000_000, 100_000_000)  # done: no ETA, and the line is cleared
    assert (
        out.getvalue()
        == "\rbig.jsonl ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 100% 100/100 MB 10.0s\x1b[K\r\x1b[2K"
    )


@pytest.mark.parametrize(("seconds", "shown"), [(6.4, "6s"), (65, "1m05s"), (3725, "1h02m")])
def test_eta_reads_as_a_person_reads_time(seconds: float, shown: str) -> None:
    assert text.eta_text(seconds) == shown


def test_ray_progress_counts_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --ray`: the rows of the parts done so far, the bar by the share of the file."""
    clock = iter([100.0, 103.0, 112.0])
    monkeypatch.setattr(text.time, "monotonic", lambda: next(clock))
    out = io.StringIO()
    bar = text.ProgressBar("big.parquet", out)
    bar.rows(250_000, 0.25)  # a quarter in 3 s: 9 s left
    bar_text = "━" * 7 + "╺" + " " * 22
    assert out.getvalue() == f"\rbig.parquet {bar_text}  25% 250,000 rows  3.0s ETA 9s\x1b[K"
    out.truncate(0)
    out.seek(0)
    bar.rows(1_000_000, 1.0)
    assert out.getvalue() == (
        "\rbig.parquet ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 100% 1,000,000 rows 12.0s\x1b[K\r\x1b[2K"
    )
