"""The vanishing-gradient problem, measured (the tutorial's "梯度消失问题及其解决办法").

The tutorial's argument starts from BP-2,

    δᵢ⁽ˡ⁾ = (Σⱼ δⱼ⁽ˡ⁺¹⁾ wⱼᵢ⁽ˡ⁺¹⁾) f′(zᵢ⁽ˡ⁾),

so the error is multiplied by f′ once per layer on its way back. With σ′ ∈ [0, ¼] and
tanh′ ∈ [0, 1] it shrinks layer after layer, deep nets train badly, and a rectifier or
softplus, whose derivative is (close to) 1, is the remedy.

:func:`gradient_statistics` measures that on deep nets ``[n₁] + [width] * depth + [n_L]``
for each activation and initialisation over several seeds: per layer l the mean |δᵢ⁽ˡ⁾| over
the batch and the neurons, the Frobenius norm ‖∂E_total/∂W⁽ˡ⁾‖, the mean f′(zᵢ⁽ˡ⁾), the ratio
first hidden layer (l = 2) / output layer (l = L) of both, and the largest f′ actually seen
next to its bound (``ACTIVATIONS[name].max_derivative``). The numbers come from the matrix δ
equations (:func:`microbp.bp.backprop`) on weights drawn exactly as :class:`~microbp.MLP`
draws them (:func:`draw_weights`), so ``MLP(sizes, activation, seed, init)`` gives the same
numbers, only slower.

The data set is :func:`microbp.data.two_moons` (two inputs, one output with 0/1 targets).
The hidden layers use the activation under study; the output layer uses σ by default
(``output_activation``), which suits 0/1 targets and keeps δ⁽ᴸ⁾ from being exactly 0 (a
rectifier output neuron that is off for every sample makes every δ zero and the ratio 0/0).
The output layer's f′ is a common factor of every δ⁽ˡ⁾, so the ratios do not depend on it.

The tutorial's other half of the claim, that with a rectifier or softplus "训练速度会提高"
(training gets faster), is :func:`training_speed`: the same deep nets, per activation and
initialisation, trained by :func:`microbp.fit` (formulas method) with the same optimizer and
epoch budget from several seeds, counting the epochs (and seconds) until E_total < target.

Two modules, one per measurement: :mod:`~microbp.experiments.vanishing.gradients` (the
gradient statistics) and :mod:`~microbp.experiments.vanishing.speed` (the training speed);
their public names are all here too. ``microbp vanishing`` (:mod:`microbp.cli.experiments`)
prints the table, ``--train`` adds the training-speed table, ``--json`` the same numbers for
machines, ``--plot`` draws them (:mod:`microbp.experiments.report`; see docs/vanishing.md).
"""

from microbp.experiments.report import plot_gradient_statistics
from microbp.experiments.vanishing import gradients, speed
from microbp.experiments.vanishing.gradients import *  # noqa: F403  (the names of its __all__)
from microbp.experiments.vanishing.speed import *  # noqa: F403  (the names of its __all__)

__all__ = [*gradients.__all__, "plot_gradient_statistics", *speed.__all__]
