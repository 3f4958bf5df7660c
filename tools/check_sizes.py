"""Size rules of the package, checked by `make lint` (python tools/check_sizes.py).

* A module of microbp/ has at most 600 lines: a longer one holds two ideas (split it by job).
* A function has at most 60 lines (its docstring included), unless the comment just above its
  ``def`` (or above its decorators) has a line starting with ``# long:`` that says why, e.g.
  ``# long: one pass of BP-1…BP-4 read top to bottom; splitting it hides the order`` (the
  reason may go on over the next comment lines).

Prints each offender as ``path:line: …`` and exits 1 if there is one, else 0. With
``--list`` it also lists the long functions that carry a reason. Standard library only, so it
runs before anything is installed; tests/test_sizes.py shows each rule failing.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
REASON = "# long:"


def module_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def long_functions(path: Path):
    """(line, name, length, reason or None) of each function over MAX_FUNCTION_LINES."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        length = node.end_lineno - node.lineno + 1
        if length <= MAX_FUNCTION_LINES:
            continue
        yield node.lineno, node.name, length, _reason(lines, node) or None


def _reason(lines: list[str], node) -> str | None:
    """The ``# long:`` reason in the comment block just above the def (or its decorators)."""
    k = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 2  # 0-based, above
    block = []
    while k >= 0 and lines[k].strip().startswith("#"):
        block.insert(0, lines[k].strip())
        k -= 1
    for i, line in enumerate(block):
        if line.startswith(REASON):
            rest = [line[len(REASON) :]] + [more.lstrip("# ") for more in block[i + 1 :]]
            return " ".join(part.strip() for part in rest).strip()
    return None


def check(package: Path, show_reasons: bool = False) -> list[str]:
    """The offences under ``package`` (and, with ``show_reasons``, the excused functions)."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        shown = path.as_posix()
        n = module_lines(path)
        if n > MAX_MODULE_LINES:
            problems.append(
                f"{shown}:1: {n} lines, over {MAX_MODULE_LINES}: split the module by job"
            )
        for line, name, length, reason in long_functions(path):
            if reason is None:
                problems.append(
                    f"{shown}:{line}: {name}() has {length} lines, over {MAX_FUNCTION_LINES}: "
                    f"split it, or say why on the line above its def ({REASON} …)"
                )
            elif show_reasons:
                print(f"{shown}:{line}: {name}() has {length} lines ({reason})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", default="microbp", help="default: microbp")
    parser.add_argument("--list", action="store_true", help="also list the excused functions")
    args = parser.parse_args(argv)
    problems = check(Path(args.package), show_reasons=args.list)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
