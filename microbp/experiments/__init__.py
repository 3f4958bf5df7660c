"""Experiments that check the tutorial's claims by measurement.

* :mod:`microbp.experiments.vanishing`: the vanishing-gradient problem (σ′ ≤ ¼, tanh′ ≤ 1;
  rectifier and softplus as remedies), ``microbp vanishing``.
* :mod:`microbp.experiments.rprop_bench`: Rprop against gradient descent on the problems of
  the Rprop papers, ``microbp rprop-bench``.
* :mod:`microbp.experiments.saturation`: squared error vs cross-entropy on a saturated
  neuron and on Iris, ``microbp saturation``.
"""

from microbp.experiments import rprop_bench, saturation, vanishing

__all__ = ["vanishing", "rprop_bench", "saturation"]
