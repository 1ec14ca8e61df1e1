"""Check a file: read rows, run row checks, then file checks over the rows' summaries.

Rows stream through: only a small `RowSummary` of each row is kept, and a row is read
again (by its byte offset) only when a file-level finding must be located in it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson

from sftlint import registry
from sftlint.engine import fastpath, parallel
from sftlint.io import filecolumns, formats, reader
from sftlint.io.jsonscan import JSON_TYPES
from sftlint.io.lines import Block, LongLine, bounded_chunks, bounded_lines
from sftlint.io.positions import NO_WIDTH, EditorLines
from sftlint.io.reader import FileInfo, Row
from sftlint.io.regular import FileBytes, open_regular
from sftlint.model import Finding, Severity
from sftlint.rules import checks, conflict_rules, mask_rules
from sftlint.settings import Settings

registry.all_rules()  # import the rule families: they register their checks


@dataclass(slots=True)
class FileResult:
    path: str
    findings: list[Finding]
    info: FileInfo
    summaries: Sequence[checks.RowSummary] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)  # e.g. token totals (mask rules)

    @property
    def format(self) -> str | None:
        return max(self.formats, key=self.formats.__getitem__) if self.formats else None

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)


# Rows of a dataset share a handful of shapes: the summary parts of a shape are computed
# once and shared by every row that has it (fast, and 100,000 summaries hold a few sets).
_Shape = tuple[tuple[str, ...], tuple[type, ...], frozenset[tuple[str, type]] | None]
_SHAPES: dict[_Shape, tuple[frozenset[str], frozenset[tuple[str, str, str]]]] = {}
_MAX_SHAPES = 4096


def _shape_parts(
    shape: _Shape,
) -> tuple[frozenset[str], frozenset[tuple[str, str, str]]]:
    parts = _SHAPES.get(shape)
    if parts is None:
        keys, value_types, message_types = shape
        types = {
            ("row", k, JSON_TYPES.get(t, "object")) for k, t in zip(keys, value_types, strict=True)
        }
        message_keys: frozenset[str] = frozenset()
        if message_types is not None:
            message_keys = frozenset(k for k, _ in message_types)
            types.update(("message", k, JSON_TYPES.get(t, "object")) for k, t in message_types)
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        parts = _SHAPES[shape] = (message_keys, frozenset(types))
    return parts


def summarize(
    row: Row, fmt: str | None, fields: formats.Fields, prompt: int | None = None
) -> checks.RowSummary:
    """`prompt`: the row's K006 prompt digest, when the caller has it."""
    s = checks.RowSummary(
        row.index, row.line, row.end_line, row.offset, len(row.raw), row.prefix, fmt
    )
    if isinstance(row.value, dict):
        _set_shape(s, row.value, fmt, fields)
        if fmt is not None:
            if prompt is None:
                turns = formats.turns(row.value, fmt, fields)
                prompt = conflict_rules.prompt_digest(row.value, fmt, fields, turns)
            s.prompt = prompt
    s.digest = checks.row_digest(row.raw.strip(), s.prompt)
    return s


def shape_template(value: dict[str, Any], fmt: str, fields: formats.Fields) -> checks.RowSummary:
    """The shape parts (keys, message_keys, types) of an object row's summary."""
    s = checks.RowSummary(0, 0, 0, 0, 0, NO_WIDTH, fmt)
    _set_shape(s, value, fmt, fields)
    return s


def _set_shape(
    s: checks.RowSummary, value: dict[str, Any], fmt: str | None, fields: formats.Fields
) -> None:
    keys = tuple(value)
    s.keys = keys
    key = formats.messages_key(value, fields)
    message_types = None
    if key is not None:
        message_types = frozenset(
            {(k, type(v)) for m in value[key] if type(m) is dict for k, v in m.items()}
        )
    s.message_keys, s.types = _shape_parts((keys, tuple(map(type, value.values())), message_types))
    s.system = checks.has_system_prompt(value, key, fmt, fields)
    if fmt == formats.UNPAIRED_PREFERENCE:
        label = value.get("label")  # a configured format may come without one
        s.label = label if type(label) is bool else None


def compact_object(line: bytes, size: int) -> tuple[dict[str, Any], bytes] | None:
    """(object, its bytes) when the first `size` bytes of `line` are exactly what orjson
    writes back for the object the line holds: then the row has no duplicate key, NUL,
    BOM, CR or stray whitespace, and needs no reader to prove it. None otherwise.

    The server's batch lint starts here; `FileChecker.check_lines` has it inlined.
    """
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict:
        return None
    try:
        raw = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return None
    return (value, raw) if len(raw) == size and line.startswith(raw) else None


def _chunks(lines: Iterable[bytes]) -> Iterator[Block]:
    """The lines in blocks of CHUNK_LINES, or fewer when they reach CHUNK_BYTES: memory
    stays bounded by one long line, not by CHUNK_LINES of them."""
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line)
        if size >= CHUNK_BYTES or len(chunk) >= CHUNK_LINES:
            yield Block(chunk)
            chunk = []
            size = 0
    if chunk:
        yield Block(chunk)


# A row's fast-path verdict (format, shape template, clean, K006 prompt digest) and its
# check context.
_Prepared = tuple[str, Any, bool, int | None, checks.RowContext]
# Rows whose loss masks are computed together: within the analysis cache (64 results).
MASK_GROUP = 32
# Rows taken at a time: their control tokens are looked for at once.
CHUNK_LINES = 512
CHUNK_BYTES = 1 << 20


class FileChecker:
    """Checks the rows of one file as they stream by, then the file as a whole."""

    def __init__(
        self,
        path: str,
        settings: Settings,
        load: Callable[[checks.RowSummary], Row],
        read: Callable[[checks.RowSummary], bytes] | None = None,
    ) -> None:
        """`load` reads a row again for the file checks; `read`, when the file can be read
        at an offset, its bytes alone (see `checks.FileContext.raw`)."""
        self.path = path
        self.settings = settings
        self.reporter = checks.Reporter(settings)
        self.summaries = checks.Summaries()
        self.load = load
        self.read = read
        # Clean rows (proved so by the fast path) skip the checks it covers.
        self.fast = fastpath.FastPath(settings.fields, shape_template)
        skip = fastpath.covered_checks() | fastpath.idle_checks(settings)
        self.other_checks = [c for c in checks.ROW_CHECKS if c not in skip]
        # Bytes between progress reports: tokenizing every row is ~100x slower than
        # checking structure, so a bar with a tokenizer moves in smaller steps.
        self.progress_step = 1 << 16 if settings.mask.tokenizer else 1 << 22

    @property
    def formats(self) -> dict[str, int]:
        """Rows by format, in order of first row."""
        return self.summaries.formats()

    def check_row(self, row: Row, prepared: _Prepared | None = None) -> None:
        fields = self.settings.fields
        if row.problems:
            self._report_problems(row)
        if not row.ok:
            self.summaries.add(summarize(row, None, fields))
            return
        fmt, template, clean, prompt, ctx = prepared or self._prepare(row)
        row_checks = self.other_checks if clean else checks.ROW_CHECKS
        if row_checks:
            for check in row_checks:
                check(ctx)
        if prompt is None:  # the turns the row checks read, not read again
            prompt = conflict_rules.prompt_digest(row.value, fmt, fields, ctx.turns)
        if template is None or row.end_line != row.line or row.prefix != NO_WIDTH:
            self.summaries.add(summarize(row, fmt, fields, prompt))  # not a one-line JSONL row
        else:
            raw = row.raw
            self.summaries.add_shaped(
                template,
                row.line,
                row.offset,
                len(raw),
                checks.row_digest(raw.strip(), prompt),
                prompt,
            )

    def _prepare(self, row: Row) -> _Prepared:
        fmt, template, clean, prompt = self.fast.check(row.value)
        return (
            fmt,
            template,
            clean,
            prompt,
            checks.RowContext(row, fmt, self.settings.fields, self.reporter),
        )

    def check_rows(self, rows: list[Row]) -> None:
        """`check_row` over `rows`, whose loss masks are computed together first: the
        tokenizer encodes a group of rows in one call (`mask_rules.prefetch`)."""
        prepared = [self._prepare(row) if row.ok else None for row in rows]
        mask_rules.prefetch([p[4] for p in prepared if p is not None])
        for row, p in zip(rows, prepared, strict=True):
            self.check_row(row, p)

    def check_lines(
        self,
        lines: Iterable[bytes],
        info: FileInfo,
        *,
        offset: int = 0,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Check the lines of a JSON Lines file (or of a part starting at byte `offset`).

        Gives what `check_row` over `reader.read_jsonl` gives: see `check_chunks`.
        """
        self.check_chunks(_chunks(lines), info, offset=offset, progress=progress)

    def check_chunks(
        self,
        chunks: Iterable[Block],
        info: FileInfo,
        *,
        offset: int = 0,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """`check_lines` over the same lines in blocks (`lines.bounded_chunks`).

        A compact row (the JSON orjson writes back byte for byte: no duplicate key, no
        NUL, no BOM, no CR, no surrounding blanks) that the fast path proves clean is
        summarized without a `Row`. `progress(offset)` is called every `progress_step`
        bytes or so.
        """
        fast_check = self.fast.check
        add_ints, add_template, templates = self.summaries.shaped_writer()
        fast_ok = not self.other_checks
        loads, dumps, newline = orjson.loads, orjson.dumps, orjson.OPT_APPEND_NEWLINE
        index = 0
        line_no = -1
        step = offset
        longest = 0
        # With a tokenizer, rows wait in groups for their checks (see check_rows).
        group: list[Row] = []
        check_row = group.append if self.settings.mask.tokenizer else self.check_row
        for chunk in chunks:
            if progress is not None and offset >= step:
                progress(offset)
                step = offset + self.progress_step
            # Control tokens looked for in the whole chunk at once: the lines before
            # `cleared` hold none, so the fast path need not look in each.
            cleared = fastpath.token_free(chunk, chunk.data)
            longest = max(longest, max(map(len, chunk)))
            # Line 0 (a BOM) and a last line without newline are read the reader's way.
            first = 0 if offset else 1
            end = len(chunk) if chunk[-1][-1:] == b"\n" else len(chunk) - 1
            for i, line in enumerate(chunk):
                line_no += 1
                start = offset
                offset += len(line)
                # A compact object (what orjson writes back, byte for byte) needs no
                # reader: see compact_object, inlined here.
                if first <= i < end:
                    try:
                        value = loads(line)
                    except orjson.JSONDecodeError:
                        value = None
                    if type(value) is dict:
                        try:  # what orjson writes, newline and all: one compare
                            compact = dumps(value, option=newline) == line
                        except orjson.JSONEncodeError:
                            compact = False
                        if compact:
                            _, template, _, prompt = fast_check(value, b"" if i < cleared else line)
                            if prompt is not None and fast_ok and template is not None:  # clean
                                templates[template] = templates.get(template, 0) + 1
                                n = len(line) - 1  # the row's bytes: the line but its newline
                                # checks.row_digest, inlined
                                add_ints((line_no, start, n, prompt or hash(line[:n]), prompt))
                                add_template(template)
                                index += 1
                                continue
                            row = Row(self.path, index, line_no, line_no, start, line[:-1])
                            row.value = value
                            check_row(row)
                            index += 1
                            if len(group) >= MASK_GROUP:
                                self.check_rows(group)
                                group.clear()
                            continue
                if line.__class__ is LongLine:
                    offset += reader.long_line(info, line, line_no, start)
                    continue
                read = reader.read_jsonl_line(self.path, line, line_no, start, index, info)
                if read is not None:
                    check_row(read)
                    index += 1
                    if len(group) >= MASK_GROUP:
                        self.check_rows(group)
                        group.clear()
        if group:
            self.check_rows(group)
        info.rows = index
        info.lines = line_no + 1
        info.bytes = offset
        info.longest_line = longest

    def check_compact(self, rows: Iterable[tuple[dict[str, Any], bytes]], info: FileInfo) -> None:
        """Check rows that are values (Parquet), each with `orjson.dumps` of it: what
        `check_lines` gives for those bytes as lines, without parsing them back."""
        fast_check = self.fast.check
        add_ints, add_template, templates = self.summaries.shaped_writer()
        fast_ok = not self.other_checks
        offset = 0
        index = -1
        longest = 0
        rows = iter(rows)
        # A batch of rows is in memory already: a chunk of it adds no bound of its own.
        while chunk := list(islice(rows, CHUNK_LINES)):
            raws = [raw for _, raw in chunk]
            cleared = fastpath.token_free(raws)  # as in check_chunks
            longest = max(longest, max(map(len, raws)))
            for i, (value, raw) in enumerate(chunk):
                index += 1
                _, template, _, prompt = fast_check(value, b"" if i < cleared else raw)
                if prompt is not None and fast_ok and template is not None:  # a clean row
                    templates[template] = templates.get(template, 0) + 1
                    add_ints((index, offset, len(raw), prompt or hash(raw), prompt))
                    add_template(template)
                else:
                    row = Row(self.path, index, index, index, offset, raw)
                    row.value = value
                    self.check_row(row)
                offset += len(raw) + 1
        info.rows = info.lines = index + 1
        info.bytes = offset
        info.longest_line = longest

    def _report_problems(self, row: Row) -> None:
        for p in row.problems:
            self.reporter.add(
                p.code,
                p.message,
                row.path,
                p.range,
                fixes=p.fixes,
                related=_related(row.path, p.related),
                row_line=row.line,
            )

    def finish(self, info: FileInfo) -> FileResult:
        for p in info.problems:
            self.reporter.add(
                p.code,
                p.message,
                self.path,
                p.range,
                fixes=p.fixes,
                related=_related(self.path, p.related),
            )
        ctx = checks.FileContext(
            self.path,
            self.summaries,
            self.reporter,
            self.load,
            self.settings.fields,
            info,
            read=self.read,
        )
        for check in checks.FILE_CHECKS:
            check(ctx)
        findings = sorted(self.reporter.findings, key=lambda f: f.sort_key)
        return FileResult(
            self.path, findings, info, self.summaries, self.formats, self.reporter.stats
        )


def _related(path: str, related: list) -> list:
    from sftlint.model import Related

    return [Related(path, r, msg) for r, msg in related]


def loader_for_bytes(path: str, data: bytes | FileBytes) -> Callable[[checks.RowSummary], Row]:
    read = reader_for_bytes(data)

    def load(s: checks.RowSummary) -> Row:
        row = Row(path, s.index, s.line, s.end_line, s.offset, read(s), s.prefix)
        reader.parse_row(row)
        return row

    return load


def reader_for_bytes(data: bytes | FileBytes) -> Callable[[checks.RowSummary], bytes]:
    """A row's bytes in the file's `data`, not parsed."""
    return lambda s: bytes(data[s.offset : s.offset + s.length])


def check_bytes(path: str, data: bytes, settings: Settings) -> FileResult:
    """Check an in-memory file (stdin, an editor buffer)."""
    info = FileInfo(max_line=settings.max_line_bytes)
    checker = FileChecker(path, settings, loader_for_bytes(path, data), reader_for_bytes(data))
    if mask_rules.reads_table(settings):  # these bytes' columns, not a file's on disk
        checker.reporter.state["columns"] = filecolumns.of_bytes(path, data)
    for row in reader.read_bytes(path, data, info):
        checker.check_row(row)
    return editor_lines(checker.finish(info), data)


def editor_lines(result: FileResult, data: bytes | FileBytes) -> FileResult:
    """The result with its positions on the lines an editor shows: a lone CR breaks a line
    there (rare: the file is read again only when it has one)."""
    if result.info.lone_cr:
        lines = EditorLines(bytes(data[0 : len(data)]))
        result.findings = [f.mapped(lines.position) for f in result.findings]
    return result


def iter_file_rows(path: str, info: FileInfo) -> Iterator[Row]:
    """Rows of a file on disk, streamed: JSONL line by line, JSON arrays read whole."""
    if path.lower().endswith(reader.JSON_SUFFIXES):
        with open(path, "rb") as f:
            data = f.read()
        yield from reader.read_bytes(path, data, info)
        return
    with open(path, "rb", buffering=1 << 20) as f:
        yield from reader.read_jsonl(path, bounded_lines(f, info.max_line), info)


def check_path(
    path: str | os.PathLike[str],
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    *,
    jobs: int | None = None,
) -> FileResult:
    """Check a file on disk. `progress(bytes_done, bytes_total)` is called now and then.

    `jobs`: processes to use; None picks 2 for large JSON Lines files (see `parallel`).
    """
    name = os.fspath(path)
    info = FileInfo(max_line=settings.max_line_bytes)
    with open_regular(name) as f:  # a FIFO or a device is an OSError, not a hang
        data = FileBytes(f.fileno(), name)
        size = data.size
        load, read = loader_for_bytes(name, data), reader_for_bytes(data)

        def make() -> FileChecker:
            return FileChecker(name, settings, load, read)

        checker = make()
        split = None
        # A UTF-16/32 file is one finding from its first line: no second half to check.
        if jobs != 1 and parallel.usable(name, size, settings) and not reader.wide_file(data[:256]):
            split = parallel.split_point(data, size)
        if split is not None:
            result = _check_halves(name, make, split, size, progress)
            if result is not None:
                data.check_unchanged()
                return editor_lines(result, data)
            # The worker failed: check the whole file here.
            info = FileInfo(max_line=settings.max_line_bytes)
            checker = make()
        if name.lower().endswith(reader.JSON_SUFFIXES):
            step = 0
            for row in iter_file_rows(name, info):
                checker.check_row(row)
                if progress is not None and row.offset >= step:
                    progress(row.offset, size)
                    step = row.offset + checker.progress_step
        else:
            with open(name, "rb", buffering=1 << 20) as f:
                report = None if progress is None else (lambda done: progress(done, size))
                chunks = bounded_chunks(f, settings.max_line_bytes)
                checker.check_chunks(chunks, info, progress=report)
        result = editor_lines(checker.finish(info), data)
        data.check_unchanged()  # rows read from a file that moved under us mean nothing
        if progress is not None:
            progress(size, size)
    return result


def _check_halves(
    name: str,
    make: Callable[[], FileChecker],
    split: int,
    size: int,
    progress: Callable[[int, int], None] | None,
) -> FileResult | None:
    """Check [0, split) here and [split, size) in a worker; None if that did not work."""
    wait = parallel.start_worker(
        make, lambda checker, info: parallel.check_half(checker, name, split, size, info)
    )
    checker = make()
    info = FileInfo(max_line=checker.settings.max_line_bytes)
    parallel.check_half(checker, name, 0, split, info, progress, size)
    checker.summaries.note_prompts()  # while the worker finishes
    half = wait()
    if half is None or checker.reporter.state or checker.reporter.stats:
        return None
    parallel.merge(checker, info, half)
    result = checker.finish(info)
    if progress is not None:
        progress(size, size)
    return result
