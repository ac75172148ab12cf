"""The shape of ``ippcase.exchange`` (docs/architecture.md): a top layer that only the import
and export commands (and ``load_demo``, which loads the demo cases through it) use, whose modules
import at module level only."""

from __future__ import annotations

import ast
import pathlib
import sys

import grimp

import ippcase.exchange

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXCHANGE = pathlib.Path(ippcase.exchange.__file__).parent
USERS = {
    "ippcase.management.commands.import_cases",
    "ippcase.management.commands.export_cases",
    "ippcase.management.commands.load_demo",
}


def test_only_the_import_and_export_commands_use_the_exchange() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("ippcase", "recall", "parole", exclude_type_checking_imports=True)
    modules = graph.find_descendants("ippcase.exchange") | {"ippcase.exchange"}
    importers = {
        importer
        for module in modules
        for importer in graph.find_modules_that_directly_import(module)
        if importer not in modules
    }
    assert importers <= USERS, f"only {sorted(USERS)} may import ippcase.exchange"


def test_the_exchange_imports_at_module_level_only() -> None:
    inside = []
    for path in sorted(EXCHANGE.glob("*.py")):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                inside += [
                    f"{path.name}:{node.lineno}"
                    for node in ast.walk(function)
                    if isinstance(node, ast.Import | ast.ImportFrom)
                ]
    assert inside == []
