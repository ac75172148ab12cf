"""The shape of the code (docs/architecture.md): no import cycles between modules, and no module
too long to hold in mind. The layers themselves are import-linter's contracts (pyproject.toml,
run by .ci/run and ``make lint``)."""

from __future__ import annotations

import ast
import pathlib
import sys

import grimp

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("ippcase", "recall", "parole")
LONGEST = 800
# The rule table is one long list of rules, each a few lines, read one at a time.
LONG_ALLOWED = {"recall/rules.py"}


def _graph() -> grimp.ImportGraph:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_through_others() -> None:
    graph = _graph()
    modules = {m for m in graph.modules if ".migrations" not in m}
    edges = {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}
    assert _cycles(edges) == []


def _imports(path: pathlib.Path) -> list[tuple[str, int, bool]]:
    """(module, line, whether inside a function) for each import of the project's own packages
    in ``path``; ``from x import y`` names ``x.y``."""
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, inside: bool) -> None:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        found.extend(
            (name, node.lineno, inside) for name in names if name.split(".")[0] in PACKAGES
        )
        inside = inside or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(path.read_text()), False)
    return found


def _source(*folders: str) -> list[pathlib.Path]:
    return [
        path
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_no_import_of_the_project_inside_a_function() -> None:
    """An import inside a function to get round a cycle is a layering bug (docs/architecture.md).
    ``apps.py`` aside: AppConfig.ready() and the system checks run once the models are loaded."""
    inside = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        for path in _source(*PACKAGES)
        if path.name != "apps.py"
        for module, line, nested in _imports(path)
        if nested
    ]
    assert inside == []


def test_tests_build_their_inputs_from_factories_not_from_the_demo() -> None:
    """Only the demo's own tests import it; the rest build what they need in tests/factories.py,
    so a change to the demo data cannot change what another test proves."""
    users = {
        str(path.relative_to(ROOT))
        for path in _source("tests", "bench")
        for module, _, _ in _imports(path)
        if module == "ippcase.demo" or module.startswith("ippcase.demo.")
    }
    # The position's and the trend counts' property tests drive recommendations through the
    # demo's workflow: whatever the demo writes, the property (triggered rows == a rebuild)
    # must hold.
    allowed = {
        "tests/test_seed_demo.py",
        "tests/test_seed_bulk.py",  # the demo's own bulk writer
        "tests/test_demo_meetings.py",  # the demo's meetings and QA sample
        "bench/bench_reminders.py",
        "tests/test_person_position.py",
        "tests/test_trend_counts.py",
    }
    assert users <= allowed, users


def test_no_module_is_too_long_to_hold_in_mind() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and (lines := path.read_text().count("\n")) > LONGEST
        and str(path.relative_to(ROOT)) not in LONG_ALLOWED
    }
    assert long == {}, f"modules over {LONGEST} lines (split them by what they own): {long}"
