"""Chat templates are code from the dataset's repository: they render bounded.

transformers renders them in jinja2's ImmutableSandboxedEnvironment, which stops
attribute escapes but bounds neither time nor memory: `{% for i in range(10**5) %}{% for
j in range(10**5) %}` never ends and `'x' * 10**9` takes a gigabyte. `BoundedEnvironment`
is that environment with a budget per render (`bounded()`):

- loop steps and calls: every `{% for %}` iterates through a counter (the parsed template
  is rewritten so), every call and `loop(...)` counts; past `MAX_STEPS`, or past
  `MAX_SECONDS` of wall time, rendering stops;
- size: `*`, `+` and `~` that would make a string or list longer than `MAX_CHARS`, a call
  given a width or count above it, and output past it, stop rendering before the memory
  is spent.

A render that stops raises TemplateLimit (the row's finding says which limit); a template
that hit a limit once is not rendered again in this process, so a hostile template costs
one budget, not one per row. sftlint's own built-in templates are not untrusted: `trust()`
exempts them, so they compile without the counters and render at the sandbox's speed.
`install()` makes transformers compile with this environment, so rendering is still
transformers' own.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from jinja2 import nodes
from jinja2.environment import Template
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_STEPS = 1_000_000
MAX_SECONDS = 2.0
MAX_CHARS = 16 << 20

_STEPS = "_sftlint_steps"
_CONCAT = "_sftlint_concat"


class TemplateLimit(RuntimeError):
    """Rendering stopped at one of sftlint's limits on untrusted templates."""


class _Budget:
    __slots__ = ("deadline", "out", "steps")

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.deadline = time.monotonic() + MAX_SECONDS
        self.out = 0


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("budget", default=None)
_exhausted: dict[bytes, str] = {}  # template digest -> the limit it hit
_trusted: set[bytes] = set()  # digests of the package's own templates


@functools.lru_cache(maxsize=64)
def _key(template: str) -> bytes:
    # Every render asks: a row's template is the same str object, whose hash Python keeps,
    # so the lookup costs no pass over the source (sha256 of it cost ~2 us a render).
    return hashlib.sha256(template.encode("utf-8", "surrogatepass")).digest()


def trust(template: str) -> None:
    """Render `template` without a budget: the package's own template, whose loops run
    over the row's messages (a row's size is bounded by max-line-bytes). The budget's
    counters cost about a third of a render."""
    _trusted.add(_key(template))


@contextmanager
def bounded(template: str) -> Iterator[None]:
    """Render `template` within one budget; TemplateLimit if it hit a limit before."""
    key = _key(template)
    if key in _trusted:
        yield
        return
    if key in _exhausted:
        raise TemplateLimit(_exhausted[key])
    token = _budget.set(_Budget())
    try:
        yield
    except TemplateLimit as err:
        _exhausted[key] = str(err)
        raise
    finally:
        _budget.reset(token)


def _spend() -> None:
    budget = _budget.get()
    if budget is None:
        return
    budget.steps -= 1
    if budget.steps < 0:
        raise TemplateLimit(f"rendering stopped: more than {MAX_STEPS:,} loop steps and calls")
    if time.monotonic() > budget.deadline:
        raise TemplateLimit(f"rendering stopped: it took more than {MAX_SECONDS:g} s")


def _too_big(size: int) -> None:
    if size > MAX_CHARS:
        raise TemplateLimit(
            f"rendering stopped: a value of {size:,} items or characters "
            f"(the limit is {MAX_CHARS:,})"
        )


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _steps(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _spend()
        yield item


def _concat(*parts: Any) -> str:
    texts = [str(p) for p in parts]
    _too_big(sum(map(len, texts)))
    return "".join(texts)


class _Counted(Template):
    def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]:
        for piece in super().generate(*args, **kwargs):
            _output(piece)
            yield piece


def _output(piece: str) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.out += len(piece)
        _too_big(budget.out)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """transformers' sandbox, with the budget of the render in progress."""

    intercepted_binops = frozenset({"*", "+", "**"})
    template_class = _Counted

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals[_STEPS] = _steps
        self.globals[_CONCAT] = _concat

    def concat(self, pieces: Iterable[str]) -> str:
        out = []
        for piece in pieces:
            _output(piece)
            out.append(piece)
        return "".join(out)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        if _key(source) in _trusted:  # transformers compiles each template in its own env
            self.intercepted_binops = frozenset()
            return tree
        for loop in tree.find_all(nodes.For):
            loop.iter = _call(_STEPS, [loop.iter], loop.lineno)
        for concat in list(tree.find_all(nodes.Concat)):
            _replace(tree, concat, _call(_CONCAT, concat.nodes, concat.lineno))
        return tree

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if _budget.get() is None:  # a trusted template
            return super().call(__context, __obj, *args, **kwargs)
        _spend()
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, int) and not isinstance(arg, bool):
                _too_big(abs(arg))  # a width or a count: 'x'.ljust(10**9)
        result = super().call(__context, __obj, *args, **kwargs)
        _too_big(_sized(result))
        return result

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _spend()
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if _sized(seq) and isinstance(n, int):
                    _too_big(_sized(seq) * n)
        elif operator == "+":
            _too_big(_sized(left) + _sized(right))
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            _too_big(abs(left).bit_length() * right // 8)  # the result's size in bytes
        return super().call_binop(context, operator, left, right)


def _call(name: str, args: list[Any], lineno: int) -> nodes.Call:
    call = nodes.Call(nodes.Name(name, "load"), list(args), [], None, None)
    call.set_lineno(lineno)
    return call


def _replace(tree: nodes.Node, old: nodes.Node, new: nodes.Node) -> None:
    """Put `new` where `old` is in `tree` (a field, or an item of a list field)."""
    for parent in tree.find_all(nodes.Node):
        for field, value in parent.iter_fields():
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                setattr(parent, field, [new if v is old else v for v in value])
                return


def install(chat_template_utils: Any) -> None:
    """Make transformers compile chat templates with BoundedEnvironment."""
    if chat_template_utils.ImmutableSandboxedEnvironment is not BoundedEnvironment:
        chat_template_utils.ImmutableSandboxedEnvironment = BoundedEnvironment
        chat_template_utils._compile_jinja_template.cache_clear()
