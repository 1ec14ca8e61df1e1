"""Drive the real `sftlint serve` over stdio with a real LSP client and print, in one run:

- open -> first diagnostics on the 100,000-row file vs `sftlint check` on it (<= 2.0)
- a one-character edit -> diagnostics, p50/p95 over 200 edits, 100,000 vs 1,000 rows
  (p95 <= 30 ms, big/small <= 1.5)
- hover p95 with the tokenizer warm (<= 50 ms)
- `initialize` answered within 1 s of process start
- peak RSS of the server vs the file size (<= 3x)

    python benchmarks/bench_lsp.py [--rows 100000] [--edits 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types as lsp
from pytest_lsp.client import make_test_lsp_client

HERE = Path(__file__).parent
SERVER = [sys.executable, "-m", "sftlint", "serve"]


def dataset(rows: int) -> Path:
    path = HERE / "data" / f"messages-{rows}.jsonl"
    if not path.exists():
        subprocess.run(
            [sys.executable, str(HERE / "gen_dataset.py"), "--rows", str(rows), "--out", str(path)],
            check=True,
        )
    return path


class Session:
    def __init__(self) -> None:
        self.client = make_test_lsp_client()
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

    async def open(self, path: Path) -> tuple[str, str, float]:
        """Open `path`; returns (uri, text, seconds the client took to serialize didOpen)."""
        uri = path.as_uri()
        text = path.read_text(encoding="utf-8")
        t0 = time.perf_counter()
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(
                    uri=uri, language_id="jsonl", version=1, text=text
                )
            )
        )
        sent = time.perf_counter() - t0
        await self.wait(uri, 1)
        return uri, text, sent

    async def edits(self, uri: str, text: str, count: int) -> list[float]:
        """Type one character at a time into a row in the middle of the file."""
        lines = text.split("\n")
        line = len(lines) // 2
        head = lines[line][: lines[line].index('"content":"') + len('"content":"')]
        col = len(head.encode("utf-16-le")) // 2  # LSP columns are UTF-16
        times = []
        for k in range(count):
            version = k + 2
            t0 = time.perf_counter()
            pos = lsp.Position(line=line, character=col + k)
            self.client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        lsp.TextDocumentContentChangePartial(
                            range=lsp.Range(start=pos, end=pos), text="x"
                        )
                    ],
                )
            )
            await self.wait(uri, version)
            times.append(time.perf_counter() - t0)
        return times

    def rss(self, field: str = "VmHWM") -> int:
        """The server's peak (VmHWM) or current (VmRSS) resident memory, in bytes."""
        pid = self.client._server.pid
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        return 0

    async def stop(self) -> None:
        await self.client.shutdown_session()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--tokenizer", default="mistral-v3")
    args = parser.parse_args()
    big, small = dataset(args.rows), dataset(1000)
    size = big.stat().st_size

    t0 = time.perf_counter()
    subprocess.run(
        ["sftlint", "check", str(big), "--no-progress"], stdout=subprocess.DEVNULL, check=False
    )
    check_s = time.perf_counter() - t0

    s = Session()
    init_s = await s.start()
    idle_rss = s.rss("VmRSS")
    t0 = time.perf_counter()
    uri, text, sent_s = await s.open(big)
    open_s = time.perf_counter() - t0
    open_rss = s.rss("VmRSS")
    big_edits = await s.edits(uri, text, args.edits)
    rss = s.rss()
    await s.stop()

    s = Session()
    await s.start()
    uri, text, _ = await s.open(small)
    small_edits = await s.edits(uri, text, args.edits)
    await s.stop()

    s = Session()
    await s.start({"tokenizer": args.tokenizer})
    uri, text, _ = await s.open(small)
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

    p95_big, p95_small = pct(big_edits, 0.95), pct(small_edits, 0.95)
    hover95 = pct(warm, 0.95)
    server_s = open_s - sent_s

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    mb = 1e6
    print(f"file: {big.name}, {size / mb:.1f} MB, {args.rows:,} rows (machine shared: noisy)")
    print(
        f"initialize answered {init_s * 1000:.0f} ms after process start "
        f"(target <= 1000 ms) {verdict(init_s <= 1.0)}"
    )
    print(
        f"open -> first diagnostics {open_s:.2f} s; sftlint check {check_s:.2f} s; "
        f"ratio {open_s / check_s:.2f} (target <= 2.0) {verdict(open_s / check_s <= 2.0)}"
    )
    print(
        f"  of which the client serializing didOpen {sent_s:.2f} s; from then on "
        f"{server_s:.2f} s, ratio {server_s / check_s:.2f} to sftlint check"
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
        f"peak RSS {rss / mb:.0f} MB = {rss / size:.2f}x the file size (target <= 3.0) "
        f"{verdict(rss / size <= 3.0)}"
    )
    print(
        f"  RSS before the open {idle_rss / mb:.0f} MB, after it {open_rss / mb:.0f} MB; "
        f"the didOpen message alone is {size / mb:.0f}+ MB of JSON"
    )


if __name__ == "__main__":
    asyncio.run(main())
