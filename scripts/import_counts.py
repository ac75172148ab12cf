"""Count the measures of docs/architecture.md: imports between the apps (each direction), those
made inside functions (``AppConfig.ready()`` aside), ``# type: ignore`` comments and the modules
over 800 lines.

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
PURE = {"recall.rules", "recall.deadlines", "parole.law"}


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def _pure(node: ast.AST, module: str) -> bool:
    """Whether the import is of the pure law (``from parole import law`` included)."""
    names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
    return module in PURE or any(f"{module}.{name}" in PURE for name in names)


def main(root: pathlib.Path) -> None:
    cross: collections.Counter[tuple[str, str]] = collections.Counter()
    by_part: collections.Counter[tuple[str, str, bool]] = collections.Counter()
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
            # AppConfig.ready() is where Django wants an app to register itself: not counted.
            in_functions = {
                id(node)
                for function in ast.walk(tree)
                if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
                and function.name != "ready"
                for node in ast.walk(function)
            }
            for node in ast.walk(tree):
                for module in _imported(node):
                    target = module.split(".")[0]
                    if target in APPS and target != app:
                        cross[(app, target)] += 1
                        if app == "ippcase":
                            part = path.relative_to(root / app).parts[0].removesuffix(".py")
                            by_part[(part, target, _pure(node, module))] += 1
                        inside += id(node) in in_functions
    for (source_app, target), count in sorted(cross.items()):
        print(f"{source_app} -> {target}: {count}")
    for (part, target, pure), count in sorted(by_part.items()):
        print(f"  ippcase/{part} -> {target}{' (pure law)' if pure else ''}: {count}")
    print(f"cross-app imports inside functions: {inside}")
    print(f"# type: ignore: {ignores}")
    for lines, name in sorted(long, reverse=True):
        print(f"over {LONG} lines: {name} ({lines:,})")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "."))
