"""List functions of the gisxz package longer than a limit (docstrings not counted).

Usage: python scripts/check_function_length.py [--max 80]; exits 1 when any is longer.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gisxz"


def long_functions(root: Path, limit: int) -> list[tuple[str, int, str, int]]:
    """``(file, line, name, length)`` of every function over ``limit`` lines of code."""
    out = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = node.body
            doc = 0
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                doc = body[0].end_lineno - body[0].lineno + 1
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            length = node.end_lineno - start + 1 - doc
            if length > limit:
                out.append((str(path.relative_to(root.parent)), node.lineno, node.name, length))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max", type=int, default=80)
    args = ap.parse_args(argv)
    rows = long_functions(PACKAGE, args.max)
    for f, line, name, n in rows:
        print(f"{f}:{line}: {name} is {n} lines (limit {args.max})")
    return 1 if rows else 0


if __name__ == "__main__":
    raise SystemExit(main())
