"""Bad input to the command line: each row reproduces a failure a hostile pass reported.

Every row runs ``microbp …`` in-process through :func:`microbp.cli.app.main` (argparse's
usage errors arrive as ``SystemExit``) and states what must hold now: the exit status, what
standard output and standard error say, never a traceback, and (for the rows that write)
that an existing file is left intact. A full disk is simulated by patching ``os.fsync``, the
last step of the atomic writer, to raise ``OSError(ENOSPC)``; Ctrl-C by patching the
command's long-running call to raise ``KeyboardInterrupt`` (or ``TrainingInterrupted``, what
``fit`` raises at an epoch boundary).
"""

from __future__ import annotations

import errno
import importlib.util
import json
import math
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from microbp import MLP, gradcheck
from microbp.cli import check as cli_check
from microbp.cli import trace as cli_trace
from microbp.cli import train as cli_train
from microbp.cli.app import main
from microbp.experiments import rprop_bench, saturation, vanishing
from microbp.train import History, TrainingInterrupted

HAS_MPL = importlib.util.find_spec("matplotlib") is not None

OLD = b"the old file, which must survive"


def _run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_info:  # argparse's usage errors
        return exit_info.code


# --------------------------------------------------------------------------------------------
# What a row can set up


def full_disk(monkeypatch) -> None:
    """Every atomic write fails as on a full disk, after the temporary file was written."""

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)


def interrupt(target, name: str) -> Callable:
    """Patch ``target.name`` to raise KeyboardInterrupt, as Ctrl-C in the middle of it."""

    def setup(monkeypatch) -> None:
        def ctrl_c(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(target, name, ctrl_c)

    return setup


def interrupted_fit(monkeypatch) -> None:
    """fit stops at an epoch boundary (after 7 epochs) with the net untouched."""

    def fit(net, X, Y, optimizer, **kwargs):
        h = History(loss=[0.5] * 8, stopped_by="interrupted", epochs=7)
        raise TrainingInterrupted(h)

    monkeypatch.setattr(cli_train, "fit", fit)


def not_built(monkeypatch) -> None:
    """Any net built is a failure: the size check must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("a net was built before the size check")

    monkeypatch.setattr(cli_check, "MLP", refuse)
    monkeypatch.setattr(cli_trace, "example", refuse)
    monkeypatch.setattr(vanishing, "gradient_statistics", refuse)


def train_builds_nothing(monkeypatch) -> None:
    """microbp train must refuse before it makes the data set or builds the net."""

    def refuse(*args, **kwargs):
        raise AssertionError("a net or data set was built before the size check")

    monkeypatch.setattr(cli_train, "MLP", refuse)
    monkeypatch.setattr(cli_train, "fit", refuse)
    if hasattr(cli_train, "make_data"):
        monkeypatch.setattr(cli_train, "make_data", refuse)


def out_of_memory(monkeypatch) -> None:
    """numpy cannot allocate what the run needs."""

    def fit(*args, **kwargs):
        raise MemoryError("Unable to allocate 74.5 GiB for an array with shape (100000, 100000)")

    monkeypatch.setattr(cli_train, "fit", fit)


@dataclass
class Case:
    """One hostile input: ``argv`` (``{tmp}`` is the test's folder), what to set up first,
    the exit status, text standard output and standard error must hold, and the files in
    ``{tmp}`` that must keep the old bytes."""

    id: str
    argv: list[str]
    status: int
    err: tuple[str, ...] = ()
    out: tuple[str, ...] = ()
    setup: Callable | None = None
    intact: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    one_line_err: bool = False
    extra: Callable | None = field(default=None, repr=False)


QUICK_TRAIN = ["train", "--data", "xor", "--max-epochs", "5", "--quiet"]

CASES = [
    # 2. plots go through the atomic writer; results first, then an error naming the file
    Case("2-train-plot-full-disk", [*QUICK_TRAIN, "--plot", "{tmp}/p.png"], 1,
         err=("{tmp}/p.png", "No space left"), out=("E_total",), setup=full_disk,
         intact=("p.png",), needs=("matplotlib",)),
    Case("2-vanishing-plot-full-disk",
         ["vanishing", "--quick", "--depth", "2", "--plot", "{tmp}/p.png"], 1,
         err=("{tmp}/p.png", "No space left"), out=("microbp vanishing: sizes",),
         setup=full_disk, intact=("p.png",), needs=("matplotlib",)),
    Case("2-vanishing-json-plot-full-disk",
         ["vanishing", "--quick", "--depth", "2", "--json", "--plot", "{tmp}/p.png"], 1,
         err=("{tmp}/p.png",), out=('"experiment": "vanishing-gradients"',),
         setup=full_disk, intact=("p.png",), needs=("matplotlib",)),
    Case("2-rprop-bench-plot-full-disk",
         ["rprop-bench", "--problems", "xor", "--seeds", "1", "--max-epochs", "20", "--jobs", "1",
          "--plot", "{tmp}/p.png"], 1,
         err=("{tmp}/p.png", "No space left"), out=("microbp rprop-bench:",),
         setup=full_disk, intact=("p.png",), needs=("matplotlib",)),
    # 4. a bad ε is a usage error naming the range, not a ZeroDivisionError or a FAIL
    *[
        Case(f"4-check-eps-{eps}", ["check", f"--eps={eps}"], 2, err=("finite number > 0",))
        for eps in ("0", "nan", "inf", "-1", "-inf")
    ],
    Case("4-check-eps-minus-one-spaced", ["check", "--eps", "-1"], 2, err=("finite number > 0",)),
    # 5. Ctrl-C: one line, exit 130, the net saved when fit stopped at an epoch boundary
    Case("5-train-interrupted-saves", [*QUICK_TRAIN, "--save", "{tmp}/m.json"], 130,
         err=("interrupted after epoch 7", "saved the net to {tmp}/m.json"),
         setup=interrupted_fit, one_line_err=True,
         extra=lambda tmp: MLP.load(tmp / "m.json").sizes == [2, 4, 1]),
    Case("5-train-ctrl-c-mid-epoch", [*QUICK_TRAIN, "--save", "{tmp}/m.json"], 130,
         err=("interrupted", "nothing saved"), setup=interrupt(cli_train, "fit"),
         intact=("m.json",), one_line_err=True),
    Case("5-vanishing-ctrl-c", ["vanishing", "--quick"], 130, err=("interrupted",),
         setup=interrupt(vanishing, "gradient_statistics"), one_line_err=True),
    Case("5-rprop-bench-ctrl-c", ["rprop-bench", "--quick"], 130, err=("interrupted",),
         setup=interrupt(rprop_bench, "benchmark"), one_line_err=True),
    Case("5-check-ctrl-c", ["check"], 130, err=("interrupted",),
         setup=interrupt(cli_check, "gradcheck"), one_line_err=True),
    Case("5-trace-ctrl-c", ["trace"], 130, err=("interrupted",),
         setup=interrupt(cli_trace, "trace_backward"), one_line_err=True),
    # 6. size limits up front, naming the limit and the flag that raises it
    Case("6-check-1000x3", ["check", "--net", "1000,1000,1000"], 2,
         err=("at least 2003000 Values", "max_nodes = 10000", "--max-nodes"), setup=not_built),
    Case("6-trace-1000x3", ["trace", "--net", "1000,1000,1000"], 2,
         err=("at least 2003000 Values", "max_nodes = 20000", "--max-nodes"), setup=not_built),
    Case("6-check-1e8-inputs", ["check", "--net", "100000000,1"], 2,
         err=("max_nodes = 10000", "--max-nodes"), setup=not_built),
    Case("6-vanishing-depth-1e5", ["vanishing", "--depth", "100000"], 2,
         err=("max_nodes = 100000", "--max-nodes"), setup=not_built),
    Case("6-check-limit-is-a-flag", ["check", "--net", "2,2,1", "--max-nodes", "10"], 2,
         err=("at least 11 Values", "--max-nodes 11"), setup=not_built),
    Case("6-check-raised-limit-runs", ["check", "--net", "2,2,1", "--max-nodes", "11"], 0,
         out=("PASS",)),
    # round two, 9 and 18. train refuses sizes it cannot hold or finish, before making them
    Case("r2-9-train-net-1e8", ["train", "--net", "2,100000000,1"], 2,
         err=("at least 400,000,003 Values", "max_nodes = 1,000,000", "--max-nodes"),
         setup=train_builds_nothing),
    Case("r2-9-train-spirals-1e8", ["train", "--data", "spirals:99999999"], 2,
         err=("199,999,998 rows", "max_data = 10,000,000", "--max-data 599999994"),
         setup=train_builds_nothing),
    Case("r2-9-train-moons-1e6", ["train", "--data", "moons:1000000"], 2,
         err=("35,000,000", "max_nodes = 1,000,000", "--gradients formulas",
              "--max-nodes 35000000"), setup=train_builds_nothing),
    Case("r2-9-train-moons-1e6-formulas",
         ["train", "--data", "moons:1000000", "--gradients", "formulas"], 2,
         err=("35,000,000", "max_nodes = 20,000,000", "--max-nodes 35000000"),
         setup=train_builds_nothing),
    Case("r2-18-train-encoder-1e5", ["train", "--data", "encoder:100000,3"], 2,
         err=("20,000,000,000 numbers", "--max-data 20000000000"), setup=train_builds_nothing),
    Case("r2-9-train-max-data-is-a-flag", [*QUICK_TRAIN, "--data", "moons:300",
         "--max-data", "899"], 2, err=("900 numbers", "--max-data 900"),
         setup=train_builds_nothing),
    Case("r2-9-train-raised-limits-run", [*QUICK_TRAIN, "--data", "moons:300",
         "--max-data", "900", "--max-nodes", "10500"], 0, out=("moons:300",)),
    Case("r2-18-train-memory-error", [*QUICK_TRAIN], 2,
         err=("not enough memory", "74.5 GiB", "smaller net or data set"),
         setup=out_of_memory, one_line_err=True),
    # 10. --batch-size is SGD's: a usage error elsewhere, and it must be ≥ 1
    Case("10-batch-size-negative", [*QUICK_TRAIN, "--batch-size", "-3"], 2,
         err=("expected an integer ≥ 1", "'-3'")),
    Case("10-batch-size-without-sgd", [*QUICK_TRAIN, "--batch-size", "2"], 2,
         err=("--batch-size applies to --optimizer sgd only",)),
    Case("10-batch-size-with-sgd", [*QUICK_TRAIN, "--optimizer", "sgd", "--batch-size", "2"], 0,
         out=("SGD(lr=0.5, batch_size=2",)),
    # 13. a negative --net is explained; full-disk errors name the file
    Case("13-check-net-negative", ["check", "--net", "-1,2"], 2,
         err=("at least two layer sizes ≥ 1", "'-1,2'")),
    Case("13-check-net-negative-attached", ["check", "--net=-1,2"], 2,
         err=("at least two layer sizes ≥ 1",)),
    Case("13-graph-full-disk", ["graph", "--out", "{tmp}/g.dot"], 1,
         err=("{tmp}/g.dot", "No space left"), setup=full_disk, intact=("g.dot",)),
    Case("13-trace-full-disk", ["trace", "--html", "{tmp}/t.html"], 1,
         err=("{tmp}/t.html", "No space left"), setup=full_disk, intact=("t.html",),
         needs=("dot",)),
    Case("13-train-save-full-disk", [*QUICK_TRAIN, "--save", "{tmp}/m.json"], 1,
         err=("{tmp}/m.json", "No space left"), out=("E_total",), setup=full_disk,
         intact=("m.json",)),
    Case("13-demo-full-disk", ["demo", "--out-dir", "{tmp}"], 1,
         err=("{tmp}/graph.svg", "No space left"), out=("largest |autodiff − formula|",),
         setup=full_disk, intact=("graph.svg",), needs=("dot",)),
    # 1 (the CLI's part). "-" is standard output for text
    Case("1-graph-out-dash", ["graph", "--out", "-"], 0, out=("digraph", "E")),
    Case("1-train-save-dash", [*QUICK_TRAIN, "--save", "-"], 0, out=('"format": "microbp.mlp"',),
         err=("E_total",),
         extra=lambda tmp: not os.path.exists("-")),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_cli_input(case: Case, tmp_path, monkeypatch, capsys):
    if "matplotlib" in case.needs and not HAS_MPL:
        pytest.skip("needs matplotlib")
    if "dot" in case.needs and shutil.which("dot") is None:
        pytest.skip("needs graphviz's dot")
    monkeypatch.chdir(tmp_path)
    for name in case.intact:
        (tmp_path / name).write_bytes(OLD)
    if case.setup is not None:
        case.setup(monkeypatch)
    tmp = str(tmp_path)
    status = _run([a.format(tmp=tmp) for a in case.argv])
    captured = capsys.readouterr()
    assert status == case.status, captured.err
    assert "Traceback" not in captured.err
    for text in case.err:
        assert text.format(tmp=tmp) in captured.err
    for text in case.out:
        assert text.format(tmp=tmp) in captured.out
    if case.one_line_err:
        assert captured.err.count("\n") == 1, captured.err
    for name in case.intact:
        assert (tmp_path / name).read_bytes() == OLD
    leftovers = [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    assert leftovers == []
    if case.extra is not None:
        assert case.extra(tmp_path)


@pytest.mark.parametrize("eps", [0, 0.0, -1e-6, math.nan, math.inf, -math.inf, True, "1e-6"])
def test_gradcheck_refuses_a_step_that_is_not_finite_and_positive(eps):
    net = MLP([2, 2, 1], seed=0)
    before = net.get_flat() if hasattr(net, "get_flat") else None
    with pytest.raises(ValueError, match="finite number > 0"):
        gradcheck(net, [0.1, 0.2], [0.3], eps=eps)
    if before is not None:
        assert (net.get_flat() == before).all()  # nothing changed


def test_the_results_come_before_the_plot_error(tmp_path, monkeypatch, capsys):
    """The table is on stdout even though the plot (asked for) failed."""
    pytest.importorskip("matplotlib")
    full_disk(monkeypatch)
    argv = ["vanishing", "--quick", "--depth", "2", "--json", "--plot", str(tmp_path / "p.png")]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["experiment"] == "vanishing-gradients"
    assert captured.err.strip().splitlines() == [
        f"microbp vanishing: error: [Errno {errno.ENOSPC}] cannot write "
        f"'{tmp_path / 'p.png'}': No space left on device"
    ]


PLOT_COMMANDS = {
    "train": [*QUICK_TRAIN],
    "vanishing": ["vanishing", "--quick"],
    "rprop-bench": ["rprop-bench", "--quick"],
    "saturation": ["saturation", "--quick"],
}

#: A bad --plot (the path, whether matplotlib is missing) and the words its error must say.
BAD_PLOTS = {
    "unknown format": ("{tmp}/p.xyz", False, ["cannot tell the image format", ".png"]),
    "missing folder": ("{tmp}/missing/p.png", False, ["does not exist"]),
    "a folder": ("{tmp}", False, []),
    "no matplotlib": ("{tmp}/p.png", True, ["needs matplotlib", "microbp[plot]"]),
}


@pytest.mark.parametrize("bad, no_matplotlib, words", BAD_PLOTS.values(), ids=BAD_PLOTS.keys())
def test_a_bad_plot_gets_one_behaviour_in_every_command(
    bad, no_matplotlib, words, tmp_path, monkeypatch, capsys
):
    """train, vanishing, rprop-bench and saturation refuse the same bad --plot the same way:
    before any work, with the same message, exit status 2, nothing written."""
    pytest.importorskip("matplotlib")
    if no_matplotlib:
        monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails as if absent

    def no_work(*args, **kwargs):
        raise AssertionError("worked before the --plot path was checked")

    monkeypatch.setattr(cli_train, "fit", no_work)
    monkeypatch.setattr(vanishing, "gradient_statistics", no_work)
    monkeypatch.setattr(rprop_bench, "benchmark", no_work)
    monkeypatch.setattr(saturation, "run", no_work)
    messages = set()
    for command, argv in PLOT_COMMANDS.items():
        assert _run([*argv, "--plot", bad.format(tmp=tmp_path)]) == 2, command
        captured = capsys.readouterr()
        assert captured.out == ""
        prefix = f"microbp {command}: error: "
        assert captured.err.startswith(prefix)
        assert all(word in captured.err for word in words), captured.err
        message = captured.err[len(prefix) :]
        for default in ("loss.png", "vanishing.png", "rprop.png", "saturation.png"):
            message = message.replace(default, "X")  # the example name each command gives
        messages.add(message)
    assert len(messages) == 1, messages
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------------------------
# Ctrl-C from the first line: a real SIGINT to a real process, while it is still importing

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The console script's own two lines, with a finder that sends SIGINT to the process the
# moment ``{module}`` is imported: a Ctrl-C at a known point of the start-up.
SIGINT_AT_IMPORT = """
import os, signal, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
from microbp.cli import main
sys.exit(main({argv!r}))
"""


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": PACKAGE + (os.pathsep + path if path else "")}


@pytest.mark.parametrize(
    "module, argv",
    [
        ("microbp.cli.app", ["check"]),  # the commands' modules: microbp's first heavy import
        ("argparse", ["check"]),
        ("numpy", ["check"]),
        ("datetime", ["check"]),  # inside numpy's C import: the KeyboardInterrupt became an
        #                            ImportError there ("could not import module datetime")
        ("microbp.engine", ["check"]),
        ("microbp.cli.train", ["train", "--data", "xor"]),
        ("microbp.gradcheck", ["check"]),
        ("microbp.optim", ["train", "--data", "xor"]),
    ],
)
def test_ctrl_c_while_importing_is_one_line_and_status_130(module, argv):
    """Ctrl-C in the first quarter second (while numpy, the commands and their libraries
    load): exit status 130 and one line, never a KeyboardInterrupt traceback."""
    import subprocess
    import sys

    code = SIGINT_AT_IMPORT.format(module=module, argv=argv)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 130, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1 and "interrupted (Ctrl-C)" in result.stderr


def test_ctrl_c_at_any_early_moment_never_shows_a_traceback_from_microbp():
    """A SIGINT sent to ``python -m microbp.cli check`` 0.05 … 0.3 s after it started
    (a few tries): exit status 130, or the process killed by the signal itself (it arrived
    while the interpreter was starting or ending, when Python's default applies); a
    traceback, if any, is the interpreter's own start-up's, never from microbp's code."""
    import re
    import signal
    import subprocess
    import sys
    import time

    for delay in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "microbp.cli", "check", "--net", "3,4,2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        ours = re.findall(r'File "([^"]*)"', err)
        assert not [f for f in ours if f.startswith(os.path.join(PACKAGE, "microbp"))], err
        if "Traceback" not in err:
            assert proc.returncode in (0, 130, -signal.SIGINT), (delay, proc.returncode, err)


# --------------------------------------------------------------------------------------------
# SIGTERM during a save: the temporary file goes, as on Ctrl-C

# A process that gets SIGTERM while the atomic writer is at its last step (os.fsync of the
# temporary file), then writes on; ``{call}`` is the write.
SIGTERM_DURING_WRITE = """
import os, signal, sys
real_fsync = os.fsync

def fsync(fd):
    os.kill(os.getpid(), signal.SIGTERM)
    real_fsync(fd)

os.fsync = fsync
{call}
"""


@pytest.mark.parametrize(
    "call, name",
    [
        ("from microbp.files import write_atomic; write_atomic('out.json', b'new')", "out.json"),
        ("from microbp.cli import main; sys.exit(main(['graph', '--out', 'g.dot']))", "g.dot"),
        (
            "from microbp.cli import main; "
            "sys.exit(main(['train', '--max-epochs', '3', '--save', 'm.json']))",
            "m.json",
        ),
    ],
    ids=["write_atomic", "graph", "train"],
)
def test_sigterm_during_a_save_leaves_no_temporary_file(call, name, tmp_path):
    import signal
    import subprocess
    import sys

    (tmp_path / name).write_bytes(OLD)
    code = SIGTERM_DURING_WRITE.format(call=call)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert result.returncode == -signal.SIGTERM, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert sorted(os.listdir(tmp_path)) == [name]  # no hidden .name.*.tmp beside it
    assert (tmp_path / name).read_bytes() == OLD
