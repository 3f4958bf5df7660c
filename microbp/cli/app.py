"""The ``microbp`` command line: the parser, the subcommands and one error → exit-code policy.

    microbp demo                         the tutorial's 3-3-2 example: forward pass, E, and every
                                         δ and gradient by autodiff next to BP-1…BP-4
    microbp check --net 3,4,2 --activation tanh
                                         autodiff vs δ formulas vs finite differences per
                                         parameter; exit status 1 if they disagree
    microbp graph | trace                pictures of the graph and of the backward pass
    microbp train --data xor ...         train a net on a generated data set
    microbp vanishing [--quick] [--json] [--plot FILE.png]
                                         per-layer δ and ‖∂E/∂W⁽ˡ⁾‖ of deep nets per
                                         activation and init (docs/vanishing.md)
    microbp rprop-bench [--quick] [--json] [--plot FILE.png]
                                         GD, SGD and four Rprop variants on the Rprop
                                         papers' problems (docs/rprop.md)
    microbp saturation [--quick] [--json] [--plot FILE.png]
                                         squared error vs cross-entropy: a saturated neuron,
                                         then Iris with a softmax output (docs/losses.md)
    microbp lab                          a local web page over the engine (docs/lab.md)
    microbp prove [--erratum] [--show]   with SymPy: the graph's ∂E/∂θ − BP-1…BP-4 ≡ 0 for
                                         every weight, whole net and by layers; exit status
                                         1 if not proved (docs/prove.md)
    microbp export model.json --onnx model.onnx [--torch model.pt]
                                         the net as ONNX / a PyTorch state_dict, float64
                                         (docs/road-out.md)

Exit status (:func:`main`, the one place that decides it): 0 success; 1 a check failed or a
file could not be written (the message names the file); 2 bad usage or input
(``microbp CMD: error: …``), an input too large for the memory (MemoryError) included;
130 stopped by Ctrl-C (one line, no traceback). Output piped into a reader that stops early
(``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from microbp.cli import (
    check,
    demo,
    exercise,
    experiments,
    export,
    graph,
    lab,
    prove,
    saturation,
    trace,
    train,
)
from microbp.cli.args import display, negative_values_attached
from microbp.cli.errors import INTERRUPTED
from microbp.cli.progress import heartbeat
from microbp.viz import GraphvizFailed, GraphvizNotFound

# Each subcommand registers itself: a function that adds its parser to the subparsers and
# sets ``func`` (called with the parsed arguments, returning the exit status).
COMMANDS = [demo.add_command, check.add_command, graph.add_command, trace.add_command]
COMMANDS.append(train.add_command)
COMMANDS.append(experiments.add_command)
COMMANDS.append(saturation.add_command)
COMMANDS.append(lab.add_command)
COMMANDS.append(prove.add_command)
COMMANDS.append(export.add_command)
COMMANDS.append(exercise.add_command)

# What a subcommand raises for bad usage or input (exit status 2).
USAGE_ERRORS = (ValueError, TypeError, IndexError, GraphvizNotFound, GraphvizFailed)


class HelpWithDefaults(argparse.HelpFormatter):
    """Every option's help ends with its default ("(default 2000)") unless it names it
    already, so a default is shown once and is the one the parser uses. Defaults that mean
    "off" or "decided later" (None, False) are left to the help text."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or "default" in text
        ):
            return text
        return f"{text} (default {_shown(default).replace('%', '%%')})"


def _shown(default) -> str:
    """A default as a user types it: 3,4,2 for a list, 1e-09 for a float."""
    if isinstance(default, (list, tuple)):
        return ",".join(map(str, default))
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def build_parser() -> argparse.ArgumentParser:
    from microbp import __version__

    parser = argparse.ArgumentParser(
        prog="microbp",
        description="Backpropagation, node by node: a scalar autodiff engine next to the "
        "closed-form δ equations BP-1…BP-4.",
        formatter_class=HelpWithDefaults,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in COMMANDS:
        add(sub)
    for command in sub.choices.values():
        command.formatter_class = HelpWithDefaults
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``microbp`` command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        with display("--ascii" in argv):  # usage errors in ASCII too
            return _run(argv)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        _quiet_stdout()
        return 0


def _run(argv: list[str]) -> int:
    """The command, its errors turned into exit statuses (see the module docstring)."""
    args = build_parser().parse_args(negative_values_attached(argv))
    name = f"microbp {args.command}"
    try:
        # a line now and then on a terminal, unless the command shows its own display
        with heartbeat(name, off=getattr(args, "own_display", False)):
            return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"{name}: interrupted (Ctrl-C)", file=sys.stderr)
        return INTERRUPTED
    except USAGE_ERRORS as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # numpy's allocation errors included: an input too large
        detail = f" ({exc})" if str(exc) else ""
        print(
            f"{name}: error: not enough memory for this run{detail}; use a smaller net or data set",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:  # a file that could not be written: the message names it
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null, so the interpreter's last flush
    does not report the same BrokenPipeError on its way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    try:
        sys.stderr.close()
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
