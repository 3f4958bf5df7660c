"""microbp: backpropagation, node by node.

A scalar reverse-mode autodiff engine (:class:`Value`), a multilayer perceptron in the
notation of the BP tutorial (:class:`MLP`), and the closed-form δ equations BP-1…BP-4
(:mod:`microbp.bp`), with the proof that the two agree (:func:`gradcheck`).

The names below are imported when first used (``microbp.Value``, ``from microbp import
MLP``), so ``import microbp`` costs nothing until then: the ``microbp`` command line starts
in a few milliseconds and can take Ctrl-C cleanly from its first line (:mod:`microbp.cli`).
"""

from __future__ import annotations

import sys  # the only import here: already loaded, so Ctrl-C has no window in this file

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (10 ms at start-up)

__version__ = "0.1.0"

#: Each public name and the module that holds it (a module itself when the name is one).
_HOMES = {
    "Value": "microbp.engine",
    "MLP": "microbp.nn",
    "activations": None,
    "bp": None,
    "data": None,
    "gradcheck": "microbp.gradcheck",
    "losses": None,
    "squared_error": "microbp.losses",
    "total_error": "microbp.losses",
    "experiments": None,
    "optim": None,
    "fit": "microbp.train",
    "History": "microbp.train",
    "draw_graph": "microbp.viz",
    "draw_network": "microbp.viz",
    "trace_backward": "microbp.viz",
}

__all__ = [
    "Value",
    "MLP",
    "activations",
    "bp",
    "data",
    "gradcheck",
    "losses",
    "squared_error",
    "total_error",
    "experiments",
    "optim",
    "fit",
    "History",
    "draw_graph",
    "draw_network",
    "trace_backward",
]

if TYPE_CHECKING:  # what readers, type checkers and the API reference see
    from microbp import activations, bp, data, experiments, losses, optim
    from microbp.engine import Value
    from microbp.gradcheck import gradcheck
    from microbp.losses import squared_error, total_error
    from microbp.nn import MLP
    from microbp.train import History, fit
    from microbp.viz import draw_graph, draw_network, trace_backward


def __getattr__(name: str):
    """Import a public name on first use (PEP 562) and keep it on the package."""
    if name not in _HOMES:
        raise AttributeError(f"module 'microbp' has no attribute {name!r}")
    home = _HOMES[name] or f"microbp.{name}"
    __import__(home)
    value = sys.modules[home] if _HOMES[name] is None else getattr(sys.modules[home], name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


class _Package(type(sys)):  # a module type (types.ModuleType, without importing types)
    """``microbp.gradcheck`` is the function, as ``from microbp import gradcheck`` promises,
    even after ``import microbp.gradcheck`` (which sets the package's attribute to the
    module of the same name once that module is loaded)."""

    def __setattr__(self, name: str, value) -> None:
        if name == "gradcheck" and isinstance(value, type(sys)):
            value = value.gradcheck
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
