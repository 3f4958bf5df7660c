"""``microbp exercise``: exercises that grade your own derivation, for every weight.

    microbp exercise                          the exercises, one line each (✓ = solved)
    microbp exercise ID                       the statement, then answer at the prompt;
                                              `hint`, `solution` (after a try), `quit`
    microbp exercise ID --answer TEXT         judge one answer (a formula or a number)
    microbp exercise ID --file answer.py      judge a file (a Python function, or a formula)

The verdict comes from the engine and the prover (:mod:`microbp.exercises`). Exit status
with --answer or --file: 0 correct, 1 wrong, 2 the answer cannot be read (or bad usage);
at the prompt: 0 once solved, 1 if left unsolved. Solved exercises are kept in the XDG state
folder (:mod:`microbp.exercises.progress`).
"""

from __future__ import annotations

import sys
import textwrap

# No __all__: command-line plumbing; docs/exercises.md documents the command.


def add_command(sub) -> None:
    """Add ``exercise`` to the ``microbp`` subcommands."""
    c = sub.add_parser(
        "exercise",
        help="exercises that check your own derivation for every value and name the mistake",
        description="Derive it yourself: a formula, a number or a Python function, judged by "
        "the engine and the symbolic prover. Without ID: the list. Exit status with --answer "
        "or --file: 0 correct, 1 wrong, 2 the answer cannot be read.",
    )
    c.add_argument("id", nargs="?", metavar="ID", help="the exercise (see the list)")
    given = c.add_mutually_exclusive_group()
    given.add_argument(
        "--answer",
        metavar="TEXT",
        help="your answer, e.g. 'a*(1 - a)'; default: asked for at a prompt",
    )
    given.add_argument(
        "--file", metavar="PATH", help="a file holding your answer (.py for functions)"
    )
    c.set_defaults(func=run)


def _exercises():
    try:
        from microbp import exercises
        from microbp.exercises import progress
    except ImportError as exc:  # SymPy is an extra
        raise ValueError(
            f"microbp exercise needs SymPy ({exc}); "
            "install it with: pip install 'microbp[symbolic]'"
        ) from None
    return exercises, progress


def run(args, out=None, err=None, ask=input) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    exercises, progress = _exercises()
    known = exercises.ids()
    solved, warning = progress.load(known)
    if warning:
        print(f"microbp exercise: warning: {warning}", file=err)
    if args.id is None:
        if args.answer is not None or args.file is not None:
            raise ValueError(
                "--answer and --file need an exercise ID: microbp exercise ID --answer TEXT"
            )
        _list(exercises, solved, progress.path(), out)
        return 0
    ex = exercises.get(args.id)
    if args.answer is not None or args.file is not None:
        result = ex.check(args.answer if args.answer is not None else _read(args.file))
        if not result.readable:
            raise ValueError(result.message)
        print(result, file=out)
        _record(result, solved, known, progress, err)
        return 0 if result.correct else 1
    return _interactive(ex, solved, known, progress, out, err, ask)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the answer file {path!r}: {exc}") from None


def _record(result, solved: set, known: list, progress, err) -> None:
    if not result.correct or result.exercise in solved:
        return
    solved.add(result.exercise)
    try:
        progress.save(solved, known)
    except OSError as exc:  # the verdict stands; only the bookkeeping failed
        print(f"microbp exercise: warning: progress not saved: {exc}", file=err)


def _list(exercises, solved: set, where, out) -> None:
    width = max(len(e.id) for e in exercises.EXERCISES)
    for e in exercises.EXERCISES:
        mark = "✓" if e.id in solved else " "
        print(f"{mark} {e.id:<{width}}  {e.kind:<8}  {e.title}", file=out)
    print(f"\n{len(solved)} of {len(exercises.EXERCISES)} solved (kept in {where}).", file=out)
    print("Start one with: microbp exercise ID", file=out)


def _interactive(ex, solved, known, progress, out, err, ask) -> int:
    print(f"{ex.id}: {ex.title}\n", file=out)
    print(textwrap.fill(ex.statement, 92), file=out)
    how = ex.how if ex.kind != "function" else f"the path of a .py file defining {ex.signature}"
    print(f"\nAnswer with {how}.", file=out)
    print(f"The tutorial's derivation: {ex.section}", file=out)
    print("Type 'hint' for a hint, 'solution' after a try, 'quit' to stop.", file=out)
    tried = False
    while True:
        try:
            line = ask("answer> ").strip()
        except EOFError:
            print(file=out)
            return 1
        if line in ("quit", "exit", "q"):
            return 1
        if line == "hint":
            print(f"hint: {ex.hint}", file=out)
            continue
        if line == "solution":
            if not tried:
                print("the solution is shown after a first try: give it a go", file=out)
            else:
                print(f"a solution:\n{textwrap.indent(ex.solution.rstrip(), '  ')}", file=out)
            continue
        if not line:
            continue
        answer = line
        if ex.kind == "function":
            try:
                answer = _read(line)
            except ValueError as exc:
                print(exc, file=out)
                continue
        result = ex.check(answer)
        print(result, file=out)
        if result.readable:
            tried = True
        if result.correct:
            _record(result, solved, known, progress, err)
            return 0
