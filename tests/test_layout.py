"""The package's layout keeps its promises (issue 10): imports point down, shared names are public.

These read the package's source with ``ast``, so they check what a maintainer sees in the tree:
the import graph (every import that runs, at module level or inside a function), the names each
file takes from another, and how many files sit directly in ``autograd_engine/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_engine"
#: The one import circle the design allows, inside the core engine: Value's operator methods apply
#: the ops and its ``backward()`` runs reverse mode, while the ops (whose rules use the
#: ``functions`` helpers) and reverse mode (``create_graph``) build Values.
CORE_CIRCLE = {
    "autograd_engine.value",
    "autograd_engine.ops",
    "autograd_engine.functions",
    "autograd_engine.autodiff",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> list[tuple[str, str]]:
    """(module imported from, name imported) for each relative import that runs in ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for sub in ast.walk(node)
    }
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level and id(node) not in type_only:
            base = package[: len(package) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
            found += [(source, alias.name) for alias in node.names]
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for source, imported in imports_of(name):
            target = f"{source}.{imported}" if f"{source}.{imported}" in MODULES else source
            if target in MODULES and target != name:
                graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_only_import_circle_is_the_core_engines() -> None:
    assert circles(import_graph()) == [CORE_CIRCLE]


def test_circle_finder_finds_a_planted_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [{"a", "b", "c"}]


def test_no_file_imports_an_underscore_name_from_another_file() -> None:
    private = [
        f"{name} imports {imported} from {source}"
        for name in MODULES
        for source, imported in imports_of(name)
        if imported.startswith("_") and not imported.startswith("__")
    ]
    assert private == []


def test_rendering_knows_nothing_of_value() -> None:
    assert "autograd_engine.value" not in import_graph()["autograd_engine.viz.render"]


def test_the_core_imports_no_part_package() -> None:
    parts = (
        "autograd_engine.nn",
        "autograd_engine.viz",
        "autograd_engine.compiled",
        "autograd_engine.testing",
    )
    core = {
        "value",
        "ops",
        "functions",
        "graph",
        "autodiff",
        "grad_mode",
        "errors",
        "gradcheck",
        "symbolic",
        "files",
    }
    graph = import_graph()
    reaching = {
        f"{name} -> {target}"
        for name in (f"autograd_engine.{c}" for c in core)
        for target in graph[name]
        if target.startswith(parts)
    }
    assert reaching == set()


def test_at_most_sixteen_files_sit_directly_in_the_package() -> None:
    assert len([p for p in PACKAGE.iterdir() if p.is_file()]) <= 16
