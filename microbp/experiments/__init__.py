"""Experiments that check the seed's claims by measurement.

* :mod:`microbp.experiments.vanishing`: the vanishing-gradient problem (σ′ ≤ ¼, tanh′ ≤ 1;
  rectifier and softplus as remedies), ``microbp vanishing``.
"""

from microbp.experiments import vanishing

__all__ = ["vanishing"]
