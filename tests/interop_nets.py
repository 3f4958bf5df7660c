"""Random nets for the interop tests: every activation, every loss, softmax outputs; each
drawn with a sample (x, y) that suits its loss."""

from __future__ import annotations

from hypothesis import strategies as st

from microbp import MLP
from microbp.activations import ACTIVATIONS

HIDDEN = sorted(ACTIVATIONS)
#: The losses each output layer can take.
LOSSES_FOR = {
    "sigmoid": ["squared_error", "binary_cross_entropy"],
    "softmax": ["squared_error", "cross_entropy"],
}


@st.composite
def net_sample_loss(draw, max_layers: int = 4, max_width: int = 4):
    """(net, x, y, loss): sizes of 2…max_layers layers, one activation per layer (the output
    may be softmax), random float weights (xavier or small), x ∈ [−3, 3], y valid for loss."""
    L = draw(st.integers(2, max_layers))
    sizes = [draw(st.integers(1, max_width)) for _ in range(L)]
    acts = [draw(st.sampled_from(HIDDEN)) for _ in range(L - 1)]
    if sizes[-1] >= 2 and draw(st.booleans()):
        acts[-1] = "softmax"
    net = MLP(
        sizes,
        activation=acts,
        seed=draw(st.integers(0, 10_000)),
        init=draw(st.sampled_from(["small", "xavier", "he"])),
    )
    x = draw(st.lists(st.floats(-3, 3), min_size=sizes[0], max_size=sizes[0]))
    loss = draw(st.sampled_from(LOSSES_FOR.get(acts[-1], ["squared_error"])))
    n_L = sizes[-1]
    if loss == "cross_entropy":
        w = draw(st.lists(st.floats(0.01, 1), min_size=n_L, max_size=n_L))
        y = [v / sum(w) for v in w]
    else:
        y = draw(st.lists(st.floats(0, 1), min_size=n_L, max_size=n_L))
    return net, x, y, loss
