"""Drive the real `sftlint serve` over stdio with a real LSP client and print, in one run:

- open -> first diagnostics on a 40 MB file vs `sftlint check` on it (<= 2.5), and the
  same on the 100,000-row file (about 128 MB, for information: VS Code hands no file over
  50 MB to an extension)
- a one-character edit -> diagnostics, p50/p95 over 200 edits, 100,000 vs 1,000 rows
  (p95 <= 30 ms, big/small <= 1.5)
- hover p95 with the tokenizer warm (<= 50 ms)
- `initialize` answered within 1 s of process start
- peak memory of the server vs the file size during the big open (<= 3x)
- a ~30 MB Alpaca JSON array (`json.dumps(rows, indent=2)`): open vs check (<= 2.5),
  edit -> diagnostics p95 (<= 30 ms, <= 1.5x a 1 MB array's), hover p95 at the first,
  middle and last object and from the first to the last (<= 50 ms), and a hover on
  another document right after each edit (`--arrays-only`: these figures alone)
- one cause on every row (`--one-cause`, these figures alone): the 100,000-row file with a
  space opening every answer (C006 on each row, one grouped diagnostic) and an unknown
  role in its last six rows (a second cause whose first rows are at the end): edit p95
  (<= 30 ms) against the same edits of the clean file and of 1,000 such rows; and, in
  process, what the grouped diagnostics add to an edit (`IncrementalLinter.groups`)
  against the rest of it (splice, lint, the first 1,000 diagnostics), every other edit
  deleting a row and putting it back
- `--only edit-one-cause`: only the one-cause file's edit p95 against the clean file's, in
  one run (same edits: typing in the middle row; then typing with the row below deleted
  and put back in the same didChange), with their ratio

The client is pytest-lsp's, writing messages as editors do: UTF-8 JSON (VS Code's
`JSON.stringify` leaves non-ASCII as it is), serialized with orjson. pygls's own serializer,
stdlib `json.dumps` with ASCII escapes, takes the better part of a second on the 128 MB
didOpen alone; the run prints how long, so that figure is not hidden either.

    python benchmarks/bench_lsp.py [--rows 100000] [--open-rows 33000] [--edits 200]
                                   [--array-rows 35000] [--arrays-only] [--one-cause]
                                   [--only edit-one-cause]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson
from lsprotocol import types as lsp
from pytest_lsp.client import make_test_lsp_client

HERE = Path(__file__).parent
RUNS = 5  # opens and checks; the figures are their medians (the machine is noisy)
SERVER = [sys.executable, "-m", "sftlint", "serve"]


def dataset(rows: int, fmt: str = "messages") -> Path:
    path = HERE / "data" / f"{fmt}-{rows}.jsonl"
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "gen_dataset.py"),
                "--rows",
                str(rows),
                "--format",
                fmt,
                "--out",
                str(path),
            ],
            check=True,
        )
    return path


def alpaca_array(rows: int) -> Path:
    """`rows` Alpaca rows as one JSON array, written as `json.dumps(rows, indent=2)`
    writes it (as `alpaca_data.json` is)."""
    path = HERE / "data" / f"alpaca-{rows}.json"
    if not path.exists():
        with dataset(rows, "alpaca").open("rb") as f:
            items = [orjson.loads(line) for line in f]
        path.write_text(json.dumps(items, indent=2))
    return path


def send_utf8(protocol) -> None:
    """Make the client write UTF-8 JSON with orjson, as an editor writes it."""

    def send(data) -> None:
        body = orjson.dumps(protocol._converter.unstructure(data))
        protocol.writer.write(b"Content-Length: %d\r\n\r\n" % len(body))  # asyncio's
        protocol.writer.write(body)  # StreamWriter (the server's stdin): buffers in order

    protocol._send_data = send


def one_cause(rows: int) -> Path:
    """`dataset(rows)` with a space opening every answer and, in the last six rows, the
    first assistant turn's role "bot" (see the module docstring)."""
    path = HERE / "data" / f"one-cause-{rows}.jsonl"
    if not path.exists():
        lines = dataset(rows).read_bytes().split(b"\n")
        answer = b'"role":"assistant","content":"'
        lines = [line.replace(answer, answer + b" ") for line in lines]
        for i in range(len(lines) - 7, len(lines) - 1):
            lines[i] = lines[i].replace(b'"role":"assistant"', b'"role":"bot"', 1)
        path.write_bytes(b"\n".join(lines))
    return path


class Session:
    def __init__(self) -> None:
        self.client = make_test_lsp_client()
        send_utf8(self.client.protocol)
        self.published: dict[str, asyncio.Event] = {}
        self.versions: dict[str, int | None] = {}

        def publish(params: lsp.PublishDiagnosticsParams) -> None:
            self.versions[params.uri] = params.version
            self.client.diagnostics[params.uri] = params.diagnostics
            self.published.setdefault(params.uri, asyncio.Event()).set()

        self.client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish

    async def start(self, options: dict | None = None) -> float:
        t0 = time.perf_counter()
        await self.client.start_io(*SERVER)
        await self.client.initialize_session(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(), initialization_options=options or {}
            )
        )
        return time.perf_counter() - t0

    async def wait(self, uri: str, version: int) -> None:
        while self.versions.get(uri) != version:
            event = self.published.setdefault(uri, asyncio.Event())
            event.clear()
            await event.wait()

    async def open(
        self, path: Path, sample: bool = False, language: str = "jsonl"
    ) -> tuple[str, str, float, float]:
        """Open `path`; returns (uri, text, seconds from sending didOpen to its diagnostics,
        seconds the client took to serialize didOpen). The file is read before: an editor
        has the text when it opens the document. `sample`: meanwhile, keep the peak memory
        of the server."""
        uri = path.as_uri()
        text = path.read_text(encoding="utf-8")
        sampler = asyncio.ensure_future(self.sample_memory()) if sample else None
        t0 = time.perf_counter()
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=text
                )
            )
        )
        sent = time.perf_counter() - t0
        await self.wait(uri, 1)
        elapsed = time.perf_counter() - t0
        if sampler is not None:
            sampler.cancel()
        return uri, text, elapsed, sent

    def type_x(self, uri: str, version: int, pos: lsp.Position) -> None:
        """Insert one character: the edit of `version`."""
        self.change(uri, version, [(lsp.Range(start=pos, end=pos), "x")])

    def change(self, uri: str, version: int, changes: list[tuple[lsp.Range, str]]) -> None:
        """One didChange of `version`: `changes` applied in order."""
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(range=r, text=t) for r, t in changes
                ],
            )
        )

    async def array_edits(
        self, uri: str, text: str, count: int, other: str | None = None
    ) -> tuple[list[float], list[float]]:
        """Type one character at a time into a value of the middle object of a JSON array:
        (edit -> diagnostics, a hover on `other` sent right after each edit)."""
        lines = text.split("\n")
        line = next(i for i in range(len(lines) // 2, len(lines)) if '"output": "' in lines[i])
        col = lines[line].index('"output": "') + len('"output": "')
        edits, hovers = [], []
        for k in range(count):
            version = k + 2
            t0 = time.perf_counter()
            self.type_x(uri, version, lsp.Position(line=line, character=col + k))
            if other is not None:
                h0 = time.perf_counter()
                await self.hover(other, 1)
                hovers.append(time.perf_counter() - h0)
            await self.wait(uri, version)
            edits.append(time.perf_counter() - t0)
        return edits, hovers

    async def hover(self, uri: str, line: int) -> None:
        await self.client.text_document_hover_async(
            lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                position=lsp.Position(line=line, character=5),
            )
        )

    async def hovers(self, uri: str, lines: list[int]) -> list[float]:
        times = []
        for line in lines:
            t0 = time.perf_counter()
            await self.hover(uri, line)
            times.append(time.perf_counter() - t0)
        return times

    async def sample_memory(self) -> None:
        self.peak_memory = 0
        while True:
            with contextlib.suppress(OSError):  # the server may have exited
                self.peak_memory = max(self.peak_memory, self.rss("VmRSS"))
            await asyncio.sleep(0.01)

    async def edits(
        self, uri: str, text: str, count: int, start: int = 0, move_row: bool = False
    ) -> list[float]:
        """Type one character at a time into a row in the middle of the file (`start`:
        edits made before). `move_row`: each edit also deletes the row after it and puts
        it back (one didChange: the line count changes, the text ends as typed)."""
        lines = text.split("\n")
        line = len(lines) // 2
        head = lines[line][: lines[line].index('"content":"') + len('"content":"')]
        col = len(head.encode("utf-16-le")) // 2  # LSP columns are UTF-16
        below = lines[line + 1] + "\n"
        times = []
        for k in range(start, start + count):
            version = k + 2
            at = lsp.Position(line=line, character=col + k)
            t0 = time.perf_counter()
            if move_row:
                row = lsp.Range(
                    start=lsp.Position(line=line + 1, character=0),
                    end=lsp.Position(line=line + 2, character=0),
                )
                start_ = lsp.Position(line=line + 1, character=0)
                self.change(
                    uri,
                    version,
                    [
                        (lsp.Range(start=at, end=at), "x"),
                        (row, ""),
                        (lsp.Range(start=start_, end=start_), below),
                    ],
                )
            else:
                self.type_x(uri, version, at)
            await self.wait(uri, version)
            times.append(time.perf_counter() - t0)
        return times

    def rss(self, field: str = "VmHWM") -> int:
        """The server's peak (VmHWM) or current (VmRSS) resident memory, in bytes."""
        return status(self.client._server.pid, field)

    async def stop(self) -> None:
        await self.client.shutdown_session()


def status(pid: int, field: str) -> int:
    """A memory field of /proc/PID/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def stock_serializer_seconds(path: Path) -> float:
    """How long pygls's own serializer (stdlib json, ASCII escapes) takes on the didOpen."""
    message = {
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {
            "textDocument": {
                "uri": path.as_uri(),
                "languageId": "jsonl",
                "version": 1,
                "text": path.read_text(encoding="utf-8"),
            }
        },
    }
    t0 = time.perf_counter()
    json.dumps(message).encode("utf-8")
    return time.perf_counter() - t0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


async def open_vs_check(
    path: Path, runs: int, language: str = "jsonl"
) -> tuple[list[float], list[float], list[float]]:
    """`runs` checks of `path`, then `runs` opens in fresh servers: (checks, opens, seconds
    the client spent serializing each didOpen)."""
    checks = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            ["sftlint", "check", str(path), "--no-progress"], stdout=subprocess.DEVNULL, check=False
        )
        checks.append(time.perf_counter() - t0)
    opens, sends = [], []
    for _ in range(runs):
        s = Session()
        await s.start()
        _, _, open_s, sent_s = await s.open(path, language=language)
        opens.append(open_s)
        sends.append(sent_s)
        await s.stop()
    return checks, opens, sends


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--open-rows", type=int, default=33_000, help="the ~40 MB file")
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--array-rows", type=int, default=35_000, help="the ~30 MB array")
    parser.add_argument("--tokenizer", default="mistral-v3")
    parser.add_argument("--arrays-only", action="store_true", help="the JSON array figures")
    parser.add_argument("--one-cause", action="store_true", help="one cause on every row")
    parser.add_argument(
        "--only",
        choices=["edit-one-cause"],
        help="edit-one-cause: the one-cause file's edit p95 against the clean file's, in one "
        "run (typing in a row; then typing with a row deleted and put back each edit)",
    )
    args = parser.parse_args()
    if args.only == "edit-one-cause":
        await edit_one_cause(args.rows, args.edits)
        return
    if args.one_cause:
        await one_cause_figures(args.rows, args.edits)
        return
    if args.arrays_only:
        await array_figures(args.array_rows, dataset(1000))
        return
    big, small, mid = dataset(args.rows), dataset(1000), dataset(args.open_rows)
    size = big.stat().st_size

    checks, opens, sends = await open_vs_check(mid, RUNS)
    check_s, open_s, sent_s = (statistics.median(x) for x in (checks, opens, sends))
    big_checks, big_opens, _ = await open_vs_check(big, 3)
    big_check_s, big_open_s = statistics.median(big_checks), statistics.median(big_opens)

    inits = []
    for _ in range(RUNS - 1):
        s = Session()
        inits.append(await s.start())
        await s.stop()
    s = Session()
    inits.append(await s.start())
    idle_rss = s.rss("VmRSS")
    uri, text, _, _ = await s.open(big, sample=True)
    open_rss = s.rss("VmRSS")
    peak_memory = s.peak_memory
    big_edits = await s.edits(uri, text, args.edits)
    rss = s.rss()
    await s.stop()
    init_s = max(inits)

    s = Session()
    await s.start()
    uri, text, _, _ = await s.open(small)
    small_edits = await s.edits(uri, text, args.edits)
    await s.stop()

    s = Session()
    await s.start({"tokenizer": args.tokenizer})
    uri, text, _, _ = await s.open(small)
    hovers = []
    for k in range(50):
        t0 = time.perf_counter()
        await s.client.text_document_hover_async(
            lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                position=lsp.Position(line=k % 10, character=1),
            )
        )
        hovers.append(time.perf_counter() - t0)
    await s.stop()
    warm = hovers[10:]  # the first ten load the tokenizer and fill the cache

    stock_s = stock_serializer_seconds(mid)
    p95_big, p95_small = pct(big_edits, 0.95), pct(small_edits, 0.95)
    hover95 = pct(warm, 0.95)
    server_s = open_s - sent_s

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    mb = 1e6
    print(f"files: {mid.name} {mid.stat().st_size / mb:.1f} MB, {big.name} {size / mb:.1f} MB")
    print(f"load average before the run's end: {os.getloadavg()[0]:.1f} (machine shared: noisy)")
    print(
        f"initialize answered {init_s * 1000:.0f} ms after process start, slowest of {RUNS} "
        f"(target <= 1000 ms) {verdict(init_s <= 1.0)}"
    )
    print(
        f"open {mid.name} -> first diagnostics {open_s:.2f} s; sftlint check {check_s:.2f} s "
        f"(medians of {RUNS}); ratio {open_s / check_s:.2f} (target <= 2.5) "
        f"{verdict(open_s / check_s <= 2.5)}"
    )
    print(f"  opens {seconds(opens)}; checks {seconds(checks)}")
    print(
        f"  of which the client serializing didOpen {sent_s:.2f} s (pygls's stdlib serializer "
        f"would take {stock_s:.2f} s); from then on {server_s:.2f} s, ratio "
        f"{server_s / check_s:.2f} to sftlint check"
    )
    print(
        f"open {big.name} -> first diagnostics {big_open_s:.2f} s; sftlint check "
        f"{big_check_s:.2f} s (medians of 3); ratio {big_open_s / big_check_s:.2f} (no target)"
    )
    print(
        f"edit -> diagnostics, {args.rows:,} rows: p50 {statistics.median(big_edits) * 1000:.1f}"
        f" ms, p95 {p95_big * 1000:.1f} ms (target <= 30 ms) {verdict(p95_big <= 0.030)}"
    )
    print(
        f"edit -> diagnostics, 1,000 rows: p50 {statistics.median(small_edits) * 1000:.1f} ms, "
        f"p95 {p95_small * 1000:.1f} ms; big/small p95 ratio {p95_big / p95_small:.2f} "
        f"(target <= 1.5) {verdict(p95_big / p95_small <= 1.5)}"
    )
    print(
        f"hover p95 (tokenizer {args.tokenizer}, warm): {hover95 * 1000:.1f} ms "
        f"(target <= 50 ms) {verdict(hover95 <= 0.050)}"
    )
    print(
        f"peak memory during the open of {big.name}: {peak_memory / mb:.0f} MB = "
        f"{peak_memory / size:.2f}x the file size (target <= 3.0) "
        f"{verdict(peak_memory / size <= 3.0)}"
    )
    print(
        f"  peak RSS after the edits {rss / mb:.0f} MB = {rss / size:.2f}x; before the open "
        f"{idle_rss / mb:.0f} MB, after it {open_rss / mb:.0f} MB"
    )
    await array_figures(args.array_rows, small)


async def array_figures(rows: int, other_file: Path) -> None:
    """A ~30 MB Alpaca array next to a 1 MB one: open vs check, edits, hovers anywhere."""
    array, small_array = alpaca_array(rows), alpaca_array(1000)
    array_checks, array_opens, _ = await open_vs_check(array, 3, "json")
    s = Session()
    await s.start()
    other, _, _, _ = await s.open(other_file)
    array_uri, array_text, _, _ = await s.open(array, language="json")
    n = array_text.count("\n")
    spread = [n * k // 30 + 1 for k in range(30)]  # first object to last
    array_hovers = await s.hovers(array_uri, spread)
    middle = next(i for i in range(n // 2, n) if array_text.split("\n")[i].strip() == "{")
    at = {name: await s.hovers(array_uri, [line] * 20) for name, line in
          (("first", 2), ("middle", middle + 2), ("last", n - 3))}  # fmt: skip
    array_edits, other_hovers = await s.array_edits(array_uri, array_text, 100, other)
    await s.stop()
    s = Session()
    await s.start()
    small_uri, small_text, _, _ = await s.open(small_array, language="json")
    small_array_edits, _ = await s.array_edits(small_uri, small_text, 100)
    await s.stop()

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    mb_array = array.stat().st_size / 1e6
    array_open_s, array_check_s = statistics.median(array_opens), statistics.median(array_checks)
    p95_array, p95_small_array = pct(array_edits, 0.95), pct(small_array_edits, 0.95)
    array_hover95 = pct(array_hovers, 0.95)
    print(f"load average: {os.getloadavg()[0]:.1f} (machine shared: noisy)")
    print(
        f"JSON array {array.name} ({mb_array:.1f} MB, {rows:,} objects): open -> first "
        f"diagnostics {array_open_s:.2f} s; sftlint check {array_check_s:.2f} s (medians of "
        f"3); ratio {array_open_s / array_check_s:.2f} (target <= 2.5) "
        f"{verdict(array_open_s / array_check_s <= 2.5)}"
    )
    print(
        f"  edit -> diagnostics p50 {statistics.median(array_edits) * 1000:.1f} ms, p95 "
        f"{p95_array * 1000:.1f} ms (target <= 30 ms) {verdict(p95_array <= 0.030)}; "
        f"{small_array.name} ({small_array.stat().st_size / 1e6:.1f} MB) p95 "
        f"{p95_small_array * 1000:.1f} ms, ratio {p95_array / p95_small_array:.2f} "
        f"(target <= 1.5) {verdict(p95_array / p95_small_array <= 1.5)}"
    )
    print(
        f"  hover p95, first object to last: {array_hover95 * 1000:.1f} ms (target <= 50 ms) "
        f"{verdict(array_hover95 <= 0.050)}; max {max(array_hovers) * 1000:.1f} ms"
    )
    for name, times in at.items():
        hover95 = pct(times, 0.95)
        print(
            f"  hover p95 at the {name} object: {hover95 * 1000:.1f} ms (target <= 50 ms) "
            f"{verdict(hover95 <= 0.050)}"
        )
    print(
        f"  a hover on another document right after each edit: p95 "
        f"{pct(other_hovers, 0.95) * 1000:.0f} ms"
    )


async def one_cause_figures(rows: int, edits: int) -> None:
    runs = {}
    for name, path in (("clean", dataset(rows)), ("one cause", one_cause(rows))):
        s = Session()
        await s.start()
        uri, text, opened, _ = await s.open(path)
        grouped = [d for d in s.client.diagnostics[uri] if d.data and "group" in d.data]
        runs[name] = (opened, await s.edits(uri, text, edits), grouped)
        await s.stop()
    s = Session()
    await s.start()
    uri, text, _, _ = await s.open(one_cause(1000))
    small = await s.edits(uri, text, edits)
    await s.stop()
    (clean_open, clean, _), (open_s, edited, grouped) = runs["clean"], runs["one cause"]
    p95, p95_clean, p95_small = pct(edited, 0.95), pct(clean, 0.95), pct(small, 0.95)
    print(f"one cause on each of {rows:,} rows: grouped diagnostics {len(grouped)}:")
    for d in grouped:
        print(f"  {d.code} line {d.range.start.line + 1}: ...{d.message[-60:]}")
    print(
        f"open -> first diagnostics {open_s:.2f} s; the clean file {clean_open:.2f} s; "
        f"ratio {open_s / clean_open:.2f}"
    )
    print(
        f"edit -> diagnostics p50 {statistics.median(edited) * 1000:.1f} ms, p95 "
        f"{p95 * 1000:.1f} ms (target <= 30 ms) {'ok' if p95 <= 0.030 else 'MISSED'}; "
        f"the clean file's p95 {p95_clean * 1000:.1f} ms (ratio {p95 / p95_clean:.2f}); "
        f"1,000 such rows p95 {p95_small * 1000:.1f} ms (ratio {p95 / p95_small:.2f})"
    )
    rest, grouping = grouping_share(one_cause(rows), edits)
    print(
        f"in process, edit p95 {rest * 1000:.1f} ms without the grouped diagnostics, "
        f"{grouping * 1000:.2f} ms for them (ratio {grouping / rest:.4f})"
    )


async def edit_one_cause(rows: int, edits: int) -> None:
    """Edits of the one-cause file against the same edits of the clean file, in one run:
    typing in the middle row, then typing with the next row deleted and put back (the
    line count changes twice an edit)."""
    p95, cpu = {}, {}
    for name, path in (("clean", dataset(rows)), ("one cause", one_cause(rows))):
        s = Session()
        await s.start()
        uri, text, _, _ = await s.open(path)
        client, server = time.process_time(), cpu_seconds(s.client._server.pid)
        typed = await s.edits(uri, text, edits)
        cpu[name] = (
            (time.process_time() - client) / edits,
            (cpu_seconds(s.client._server.pid) - server) / edits,
        )
        moved = await s.edits(uri, text, edits, start=edits, move_row=True)
        p95[name] = pct(typed, 0.95), pct(moved, 0.95)
        await s.stop()
    load = os.getloadavg()[0]
    print(f"edit -> diagnostics p95, {rows:,} rows, {edits} edits each, load {load:.1f}:")
    for k, what in enumerate(("typing in a row", "... and a row deleted and put back")):
        one, clean = p95["one cause"][k], p95["clean"][k]
        print(
            f"  {what}: one cause {one * 1000:.1f} ms (target <= 30 ms) "
            f"{'ok' if one <= 0.030 else 'MISSED'}; clean {clean * 1000:.1f} ms; "
            f"ratio {one / clean:.2f}"
        )
    for name, (client, server) in cpu.items():
        print(
            f"  CPU a typed edit, {name}: the server {server * 1000:.1f} ms, this client "
            f"(pytest-lsp reading the diagnostics into lsprotocol types) {client * 1000:.1f} ms"
        )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process `pid` (/proc/PID/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def grouping_share(path: Path, edits: int) -> tuple[float, float]:
    """In process (`time.process_time`): p95 of an edit without the grouped diagnostics,
    and of the grouped diagnostics alone, over `edits` edits of the middle row."""
    from sftlint.lsp import convert
    from sftlint.lsp.incremental import IncrementalLinter
    from sftlint.settings import Settings

    lines = path.read_bytes().split(b"\n")
    linter = IncrementalLinter(str(path), Settings(), lines)
    linter.lint_all()
    linter.groups()
    mid = len(lines) // 2
    col = lines[mid].index(b'"content":"') + len(b'"content":"')
    rest, grouping = [], []
    for k in range(edits):
        t0 = time.process_time()
        lines[mid] = lines[mid][:col] + b"x" + lines[mid][col:]
        linter.splice(mid, mid + 1, 1)
        if k % 2:  # lines deleted and added too: the kept lines of each cause shift
            row = lines.pop(mid + 1)
            linter.splice(mid + 1, mid + 2, 0)
            lines.insert(mid + 1, row)
            linter.splice(mid + 1, mid + 1, 1)
        linter.lint_all()
        located, _ = linter.located(1000)
        [convert.diagnostic(f, convert.uri_of_path, line or 0) for line, f in located]
        t1 = time.process_time()
        for (line, f), key, n, rows, shown in linter.groups():
            convert.grouped(f, line or 0, (key, n, rows), shown)
        rest.append(t1 - t0)
        grouping.append(time.process_time() - t1)
    return pct(rest, 0.95), pct(grouping, 0.95)


def seconds(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)


if __name__ == "__main__":
    asyncio.run(main())
