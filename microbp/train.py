"""The training loop: the tutorial's procedure made runnable (BP 算法总结).

    (1) compute ∂E_total/∂θ by backpropagation, (2) update θ, (3) repeat until the stopping
    criterion holds ("the error changes little between two iterations, or a cap on the
    number of iterations").

:func:`fit` minimises E_total = (1/N) Σᵢ ½‖y⁽ⁱ⁾ − o⁽ⁱ⁾‖² over the N rows of X, Y (or the mean
of another loss of :mod:`microbp.losses`, ``loss="cross_entropy"`` …). The gradient
comes by one of two methods, chosen with ``gradients``:

* ``"autodiff"``: the scalar graph. For a batch B the loop builds
  E_B = :func:`microbp.losses.total_error` over the rows in B from the net's own Values, calls
  ``E_B.backward()`` and reads ``p.grad`` of every parameter, in parameter order.
* ``"formulas"``: the matrix-form δ equations, :func:`microbp.bp.backprop`, on a
  :class:`microbp.bp.Weights` of numpy arrays that lives for the whole run (the arrays are
  views into one flat vector θ). No Value is built; the numbers are written back into the
  net's Values when :func:`fit` returns (normally, on an error, or on Ctrl-C).

Both methods feed the same optimizer the same flat vectors, so the same net, data and optimizer
follow the same trajectory either way, to rounding.

Which E the stopping rule sees. Let θ₀ be the parameters at the start and θ_t those after
t epochs. E_t = E_total(θ_t) over the whole data set, computed before the update of epoch
t + 1 (for GD and Rprop it comes out of the same pass as the gradient that update uses).
``history.loss`` is [E₀, E₁, …, E_T]: one entry before training and one per epoch, so
``len(history.loss) == history.epochs + 1`` and ``history.loss[-1]`` is the E of the net
:func:`fit` leaves behind. Before each epoch t + 1 the rules are checked in this order:

1. ``target``: E_t < target                       → ``stopped_by == "target"``
2. ``stop_when``: stop_when(O_t, Y) is true         → ``stopped_by == "criterion"``
3. ``tol``:    t ≥ 1 and |E_t − E_{t−1}| < tol     → ``stopped_by == "tol"``  (the tutorial's rule)
4. ``max_epochs``: t = max_epochs                  → ``stopped_by == "max_epochs"``

``stop_when`` is an optional callable for a convergence criterion on the outputs rather
than on E: it gets O_t, the net's outputs a⁽ᴸ⁾ at θ_t for every row of X (a float64 array
of shape (N, n_L), from the same full pass that gave E_t, so it costs nothing extra), and
Y, and returns true to stop. :func:`outputs_within` builds the classic one of the Rprop
papers: every output within 0.4 of its 0/1 target.

``on_epoch`` is an optional callable that watches the run: after each completed epoch t it
gets an :class:`Epoch` record (t, E_t, θ_t, the history so far); a true result stops the run
there (``stopped_by == "on_epoch"``), an exception stops it and propagates. With
``reset_optimizer=False`` the optimizer keeps its state from the last call, so a caller can
train in short calls (the lab's Step) on one trajectory.

One exception to rule 3: an epoch in which the optimizer chose to leave every parameter
exactly where it was although the gradient was not zero (a *pause*, ``optimizer.waited``)
does not count. iRprop− and iRprop+ pause when every
gradient component changes sign in the same epoch: they shrink all steps and wait one epoch,
so E_t = E_{t−1} exactly without the run having converged (it happens on the 8-3-8 encoder at
epoch 6). A zero gradient that moves nothing (a minimum, or a dead net) still stops the run.
``history.pauses`` counts the pauses.

If an epoch makes any number of the run non-finite (a learning rate far too large): E, a
state z or activation a of the full pass, a parameter θ or a gradient component, the loop
undoes that epoch and stops with ``stopped_by == "diverged"``: the net is left at the last
epoch whose numbers were all finite. (E alone is not enough: with a bounded output layer z⁽ᴸ⁾
can overflow to ∞ while E stays finite.) A net whose numbers are not finite at the start is a
``ValueError``.

Ctrl-C (``KeyboardInterrupt``) stops the run at the last completed epoch: the net is set
back to θ_T of that epoch, and :func:`fit` raises :class:`TrainingInterrupted`, a
``KeyboardInterrupt`` carrying the history (``stopped_by == "interrupted"``, ``epochs`` = T,
``loss`` = [E₀, …, E_T]). The parameters are written all at once: during :func:`fit` a
Ctrl-C is held until the step being taken has written every parameter (a second Ctrl-C stops
at once), and the net is then set back to θ_T whole, so it is always at a point of its
trajectory, never half-updated.

Inputs are checked by :func:`microbp.checks.batch` (the rule for a 1-D X or Y is there):
NaN, ±∞, complex numbers and text in X or Y are a ``ValueError`` before anything changes.
"""

from __future__ import annotations

import math
import numbers
import signal
import sys
import threading
import time

import numpy as np

from microbp import bp, checks, losses
from microbp.history import GRADIENTS, STOP_REASONS, Epoch, History, TrainingInterrupted
from microbp.losses import total_error
from microbp.optim import Optimizer

__all__ = [
    "fit",
    "History",
    "TrainingInterrupted",
    "accuracy",
    "outputs_within",
    "STOP_REASONS",
    "GRADIENTS",
    "Epoch",
]

# --------------------------------------------------------------------------------------------
# The two methods for (E, ∂E/∂θ) on a batch of rows


class _Autodiff:
    """E and ∂E/∂θ from the scalar graph built over the net's own parameter Values."""

    def __init__(self, net, X: np.ndarray, Y: np.ndarray, loss=losses.LOSSES["squared_error"]):
        self.net = net
        self.params = net.parameters()
        self.X = X.tolist()
        self.Y = Y.tolist()
        self.cost = loss
        self.outputs: np.ndarray | None = None  # a⁽ᴸ⁾ of every row, from the last full pass
        self.finite = True  # every z and a of the last full pass is finite

    def _error(self, rows):
        X, Y = self.X, self.Y
        if rows is None:
            passes = [self.net.forward(x) for x in X]
            self.outputs = np.array([[float(o.data) for o in p.output] for p in passes])
            self.finite = all(_finite_nodes(p.z) and _finite_nodes(p.a) for p in passes)
            Yr = Y
        else:
            passes = [self.net.forward(X[n]) for n in rows]
            Yr = [Y[n] for n in rows]
        if self.cost.takes == "z":  # the cross-entropies take the raw z⁽ᴸ⁾ (losses.py)
            L = self.net.L
            return total_error(Yr, [p.z[L] for p in passes], self.cost)
        return total_error(Yr, [p.output for p in passes])

    def loss_grad(self, rows=None) -> tuple[float, np.ndarray]:
        E = self._error(rows)
        for p in self.params:
            p.grad = 0  # leaves accumulate: start each batch from 0
        E.backward()
        return float(E.data), np.array([float(p.grad) for p in self.params], dtype=np.float64)

    def loss(self) -> float:
        return float(self._error(None).data)

    def set(self, theta: np.ndarray) -> None:
        values = theta.tolist()  # every number read before the first is written
        for p, t in zip(self.params, values):
            p.data = t

    def write_back(self, theta: np.ndarray) -> None:
        self.set(theta)


class _Formulas:
    """E and ∂E/∂θ from BP-1…BP-4 in matrix form, on arrays that are views into one θ."""

    def __init__(self, net, X: np.ndarray, Y: np.ndarray, loss=losses.LOSSES["squared_error"]):
        self.net = net
        self.X, self.Y = X, Y
        self.cost = loss
        self.theta = net.get_flat()  # the one buffer; W[l], b[l] below are views into it
        W, b, k = {}, {}, 0
        for l in range(2, net.L + 1):
            n, m = net.sizes[l - 1], net.sizes[l - 2]
            W[l] = self.theta[k : k + n * m].reshape(n, m)
            k += n * m
            b[l] = self.theta[k : k + n]
            k += n
        self.weights = bp.Weights(W, b, net.activations)
        self.outputs: np.ndarray | None = None  # a⁽ᴸ⁾ of every row, from the last full pass
        self.finite = True  # every z and a of the last full pass is finite

    def _full(self, g) -> None:
        self.outputs = g.a[self.weights.L]
        self.finite = all(np.all(np.isfinite(g.z[l])) for l in g.z) and all(
            np.all(np.isfinite(g.a[l])) for l in g.a
        )

    def loss_grad(self, rows=None) -> tuple[float, np.ndarray]:
        X, Y = (self.X, self.Y) if rows is None else (self.X[rows], self.Y[rows])
        g = bp.backprop(self.weights, X, Y, self.cost)
        if rows is None:
            self._full(g)
        return g.E, g.flat()

    def loss(self) -> float:
        g = bp.backprop(self.weights, self.X, self.Y, self.cost)
        self._full(g)
        return g.E

    def set(self, theta: np.ndarray) -> None:
        self.theta[:] = theta

    def write_back(self, theta: np.ndarray) -> None:
        self.net.set_flat(theta)


class _CtrlC:
    """Ctrl-C during :func:`fit`, held to the next safe point of the loop.

    While the block runs, a first SIGINT only sets ``pending``; the loop calls :meth:`check`
    where the net is whole (after a step's parameters are all written, between epochs), which
    raises ``KeyboardInterrupt`` there. A second SIGINT stops at once (the loop's write-back
    of the last completed epoch repairs a write it cut), except while ``hold_all`` is set,
    during that write-back itself. The handler is installed only in the main thread and only
    over Python's default one (a program's own SIGINT handler, or SIG_IGN, is left alone).
    """

    __slots__ = ("old", "pending", "hold_all")

    def __enter__(self) -> _CtrlC:
        self.pending = self.hold_all = False
        self.old = None
        if threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self.old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.pending and not self.hold_all:
            raise KeyboardInterrupt
        self.pending = True

    def check(self) -> None:
        if self.pending:
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)


def _finite_nodes(layers: dict) -> bool:
    """Every Value of a forward pass's z or a (keyed by l) holds a finite number."""
    return all(checks.finite(v.data) for nodes in layers.values() for v in nodes)


def _finite_vector(v) -> bool:
    """Every component of θ or a gradient is finite (float arrays, or exact numbers)."""
    v = np.asarray(v)
    if v.dtype == object:
        return all(checks.finite(x) for x in v.ravel())
    return bool(np.all(np.isfinite(v)))


def _finite(E, method, theta, grad) -> bool:
    """E, every z and a of the method's last full pass, θ and the gradient (if any) are finite."""
    return (
        checks.finite(E)
        and method.finite
        and _finite_vector(theta)
        and (grad is None or _finite_vector(grad))
    )


def _real(x) -> bool:
    """A real number, not a bool (then ``checks.finite`` says whether it fits a float)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_net(net, who: str) -> None:
    if not (callable(getattr(net, "parameters", None)) and hasattr(net, "sizes")):
        raise TypeError(f"{who} expects a microbp MLP as the net, got {type(net).__name__}")


def _check_float_net(net) -> None:
    """A TypeError unless every parameter of ``net`` is a float (or an int): fit steps on
    float64 vectors, and would silently turn a Fraction, mpmath, SymPy or numpy float32/16/
    longdouble net into float64. The message says how to keep the type."""
    for name, p in zip(net.parameter_names(), net.parameters()):
        if type(p.data) is float or type(p.data) is int or type(p.data) is np.float64:
            continue
        kind = type(p.data).__module__.split(".")[0] + "." + type(p.data).__name__
        kind = kind.removeprefix("builtins.").removeprefix("fractions.")
        raise TypeError(
            f"fit trains in float64 (its optimizers step on float64 vectors) and would turn "
            f"this net's {kind} numbers ({name} = {p.data!r:.40}) into floats. The graph keeps "
            "a number's type: step on it yourself, E.backward() then p.data -= lr * p.grad "
            "for every p in net.parameters() (as examples/micrograd_demo.py does), or give "
            "fit a net of floats."
        )


def _check_args(net, X, Y, optimizer, max_epochs, tol, target, gradients, stop_when=None):
    _check_net(net, "fit")
    _check_float_net(net)
    X = checks.batch(X, net.sizes[0], "X", "n₁")
    Y = checks.batch(Y, net.sizes[-1], "Y", "n_L")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same N rows, got {X.shape[0]} and {Y.shape[0]}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            "optimizer must be a microbp.optim optimizer (GD, SGD, Rprop), "
            f"got {type(optimizer).__name__}"
        )
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, (int, np.integer)):
        raise ValueError(f"max_epochs must be an integer ≥ 0, got {max_epochs!r}")
    if max_epochs < 0:
        raise ValueError(f"max_epochs must be an integer ≥ 0, got {max_epochs!r}")
    if not (_real(tol) and checks.finite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number ≥ 0 (0 switches the rule off), got {tol!r}")
    if target is not None and not (_real(target) and checks.finite(target) and target >= 0):
        raise ValueError(f"target must be None or a finite number ≥ 0, got {target!r}")
    if gradients not in GRADIENTS:
        raise ValueError(f"gradients must be one of {', '.join(GRADIENTS)}, got {gradients!r}")
    if stop_when is not None and not callable(stop_when):
        raise TypeError(
            "stop_when must be None or a callable stop_when(outputs, Y) -> bool, "
            f"got {type(stop_when).__name__}"
        )
    return X, Y


def _progress(max_epochs: int, quiet: bool):
    """A tqdm bar on a terminal (stderr is a TTY), else None."""
    if quiet or max_epochs == 0:
        return None
    try:
        if not sys.stderr.isatty():
            return None
        from tqdm import tqdm
    except (ImportError, AttributeError, ValueError):
        return None
    return tqdm(total=max_epochs, unit="epoch", desc="fit", leave=False, file=sys.stderr)


# long: the tutorial's procedure in one loop, read top to bottom: the checks, the epoch with
# its stopping rules in their documented order, and Ctrl-C leaving the last whole epoch
def fit(
    net,
    X,
    Y,
    optimizer: Optimizer,
    max_epochs: int = 1000,
    tol: float = 1e-9,
    target: float | None = None,
    gradients: str = "autodiff",
    quiet: bool = False,
    stop_when=None,
    loss="squared_error",
    on_epoch=None,
    reset_optimizer: bool = True,
) -> History:
    """Train ``net`` in place on rows X (N, n₁) → Y (N, n_L); return a :class:`History`.

    Minimises E_total = (1/N) Σᵢ ½‖y⁽ⁱ⁾ − o⁽ⁱ⁾‖². Each epoch runs the optimizer's steps
    (one for :class:`~microbp.optim.GD` and :class:`~microbp.optim.Rprop`,
    ⌈N/batch_size⌉ for :class:`~microbp.optim.SGD`, each on the mean gradient over its
    batch); then E_t is recorded and the stopping rules are checked (module docstring:
    ``target`` first, then ``tol``, then ``max_epochs``; ``tol=0`` switches the tol rule off).
    ``stop_when(outputs, Y)``, if given, is checked after ``target``: ``outputs`` is the
    (N, n_L) array of the net's outputs at θ_t, and a true result stops the run with
    ``stopped_by == "criterion"`` (e.g. ``stop_when=outputs_within(0.4)``).
    ``gradients`` is ``"autodiff"`` or ``"formulas"``. ``loss`` is a name or record of
    :mod:`microbp.losses` (``"squared_error"``, ``"binary_cross_entropy"`` for a sigmoid
    output layer, ``"cross_entropy"`` for a softmax one): E_total is then its mean.

    ``on_epoch(record)``, if given, is called after each completed epoch with an
    :class:`Epoch` (t, E_t, θ_t, the history so far), as Nielsen's ``monitor_*`` options let
    a caller watch: a true result stops the run there (``stopped_by == "on_epoch"``), an
    exception stops it too and propagates, the net left at that completed epoch.

    The optimizer is :meth:`reset <microbp.optim.Optimizer.reset>` first, so a run starts
    from a clean state; ``reset_optimizer=False`` keeps its state from the last call instead
    (Rprop's step sizes, SGD's shuffling), so that calls of k and m epochs follow one run of
    k + m. A tqdm bar with the current E is shown when stderr is a terminal and ``quiet`` is
    false.

    >>> from microbp import MLP, data
    >>> from microbp.optim import Rprop
    >>> X, Y = data.xor()
    >>> net = MLP([2, 3, 1], seed=1)
    >>> h = fit(net, X, Y, Rprop("iRprop-"), max_epochs=5, quiet=True)
    >>> h.epochs, len(h.loss), h.stopped_by
    (5, 6, 'max_epochs')
    """
    # One loop, read top to bottom as the tutorial's procedure (gradient, update, stopping
    # rule); its safety (Ctrl-C, divergence) needs the shared locals, hence one function.
    X, Y = _check_args(net, X, Y, optimizer, max_epochs, tol, target, gradients, stop_when)
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(
            f"on_epoch must be None or a callable on_epoch(record), got {type(on_epoch).__name__}"
        )
    loss = losses.get(loss)
    losses.check_output(loss, net.activations[-1])
    losses.check_targets(loss, Y)
    method = (_Autodiff if gradients == "autodiff" else _Formulas)(net, X, Y, loss)
    N = X.shape[0]
    history = History(optimizer=repr(optimizer), gradients=gradients)
    start = time.perf_counter()
    theta = net.get_flat()
    good = theta  # the last parameters whose E_total is finite
    bar = _progress(max_epochs, quiet)
    paused = False
    written = False  # whether method.set has begun to change the parameters
    interrupted = False
    if reset_optimizer:
        optimizer.reset()
    # Overflow is expected when a run diverges; the loop detects it and says so itself.
    with np.errstate(over="ignore", invalid="ignore"), _CtrlC() as ctrl_c:
        try:
            try:
                E, grad = method.loss_grad()  # E₀ and ∂E_total/∂θ at θ₀
            except OverflowError:
                E, grad = math.nan, None
            if not _finite(E, method, theta, grad):
                raise ValueError(
                    "E_total, a z or a of the forward pass, or the gradient is not finite at "
                    "the start (a number past float range): check X, Y and the net"
                )
            history.loss.append(E)
            while True:
                ctrl_c.check()  # a Ctrl-C stops here, after epoch t is complete
                t = history.epochs
                if target is not None and E < target:
                    history.stopped_by = "target"
                    break
                if stop_when is not None and stop_when(method.outputs, Y):
                    history.stopped_by = "criterion"
                    break
                if t >= 1 and not paused and abs(E - history.loss[-2]) < tol:
                    history.stopped_by = "tol"
                    break
                if t >= max_epochs:
                    history.stopped_by = "max_epochs"
                    break
                # One epoch: the optimizer's batches, one step each; then E_{t+1}, and the
                # next full-batch gradient when the optimizer uses one.
                try:
                    full_batch, pushed = True, False
                    for k, rows in enumerate(optimizer.batches(N)):
                        if k == 0 and len(rows) == N and grad is not None:
                            E_b, g_b = E, grad  # the whole set: the gradient at θ_t is at hand
                        else:
                            full_batch = False
                            E_b, g_b = method.loss_grad(rows)
                        if not _finite_vector(g_b):
                            raise OverflowError("a gradient component is not finite")
                        pushed = pushed or bool(np.any(g_b != 0))
                        theta = _step_result(optimizer.step(theta, g_b, E_b), good)
                        written = True
                        method.set(theta)
                        history.updates += 1
                        ctrl_c.check()  # between steps: the net goes back to θ_t below
                    E, grad = method.loss_grad() if full_batch else (method.loss(), None)
                except OverflowError:  # Python floats overflowing, or a gradient that did
                    E = math.nan
                if not _finite(E, method, theta, grad):
                    theta = good
                    method.set(theta)
                    history.stopped_by = "diverged"
                    break
                # A pause: the optimizer chose to move nothing although the gradient was not
                # zero (iRprop∓ when every gradient flips sign at once). E_t = E_{t−1} then
                # says nothing about convergence.
                paused = pushed and optimizer.waited and np.array_equal(theta, good)
                ctrl_c.hold_all = True  # epoch t + 1 complete: θ, E and the count move together
                history.pauses += paused
                history.loss.append(E)
                history.epochs += 1
                good = theta
                ctrl_c.hold_all = False
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"E={E:.4g}", refresh=False)
                if on_epoch is not None and on_epoch(
                    Epoch(history.epochs, E, theta.copy(), history)
                ):
                    history.stopped_by = "on_epoch"
                    break
        except KeyboardInterrupt:
            interrupted = True  # the net goes back to θ at the last completed epoch, below
        finally:
            # θ of the last completed epoch, written whole: a Ctrl-C now waits until it is.
            ctrl_c.hold_all = True
            if written:  # nothing to write back when no parameter was touched
                method.write_back(good)
            interrupted = interrupted or ctrl_c.pending
            history.seconds = time.perf_counter() - start
            if bar is not None:
                bar.close()
    if interrupted:
        history.stopped_by = "interrupted"
        raise TrainingInterrupted(history) from None
    return history


def _step_result(theta, like: np.ndarray) -> np.ndarray:
    """The optimizer's next θ as a fresh float64 vector of the right length: read whole here,
    before any parameter is written."""
    out = np.array(theta, dtype=np.float64)
    if out.shape != like.shape:
        raise ValueError(
            f"the optimizer's step returned shape {out.shape}; expected a flat vector of "
            f"{like.size} parameters"
        )
    return out


def outputs_within(margin: float = 0.4):
    """A ``stop_when`` criterion for :func:`fit`: every output within ``margin`` of its target.

    Returns ``stop(outputs, Y)``, true when |oₖ⁽ⁱ⁾ − yₖ⁽ⁱ⁾| < margin for every sample i and
    output k. With 0/1 targets and margin 0.4 this is the criterion of Riedmiller & Braun
    (1993) and Igel & Hüsken (2000): a 1 is learnt once o > 0.6, a 0 once o < 0.4.

    >>> stop = outputs_within(0.4)
    >>> stop(np.array([[0.7], [0.3]]), np.array([[1.0], [0.0]]))
    True
    >>> stop(np.array([[0.7], [0.5]]), np.array([[1.0], [0.0]]))
    False
    """
    if not (_real(margin) and checks.finite(margin) and margin > 0):
        raise ValueError(f"margin must be a finite number > 0, got {margin!r}")
    margin = float(margin)

    def stop(outputs, Y) -> bool:
        return bool(np.all(np.abs(np.asarray(outputs) - np.asarray(Y)) < margin))

    stop.__name__ = stop.__qualname__ = f"outputs_within({margin!r})"
    return stop


def accuracy(net, X, Y) -> float | None:
    """The fraction of samples classified right, where the targets are a 0/1 coding.

    Applies when every target is 0 or 1. One output: the class is o ≥ ½. Several outputs
    with exactly one 1 per row (one-hot): the class is the largest output. Otherwise each
    output is thresholded at ½ and a sample counts when all its outputs are right.
    Returns ``None`` when the targets are not 0/1 (regression).
    """
    _check_net(net, "accuracy")
    Xa = checks.batch(X, net.sizes[0], "X", "n₁")
    Ya = checks.batch(Y, net.sizes[-1], "Y", "n_L")
    if not np.all((Ya == 0) | (Ya == 1)):
        return None
    out = bp.backprop(net, Xa, Ya).a[net.L]
    if Ya.shape[1] > 1 and np.all(Ya.sum(axis=1) == 1):
        right = out.argmax(axis=1) == Ya.argmax(axis=1)
    else:
        right = np.all((out >= 0.5) == (Ya == 1), axis=1)
    return float(np.mean(right))
