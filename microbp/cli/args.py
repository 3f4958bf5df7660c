"""Argument types shared by the ``microbp`` subcommands (``--net 3,4,2``, ``--activation``, …).

Each raises ``argparse.ArgumentTypeError`` with the expected form, so a bad value ends the
command with argparse's usage message and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar

from microbp import checks
from microbp.activations import ACTIVATIONS
from microbp.nn import INITS

N = TypeVar("N", int, float)


def layer_sizes(text: str) -> list[int]:
    """``"3,4,2"`` → ``[3, 4, 2]``: the layer sizes n₁, …, n_L (at least two, each ≥ 1)."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected layer sizes as comma-separated integers like 3,4,2, got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected at least two layer sizes ≥ 1 like 3,4,2, got {text!r}"
        )
    return sizes


def activation_spec(text: str) -> list[str] | str:
    """``"tanh"`` or ``"relu,sigmoid"``: one activation name, or one per layer 2…L.

    The last name may be ``softmax`` (an output layer only); :func:`microbp.checks.activations`
    checks the names (the net's sizes, checked later, say whether they are one per layer)."""
    names = text.split(",")
    try:
        checks.activations(names[0] if len(names) == 1 else names, len(names) + 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{exc} (one name, or one per layer 2…L separated by commas)"
        ) from None
    return names[0] if len(names) == 1 else names


def number(convert: Callable[[str], N], ok: Callable[[N], bool], expected: str):
    """An argument type for one number: ``convert(text)`` (``int``, ``float``) when it reads
    and ``ok`` holds for it; otherwise the error "expected {expected}, got 'text'"."""

    def parse(text: str) -> N:
        try:
            value = convert(text)
            good = ok(value)
        except ValueError:
            good = False
        if not good:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


def _finite_positive(value: float) -> bool:
    return 0 < value < math.inf  # NaN fails too


#: An integer ≥ 1.
positive_int = number(int, lambda n: n >= 1, "an integer ≥ 1")
#: A finite number > 0 (``saturation --lr``).
positive_float = number(float, _finite_positive, "a number > 0")
#: The finite-difference step ε of ``check --eps``: a finite number > 0.
step_eps = number(
    float, _finite_positive, "the finite-difference step ε as a finite number > 0 (e.g. 1e-6)"
)


def neuron(text: str) -> tuple[int, int]:
    """``"2,1"`` → ``(2, 1)``: layer l and neuron i (``--delta-flow``)."""
    try:
        l, i = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a layer and a neuron as l,i (like 2,1), got {text!r}"
        ) from None
    return l, i


def names(table: Sequence[str], what: str):
    """A type for a comma-separated subset of ``table`` (case-insensitive), as a tuple in
    ``table``'s spelling."""

    def parse(text: str) -> tuple[str, ...]:
        given = tuple(n.strip() for n in text.split(",") if n.strip())
        lookup = {n.lower(): n for n in table}
        bad = [n for n in given if n.lower() not in lookup]
        if not given or bad:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(map(repr, bad)) or repr(text)}; expected a "
                f"comma-separated list of: {', '.join(table)}"
            )
        return tuple(lookup[n.lower()] for n in given)

    return parse


#: ``--train-inits small,he``: a comma-separated list of initialisations.
init_list = names(tuple(INITS), "init")

# "-1,2", "-0.5", "-inf": a value, not an option (argparse takes only plain negative numbers)
_NEGATIVE_VALUE = re.compile(r"-(\d|\.\d|inf|nan)", re.IGNORECASE)


def negative_values_attached(argv: Sequence[str]) -> list[str]:
    """``["--net", "-1,2"]`` → ``["--net=-1,2"]``: a value that starts with a minus sign is
    the option's value, so its type can say what is wrong with it (argparse alone would
    report "expected one argument", taking ``-1,2`` for an option)."""
    out: list[str] = []
    for arg in argv:
        if out and _NEGATIVE_VALUE.match(arg) and out[-1].startswith("--") and "=" not in out[-1]:
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


#: The help of every ``--activation``: the names, softmax among them.
ACTIVATION_HELP = (
    "one name, or one per layer 2…L separated by commas: "
    + ", ".join(ACTIVATIONS)
    + ", softmax (the output layer only: tanh,softmax)"
)


def add_activation_argument(parser: argparse.ArgumentParser, from_net: bool = False) -> None:
    """``--activation`` of ``microbp check``, ``train``, ``prove``, ``graph``, ``trace`` and
    ``lab``: one name or one per layer 2…L. ``from_net``: the default is None, for a command
    whose net without --net (the tutorial's example) brings its own activation."""
    parser.add_argument(
        "--activation",
        type=activation_spec,
        default=None if from_net else "sigmoid",
        help=ACTIVATION_HELP + (" (default sigmoid)" if from_net else ""),
    )


def add_net_arguments(parser: argparse.ArgumentParser, net_help: str, seed_help: str) -> None:
    """Which net ``graph``, ``trace`` and ``lab`` show: ``--net`` (layer sizes; without it
    the tutorial's 3-3-2 example), ``--activation`` (without it the net's own) and ``--seed``
    (of a random net's weights)."""
    parser.add_argument("--net", type=layer_sizes, default=None, help=net_help)
    add_activation_argument(parser, from_net=True)
    parser.add_argument("--seed", type=int, default=0, help=seed_help)


def add_loss_argument(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """``--loss``: the cost E of ``microbp train``, ``check``, ``graph``, ``trace``, ``prove``
    and ``demo`` (``help``: the text, when the command picks the output layer itself)."""
    from microbp.losses import LOSSES

    parser.add_argument(
        "--loss",
        choices=list(LOSSES),
        default="squared_error",
        help=help
        or "E: squared_error (default, the tutorial's), binary_cross_entropy (a sigmoid "
        "output), cross_entropy (a softmax output: --activation tanh,softmax)",
    )


def add_max_epochs(parser: argparse.ArgumentParser, help: str) -> None:
    """``--max-epochs N`` of an experiment: an epoch budget ≥ 1 in place of its own (the
    default, None, keeps the experiment's)."""
    parser.add_argument("--max-epochs", type=positive_int, default=None, help=help)


def experiment_settings(args, quick: Mapping, options: Mapping[str, str], **fixed) -> dict:
    """The keyword arguments of an experiment run by ``args``: ``fixed``, then its ``quick``
    preset with ``--quick``, then each option the user gave (``options`` maps the
    experiment's parameter to the attribute of ``args``; an option left at None, or absent,
    keeps the preset or the experiment's default)."""
    settings = dict(fixed)
    if args.quick:
        settings.update(quick)
    for parameter, attribute in options.items():
        value = getattr(args, attribute, None)
        if value is not None:
            settings[parameter] = value
    return settings


def digits(text: str) -> int:
    """``--digits N``: significant digits, 1 to 100."""
    from microbp.viz.formatting import MAX_FORMAT_DIGITS as most

    expected = f"a number of significant digits from 1 to {most}"
    return number(int, lambda n: 1 <= n <= most, expected)(text)


def add_display_options(parser: argparse.ArgumentParser, numbers: bool = True) -> None:
    """``--digits N`` (when the command prints numbers) and ``--ascii``: how ``demo``,
    ``check``, ``trace``, ``graph`` and ``prove`` show what they show (applied by
    :func:`display` around the command)."""
    if numbers:
        parser.add_argument(
            "--digits",
            type=digits,
            default=None,
            metavar="N",
            help="write numbers with N significant digits (default: the shortest form that "
            "reads back as the same number, 0.4 rather than 0.40000000000000002)",
        )
    parser.add_argument(
        "--ascii",
        action="store_true",
        help="plain ASCII output, for a terminal that cannot show w₁₂⁽³⁾ or δ: names as they "
        "are typed (w_12^(3), delta_1^(2)) and symbols spelled out (∂ as d, − as -)",
    )


def number_of(args) -> object:
    """The number formatter the command's options ask for: ``--digits N`` or ``--fmt``, else
    the shortest round-trip form (:func:`microbp.viz.formatting.number_format`)."""
    from microbp.viz.formatting import number_format

    fmt = getattr(args, "fmt", None)
    n = getattr(args, "digits", None)
    if fmt is not None and n is not None:
        raise ValueError("--fmt and --digits both say how to write numbers: give one of them")
    return number_format(fmt, n)


class _AsciiStream:
    """A text stream that writes what it is given as ASCII (:func:`ascii_text`)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from microbp.viz.formatting import ascii_text

        return self._stream.write(ascii_text(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def display(ascii: bool) -> Iterator[None]:
    """Run a command as ``--ascii`` asks (``ascii``): names shown in their typed form and
    standard output and error written in ASCII; else as it is."""
    if not ascii:
        yield
        return
    from microbp import names

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _AsciiStream(out), _AsciiStream(err)
    try:
        with names.shown_as("ascii"):
            yield
    finally:
        sys.stdout, sys.stderr = out, err
