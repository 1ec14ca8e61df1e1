"""The import graph of `sftlint`, read from the modules' own import statements: no cycles
between modules or between layers (folders), and the engine imports no face.

Every `import` counts, at the top of a module or inside a function (a lazy import still
ties the two modules together), except those under `if TYPE_CHECKING:`: they never run,
and with `from __future__ import annotations` they only name types for the checker.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "server"
PACKAGE = ROOT / "sftlint"
FACES = ("sftlint.cli", "sftlint.report", "sftlint.lsp")
# Modules that start a face: the package entry point.
ENTRY_POINTS = ("sftlint.__main__",)
# Libraries only a face may import.
FACE_LIBRARIES = ("pygls", "lsprotocol", "argparse")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(name: str, path: Path) -> set[str]:
    """Absolute names of the modules that `name` imports (or imports names from)."""
    out: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit_one(other)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            for a in node.names:  # a submodule, or a name defined in `base`
                full = f"{base}.{a.name}"
                out.add(full if full in MODULES else base)
        visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return out


def _in(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def _own_module(name: str) -> str | None:
    """The module of the package that `name` is, or is inside of."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = {_own_module(n) for n in _imported_names(name, path)}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_cycle_in(set(component), graph))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def _cycle_in(component: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first)."""
    start = min(component)
    paths = [[start]]
    while paths:
        path = paths.pop(0)
        for w in sorted(graph[path[-1]] & component):
            if w == start:
                return [*path, start]
            if w not in path:
                paths.append([*path, w])
    raise AssertionError(component)


def test_the_import_graph_is_read_from_the_sources() -> None:
    graph = import_graph()
    assert "sftlint.rules.checks" in graph["sftlint.rules.content_rules"]
    assert "sftlint.engine.engine" in graph["sftlint.cli.check"]  # a module imported by name
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_cycles_between_layers() -> None:
    """Folders are layers: io, rules, engine, ... depend on each other one way only (the
    rules report through rules.checks; the engine runs them)."""
    layers: dict[str, set[str]] = {}
    for name, targets in import_graph().items():
        layer = _layer(name)
        layers.setdefault(layer, set()).update(_layer(t) for t in targets)
    for layer, targets in layers.items():
        targets.discard(layer)
    found = cycles(layers)
    assert not found, "cycles between layers:\n" + "\n".join(" -> ".join(c) for c in found)


def _layer(module: str) -> str:
    """`sftlint.engine` for `sftlint.engine.fastpath`; top-level modules are their own."""
    return ".".join(module.split(".")[:2])


def test_the_engine_imports_no_face() -> None:
    """Below the faces (cli, report, lsp): nothing imports a face or a face's library."""
    breaches = []
    for name, path in MODULES.items():
        if _in(name, FACES) or name in ENTRY_POINTS:
            continue
        for imported in sorted(_imported_names(name, path)):
            if _in(imported, FACES) or imported.split(".")[0] in FACE_LIBRARIES:
                breaches.append(f"{name} imports {imported}")
    assert not breaches, "\n".join(breaches)
