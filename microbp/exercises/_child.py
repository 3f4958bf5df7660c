"""Runs function answers for microbp.exercises in a child process (a script, not imported).

Reads one JSON object from standard input: ``function`` (the name to call), ``answers``
(Python sources: the learner's first, then the catalogued mistakes') and ``cases`` (each a
list of arguments, nested lists of floats). Writes one JSON object: ``unreadable`` (why the
learner's source cannot be used) or ``results``, one list per answer with one entry per
case: ``{"ok": nested list}`` or ``{"error": "TypeError: …"}``.
"""

import json
import sys

import numpy as np


def load(source, function):
    """The function ``function`` (or the only one) that ``source`` defines."""
    code = compile(source, "answer.py", "exec")
    namespace = {"np": np, "numpy": np, "__name__": "answer"}
    exec(code, namespace)
    fn = namespace.get(function)
    if callable(fn):
        return fn
    defined = [
        v for k, v in namespace.items() if callable(v) and getattr(v, "__module__", "") == "answer"
    ]
    if len(defined) == 1:
        return defined[0]
    raise LookupError(f"the answer defines no function {function}(…); write def {function}(…): …")


def run(fn, cases):
    out = []
    for args in cases:
        try:
            value = fn(*[np.array(a, dtype=np.float64) for a in args])
            out.append({"ok": np.asarray(value, dtype=np.float64).tolist()})
        except Exception as exc:  # the learner's code: report, go on
            out.append({"error": f"{type(exc).__name__}: {exc}"[:300]})
    return out


def main():
    job = json.loads(sys.stdin.read())
    reply, sys.stdout = sys.stdout, sys.stderr  # the learner's print() must not break the reply
    results = []
    for k, source in enumerate(job["answers"]):
        try:
            fn = load(source, job["function"])
        except Exception as exc:
            if k == 0:
                line = getattr(exc, "lineno", None)
                where = f" (line {line})" if line else ""
                json.dump({"unreadable": f"{type(exc).__name__}{where}: {exc}"}, reply)
                return
            results.append(None)
            continue
        results.append(run(fn, job["cases"]))
    json.dump({"results": results}, reply)


if __name__ == "__main__":
    main()
