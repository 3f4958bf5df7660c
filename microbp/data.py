"""Data sets, generated in code (nothing is downloaded).

:func:`tutorial_example` is Figure 1 of the tutorial microbp follows (反向传播 (BP), a Chinese
tutorial on backpropagation; the derivation page of the docs follows it section by section)
made concrete: a 3-3-2 sigmoid network with
fixed, documented numbers, the example ``microbp demo`` works through.

The training sets below each return ``(X, Y)``: float64 arrays of shapes (N, n₁) and
(N, n_L), one sample per row, ready for :func:`microbp.fit`. Every target is coded 0/1, so a
sigmoid output layer can reach it. All of them are deterministic: the same arguments give
bit-identical arrays (random ones draw from ``numpy.random.default_rng(seed)``).

=======================  ==========  ======  =============================================
function                 X shape     Y       target coding
=======================  ==========  ======  =============================================
``tutorial_data()``      (1, 3)      (1, 2)  the tutorial's y = (1, 0)
``xor()``                (4, 2)      (4, 1)  1 when exactly one input is 1
``encoder(n, m)``        (n, n)      (n, n)  Y = X = the n one-hot rows (net n-m-n)
``parity(n)``            (2ⁿ, n)     (2ⁿ,1)  1 when the number of 1 bits is odd
``two_spirals(k)``       (2k, 2)     (2k,1)  0 for one spiral, 1 for the other
``two_moons(n, noise)``  (n, 2)      (n, 1)  0 for the upper moon, 1 for the lower
``iris()``               (150, 4)    (150,3) one-hot: setosa, versicolor, virginica
=======================  ==========  ======  =============================================

Classification form (for a softmax output layer and ``loss="cross_entropy"``):
:func:`one_hot` turns class labels into one-hot rows, and :func:`classes` turns the 0/1
targets of a one-output set into two one-hot columns (class 0, class 1), so that
``X, Y = classes(*xor())`` trains ``MLP([2, 4, 2], activation=["sigmoid", "softmax"])``.

:func:`iris` is the one shipped data set (``microbp/datasets/iris.csv``, Fisher 1936, from
the UCI Machine Learning Repository under CC BY 4.0; ``microbp/datasets/IRIS.txt`` states
the source): 150 flowers, 4 measurements, 3 classes.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from microbp import checks
from microbp.deprecation import renamed
from microbp.nn import MLP

__all__ = [
    "TutorialExample",
    "tutorial_example",
    "tutorial_data",
    "xor",
    "encoder",
    "parity",
    "two_spirals",
    "two_moons",
    "iris",
    "one_hot",
    "classes",
    "DATASETS",
    "ROWS",
    "split",
]


@dataclass(frozen=True)
class TutorialExample:
    """The tutorial's three-layer perceptron (Figure 1) with concrete numbers.

    n₁ = 3 inputs, n₂ = 3 hidden neurons, n₃ = 2 outputs, f = σ in both layers, one
    training pair (x, y). ``W[l][i - 1][j - 1]`` is wᵢⱼ⁽ˡ⁾.
    """

    x: tuple[float, ...] = (1.0, 0.5, -1.0)
    y: tuple[float, ...] = (1.0, 0.0)
    W: dict[int, tuple[tuple[float, ...], ...]] = field(
        default_factory=lambda: {
            2: ((0.1, 0.2, -0.1), (-0.3, 0.1, 0.2), (0.2, -0.2, 0.1)),
            3: ((0.3, -0.2, 0.1), (0.2, 0.1, -0.3)),
        }
    )
    b: dict[int, tuple[float, ...]] = field(
        default_factory=lambda: {2: (0.1, 0.0, -0.1), 3: (0.05, -0.05)}
    )
    activation: str = "sigmoid"

    @property
    def sizes(self) -> list[int]:
        return [len(self.x), len(self.W[2]), len(self.W[3])]

    def net(self) -> MLP:
        """A fresh :class:`~microbp.MLP` holding these numbers."""
        return MLP.from_weights(self.W, self.b, activation=self.activation)

    @property
    def X(self) -> np.ndarray:
        """x as a batch of one sample, shape (1, 3)."""
        return np.array([self.x], dtype=np.float64)

    @property
    def Y(self) -> np.ndarray:
        """y as a batch of one sample, shape (1, 2)."""
        return np.array([self.y], dtype=np.float64)


def tutorial_example() -> TutorialExample:
    """The tutorial's 3-3-2 example with the numbers of :class:`TutorialExample`."""
    return TutorialExample()


def tutorial_data() -> tuple[np.ndarray, np.ndarray]:
    """The tutorial example's one training pair as ``(X, Y)``, shapes (1, 3) and (1, 2).

    >>> X, Y = tutorial_data()
    >>> X.tolist(), Y.tolist()
    ([[1.0, 0.5, -1.0]], [[1.0, 0.0]])
    """
    ex = tutorial_example()
    return ex.X, ex.Y


_count = checks.integer  # ``value`` as an int in lo…hi, else a ValueError naming it


def xor() -> tuple[np.ndarray, np.ndarray]:
    """XOR: the four points of {0, 1}², target 1 when exactly one input is 1.

    >>> X, Y = xor()
    >>> X.tolist(), Y.ravel().tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    return parity(2)


def encoder(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-m-n encoder problem: learn the identity on the n one-hot vectors.

    X = Y = the n × n identity matrix (row k is 1 at position k, 0 elsewhere); the net
    ``MLP([n, m, n])`` must squeeze them through m hidden neurons (8-3-8 and 10-5-10 are the
    classic sizes). ``m`` (1 ≤ m) only names the bottleneck: the data does not depend on it.

    >>> X, Y = encoder(4, 2)
    >>> X.shape, bool((X == Y).all()), X[1].tolist()
    ((4, 4), True, [0.0, 1.0, 0.0, 0.0])
    """
    n = _count("n", n, 2)
    _count("m", m, 1)
    eye = np.eye(n, dtype=np.float64)
    return eye, eye.copy()


def parity(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n-bit parity: all 2ⁿ bit vectors in counting order, target 1 when the count of 1s is odd.

    Row k holds the binary digits of k, most significant first (1 ≤ n ≤ 16).

    >>> X, Y = parity(3)
    >>> X[5].tolist(), Y[5].tolist(), X.shape
    ([1.0, 0.0, 1.0], [0.0], (8, 3))
    """
    n = _count("n", n, 1, 16)
    k = np.arange(2**n)
    X = ((k[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
    Y = (X.sum(axis=1) % 2).reshape(-1, 1)
    return X, Y


def two_spirals(
    n_per_class: int = 97, seed: int = 0, noise: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals (Lang & Witbrock 1988), scaled into [−1, 1]².

    With s = k/(n − 1) for point k = 0 … n − 1 (n = ``n_per_class``), spiral 0 has angle
    φ = 6πs (three turns), radius r = (104 − 96s)/104 and sits at (r sin φ, r cos φ); spiral 1
    is spiral 0 turned by π, (−x, −y). With the default n = 97 this is the classic set
    (φ = kπ/16, r = 6.5(104 − k)/104, divided by 6.5). Rows: the n points of spiral 0
    (target 0), then those of spiral 1 (target 1). ``noise`` > 0 adds Gaussian noise of that
    standard deviation to every coordinate, drawn from ``numpy.random.default_rng(seed)``;
    with the default ``noise=0`` the set does not depend on ``seed``.

    >>> X, Y = two_spirals()
    >>> X.shape, Y.shape, float(Y.mean())
    ((194, 2), (194, 1), 0.5)
    >>> X[0].tolist(), X[97].tolist()        # both spirals start at radius 1
    ([0.0, 1.0], [-0.0, -1.0])
    """
    n = _count("n_per_class", n_per_class, 2)
    noise, seed = _noise(noise), _seed(seed)
    k = np.arange(n, dtype=np.float64)
    s = k / (n - 1)  # 0 … 1 along the spiral
    phi = 6 * math.pi * s
    r = (104 - 96 * s) / 104
    P = np.column_stack([r * np.sin(phi), r * np.cos(phi)])
    X = np.vstack([P, -P])
    if noise > 0:
        X = X + np.random.default_rng(seed).normal(0.0, noise, size=X.shape)
    Y = np.repeat([0.0, 1.0], n).reshape(-1, 1)
    return X, Y


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles ("moons") in the plane, with Gaussian noise.

    The first ⌊n/2⌋ rows lie on the upper moon (cos t, sin t), t evenly spaced in [0, π]
    (target 0); the other ⌈n/2⌉ on the lower moon (1 − cos t, ½ − sin t) (target 1). Noise
    of standard deviation ``noise`` is added to every coordinate, drawn from
    ``numpy.random.default_rng(seed)``.

    >>> X, Y = two_moons(n=6, noise=0.0)
    >>> X.shape, Y.ravel().tolist()
    ((6, 2), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    """
    n = _count("n", n, 2)
    noise, seed = _noise(noise), _seed(seed)
    n_up = n // 2
    t_up = np.linspace(0.0, math.pi, n_up)
    t_lo = np.linspace(0.0, math.pi, n - n_up)
    up = np.column_stack([np.cos(t_up), np.sin(t_up)])
    lo = np.column_stack([1.0 - np.cos(t_lo), 0.5 - np.sin(t_lo)])
    X = np.vstack([up, lo])
    if noise > 0:
        X = X + np.random.default_rng(seed).normal(0.0, noise, size=X.shape)
    Y = np.concatenate([np.zeros(n_up), np.ones(n - n_up)]).reshape(-1, 1)
    return X, Y


def one_hot(labels, n_classes: int) -> np.ndarray:
    """Class labels 0 … n_classes − 1 as one-hot rows: shape (N, n_classes), float64.

    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    n = _count("n_classes", n_classes, 2)
    try:
        arr = np.asarray(labels)
        values = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"labels must be integers 0…{n - 1}, got {labels!r:.60}") from None
    if arr.dtype == bool:
        raise ValueError(f"labels must be integers 0…{n - 1}, not booleans")
    if arr.ndim == 2 and arr.shape[1] == 1:
        values = values[:, 0]
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"labels must be a non-empty list of class labels, got shape {arr.shape}")
    ok = np.isfinite(values) & (values == np.round(values))
    bad = ~ok | (values < 0) | (values >= n)
    if np.any(bad):
        k = int(np.argmax(bad))
        v = arr[k].item() if hasattr(arr[k], "item") else arr[k]
        raise ValueError(
            f"class labels must be integers 0…{n - 1} (n_classes = {n}), got {v!r} at row {k + 1}"
        )
    return np.eye(n, dtype=np.float64)[values.astype(np.int64)]


def classes(X, Y) -> tuple[np.ndarray, np.ndarray]:
    """A one-output 0/1 set as a two-class set: ``(X, one_hot(Y, 2))``, class k = target k.

    >>> X, Y = classes(*xor())
    >>> Y.tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    """
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 2 or Y.shape[1] != 1:
        raise ValueError(
            f"classes needs one 0/1 target column, shape (N, 1), got shape {Y.shape}; "
            "one-hot targets are already a classification form"
        )
    return np.asarray(X, dtype=np.float64), one_hot(Y[:, 0], 2)


#: The class names of :func:`iris`, in label order.
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def iris(standardize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fisher's Iris data (1936): 150 flowers, 4 features, 3 classes, one-hot targets.

    X: sepal length, sepal width, petal length, petal width (cm); with ``standardize``
    (the default) each column is shifted and scaled to mean 0 and standard deviation 1.
    Y: one-hot rows for setosa, versicolor, virginica (:data:`IRIS_CLASSES`), 50 of each,
    in the file's order. Read from the package (``microbp/datasets/iris.csv``; source and
    licence, CC BY 4.0, in ``microbp/datasets/IRIS.txt``); nothing is downloaded.

    >>> X, Y = iris()
    >>> X.shape, Y.shape, Y.sum(axis=0).tolist()
    ((150, 4), (150, 3), [50.0, 50.0, 50.0])
    """
    from importlib.resources import files

    text = files("microbp").joinpath("datasets/iris.csv").read_text(encoding="ascii")
    rows = np.loadtxt(text.splitlines()[1:], delimiter=",", dtype=np.float64)
    X, labels = rows[:, :4], rows[:, 4]
    if standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, one_hot(labels, 3)


def _noise(noise) -> float:
    try:
        v = float(noise)
    except (TypeError, ValueError):
        raise ValueError(f"noise must be a number ≥ 0, got {noise!r}") from None
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise!r}")
    return v


_seed = checks.seed


def split(X, Y, test_fraction: float, seed: int = 0):
    """Rows (X, Y) cut into a training part and a held-out test part: ``(X_train, Y_train,
    X_test, Y_test)``, each part in the rows' original order.

    Stratified: from each class (the 1 of a one-hot row, or the 0/1 value of a single
    column; every distinct target row otherwise) ``round(test_fraction × its rows)`` rows are
    drawn for the test part by ``numpy.random.default_rng(seed)``, so both parts keep the
    classes' proportions and the same seed gives the same cut. ``test_fraction`` is in
    [0, 1); every class keeps at least one training row, and a fraction > 0 holds out at
    least one row in all.

    >>> X, Y = two_moons(10, noise=0.0)
    >>> Xtr, Ytr, Xte, Yte = split(X, Y, 0.2, seed=0)
    >>> Xtr.shape, Xte.shape, Yte.ravel().tolist()
    ((8, 2), (2, 2), [0.0, 1.0])
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    real = isinstance(test_fraction, numbers.Real) and not isinstance(test_fraction, bool)
    if not (real and 0 <= test_fraction < 1):
        raise ValueError(f"test_fraction must be a number in [0, 1), got {test_fraction!r}")
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0] or X.shape[0] == 0:
        raise ValueError(
            f"X and Y must be (N, n) arrays with the same N ≥ 1 rows, got {X.shape} and {Y.shape}"
        )
    rng = np.random.default_rng(_seed(seed))
    if Y.shape[1] > 1 and np.all(Y.sum(axis=1) == 1) and np.all((Y == 0) | (Y == 1)):
        label = Y.argmax(axis=1)
    else:
        label = np.unique(Y, axis=0, return_inverse=True)[1].ravel()
    test = np.zeros(len(X), dtype=bool)
    for c in np.unique(label):
        rows = np.flatnonzero(label == c)
        k = min(int(round(test_fraction * len(rows))), len(rows) - 1)
        test[rng.choice(rows, size=k, replace=False)] = True
    if test_fraction > 0 and not test.any():
        raise ValueError(
            f"test_fraction = {test_fraction:g} of {len(X)} rows holds out none: use a larger "
            "fraction or set (or 0 to train on every row)"
        )
    return X[~test], Y[~test], X[test], Y[test]


class _DataSets(dict):
    """A dict of the named data sets that also takes the old name ``"seed"`` for
    ``"tutorial"`` (deprecated: it warns, and is not listed among the names). The warning is a
    FutureWarning, the category Python shows to the users of a program: the name is typed on
    the command line and in the lab, not in code."""

    ALIASES = {"seed": "tutorial"}

    def canonical(self, name):
        """``name``, or the name an old alias stands for (with a DeprecationWarning)."""
        if isinstance(name, str) and name in self.ALIASES:
            import warnings

            new = self.ALIASES[name]
            warnings.warn(
                f"the data set {name!r} is now called {new!r}; the old name will be removed "
                "in the next release",
                FutureWarning,
                stacklevel=3,
            )
            return new
        return name

    def __contains__(self, name) -> bool:
        return dict.__contains__(
            self, self.ALIASES.get(name, name) if isinstance(name, str) else name
        )

    def __getitem__(self, name):
        return dict.__getitem__(self, self.canonical(name))


#: The named sets of ``microbp train --data`` and the lab: name → (function, default
#: arguments, the default net sizes for those arguments). ``"tutorial"`` is the tutorial's
#: example (its old name ``"seed"`` still works for one release, with a FutureWarning).
DATASETS = _DataSets(
    {
        "tutorial": (tutorial_data, (), lambda: [3, 3, 2]),
        "xor": (xor, (), lambda: [2, 4, 1]),
        "encoder": (encoder, (8, 3), lambda n, m: [n, m, n]),
        "parity": (parity, (3,), lambda n: [n, 2 * n, 1]),
        "spirals": (two_spirals, (97,), lambda k: [2, 20, 20, 1]),
        "moons": (two_moons, (200,), lambda n: [2, 8, 1]),
        "iris": (iris, (), lambda: [4, 8, 3]),
    }
)


# Names before "the tutorial" was called by its name (deprecated, removed in the next release;
# CHANGELOG.md): only a use of an old name warns.
__getattr__ = renamed(
    __name__,
    globals(),
    {
        "SeedExample": "TutorialExample",
        "seed_example": "tutorial_example",
        "seed_data": "tutorial_data",
    },
)


#: The number of rows N each set of :data:`DATASETS` has for its arguments, known before it
#: is made (a command refuses a set too large to hold before allocating it). Its inputs
#: and targets are as wide as the first and last of the default sizes. Parity outside
#: 1 ≤ n ≤ 16 counts 0: :func:`parity` refuses that argument itself.
ROWS = _DataSets(
    {
        "tutorial": lambda: 1,
        "xor": lambda: 4,
        "encoder": lambda n, m: n,
        "parity": lambda n: 2**n if 1 <= n <= 16 else 0,
        "spirals": lambda k: 2 * k,
        "moons": lambda n: n,
        "iris": lambda: 150,
    }
)
