"""Count the measures of docs/architecture.md: imports between the apps (each direction), those
made inside functions, ``# type: ignore`` comments and the modules over 800 lines.

    .venv/bin/python scripts/import_counts.py [CHECKOUT]

Reads the source as text (ast), runs nothing; migrations are left out.
"""

from __future__ import annotations

import ast
import collections
import pathlib
import sys

APPS = ("ippcase", "recall", "parole")
LONG = 800


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def main(root: pathlib.Path) -> None:
    cross: collections.Counter[tuple[str, str]] = collections.Counter()
    inside = ignores = 0
    long: list[tuple[int, str]] = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            ignores += source.count("# type: ignore")
            lines = source.count("\n")
            if lines > LONG:
                long.append((lines, str(path.relative_to(root))))
            tree = ast.parse(source)
            in_functions = {
                id(node)
                for function in ast.walk(tree)
                if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
                for node in ast.walk(function)
            }
            for node in ast.walk(tree):
                for module in _imported(node):
                    target = module.split(".")[0]
                    if target in APPS and target != app:
                        cross[(app, target)] += 1
                        inside += id(node) in in_functions
    for (source_app, target), count in sorted(cross.items()):
        print(f"{source_app} -> {target}: {count}")
    print(f"cross-app imports inside functions: {inside}")
    print(f"# type: ignore: {ignores}")
    for lines, name in sorted(long, reverse=True):
        print(f"over {LONG} lines: {name} ({lines:,})")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "."))
