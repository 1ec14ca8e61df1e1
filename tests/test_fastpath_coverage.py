"""The fast path's coverage is explicit: what it proves absent is `fastpath.PROVED_ABSENT`.

A row the fast path calls clean skips the covered checks (`fastpath.covered_checks()`).
If one of them learns a new code and nobody teaches the fast path, that code is reported
with the fast path off and silently not with it on. Three tests stop that: every code
named in a covered check's module is one the fast path knows (whatever condition the new
report hides behind); every code a covered check reports, on every rule's bad examples
spliced into clean rows, is in PROVED_ABSENT; and findings with the fast path on and off
are the same on clean rows mutated at random (hypothesis), seeded with those examples.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sftlint import registry
from sftlint.engine import engine, fastpath
from sftlint.io import formats, reader
from sftlint.io.reader import FileInfo
from sftlint.rules import checks
from sftlint.settings import Settings

DEFAULT = Settings()
# Families whose row checks the fast path skips on clean rows.
COVERED_FAMILIES = ("F", "R", "C", "T", "M")
# Codes no structural bad example can show: T008 needs a tokenizer's vocabulary size.
NEEDS_TOKENIZER = frozenset({"T008"})

CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
CLEAN_ROWS: list[dict[str, Any]] = [
    {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "", "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "c1", "content": "12"},
            {"role": "assistant", "content": "done"},
        ]
    },
    {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
    {
        "conversations": [
            {"from": "human", "value": "q"},
            {"from": "function_call", "value": '{"name": "f", "arguments": {}}'},
            {"from": "observation", "value": "r"},
            {"from": "gpt", "value": "a"},
        ]
    },
    {"instruction": "q", "input": "", "output": "a", "history": [["h", "i"]]},
]
CONVERSATION_KEYS = ("messages", "conversations")

CODE = re.compile(r"[A-Z][0-9]{3}")
_JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.S)


def _values(block: str) -> list[Any]:
    """The JSON values of a docs code block: one value (a row, a message, or messages
    separated by commas, taken as a list), or JSON Lines."""
    for text in (block, f"[{block}]"):
        try:
            return [json.loads(text)]
        except ValueError:
            continue
    out = []
    for line in block.splitlines():
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out


def _bad_examples(rule: registry.Rule) -> list[Any]:
    """The JSON values of a rule's bad example(s): the code blocks before "Good"."""
    bad = rule.explanation.split("Good")[0]
    return [v for block in _JSON_BLOCK.findall(bad) for v in _values(block)]


def _spliced(bad: Any) -> Iterator[dict[str, Any]]:
    """Rows holding a bad value: a bad row as it is and with its turns inside each clean
    conversation; bad messages inserted into each clean conversation (every place)."""
    if isinstance(bad, list):
        turns = bad
    elif isinstance(bad, dict) and not ("role" in bad or "from" in bad):
        yield bad
        turns = next((bad[k] for k in CONVERSATION_KEYS if isinstance(bad.get(k), list)), None)
    else:
        turns = [bad]
    if not turns:
        return
    for clean in CLEAN_ROWS:
        key = next((k for k in CONVERSATION_KEYS if k in clean), None)
        if key is None:
            continue
        for at in range(1, len(clean[key]) + 1):
            row = copy.deepcopy(clean)
            row[key][at:at] = copy.deepcopy(turns)
            yield row


def corpus() -> list[str]:
    """Clean rows, then every rule's bad examples spliced into them, as JSONL lines."""
    rows = [json.dumps(r) for r in CLEAN_ROWS]
    for rule in registry.all_rules():
        for bad in _bad_examples(rule):
            rows += [json.dumps(r, ensure_ascii=False) for r in _spliced(bad)]
    return rows


def _reports(check: Any, line: str) -> set[str]:
    """Codes `check` reports on the row `line`, run alone."""
    (row,) = reader.read_bytes("rows.jsonl", line.encode(), FileInfo())
    if not row.ok:
        return set()
    reporter = checks.Reporter(DEFAULT)
    check(
        checks.RowContext(row, formats.detect(row.value, DEFAULT.fields), DEFAULT.fields, reporter)
    )
    return {f.code for f in reporter.findings}


def _codes_by_check() -> dict[str, set[str]]:
    """code -> names of the checks that reported it over the corpus (file checks too)."""
    seen: dict[str, set[str]] = {}
    lines = corpus()
    for check in checks.ROW_CHECKS:
        for line in lines:
            for code in _reports(check, line):
                seen.setdefault(code, set()).add(check.__name__)
    for rule in registry.all_rules():
        for block in _JSON_BLOCK.findall(rule.explanation.split("Good")[0]):
            result = engine.check_bytes("rows.jsonl", block.encode(), DEFAULT)
            for f in result.findings:
                seen.setdefault(f.code, set()).add("file checks")
    return seen


def test_covered_checks_report_only_codes_the_fast_path_proves_absent() -> None:
    for check in fastpath.covered_checks():
        for line in corpus():
            for code in sorted(_reports(check, line) - fastpath.PROVED_ABSENT):
                raise AssertionError(
                    f"{check.__name__} reported {code}, which the fast path does not know: "
                    f"rows it calls clean skip {check.__name__}, so {code} is never reported "
                    f"there. Teach fastpath._order/_clean/_flat about {code} and add it to "
                    f"fastpath.PROVED_ABSENT, or report {code} from a row check that "
                    f"fastpath.covered_checks() does not list. Row: {line}"
                )


def test_covered_modules_name_only_codes_the_fast_path_knows() -> None:
    """Whatever the condition a new report hides behind, its code is a literal in the
    module of a covered check: each such literal is one the fast path knows."""
    known = fastpath.PROVED_ABSENT | fastpath.REPORTED_ELSEWHERE
    for module in sorted({inspect.getmodule(c) for c in fastpath.covered_checks()}, key=str):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            value = getattr(node, "value", None)
            if isinstance(node, ast.Constant) and isinstance(value, str) and CODE.fullmatch(value):
                assert value in known, (
                    f"{module.__name__} names {value}, which the fast path does not know: "
                    f"rows it calls clean skip the covered checks, so {value} would never be "
                    f"reported there. Teach fastpath._order/_clean/_flat about {value} and "
                    f"add it to fastpath.PROVED_ABSENT, or (when only a file check or the "
                    f"mask pass reports it) add it to fastpath.REPORTED_ELSEWHERE "
                    f"(line {node.lineno})"
                )


def test_every_code_of_a_covered_family_is_reached_by_its_bad_example() -> None:
    """The corpus is strong enough: each code of F, R, C, T, M is reported on it, and each
    code of PROVED_ABSENT by a covered check (else the tests above prove nothing for it)."""
    seen = _codes_by_check()
    covered = {c.__name__ for c in fastpath.covered_checks()}
    for rule in registry.all_rules():
        code = rule.code
        if code[0] not in COVERED_FAMILIES or code in NEEDS_TOKENIZER:
            continue
        assert code in seen, f"{code}: no bad example in its docs makes any check report it"
        if code in fastpath.PROVED_ABSENT:
            assert seen[code] & covered, f"{code}: only {seen[code]} report it, no covered check"
    registered = {r.code for r in registry.all_rules()}
    assert registered >= fastpath.PROVED_ABSENT, fastpath.PROVED_ABSENT - registered


# --- fast path on and off give the same findings ---------------------------------------

# fmt: off
ODD_VALUES = st.sampled_from([
    "", " ", "\u3000", "x", "<|im_end|>", "a [INST] b", "</s>", "<image>", "{bad", "{}",
    '{"name": "f"}', "c1", "c9", "user", "assistant", "system", "tool", "human", "gpt", "bot",
    "function_call", "observation", None, 0, 3, -100, True, [], {}, [1, 2], [CALL],
    [{"name": "f"}], ["a.jpg"],
])
ODD_KEYS = st.sampled_from([
    "role", "content", "from", "value", "tool_calls", "tool_call_id", "name", "messages",
    "conversations", "images", "input_ids", "labels", "chosen", "rejected", "instruction",
    "output", "history", "reasoning_content", "Role", "mesages",
])
# fmt: on


# Short texts over the characters the content checks look at.
ODD_TEXTS = st.text(alphabet='ab !?.<>[]|/_\u3000\n{}"', max_size=8)


def _containers(value: Any) -> list[Any]:
    """Every dict and list inside `value`, itself included."""
    out = [value]
    items = value.values() if isinstance(value, dict) else value
    for v in items:
        if isinstance(v, dict | list):
            out += _containers(v)
    return out


@st.composite
def mutated_rows(draw: st.DrawFn) -> str:
    """A clean row or a corpus row, with one to three random edits."""
    row = json.loads(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        places = _containers(row)
        target = draw(st.sampled_from(places))
        if isinstance(target, dict):
            key = draw(st.sampled_from(sorted(target)) | ODD_KEYS) if target else draw(ODD_KEYS)
            if target and draw(st.booleans()) and key in target:
                del target[key]
            else:
                target[key] = copy.deepcopy(draw(ODD_VALUES | ODD_TEXTS))
        elif target:
            at = draw(st.integers(0, len(target) - 1))
            action = draw(st.sampled_from(["set", "drop", "copy"]))
            if action == "set":
                target[at] = copy.deepcopy(draw(ODD_VALUES | ODD_TEXTS))
            elif action == "drop":
                del target[at]
            else:
                target.insert(at, copy.deepcopy(target[at]))
    return json.dumps(row, ensure_ascii=draw(st.booleans()))


def _slow(path: str, data: bytes) -> engine.FileResult:
    """Every row through every row check: the fast path switched off."""
    checker = engine.FileChecker(path, DEFAULT, engine.loader_for_bytes(path, data))
    checker.fast.active = False
    info = FileInfo()
    for row in reader.read_bytes(path, data, info):
        checker.check_row(row)
    return checker.finish(info)


def _compact(line: str) -> bytes:
    """The row as orjson writes it: the lean loop of `check_lines` takes it without a Row."""
    return orjson.dumps(json.loads(line))


def _findings(result: engine.FileResult) -> list[str]:
    return [repr(f) for f in result.findings]


SEEDS = corpus()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated_rows(), min_size=1, max_size=4))
def test_fast_path_on_and_off_agree_on_mutated_rows(rows: list[str]) -> None:
    # A first line the fast loop reads the reader's way, then the rows (compact and not).
    data = ("\n".join(["{}", *rows, *(json.dumps(json.loads(r)) for r in rows)]) + "\n").encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "rows.jsonl")
        Path(path).write_bytes(data)
        slow = _findings(_slow(path, data))
        assert _findings(engine.check_bytes(path, data, DEFAULT)) == slow
        compact = b"\n".join([b"{}", *map(_compact, rows)]) + b"\n"
        Path(path).write_bytes(compact)
        assert _findings(engine.check_path(path, DEFAULT, jobs=1)) == _findings(
            _slow(path, compact)
        )


def test_bad_examples_give_the_same_findings_with_the_fast_path_on_and_off(
    tmp_path: Path,
) -> None:
    data = b"\n".join([b"{}", *map(_compact, SEEDS)]) + b"\n"
    path = tmp_path / "rows.jsonl"
    path.write_bytes(data)
    slow = _findings(_slow(str(path), data))
    assert _findings(engine.check_path(path, DEFAULT, jobs=1)) == slow
    assert _findings(engine.check_bytes(str(path), data, DEFAULT)) == slow
