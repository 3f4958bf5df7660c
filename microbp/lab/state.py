"""The lab's state: one net, one data set, the sample on show, and the training so far.

Everything the page shows is computed here, by the core, on every change:

* the autodiff method: ``net.forward(x)``, E (the tutorial's ½‖y − a⁽ᴸ⁾‖², or the cross-entropy
  of :mod:`microbp.losses` under a softmax output layer), ``E.backward()``; δᵢ⁽ˡ⁾ is
  ``z.grad`` of the z-node, ∂E/∂w is ``w.grad``;
* the formulas method: :func:`microbp.bp.index_form`, BP-1 (in its general form for a softmax
  output, δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y)…BP-4 on plain numbers.

The page receives both and computes nothing. All or nothing: a change builds the new net and
data, computes everything the page shows of them (:func:`settle`), checks it is finite, and
only then swaps it in; whatever fails on the way (a bad number, an overflow, any exception)
leaves the state as it was. Requests speak the tutorial's 1-based l, i, j; the JSON lists
inside are 0-based, as in :mod:`microbp.bp`, and every dictionary is keyed by the layer l
written as a string.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from microbp import activations, bp, checks, data, losses, modelfile
from microbp.lab import views
from microbp.lab.inputs import (
    DATA_SETS,
    Busy,
    LabError,
    check_activations,
    check_size,
    check_sizes,
    default_sizes,
    integer,
    load_data,
    number,
    numbers,
    show,
)
from microbp.lab.training import Training, TrainSettings
from microbp.nn import MLP
from microbp.train import fit

__all__ = ["LabState", "Shown", "SATURATION", "loss_of", "settle"]

#: A neuron is marked saturated when f′(z) ≤ SATURATION · max f′ (σ: f′ ≤ 0.0025, |z| ≳ 6;
#: tanh: |z| ≳ 3.8; relu: z ≤ 0, a dead unit): the gradient through it has all but vanished.
SATURATION = 0.01


# --------------------------------------------------------------------------------------------
# One state, computed whole


def loss_of(net: MLP) -> str:
    """The lab's E for ``net``: cross-entropy under a softmax output layer (the loss made for
    it, as ``microbp.fit`` and ``microbp.bp`` take it), else the tutorial's squared error."""
    return "cross_entropy" if net.activations[-1] == "softmax" else "squared_error"


@dataclass(frozen=True)
class Shown:
    """One state of the lab: the net, the data set (X, Y), the sample k on show, and
    ``view``, everything the page shows of them. Made by :func:`settle`, never changed after:
    a change makes a new one and swaps it in whole."""

    net: MLP
    X: np.ndarray
    Y: np.ndarray
    data_name: str
    sample: int
    view: dict
    loss: str = "squared_error"


def settle(
    net: MLP, X, Y, data_name: str, sample: int = 0, refused: str = "", loss: str | None = None
) -> Shown:
    """The :class:`Shown` of ``net`` on (X, Y) with row ``sample`` on show, computed whole;
    E is ``loss`` (a name of :mod:`microbp.losses`; default :func:`loss_of` the net).

    A :class:`LabError` if the loss is not made for the net's output layer, if the targets do
    not suit it, if a number comes out infinite or NaN, or if computing fails in any other
    way; its message begins with ``refused`` (e.g. "the edit was refused, the state is
    unchanged").
    """
    lead = f"{refused}: " if refused else ""
    loss = loss or loss_of(net)
    try:
        losses.check_output(loss, net.activations[-1])
        losses.check_targets(loss, Y)
        view = _compute(net, X, Y, data_name, sample, loss)
        _check_finite(view)  # the numbers; the names, added below, are text
        view["names"] = views.names_of(tuple(net.sizes))  # shared between states: never changed
    except LabError as exc:
        raise LabError(f"{lead}{exc}") from None
    except Exception as exc:  # all or nothing, whatever failed: nothing is installed yet
        raise LabError(f"{lead}{type(exc).__name__}: {exc}") from None
    return Shown(net, X, Y, data_name, sample, view, loss)


def _compute(net: MLP, X, Y, data_name: str, sample: int, loss: str) -> dict:
    """Everything the page shows of ``net`` on row ``sample``: both methods for every δ."""
    L = net.L
    loss = losses.get(loss)
    x, y = X[sample].tolist(), Y[sample].tolist()
    fw = net.forward(x)  # the autodiff method
    E = loss.sample(y, fw.z[L], fw.output)
    net.zero_grad()
    E.backward()
    formulas = bp.index_form(net, x, y, loss)  # the formulas method, BP-1…BP-4
    layers = range(2, L + 1)
    fprime, saturated = {}, {}
    for l in layers:
        f = net.layers[l].activation
        if f is activations.SOFTMAX:
            # f′ is a Jacobian; its diagonal ∂aᵢ/∂zᵢ = aᵢ(1 − aᵢ) is shown. Under cross-entropy
            # it cancels (δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y): the output does not saturate, so none is marked.
            fprime[l] = [a.data * (1 - a.data) for a in fw.a[l]]
            saturated[l] = [False] * len(fprime[l])
        else:
            fprime[l] = [f.df(z.data, a.data) for z, a in zip(fw.z[l], fw.a[l], strict=True)]
            saturated[l] = [abs(d) <= SATURATION * f.max_derivative for d in fprime[l]]
    state = {
        "sizes": list(net.sizes),
        "activation": net.activations,
        "loss": loss.name,
        "loss_formula": loss.formula,
        "data": data_name,
        "N": int(X.shape[0]),
        "sample": sample + 1,
        "x": x,
        "y": y,
        "E": E.data,
        "W": {str(l): [[w.data for w in row] for row in net.W(l)] for l in layers},
        "b": {str(l): [b.data for b in net.b(l)] for l in layers},
        "z": {str(l): [z.data for z in fw.z[l]] for l in layers},
        "a": {str(l): [a.data for a in fw.a[l]] for l in range(1, L + 1)},
        "fprime": {str(l): fprime[l] for l in layers},
        "saturated": {str(l): saturated[l] for l in layers},
        "delta": {str(l): fw.delta(l) for l in layers},
        "dW": {str(l): [[w.grad for w in row] for row in net.W(l)] for l in layers},
        "db": {str(l): [b.grad for b in net.b(l)] for l in layers},
        "delta_formulas": {str(l): formulas.delta[l] for l in layers},
        "dW_formulas": {str(l): formulas.dW[l] for l in layers},
        "db_formulas": {str(l): formulas.db[l] for l in layers},
        "E_formulas": formulas.E,
    }
    return _plain(state)


# --------------------------------------------------------------------------------------------
# The state


class LabState:
    """The state on show (:class:`Shown`) and the training so far, behind one lock.

    Build it with :meth:`create`. Each change checks its arguments, builds the new net or
    data, settles it (:func:`settle`: everything computed and checked) and only then swaps it in.
    """

    def __init__(self, net: MLP, X: np.ndarray, Y: np.ndarray, data_name: str) -> None:
        check_size(net.sizes)
        # Held only to read or swap the state on show, never while training runs.
        self.lock = threading.RLock()
        self.version = 0
        self.training = Training()
        self.shown = settle(net, X, Y, data_name)
        self._initial = (modelfile.to_json(net), X.copy(), Y.copy(), data_name)

    @classmethod
    def create(
        cls,
        sizes: list[int] | None = None,
        activation=None,
        seed: int = 0,
        data_name: str | None = None,
        net: MLP | None = None,
    ) -> LabState:
        """The tutorial's 3-3-2 example by default; else ``MLP(sizes, activation, seed)`` or
        ``net``, on ``data_name`` (default: the tutorial's pair when the sizes fit it, else one
        random pair)."""
        if net is None and sizes is None:
            ex = data.tutorial_example()
            acts = check_activations(activation or ex.activation, 3, 2)
            net = MLP.from_weights(ex.W, ex.b, activation=acts)
        elif net is None:
            sizes = check_sizes(list(sizes))
            acts = check_activations(activation or "sigmoid", len(sizes), sizes[-1])
            net = MLP(sizes, activation=acts, seed=seed)
        check_size(net.sizes)
        if data_name is None:
            fits = net.sizes[0] == 3 and net.sizes[-1] == 2
            data_name = "tutorial" if fits else "random"
        softmax = loss_of(net) == "cross_entropy"
        X, Y = load_data(data_name, net.sizes, seed, distribution=softmax)
        return cls(net, X, Y, data_name)

    # The state on show, read by the routes and the stepper.
    net = property(lambda self: self.shown.net)
    X = property(lambda self: self.shown.X)
    Y = property(lambda self: self.shown.Y)
    sample = property(lambda self: self.shown.sample)
    data_name = property(lambda self: self.shown.data_name)

    def _swap(self, shown: Shown, keep_training: bool = False) -> dict:
        """Install ``shown`` (already settled) and answer with the new state."""
        self.shown = shown
        if not keep_training:
            self.training = Training()  # E_t of another net or data: a new curve
        self.version += 1
        return self._snapshot()

    # ---------------------------------------------------------------------------------------
    # What the page shows

    def snapshot(self) -> dict:
        """The state as JSON-ready data (the body of ``GET /api/state``)."""
        with self.lock:
            return self._snapshot()

    def _snapshot(self) -> dict:
        return {**self.shown.view, "train": self.training.to_json(), "version": self.version}

    # long: one table, the three rules' numbers side by side, read off one state
    def why(self, l, i, j=None) -> dict:
        """The numbers of BP-1 / BP-2 (and BP-4) for neuron i of layer l, or of BP-3 for the
        weight wᵢⱼ⁽ˡ⁾, each next to what the graph computed (``GET /api/why``)."""
        with self.lock:
            shown = self.shown
        s, net = shown.view, shown.net
        L = net.L
        l = integer(l, "l", 2, L)
        i = integer(i, "i", 1, net.sizes[l - 1])
        if j is not None:
            j = integer(j, "j", 1, net.sizes[l - 2])
        k = str(l)
        d_graph, d_formula = s["delta"][k][i - 1], s["delta_formulas"][k][i - 1]
        f = net.layers[l].activation
        n = s["names"]
        out = {
            "l": l,
            "i": i,
            "L": L,
            # the names the page writes the rule with (microbp.names' Unicode form)
            "names": views.why_names(n, l, i, j, L),
            "z": s["z"][k][i - 1],
            "a": s["a"][k][i - 1],
            "fprime": s["fprime"][k][i - 1],
            "activation": f.name,
            "derivative_formula": f.derivative_formula,
            "loss": s["loss"],
            "delta_graph": d_graph,
            "delta_formula": d_formula,
            "delta_difference": d_graph - d_formula,
        }
        if j is not None:
            dw_graph, dw_formula = s["dW"][k][i - 1][j - 1], s["dW_formulas"][k][i - 1][j - 1]
            out.update(
                rule="BP-3",
                j=j,
                w=s["W"][k][i - 1][j - 1],
                a_prev=s["a"][str(l - 1)][j - 1],
                dw_graph=dw_graph,
                dw_formula=dw_formula,
                dw_difference=dw_graph - dw_formula,
            )
        elif l == L:
            y = s["y"][i - 1]
            loss = losses.get(s["loss"])
            closed = loss.output is not None and loss.output == f.name  # δ⁽ᴸ⁾ = a⁽ᴸ⁾ − y
            out.update(rule="BP-1", y=y, error=y - out["a"], form="a - y" if closed else "f'")
        else:
            # BP-2 through bp.hidden_delta, as index_form and the pictures compute it; the
            # terms of its sum written out for the page (which multiplies nothing).
            d_next, W_next = s["delta_formulas"][str(l + 1)], s["W"][str(l + 1)]
            total, df, delta = bp.hidden_delta(d_next, W_next, i - 1, f, out["z"], out["a"])
            terms = [
                {
                    "j": jj,
                    "delta": d,
                    "w": W_next[jj - 1][i - 1],
                    "product": d * W_next[jj - 1][i - 1],
                    "names": {
                        "delta": n["delta"][str(l + 1)][jj - 1],
                        "w": n["w"][str(l + 1)][jj - 1][i - 1],
                    },
                }
                for jj, d in enumerate(d_next, start=1)
            ]
            out.update(rule="BP-2", terms=terms, sum=total, fprime=df, delta_formula=delta)
            out["delta_difference"] = d_graph - delta
        if j is None:
            out.update(b=s["b"][k][i - 1], db_graph=s["db"][k][i - 1])
        return out

    def boundary(self) -> dict:
        """The decision boundary of the net on show (``GET /api/boundary``):
        :func:`microbp.lab.views.boundary`."""
        with self.lock:
            shown, version = self.shown, self.version
        return views.boundary(shown.net, shown.X, shown.Y, shown.sample, version)

    # ---------------------------------------------------------------------------------------
    # Edits (POST /api/set)

    SET_KEYS = ("w", "b", "x", "y", "activation", "sample", "loss")
    REFUSED = "the edit was refused, the state is unchanged"

    def apply(self, body: dict) -> dict:
        """One edit from ``POST /api/set``; returns the new state."""
        if not isinstance(body, dict):
            raise LabError('the request body must be a JSON object such as {"x": [1, 0.5, -1]}')
        keys = [k for k in body if k in self.SET_KEYS]
        allowed = {"w": {"w", "value"}, "b": {"b", "value"}}
        if len(keys) != 1 or set(body) - allowed.get(keys[0], {keys[0]}):
            raise LabError(
                f"expected exactly one edit of {', '.join(self.SET_KEYS)} (w and b with a "
                f'"value"), got the field(s) {", ".join(map(show, body)) or "none"}'
            )
        key = keys[0]
        with self.lock:
            self._idle()
            old = self.shown
            net, X, Y, k, loss = old.net, old.X, old.Y, old.sample, old.loss
            if key in ("w", "b"):
                where = body[key]
                n = 3 if key == "w" else 2
                if not isinstance(where, list) or len(where) != n:
                    form = "[l, i, j]" if key == "w" else "[l, i]"
                    raise LabError(f"{key} must be {form} (1-based), got {show(where)}")
                l = integer(where[0], "l", 2, net.L)
                i = integer(where[1], "i", 1, net.sizes[l - 1])
                j = integer(where[2], "j", 1, net.sizes[l - 2]) if key == "w" else None
                if "value" not in body:
                    raise LabError(f'an edit of {key} needs a "value"')
                value = number(body["value"], "value")
                net = net.copy()
                param = net.w(l, i, j) if key == "w" else net.bias(l, i)
                param.data = value
            elif key in ("x", "y"):
                n = net.sizes[0] if key == "x" else net.sizes[-1]
                what = "x (n₁ inputs)" if key == "x" else "y (n_L targets)"
                row = numbers(body[key], n, what)
                X, Y = X.copy(), Y.copy()
                (X if key == "x" else Y)[k] = row
            elif key == "activation":
                net = net.copy(check_activations(body[key], net.L, net.sizes[-1]))
                if net.activations[-1] != old.net.activations[-1]:
                    loss = None  # another output layer: the loss made for it (loss_of)
            elif key == "loss":
                loss = body[key]
                checks.choice("loss", loss, losses.LOSSES, error=LabError)
            else:
                k = integer(body[key], "sample", 1, X.shape[0]) - 1
                shown = settle(net, X, Y, old.data_name, k, self.REFUSED, loss)
                return self._swap(shown, True)
            return self._swap(settle(net, X, Y, old.data_name, k, self.REFUSED, loss))

    def _idle(self) -> None:
        if self.training.running:
            raise Busy("training is running: pause it first (POST /api/pause)")

    # ---------------------------------------------------------------------------------------
    # A new net, an uploaded model, reset

    def new(self, body: dict) -> dict:
        """``POST /api/new``: another net and data set."""
        if not isinstance(body, dict):
            raise LabError("the request body must be a JSON object")
        known = ("sizes", "activation", "seed", "data")
        unknown = sorted(set(body) - set(known))
        if unknown:
            raise LabError(
                f"unknown field(s) {', '.join(map(show, unknown))}; expected some of "
                + ", ".join(known)
            )
        name = data.DATASETS.canonical(body.get("data", "tutorial"))
        checks.choice("data set", name, DATA_SETS, error=LabError)
        seed = integer(body.get("seed", 0), "seed", 0, 2**31 - 1)
        if "sizes" in body:
            sizes = check_sizes(body["sizes"])
        elif name == "random":
            raise LabError('the data set "random" needs "sizes"')
        else:
            sizes = default_sizes(name)
            check_size(sizes)
        acts = check_activations(body.get("activation", "sigmoid"), len(sizes), sizes[-1])
        with self.lock:
            self._idle()
            try:
                if name == "tutorial" and "sizes" not in body and "seed" not in body:
                    fresh = LabState.create(activation=acts)  # the tutorial's own numbers
                else:
                    fresh = LabState.create(sizes, acts, seed, name)
            except LabError as exc:
                raise LabError(f"no new net, the state is unchanged: {exc}") from None
            self._initial = fresh._initial
            return self._swap(fresh.shown)

    def upload(self, text: str) -> dict:
        """``POST /api/model``: a model file's text, read by :func:`microbp.modelfile.from_json`,
        the loader of ``MLP.load``; it must fit the data set on show."""
        refused = "not loaded, the state is unchanged"
        try:
            net = modelfile.from_json(text, MLP)
        except (ValueError, TypeError) as exc:
            raise LabError(f"{refused}: {exc}") from None
        check_size(net.sizes)
        with self.lock:
            self._idle()
            X, Y, name = self.X, self.Y, self.data_name
            if net.sizes[0] != X.shape[1] or net.sizes[-1] != Y.shape[1]:
                raise LabError(
                    f"{refused}: the model {net.sizes} has "
                    f"n₁ = {net.sizes[0]} and n_L = {net.sizes[-1]}, but the data set "
                    f"{name} has {X.shape[1]} inputs and {Y.shape[1]} outputs"
                )
            shown = settle(net, X, Y, name, 0, refused)
            self._initial = (text, X.copy(), Y.copy(), name)
            return self._swap(shown)

    def download(self) -> str:
        """The model file's text (:func:`microbp.modelfile.to_json`, as ``net.save`` writes)."""
        with self.lock:
            return modelfile.to_json(self.net)

    def reset(self) -> dict:
        """``POST /api/reset``: the net and data the lab started with (or last loaded)."""
        with self.lock:
            self._idle()
            text, X, Y, name = self._initial
            refused = "not reset, the state is unchanged"
            try:
                net = modelfile.from_json(text, MLP)
            except (ValueError, TypeError) as exc:
                raise LabError(f"{refused}: {exc}") from None
            return self._swap(settle(net, X.copy(), Y.copy(), name, 0, refused))

    # ---------------------------------------------------------------------------------------
    # Training

    def start(self, settings: TrainSettings, epochs: int) -> None:
        """Mark a run as started (so edits are refused) and prepare its optimizer."""
        with self.lock:
            self._idle()
            self.training.prepare(settings, epochs)
            self.stop_requested = threading.Event()
            self.version += 1

    def pause(self) -> None:
        """Ask a run to stop after its current epoch."""
        event = getattr(self, "stop_requested", None)
        if event is not None:
            event.set()

    # long: one function, since show and on_epoch share the run's locals (the copy, the
    # pending E_t)
    def run(self, epochs: int, publish: Callable[[], None] | None = None) -> None:
        """Train for up to ``epochs`` epochs: one call of :func:`microbp.fit`.

        ``fit`` trains a copy of the net on show, keeping the optimizer's state between
        runs (``reset_optimizer=False``: ten Steps of one epoch are one run of ten), with its
        stopping rule and divergence check. Its ``on_epoch`` callback asks it to stop on
        Pause and, every 50 ms, settles the epoch's θ and swaps it in (then calls
        ``publish``), so the page sees the net move; the lock is held only for the swap, so
        requests are answered during a run. A θ that cannot be shown (a number past float
        range) stops the run; the state stays at the last epoch that could. Call
        :meth:`start` first.
        """
        t = self.training
        with self.lock:
            shown = self.shown
        net = shown.net.copy()
        pending: list[float] = []  # E_t of the epochs trained since the last swap
        last = [time.perf_counter()]

        def show(theta) -> None:
            candidate = net.copy()
            candidate.set_flat(theta)
            epoch = len(t.loss) + len(pending) - 1
            after = settle(
                candidate, shown.X, shown.Y, shown.data_name, shown.sample,
                f"stopped after epoch {epoch}: epoch {epoch} cannot be shown", shown.loss,
            )  # fmt: skip
            with self.lock:
                t.loss.extend(pending)
                pending.clear()
                self._swap(after, keep_training=True)
            last[0] = time.perf_counter()
            if publish is not None:
                publish()

        def on_epoch(record) -> bool:
            if not t.loss and not pending:
                pending.append(record.history.loss[0])  # E₀ of the first run
            pending.append(record.loss)
            if time.perf_counter() - last[0] > 0.05:
                show(record.theta)
            return self.stop_requested.is_set()

        try:
            h = fit(
                net,
                shown.X,
                shown.Y,
                t.optimizer,
                max_epochs=epochs,
                tol=t.settings.tol,
                target=t.settings.target,
                quiet=True,
                loss=shown.loss,
                on_epoch=on_epoch,
                reset_optimizer=False,
            )
            if pending:
                show(net.get_flat())
            reasons = {"on_epoch": "paused", "max_epochs": "epochs"}
            stopped = reasons.get(h.stopped_by, h.stopped_by)
            if h.stopped_by == "diverged":
                stopped = diverged(len(t.loss) - 1)
            t.stopped_by = stopped
        except LabError as exc:  # the state stays at the last epoch that was swapped in
            t.stopped_by = str(exc)
        except Exception as exc:
            t.stopped_by = f"error: {type(exc).__name__}: {exc}"
        finally:
            with self.lock:
                t.running = False
                self.version += 1
            if publish is not None:
                publish()


def diverged(epoch: int) -> str:
    """What the lab says when ``fit`` stopped a run as diverged after ``epoch``."""
    return (
        f"diverged: epoch {epoch + 1} made a number not finite (E, a z or an a, θ or a "
        f"gradient); the net stays at epoch {epoch}, the last whose numbers are all finite"
    )


def _plain(x):
    """Numbers as JSON numbers: Fractions and numpy scalars become floats."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str) or type(x) is float:
        return x
    if isinstance(x, int | np.integer) and abs(x) < 2**53:
        return int(x)
    return float(x)


def _check_finite(state: dict) -> None:
    """Refuse a state with an infinite or NaN number (JSON cannot carry it either)."""
    stack = [state]
    while stack:  # a quick look first: the path to a bad number is made only if there is one
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
        elif type(x) is float and not math.isfinite(x):
            break
    else:
        return

    def walk(x, where):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{where}[{k}]" if where else k)
        elif isinstance(x, list):
            for k, v in enumerate(x):
                walk(v, f"{where}[{k}]")
        elif type(x) is float and not math.isfinite(x):
            raise LabError(f"{where} would be {x} (the forward or backward pass overflows)")

    walk(state, "")
