"""A buffer linted partly in the forked helper process gives exactly what one process gives."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sftlint.engine import engine
from sftlint.lsp import incremental
from sftlint.lsp.incremental import IncrementalLinter
from sftlint.lsp.worker import LintWorker
from sftlint.settings import Settings

PATH = "/tmp/helper/train.jsonl"
CLEAN = '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}'
# Clean compact rows of two shapes (sent back as shape numbers) and everything else:
# findings, a CRLF line, blank lines, bad JSON, a BOM, spaced JSON, duplicates.
LINES = [
    CLEAN,
    CLEAN,
    '{"messages":[{"role":"user","content":"h😀"},{"role":"assistant","content":"yo"}]}',
    '{"instruction":"a","input":"","output":"b"}',
    '{"messages":[{"role":"bot","content":""}]}',
    CLEAN + "\r",
    "",
    " ",
    "{",
    "[1]",
    "\ufeff" + CLEAN,
    '{"messages": [{"role": "user", "content": "spaced"}]}',
]
SETTINGS = Settings()


@pytest.fixture(scope="module")
def helper() -> Iterator[LintWorker]:
    worker = LintWorker.fork()
    assert worker is not None, "no helper: not Linux, or a thread was running"
    worker.min_bytes = worker.array_min_bytes = 0
    yield worker
    worker.close()


def expected(text: bytes) -> engine.FileResult:
    return engine.check_bytes(PATH, text, SETTINGS)


def assert_same(linter: IncrementalLinter, text: bytes) -> None:
    result = expected(text)
    assert linter.findings()[0] == result.findings
    assert list(linter.summaries()) == list(result.summaries)


buffers = st.tuples(
    st.lists(st.sampled_from(LINES), min_size=20, max_size=50), st.booleans(), st.integers(2, 5)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(buffers)
def test_handed_over_half_equals_one_process(helper: LintWorker, case) -> None:
    lines, newline, chunk = case
    text = ("\n".join(lines) + ("\n" if newline else "")).encode()
    jobs = helper.jobs
    linter = IncrementalLinter(PATH, SETTINGS, text.split(b"\n"))
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 1
    try:
        steps = list(linter.lint_steps(chunk=chunk, helper=helper))
    finally:
        incremental.BATCH_MIN = batch_min
    assert helper.jobs == jobs + 1  # the helper linted its part
    assert sum(not isinstance(s, int) for s in steps) == 1  # the caller waited for it once
    assert_same(linter, text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(buffers, st.data())
def test_streamed_lines_equal_one_process(helper: LintWorker, case, data) -> None:
    """Any run of lines (from line 0, as a didOpen streams them; or to the end) sent in
    pieces of any size as they are decoded."""
    lines, newline, _ = case
    text = ("\n".join(lines) + ("\n" if newline else "")).encode()
    buffer = text.split(b"\n")
    first = data.draw(st.integers(0, len(buffer) - 1))
    stop = data.draw(st.integers(first + 1, len(buffer)))
    sizes = data.draw(st.lists(st.integers(1, 7), min_size=stop - first))
    job = helper.job(PATH, SETTINGS)  # after the draws: a test stopped there leaves no job
    assert job is not None
    at = first
    for size in sizes:
        job.add(at, buffer[at : min(at + size, stop)])  # nothing past `stop`
        at += size
    job.end(len(buffer))
    jobs = helper.jobs
    linter = IncrementalLinter(PATH, SETTINGS, buffer)
    linter.expect(job)
    linter.lint_all()
    assert helper.jobs == jobs + 1
    assert_same(linter, text)


def test_edit_before_the_result_drops_it(helper: LintWorker) -> None:
    buffer = "\n".join(LINES * 3).encode().split(b"\n")
    job = helper.job(PATH, SETTINGS)
    assert job is not None
    job.add(20, buffer[20:])
    job.end(len(buffer))
    linter = IncrementalLinter(PATH, SETTINGS, buffer)
    linter.expect(job)
    steps = linter.lint_steps(chunk=5)
    next(steps)  # lines 0-4 linted, then an edit
    buffer[25:26] = [b'{"messages":[{"role":"robot","content":"x"}]}', b""]
    linter.splice(25, 26, 2)
    for _ in steps:
        pass
    assert_same(linter, b"\n".join(buffer))
    assert helper.available()  # the dropped result was read: the helper takes new jobs
    assert_same(linter, b"\n".join(buffer))


ARRAY = b"""[
  {"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "x"}]},
  {"instruction": "a", "output": "b"},
  {"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "x"}]}
]
"""


def test_json_array_checked_whole_in_the_helper(helper: LintWorker) -> None:
    path = "/tmp/helper/train.json"
    buffer = ARRAY.split(b"\n")
    linter = IncrementalLinter(path, SETTINGS, buffer)
    assert linter.is_array
    jobs = helper.jobs
    steps = list(linter.lint_steps(helper=helper))
    assert len(steps) == 1 and not isinstance(steps[0], int)  # the caller waits for it
    assert helper.jobs == jobs + 1
    expected = engine.check_bytes(path, ARRAY, SETTINGS).findings
    assert {f.code for f in expected} == {"R004", "F001", "D001"}
    assert linter.findings()[0] == expected
    # An edit while the helper checks: its result is dropped, the new text checked.
    buffer[2] = buffer[2].replace(b'"b"', b'"c"')
    linter.splice(2, 3, 1)
    steps = linter.lint_steps(helper=helper)
    job = next(steps)
    buffer[1] = buffer[1].replace(b'"bot"', b'"assistant"')
    linter.splice(1, 2, 1)
    list(steps)
    assert not job.running and helper.available()
    assert linter.findings()[0] == engine.check_bytes(path, b"\n".join(buffer), SETTINGS).findings


def test_settings_of_another_file_are_not_taken(helper: LintWorker) -> None:
    buffer = "\n".join(LINES * 2).encode().split(b"\n")
    job = helper.job("/tmp/helper/other.jsonl", SETTINGS)
    assert job is not None
    job.add(10, buffer[10:])
    job.end(len(buffer))
    jobs = helper.jobs
    linter = IncrementalLinter(PATH, SETTINGS, buffer)
    linter.expect(job)  # another path: abandoned
    linter.lint_all()
    assert helper.jobs == jobs
    assert_same(linter, b"\n".join(buffer))


def test_helper_killed_lints_here() -> None:
    worker = LintWorker.fork()
    assert worker is not None
    worker.min_bytes = 0
    os.kill(worker.pid, signal.SIGKILL)
    os.waitpid(worker.pid, 0)
    text = "\n".join(LINES * 700).encode()
    linter = IncrementalLinter(PATH, SETTINGS, text.split(b"\n"))
    linter.lint_all(worker)
    assert not worker.alive  # never asked again
    assert_same(linter, text)


def test_helper_killed_in_the_middle_of_a_job() -> None:
    worker = LintWorker.fork()
    assert worker is not None
    buffer = "\n".join(LINES * 700).encode().split(b"\n")
    job = worker.job(PATH, SETTINGS)
    assert job is not None
    job.add(0, buffer[:1000])
    os.kill(worker.pid, signal.SIGKILL)
    os.waitpid(worker.pid, 0)
    for at in range(1000, 5000, 1000):  # the helper is found dead on the way
        job.add(at, buffer[at : at + 1000])
    job.end(len(buffer))
    linter = IncrementalLinter(PATH, SETTINGS, buffer)
    linter.expect(job)
    steps = list(linter.lint_steps(helper=worker))
    assert not worker.alive
    assert all(isinstance(s, int) for s in steps)  # nothing to wait for
    assert_same(linter, b"\n".join(buffer))


def test_a_closed_buffer_frees_the_helper(helper: LintWorker) -> None:
    """A job whose buffer closes (before or while it is awaited) is dropped: the helper
    takes new jobs once it has sent that result."""
    buffer = "\n".join(LINES * 50).encode().split(b"\n")
    for stop_early in (False, True):
        job = helper.job(PATH, SETTINGS)
        assert job is not None
        job.add(0, buffer[:300])
        job.end(len(buffer))
        linter = IncrementalLinter(PATH, SETTINGS, buffer)
        linter.expect(job)
        if stop_early:  # the caller stops while it waits for the job (the task cancelled)
            steps = linter.lint_steps(chunk=50)
            assert next(s for s in steps if not isinstance(s, int)) is job
            steps.close()
        else:  # closed before it is linted
            linter.close()
        assert helper.abandoned is job  # its result is read and dropped when it comes
        for _ in range(500):
            if helper.available():
                break
            time.sleep(0.01)
        assert helper.available()
