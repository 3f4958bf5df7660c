"""microbp: backpropagation, node by node.

A scalar reverse-mode autodiff engine (:class:`Value`), a multilayer perceptron in the
notation of the BP tutorial (:class:`MLP`), and the closed-form δ equations BP-1…BP-4
(:mod:`microbp.bp`), with the proof that the two agree (:func:`gradcheck`).
"""

from microbp import activations, bp, data, experiments, losses, optim
from microbp.engine import Value
from microbp.gradcheck import gradcheck
from microbp.losses import squared_error, total_error
from microbp.nn import MLP
from microbp.train import History, fit
from microbp.viz import draw_graph, draw_network, trace_backward

__version__ = "0.1.0"

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
