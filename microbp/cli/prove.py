"""``microbp prove``: the graph's gradients are BP-1…BP-4 for every weight, shown with SymPy.

    microbp prove [--net 3,3,2] [--activation sigmoid] [--loss squared_error]
                  [--show] [--latex [FILE]] [--erratum] [--max-nodes N] [--time-limit S]

Every weight, bias, input and target is a symbol; for every parameter θ the graph's ∂E/∂θ
minus the BP-1…BP-4 expression must simplify to 0 (:func:`microbp.symbolic.prove_net`), and
by layers, with the next layer's δ as free symbols, so that it holds for any depth
(:func:`microbp.symbolic.prove_layers`). ``--erratum`` puts the tutorial's wrong σ′ into the
formulas: the prover must refuse it. Exit status: 0 all proved, 1 something not proved,
2 bad usage (or SymPy not installed), or a proof that did not finish within ``--time-limit``.

``--max-nodes`` refuses a net up front; but the time a proof takes grows with depth, loss
and activation far faster than its node count (a 2-4-4-4-1 net with binary cross-entropy,
57 Values, needs minutes), so ``--time-limit`` (default :data:`TIME_LIMIT` seconds) bounds
the time itself: the proof stops there, says how far it got and which flag gives it longer.
A proof shows its progress (steps tried, time spent) on a terminal.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
import time

from microbp.cli.args import (
    add_activation_argument,
    add_display_options,
    add_loss_argument,
    layer_sizes,
)
from microbp.cli.errors import write_output
from microbp.cli.limits import add_max_nodes, check_net_size
from microbp.cli.progress import is_terminal

# No __all__: command-line plumbing; docs/prove.md documents the command.

#: The default ``--time-limit``, in seconds: the tutorial's net takes 1 to 4.
TIME_LIMIT = 60.0


def time_limit(text: str) -> float:
    """``--time-limit``: seconds > 0, or 0 for no limit."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(
            f"expected seconds as a finite number ≥ 0 (0: no limit), got {text!r}"
        )
    return value


class _OutOfTime(BaseException):
    """The time limit passed (a BaseException: SymPy's ``except Exception`` must not eat it)."""


class _Watch:
    """The time limit and the progress bar of one run of ``microbp prove``.

    The limit is enforced twice: by SIGALRM where there is one (in the main thread), which
    stops SymPy in the middle of a long step, and between steps by the clock."""

    def __init__(self, seconds: float, bar: bool) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds if seconds else math.inf
        self.show_bar = bar
        self.bar = None
        self.which, self.done, self.total = "", 0, 0

    def progress(self, which: str):
        """The ``progress`` callback of the proof called ``which``."""

        def report(done: int, total: int, name: str) -> None:
            self.which, self.done, self.total = which, done, total
            if self.show_bar:
                if done == 0:
                    self._close()
                    from tqdm import tqdm

                    self.bar = tqdm(
                        total=total, desc=which, unit="step", leave=False, file=sys.stderr
                    )
                elif self.bar is not None:
                    self.bar.update(1)
                    self.bar.set_postfix_str(name, refresh=True)
            if time.monotonic() > self.deadline:
                raise _OutOfTime

        return report

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _alarm(self, signum, frame) -> None:
        if self.armed:
            raise _OutOfTime

    def __enter__(self) -> _Watch:
        self.old, self.armed = None, False
        if self.seconds and hasattr(signal, "SIGALRM"):
            if threading.current_thread() is threading.main_thread():
                self.armed = True
                self.old = signal.signal(signal.SIGALRM, self._alarm)
                # After the limit, again every 0.1 s: Python drops an exception raised in a gc
                # callback or a __del__, so one interrupt can be lost.
                signal.setitimer(signal.ITIMER_REAL, self.seconds, 0.1)
        return self

    def __exit__(self, *exc) -> None:
        if self.old is not None:
            try:
                self.armed = False  # an alarm from here on interrupts nothing
            finally:
                self.armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, self.old)
        self._close()


def add_command(sub) -> None:
    """Add ``prove`` to the ``microbp`` subcommands."""
    c = sub.add_parser(
        "prove",
        help="symbolic proof: the graph's ∂E/∂θ − BP-1…BP-4 ≡ 0 for all weights (SymPy)",
        description="For every parameter θ of a net whose weights, biases, inputs and targets "
        "are symbols, show that the graph's ∂E/∂θ minus the BP-1…BP-4 expression simplifies "
        "to 0; then the same layer by layer, which holds for any depth. Exit status 1 if any "
        "step is not proved.",
    )
    c.add_argument(
        "--net",
        type=layer_sizes,
        default=[3, 3, 2],
        help="layer sizes (default the tutorial's 3,3,2)",
    )
    add_activation_argument(c)
    add_loss_argument(c)
    c.add_argument(
        "--show",
        action="store_true",
        help="print each δ as a formula in a, y and the next layer's δ",
    )
    c.add_argument(
        "--latex",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write the δ formulas as LaTeX to FILE (no FILE or '-': standard output)",
    )
    c.add_argument(
        "--erratum",
        action="store_true",
        help="use the tutorial's middle step for σ′ (docs/errata.md) in the formulas: the prover "
        "must say NOT proved",
    )
    add_max_nodes(c, "prove", "nets whose graph has more Values than this (formulas grow fast)")
    c.add_argument(
        "--time-limit",
        type=time_limit,
        default=TIME_LIMIT,
        metavar="SECONDS",
        help="stop a proof that takes longer than this, saying how far it got; 0: no limit "
        f"(default {TIME_LIMIT:g})",
    )
    add_display_options(c, numbers=False)
    c.set_defaults(func=run, own_display=True)


def run(args, out=None) -> int:
    """Both proofs, their tables and the verdict; 0 when every step is proved."""
    out = out or sys.stdout
    check_net_size(args.net, args.max_nodes, "prove")
    try:
        from microbp import symbolic
    except ImportError as exc:  # SymPy is an extra
        raise ValueError(
            f"microbp prove needs SymPy ({exc}); install it with: pip install 'microbp[symbolic]'"
        ) from None
    activations = args.activation if isinstance(args.activation, list) else [args.activation]
    replace = None
    if args.erratum:
        if "sigmoid" not in activations:
            raise ValueError(
                "--erratum replaces σ′ by the tutorial's middle step, so it needs a sigmoid layer: "
                "--activation sigmoid (the default) or a list with sigmoid in it"
            )
        replace = {"sigmoid": symbolic.TUTORIAL_ERRATUM_SIGMOID}
    whole, layers = _prove_both(args, symbolic, replace)
    return _report(args, whole, layers, out)


def _prove_both(args, symbolic, replace):
    """The whole-net and the by-layers proof, within --time-limit (a ValueError past it)."""
    watch = _Watch(args.time_limit, bar=is_terminal(sys.stderr))
    try:
        with watch:
            whole = symbolic.prove_net(
                args.net, args.activation, args.loss, replace, watch.progress("whole net")
            )
            layers = symbolic.prove_layers(
                args.net, args.activation, args.loss, replace, watch.progress("by layers")
            )
    except _OutOfTime:
        raise ValueError(
            f"the proof did not finish within --time-limit {args.time_limit:g} s: "
            + (
                f"{watch.which}, {watch.done} of {watch.total} steps tried"
                if watch.total
                else "still building the formulas"
            )
            + f" (the formulas of a "
            f"{'-'.join(map(str, args.net))} net with {args.activation} and {args.loss} grow "
            "fast with depth). Use a smaller net, or give it longer with --time-limit "
            f"{10 * args.time_limit:g} (0: no limit)."
        ) from None
    return whole, layers


def _report(args, whole, layers, out) -> int:
    """The tables, --show, --latex and the verdict; 0 when every step is proved."""
    print(
        f"microbp prove: MLP {args.net}, activation {args.activation}, loss {args.loss}"
        + (", with the tutorial's σ′ (the erratum) in the formulas" if args.erratum else ""),
        file=out,
    )
    print(
        "Every weight, bias, input and target is a symbol (w₁₂⁽³⁾, b₁⁽³⁾, x₁, y₁); "
        "'proved' means\nthe graph's side minus the formula's side simplifies to 0 for all "
        "values of them.\n",
        file=out,
    )
    for proof in (whole, layers):
        print(proof, file=out)
        print(file=out)
    if args.show:
        print("The δ's of the graph (E.backward()), with a = f(z):", file=out)
        print(layers.show(), file=out)
        print(file=out)
    if args.latex is not None:
        write_output(args.latex, layers.latex() + "\n", out)
        if args.latex != "-":
            print(f"wrote the δ formulas as LaTeX to {args.latex}", file=out)
    proved = whole.proved and layers.proved
    if proved:
        print(
            "Proved: for every parameter, the chain rule through the graph gives exactly "
            "BP-1…BP-4;\nby layers, with δ⁽ˡ⁺¹⁾ free, the same holds for a net of any depth.",
            file=out,
        )
    else:
        print(
            "NOT proved: the formulas differ from the graph's gradients (the differences "
            "above are not 0).",
            file=out,
        )
    return 0 if proved else 1
