"""The import graph reads as the flow: crawler → archive → pipelines' stages, never back.

Every import statement counts, module-level or inside a function: an import moved into a
function to dodge a circle is still a circle.  Only imports under ``if TYPE_CHECKING:`` are
left out: they name a type for annotations and are never run.  Layers, lowest first; a module may import its
own layer and those below it, and no two modules may import each other, even indirectly.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCTION = ("crawler", "archive", "pipelines")
# The bundled fixture web and what the demo, tests and benchmarks run over it: never production.
HARNESS = ("fixtureweb", "bench", "tests")

# (layer name, module-name prefixes), lowest first.  pipelines.page is the record every
# room passes on; pipelines.procs the helper processes (and pipelines.malloctune how they
# allocate); plumbing for all.
LAYERS = [
    ("plumbing", ("pipelines.page", "pipelines.procs", "pipelines.malloctune")),
    ("clean stages", ("pipelines.clean",)),
    ("store stages", ("pipelines.store",)),
    ("archive", ("archive",)),
    ("item pipelines", ("pipelines.clean_pipeline", "pipelines.clean_worker",
                        "pipelines.conversion_pipeline",
                        "pipelines.store_pipeline")),
    # Re-extraction runs the crawl's item pipelines over WARC records instead of responses.
    ("re-extraction", ("archive.extract",)),
    ("crawler", ("crawler",)),
]


def module_files() -> dict[str, Path]:
    found = {}
    for top in (*PRODUCTION, *HARNESS):
        for path in (REPO / top).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = module_files()


def imported(path: Path) -> Iterator[str]:
    """The project modules a file imports (a name imported from a package counts as its module
    when it is one, else as the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                 and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                 for n in block.body}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name:
                yield name


def layer(module: str) -> int:
    best, rank = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    return rank


GRAPH = {m: set(imported(p)) - {m} for m, p in MODULES.items() if m.startswith(PRODUCTION)}


def test_every_production_module_has_a_layer() -> None:
    unplaced = [m for m in GRAPH if layer(m) < 0 and m not in PRODUCTION]
    assert not unplaced, f"modules in no layer of tests/test_imports.py: {unplaced}"


def test_imports_point_down() -> None:
    upward = [f"{m} ({LAYERS[layer(m)][0]}) imports {t} ({LAYERS[layer(t)][0]})"
              for m, targets in sorted(GRAPH.items()) for t in sorted(targets)
              if t not in PRODUCTION and layer(t) > layer(m)]
    assert not upward, "\n".join(upward)


def test_no_import_circles() -> None:
    # Tarjan's strongly connected components over every import, nested ones included.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(m: str) -> None:
        index[m] = low[m] = len(index)
        stack.append(m)
        for t in GRAPH.get(m, ()):
            if t not in index:
                visit(t)
                low[m] = min(low[m], low[t])
            elif t in stack:
                low[m] = min(low[m], index[t])
        if low[m] == index[m]:
            component = []
            while True:
                t = stack.pop()
                component.append(t)
                if t == m:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for m in sorted(GRAPH):
        if m not in index:
            visit(m)
    assert not circles, f"import circles: {circles}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH))
def test_production_never_imports_tests_bench_or_the_fixture_web(module: str) -> None:
    assert not [t for t in GRAPH[module] if t.startswith(HARNESS)]


@pytest.mark.parametrize("top", ["bench", "fixtureweb"])
def test_bench_never_imports_tests(top: str) -> None:
    # `make demo` and `make bench` run the fixture web's and bench's modules, never the tests'.
    offenders = {m: sorted(t for t in imported(p) if t.startswith("tests"))
                 for m, p in MODULES.items() if m.startswith(top)}
    assert not {m: t for m, t in offenders.items() if t}, offenders


def test_the_graph_is_read() -> None:
    # The checks above pass vacuously if nothing is found: make sure the walk sees imports.
    assert "pipelines.clean.cleaner" in GRAPH["pipelines.clean_worker"]
    assert layer("pipelines.store.copies.cluster") == 2
