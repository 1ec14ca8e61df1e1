"""How rules report: the per-row context and the registry of check functions.

Row checks run once per row on its parsed value and report through `RowContext.report`;
file checks see every row's `RowSummary` at the end of the file (format majority, key
consistency, duplicates) and report through `FileContext`. Positions are resolved only
when something is reported.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any, overload

from sftlint.io import formats
from sftlint.io.positions import NO_WIDTH
from sftlint.io.reader import FileInfo, Row
from sftlint.model import Finding, Fix, Range, Related, Severity

if TYPE_CHECKING:
    from sftlint.settings import Settings

RowCheck = Callable[["RowContext"], None]
FileCheck = Callable[["FileContext"], None]

ROW_CHECKS: list[RowCheck] = []
FILE_CHECKS: list[FileCheck] = []


def row_check(fn: RowCheck) -> RowCheck:
    ROW_CHECKS.append(fn)
    return fn


def file_check(fn: FileCheck) -> FileCheck:
    FILE_CHECKS.append(fn)
    return fn


class Reporter:
    """Turns (code, message, range) into Findings, honouring select/ignore/severity."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.findings: list[Finding] = []
        # Per-file state of checks that accumulate across rows (e.g. mask totals), and
        # figures they publish for the faces (FileResult.stats).
        self.state: dict[str, Any] = {}
        self.stats: dict[str, Any] = {}

    def enabled(self, code: str) -> bool:
        return self.settings.enabled(code)

    def add_in_row(
        self,
        code: str,
        message: str,
        row: Row,
        path: tuple[str | int, ...] = (),
        part: str = "value",
        *,
        fixes: Iterable[Fix] = (),
        related: Iterable[Related] = (),
        severity: Severity | None = None,
        cause: str | None = None,
    ) -> Finding | None:
        """A finding at the value (or key: `part`) at `path` of `row`; the span is located
        only for an enabled code (locating parses the row again)."""
        if not self.settings.enabled(code):
            return None
        span = row.span(path, part)
        return self.add(
            code,
            message,
            row.path,
            span,
            fixes=fixes,
            related=related,
            row_line=row.line,
            severity=severity,
            cause=cause,
        )

    def add(
        self,
        code: str,
        message: str,
        path: str,
        range_: Range,
        *,
        fixes: Iterable[Fix] = (),
        related: Iterable[Related] = (),
        row_line: int | None = None,
        severity: Severity | None = None,
        cause: str | None = None,
    ) -> Finding | None:
        """`severity`, when given, replaces the rule's default (a user override wins);
        `cause`: what rows reporting it share (`Finding.cause`)."""
        if not self.settings.enabled(code):
            return None
        if severity is None or code in self.settings.severity_overrides:
            severity = self.settings.severity(code)
        finding = Finding(
            code,
            severity,
            message,
            path,
            range_,
            list(fixes),
            list(related),
            row_line,
            cause,
        )
        self.findings.append(finding)
        return finding


@dataclass(slots=True, eq=False)
class RowSummary:
    """What file-level checks need to know of a row, without keeping the row.

    Compared and hashed as objects, not field by field: rows of one shape share one
    template, which `Summaries.templates` counts at C speed (`dataclasses.astuple` gives
    the fields to compare).
    """

    index: int
    line: int
    end_line: int
    offset: int
    length: int
    prefix: tuple[int, int]  # code points and UTF-16 units before the row on its line
    format: str | None  # None: not an object
    keys: tuple[str, ...] = ()
    message_keys: frozenset[str] = frozenset()
    types: frozenset[tuple[str, str, str]] = frozenset()  # (context, key, type)
    digest: int = 0  # equal for rows alike but for surrounding blanks: see `row_digest`
    # Whether a chat or Alpaca row has a system prompt (K005, `has_system_prompt`); None:
    # neither. A shape part: rows of one shape with and without one have two templates.
    system: bool | None = None
    # An unpaired preference (KTO) row's label (F008); None: not such a row. A shape part
    # as `system` is: rows of one shape with either label have two templates.
    label: bool | None = None
    # The digest of what the model sees before the trained answer (K006,
    # `conflict_rules.prompt_digest`); 0: no prompt to compare. Per row, as `digest` is.
    prompt: int = 0


def row_digest(raw: bytes, prompt: int) -> int:
    """A row's digest, from its bytes without surrounding blanks and its prompt digest:
    rows alike have one digest, as they have one prompt. A row with a prompt takes the
    prompt digest as it is (hashing every row's bytes too cost ~2% of a check), so rows
    of one digest may still differ: D001, D003 and K006 tell them apart by their bytes
    (`FileContext.bytes_hash`). The hot loops (`FileChecker.check_chunks`, the server's
    batch lint) inline it.
    """
    return prompt or hash(raw)


def system_names(fields: formats.Fields) -> frozenset[str]:
    """The role names that read as a system turn, in either chat style or the mapping."""
    tables = (formats.MESSAGES_ROLES, formats.SHAREGPT_ROLES, fields.extra_roles)
    return frozenset(name for t in tables for name, role in t.items() if role == "system")


def has_system_prompt(
    value: dict[str, Any], key: str | None, fmt: str | None, fields: formats.Fields
) -> bool | None:
    """K005: whether a row gives the model a system prompt; None: not a chat row with a
    conversation (at `key`) nor an Alpaca row.

    A system turn opening the conversation, or else a top-level system column that is
    not blank: LLaMA-Factory's converters (ShareGPT, OpenAI messages, Alpaca) and Axolotl's
    `get_conversation_thread` put that column first when no system turn opens the
    conversation; an empty or absent one is no prompt (LLaMA-Factory then uses the
    template's default, Axolotl an empty system turn for a row without the file's column).
    """
    if fmt == formats.ALPACA:
        return filled(value.get(fields.column("system", "system")))
    if key is None or fmt not in formats.CHAT_FORMATS:
        return None
    return opens_with_system(value[key], fields, system_names(fields)) or filled(
        value.get(fields.column("system", "system"))
    )


def filled(text: Any) -> bool:
    """Whether a system column holds a prompt: a string that is not blank."""
    return type(text) is str and not (text.isspace() or not text)


def opens_with_system(messages: Any, fields: formats.Fields, names: frozenset[str]) -> bool:
    """Whether a message list's first message has a system role (`names`)."""
    first = messages[0] if type(messages) is list and messages else None
    if type(first) is not dict:
        return False
    for key in fields.role:
        if key in first:
            role = first[key]
            return type(role) is str and role in names
    return False


class Summaries(Sequence[RowSummary]):
    """The summaries of a file's rows, kept as columns: most rows share their shape's
    summary (format, keys, message_keys, types) and differ only in line, offset, length
    and digests, so a `RowSummary` is built only when one is asked for. A row's index is
    its position.

    A part checked apart (a worker's half) is appended as it is, counted from its own
    first line: its lines are shifted when a summary is built, not row by row.
    """

    __slots__ = ("_counts", "_ints", "_noted", "_own", "_shapes", "_shifts")
    WIDTH = 5  # ints per row: line, offset, length, digest, prompt
    SHAPED = frozenset(("format", "keys", "message_keys", "types", "system", "label"))

    def __init__(self) -> None:
        self._ints = array("q")
        self._shapes: list[RowSummary] = []  # the row's own summary, or its shape's template
        self._own: set[int] = set()  # rows whose own summary is in _shapes
        # (first row, lines to add) of each part appended from elsewhere, in row order
        self._shifts: list[tuple[int, int]] = []
        # rows by summary object (a template, or a row's own), in order of first row;
        # None: not counted yet (`from_columns`), see `_tally`
        self._counts: dict[RowSummary, int] | None = {}
        self._noted: tuple[int, set[int]] | None = None  # see `note_prompts`

    def add(self, s: RowSummary) -> None:
        self._own.add(len(self._shapes))
        self._ints.extend((s.line, s.offset, s.length, s.digest, s.prompt))
        self._shapes.append(s)
        self._count(s)

    @classmethod
    def from_columns(
        cls,
        lines: list[int],
        offsets: list[int],
        lengths: list[int],
        digests: list[int],
        prompts: list[int],
        shapes: list[RowSummary],
        own: Iterable[int],
    ) -> Summaries:
        """Rows 0..n-1 at once: one-line rows whose summary is their shape's template but
        for these columns, except the rows `own`, whose `shapes` entry is their summary."""
        out = cls()
        w, n = cls.WIDTH, len(shapes)
        ints = out._ints = array("q", bytes(8 * w * n))
        for k, column in enumerate((lines, offsets, lengths, digests, prompts)):
            ints[k::w] = array("q", column)
        out._shapes = shapes
        out._own = set(own)
        out._counts = None  # counted if asked: the editor's file checks count otherwise
        return out

    def add_shaped(
        self,
        template: RowSummary,
        line: int,
        offset: int,
        length: int,
        digest: int,
        prompt: int,
    ) -> None:
        """A one-line row (JSON Lines) whose summary is `template`'s but for these fields."""
        self._ints.extend((line, offset, length, digest, prompt))
        self._shapes.append(template)
        self._count(template)

    def shaped_writer(
        self,
    ) -> tuple[Callable[[Iterable[int]], None], Callable[[Any], None], dict[RowSummary, int]]:
        """`add_shaped` as C calls for a hot loop: (extend with the five ints, append the
        template, the rows by template to add one to); a row takes all three.
        """
        return self._ints.extend, self._shapes.append, self._tally()

    def __len__(self) -> int:
        return len(self._shapes)

    def _get(self, i: int) -> RowSummary:
        t = self._shapes[i]
        if i in self._own:
            return t
        w = self.WIDTH
        line, offset, length, digest, prompt = self._ints[w * i : w * i + w]
        if self._shifts and i >= self._shifts[0][0]:
            line += self._shifts[bisect_right(self._shifts, (i, _AFTER)) - 1][1]
        return RowSummary(
            i, line, line, offset, length, NO_WIDTH, t.format, t.keys, t.message_keys,
            t.types, digest, t.system, t.label, prompt,
        )  # fmt: skip

    @overload
    def __getitem__(self, i: int) -> RowSummary: ...

    @overload
    def __getitem__(self, i: slice) -> list[RowSummary]: ...

    def __getitem__(self, i: int | slice) -> RowSummary | list[RowSummary]:
        if isinstance(i, slice):
            return [self._get(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._get(i)

    def __iter__(self) -> Iterator[RowSummary]:
        return map(self._get, range(len(self._shapes)))

    def templates(self) -> list[tuple[RowSummary, int]]:
        """Each distinct summary object and how many rows have it, in order of first
        appearance: rows of one shape share one template, so a file has a handful."""
        return list(self._tally().items())

    def formats(self) -> dict[str, int]:
        """Rows by format (rows that are not objects have none), in order of first row."""
        out: dict[str, int] = {}
        for t, n in self._tally().items():
            if t.format is not None:
                out[t.format] = out.get(t.format, 0) + n
        return out

    def digests(self) -> list[int]:
        return self._ints[3 :: self.WIDTH].tolist()

    def prompts(self) -> list[int]:
        """Every row's prompt digest (K006), in row order."""
        return self._ints[4 :: self.WIDTH].tolist()

    def note_prompts(self) -> None:
        """Take in the prompt digests of the rows so far: `prompt_sharing` then reads only
        the rows added since (a process joining a worker's rows to its own does this while
        the worker finishes)."""
        self._noted = (len(self), set(self._ints[4 :: self.WIDTH].tolist()))

    def prompt_sharing(self) -> tuple[bool, bool]:
        """(whether two rows have the same prompt digest, whether every row has one)."""
        column = self._ints[4 :: self.WIDTH]
        if self._noted is None:
            distinct = set(column.tolist())  # faster than a set of the array
        else:
            noted, distinct = self._noted
            distinct = distinct.union(column[noted:].tolist())
        if 0 not in distinct:  # every row has a prompt (counting zeros is not free)
            return len(distinct) < len(column), True
        distinct.discard(0)
        return len(distinct) < len(column) - column.count(0), False

    def indices(self, attr: str, value: Any) -> list[int]:
        """The rows whose shaped field `attr` (Summaries.SHAPED) is `value`, in order."""
        return [i for i, t in enumerate(self._shapes) if getattr(t, attr) == value]

    def lengths(self) -> list[int]:
        """Every row's length in bytes, in row order."""
        return self._ints[2 :: self.WIDTH].tolist()

    def duplicates(self) -> bool:
        """Whether two rows have the same digest."""
        digests = self.digests()  # a list: a set of it is made faster than of the array
        return len(set(digests)) != len(digests)

    def extend_shifted(self, other: Summaries, lines: int) -> None:
        """Append `other`, a part whose lines are counted from its start, `lines` down."""
        base = len(self._shapes)
        shapes = list(other._shapes)
        moved: dict[int, RowSummary] = {}  # id of an own summary: its shifted copy
        for i in other._own:
            s = shapes[i]
            shapes[i] = moved[id(s)] = replace(
                s, index=s.index + base, line=s.line + lines, end_line=s.end_line + lines
            )
        counts = self._tally()
        for t, n in other._tally().items():
            t = moved.get(id(t), t)
            counts[t] = counts.get(t, 0) + n
        # Its rows move `lines` down, plus the shift of the part of it they came from.
        self._shifts.extend((base + first, lines + n) for first, n in [(0, 0), *other._shifts])
        self._own.update(i + base for i in other._own)
        self._ints.extend(other._ints)
        self._shapes.extend(shapes)

    def _count(self, summary: RowSummary) -> None:
        counts = self._tally()
        counts[summary] = counts.get(summary, 0) + 1

    def _tally(self) -> dict[RowSummary, int]:
        if self._counts is None:
            self._counts = dict(Counter(self._shapes))
        return self._counts

    def __getstate__(self) -> tuple[Any, ...]:
        return self._ints, self._shapes, self._own, self._shifts, self._counts

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._ints, self._shapes, self._own, self._shifts, self._counts = state
        self._noted = None


_AFTER = float("inf")  # sorts after any line shift: `bisect_right` finds a row's part


class RowContext:
    __slots__ = ("_turns", "fields", "format", "reporter", "row", "summary", "value")

    def __init__(self, row: Row, fmt: str, fields: formats.Fields, reporter: Reporter) -> None:
        self.row = row
        self.value: dict[str, Any] = row.value
        self.format = fmt
        self.fields = fields
        self.reporter = reporter
        self._turns: list[formats.Turn] | None = None

    @property
    def turns(self) -> list[formats.Turn]:
        if self._turns is None:
            self._turns = formats.turns(self.value, self.format, self.fields)
        return self._turns

    def enabled(self, code: str) -> bool:
        return self.reporter.enabled(code)

    def report(
        self,
        code: str,
        message: str,
        path: tuple[str | int, ...] = (),
        part: str = "value",
        *,
        fixes: Iterable[Fix] = (),
        related: Iterable[Related] = (),
        severity: Severity | None = None,
        cause: str | None = None,
    ) -> None:
        self.reporter.add_in_row(
            code,
            message,
            self.row,
            path,
            part,
            fixes=fixes,
            related=related,
            severity=severity,
            cause=cause,
        )


class FileContext:
    """What a file check sees: every row's summary and a way to load a row again."""

    def __init__(
        self,
        path: str,
        summaries: Sequence[RowSummary],
        reporter: Reporter,
        load: Callable[[RowSummary], Row],
        fields: formats.Fields,
        info: FileInfo,
        *,
        read: Callable[[RowSummary], bytes] | None = None,
    ) -> None:
        self.path = path
        self.info = info
        self.summaries = summaries
        self.reporter = reporter
        self.load = load
        self._read = read
        self._bytes_hashes: dict[int, int] = {}  # see `bytes_hash`
        self.fields = fields
        self._counts: dict[str, Counter[Any]] = {}
        self._templates: list[tuple[RowSummary, int]] | None = None
        self._sharing: tuple[bool, bool] | None = None  # Summaries.prompt_sharing
        # A file check reports at a row it loaded again, as a row check at its own row.
        self.report = reporter.add_in_row

    @property
    def reads_bytes(self) -> bool:
        """Whether a row's bytes are read at its offset without loading (parsing) the row."""
        return self._read is not None

    def bytes_hash(self, s: RowSummary) -> int:
        """The hash of the row's bytes but surrounding blanks, read once for the checks
        that tell rows of one digest apart (D001, K006: `row_digest`): at the row's offset
        when the file allows (`read`), else from the row loaded again."""
        found = self._bytes_hashes.get(s.index)
        if found is None:
            raw = self._read(s) if self._read is not None else self.load(s).raw
            found = self._bytes_hashes[s.index] = hash(raw.strip())
        return found

    def count(self, attr: str) -> Counter[Any]:
        """How many rows have each value of a summary field ("format", "keys", ...).

        Values in order of first appearance. Rows of one shape share their key and type
        sets, so counting them first and their members after is fast on large files.
        """
        counts = self._counts.get(attr)
        if counts is None:
            summaries = self.summaries
            if isinstance(summaries, Summaries) and attr in Summaries.SHAPED:
                # One pass over the rows for every field, not one a field.
                if self._templates is None:
                    self._templates = summaries.templates()
                counts = Counter()
                for t, n in self._templates:
                    counts[getattr(t, attr)] += n
            else:
                counts = Counter(map(attrgetter(attr), summaries))
            self._counts[attr] = counts
        return counts

    def shared_prompts(self) -> bool:
        """Whether two rows have the same prompt digest (K006: compare them)."""
        summaries = self.summaries
        if isinstance(summaries, Summaries):
            return self._prompt_sharing(summaries)[0]
        prompts = [s.prompt for s in summaries if s.prompt]
        return len(set(prompts)) < len(prompts)

    def _prompt_sharing(self, summaries: Summaries) -> tuple[bool, bool]:
        if self._sharing is None:
            self._sharing = summaries.prompt_sharing()
        return self._sharing

    def duplicates(self) -> bool:
        """Whether two rows have the same digest (maybe duplicates: compare them)."""
        summaries = self.summaries
        if isinstance(summaries, Summaries):
            shared, everywhere = self._prompt_sharing(summaries)
            if everywhere and not shared:
                # Rows alike (but for surrounding blanks) have one value, so one prompt
                # digest: with every row's prompt its own, no two rows are alike.
                return False
            return summaries.duplicates()
        digests = [s.digest for s in summaries]
        return len(set(digests)) != len(digests)

    @property
    def settings(self) -> Settings:
        return self.reporter.settings

    def enabled(self, code: str) -> bool:
        return self.reporter.enabled(code)
