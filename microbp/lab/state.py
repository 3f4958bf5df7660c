"""The lab's state: one net, one data set, the sample on show, and the training so far.

Everything the page shows is computed here, by the core, on every change:

* the graph road: ``net.forward(x)``, E = ½‖y − a⁽ᴸ⁾‖² (:func:`microbp.squared_error`),
  ``E.backward()``; δᵢ⁽ˡ⁾ is ``z.grad`` of the z-node, ∂E/∂w is ``w.grad``;
* the formula road: :func:`microbp.bp.index_form`, BP-1…BP-4 on plain numbers.

The page receives both and computes nothing. Every change is checked before it is applied,
and an edit whose forward pass overflows is rolled back, so a refused request leaves the state
as it was. Requests speak the seed's 1-based l, i, j; the JSON lists inside are 0-based, as in
:mod:`microbp.bp`, and every dictionary is keyed by the layer l written as a string.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np

from microbp import activations, bp, data, modelfile
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
from microbp.losses import squared_error
from microbp.nn import MLP
from microbp.train import fit

__all__ = ["LabState", "SATURATION", "TurnLock"]

#: A neuron is marked saturated when f′(z) ≤ SATURATION · max f′ (σ: f′ ≤ 0.0025, |z| ≳ 6;
#: tanh: |z| ≳ 3.8; relu: z ≤ 0, a dead unit): the gradient through it has all but vanished.
SATURATION = 0.01


# --------------------------------------------------------------------------------------------
# The lock


class TurnLock:
    """A re-entrant lock that the run loop hands to every waiting request between chunks.

    With a plain lock, the training thread releases it after a chunk and takes it back a few
    microseconds later, usually before a request woken by the release has run: a request (a
    state for the page, an edit to refuse) could then wait for the whole run. Here a request
    counts itself as waiting, and the run loop calls :meth:`give_way` between chunks, which
    returns once no request is waiting (or after ``patience`` seconds, so a stream of requests
    cannot stall training).
    """

    def __init__(self, patience: float = 0.5) -> None:
        self._lock = threading.RLock()
        self._queue = threading.Condition()
        self._waiting = 0
        self.patience = patience

    def __enter__(self) -> TurnLock:
        with self._queue:
            self._waiting += 1
        try:
            self._lock.acquire()
        finally:
            with self._queue:
                self._waiting -= 1
                self._queue.notify_all()
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()

    def give_way(self) -> None:
        """Wait, not holding the lock, until every request that waits for it has had it."""
        with self._queue:
            self._queue.wait_for(lambda: self._waiting == 0, self.patience)


# --------------------------------------------------------------------------------------------
# The state


class LabState:
    """The net, the data set (X, Y), the sample k on show, the training; all behind one lock.

    Build it with :meth:`create`. Each ``set_*`` method checks its arguments, applies the
    change, recomputes, and restores the old numbers if anything fails.
    """

    def __init__(self, net: MLP, X: np.ndarray, Y: np.ndarray, data_name: str) -> None:
        check_size(net.sizes)
        self.lock = TurnLock()
        self.version = 0
        self._install(net, X, Y, data_name)
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
        """The seed's 3-3-2 example by default; else ``MLP(sizes, activation, seed)`` or
        ``net``, on ``data_name`` (default: the seed's pair when the sizes fit it, else one
        random pair)."""
        if net is None and sizes is None:
            ex = data.tutorial_example()
            acts = check_activations(activation or ex.activation, 3)
            net = MLP.from_weights(ex.W, ex.b, activation=acts)
        elif net is None:
            sizes = check_sizes(list(sizes))
            acts = check_activations(activation or "sigmoid", len(sizes))
            net = MLP(sizes, activation=acts, seed=seed)
        check_size(net.sizes)
        if data_name is None:
            fits = net.sizes[0] == 3 and net.sizes[-1] == 2
            data_name = "seed" if fits else "random"
        X, Y = load_data(data_name, net.sizes, seed)
        return cls(net, X, Y, data_name)

    def _install(self, net: MLP, X, Y, data_name: str) -> None:
        self.net = net
        self.X, self.Y = X, Y
        self.data_name = data_name
        self.sample = 0
        self.training = Training()
        self.version += 1

    # ---------------------------------------------------------------------------------------
    # What the page shows

    def snapshot(self) -> dict:
        """The state as JSON-ready data (the body of ``GET /api/state``)."""
        with self.lock:
            return self._compute()

    def _compute(self) -> dict:
        net, L = self.net, self.net.L
        x, y = self.X[self.sample].tolist(), self.Y[self.sample].tolist()
        fw = net.forward(x)  # the graph road
        E = squared_error(y, fw.output)
        net.zero_grad()
        E.backward()
        formulas = bp.index_form(net, x, y)  # the formula road, BP-1…BP-4
        layers = range(2, L + 1)
        fprime = {
            l: [
                net.layers[l].activation.df(z.data, a.data)
                for z, a in zip(fw.z[l], fw.a[l], strict=True)
            ]
            for l in layers
        }
        most = {l: net.layers[l].activation.max_derivative for l in layers}
        state = {
            "sizes": list(net.sizes),
            "activation": net.activations,
            "data": self.data_name,
            "N": int(self.X.shape[0]),
            "sample": self.sample + 1,
            "x": x,
            "y": y,
            "E": E.data,
            "W": {str(l): [[w.data for w in row] for row in net.W(l)] for l in layers},
            "b": {str(l): [b.data for b in net.b(l)] for l in layers},
            "z": {str(l): [z.data for z in fw.z[l]] for l in layers},
            "a": {str(l): [a.data for a in fw.a[l]] for l in range(1, L + 1)},
            "fprime": {str(l): fprime[l] for l in layers},
            "saturated": {
                str(l): [abs(d) <= SATURATION * most[l] for d in fprime[l]] for l in layers
            },
            "delta": {str(l): fw.delta(l) for l in layers},
            "dW": {str(l): [[w.grad for w in row] for row in net.W(l)] for l in layers},
            "db": {str(l): [b.grad for b in net.b(l)] for l in layers},
            "delta_formulas": {str(l): formulas.delta[l] for l in layers},
            "dW_formulas": {str(l): formulas.dW[l] for l in layers},
            "db_formulas": {str(l): formulas.db[l] for l in layers},
            "E_formulas": formulas.E,
            "train": self.training.to_json(),
            "version": self.version,
        }
        return _plain(state)

    def why(self, l, i, j=None) -> dict:
        """The numbers of BP-1 / BP-2 (and BP-4) for neuron i of layer l, or of BP-3 for the
        weight wᵢⱼ⁽ˡ⁾, each next to what the graph computed (``GET /api/why``)."""
        with self.lock:
            L = self.net.L
            l = integer(l, "l", 2, L)
            i = integer(i, "i", 1, self.net.sizes[l - 1])
            if j is not None:
                j = integer(j, "j", 1, self.net.sizes[l - 2])
            s = self._compute()
        k = str(l)
        d_graph, d_formula = s["delta"][k][i - 1], s["delta_formulas"][k][i - 1]
        out = {
            "l": l,
            "i": i,
            "L": L,
            "z": s["z"][k][i - 1],
            "a": s["a"][k][i - 1],
            "fprime": s["fprime"][k][i - 1],
            "activation": s["activation"][l - 2],
            "derivative_formula": activations.get(s["activation"][l - 2]).derivative_formula,
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
            out.update(rule="BP-1", y=y, error=y - out["a"])
        else:
            # The terms of BP-2's sum, written out for the page (which multiplies nothing).
            nxt = str(l + 1)
            terms = [
                {"j": jj, "delta": d, "w": s["W"][nxt][jj - 1][i - 1]}
                for jj, d in enumerate(s["delta_formulas"][nxt], start=1)
            ]
            for t in terms:
                t["product"] = t["delta"] * t["w"]
            out.update(rule="BP-2", terms=terms, sum=sum(t["product"] for t in terms))
        if j is None:
            out.update(b=s["b"][k][i - 1], db_graph=s["db"][k][i - 1])
        return out

    # ---------------------------------------------------------------------------------------
    # Edits (POST /api/set)

    SET_KEYS = ("w", "b", "x", "y", "activation", "sample")

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
            net = self.net
            if key in ("w", "b"):
                where = body[key]
                n = 3 if key == "w" else 2
                if not isinstance(where, list) or len(where) != n:
                    form = "[l, i, j]" if key == "w" else "[l, i]"
                    raise LabError(f"{key} must be {form} (1-based), got {show(where)}")
                l = integer(where[0], "l", 2, net.L)
                i = integer(where[1], "i", 1, net.sizes[l - 1])
                if key == "w":
                    j = integer(where[2], "j", 1, net.sizes[l - 2])
                    param = net.w(l, i, j)
                else:
                    param = net.bias(l, i)
                if "value" not in body:
                    raise LabError(f'an edit of {key} needs a "value"')
                value = number(body["value"], "value")
                old = param.data
                self._try(
                    lambda: setattr(param, "data", value), lambda: setattr(param, "data", old)
                )
            elif key in ("x", "y"):
                M = self.X if key == "x" else self.Y
                n = net.sizes[0] if key == "x" else net.sizes[-1]
                what = "x (n₁ inputs)" if key == "x" else "y (n_L targets)"
                row = numbers(body[key], n, what)
                old = M[self.sample].copy()

                def put(values):
                    M[self.sample] = values

                self._try(lambda: put(row), lambda: put(old))
            elif key == "activation":
                names = check_activations(body[key], net.L)
                old = net.activations

                def use(names):
                    for l, name in enumerate(names, start=2):
                        act = activations.get(name)
                        net.layers[l].activation = act
                        for neuron in net.layers[l].neurons:
                            neuron.activation = act

                self._try(lambda: use(names), lambda: use(old))
            else:
                self.sample = integer(body[key], "sample", 1, self.X.shape[0]) - 1
                self.version += 1
                return self._compute()
            return self._compute()

    def _try(self, change: Callable[[], None], undo: Callable[[], None]) -> None:
        """Apply ``change`` and check that the forward pass stays finite; else undo it."""
        change()
        try:
            _check_finite(self._compute())
        except (LabError, OverflowError, ValueError, ZeroDivisionError) as exc:
            undo()
            msg = str(exc) if isinstance(exc, LabError) else f"{type(exc).__name__}: {exc}"
            raise LabError(f"the edit was refused, the state is unchanged: {msg}") from None
        self.training = Training()  # E_t of another net or data: a new curve
        self.version += 1

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
        name = body.get("data", "seed")
        if not isinstance(name, str) or name not in DATA_SETS:
            raise LabError(f"unknown data set {show(name)}; expected one of {', '.join(DATA_SETS)}")
        seed = integer(body.get("seed", 0), "seed", 0, 2**31 - 1)
        if "sizes" in body:
            sizes = check_sizes(body["sizes"])
        elif name == "random":
            raise LabError('the data set "random" needs "sizes"')
        else:
            sizes = default_sizes(name)
            check_size(sizes)
        acts = check_activations(body.get("activation", "sigmoid"), len(sizes))
        with self.lock:
            self._idle()
            if name == "seed" and "sizes" not in body and "seed" not in body:
                fresh = LabState.create(activation=acts)  # the seed's own numbers
            else:
                fresh = LabState.create(sizes, acts, seed, name)
            self._replace(fresh.net, fresh.X, fresh.Y, name)
            return self._compute()

    def upload(self, text: str) -> dict:
        """``POST /api/model``: a model file's text, read by :func:`microbp.modelfile.from_json`,
        the loader of ``MLP.load``; it must fit the data set on show."""
        try:
            net = modelfile.from_json(text, MLP)
        except (ValueError, TypeError) as exc:
            raise LabError(f"not loaded, the state is unchanged: {exc}") from None
        check_size(net.sizes)
        with self.lock:
            self._idle()
            if net.sizes[0] != self.X.shape[1] or net.sizes[-1] != self.Y.shape[1]:
                raise LabError(
                    f"not loaded, the state is unchanged: the model {net.sizes} has "
                    f"n₁ = {net.sizes[0]} and n_L = {net.sizes[-1]}, but the data set "
                    f"{self.data_name} has {self.X.shape[1]} inputs and {self.Y.shape[1]} outputs"
                )
            old = self.net
            self.net = net
            try:
                _check_finite(self._compute())
            except (LabError, OverflowError) as exc:
                self.net = old
                raise LabError(f"not loaded, the state is unchanged: {exc}") from None
            self._replace(net, self.X, self.Y, self.data_name)
            return self._compute()

    def download(self) -> str:
        """The model file's text (:func:`microbp.modelfile.to_json`, as ``net.save`` writes)."""
        with self.lock:
            return modelfile.to_json(self.net)

    def _replace(self, net: MLP, X, Y, data_name: str) -> None:
        self._install(net, X, Y, data_name)
        self._initial = (modelfile.to_json(net), X.copy(), Y.copy(), data_name)

    def reset(self) -> dict:
        """``POST /api/reset``: the net and data the lab started with (or last loaded)."""
        with self.lock:
            self._idle()
            text, X, Y, name = self._initial
            self._install(modelfile.from_json(text, MLP), X.copy(), Y.copy(), name)
            return self._compute()

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
        """Ask a run to stop after its current chunk of epochs."""
        event = getattr(self, "stop_requested", None)
        if event is not None:
            event.set()

    def run(self, epochs: int, publish: Callable[[], None] | None = None) -> None:
        """Train for up to ``epochs`` epochs with :func:`microbp.fit`, in chunks.

        Each chunk is one call of ``fit`` (so its stopping rule and divergence check apply);
        chunks grow while they take under 30 ms and shrink past 120 ms, so Pause answers
        quickly and ``publish`` (called after each chunk, outside of the lock) sees the net
        move; between chunks, requests waiting for the lock go first
        (:meth:`TurnLock.give_way`). Call :meth:`start` first.
        """
        t = self.training
        done, chunk, last = 0, 1, 0.0
        try:
            while done < epochs:
                if self.stop_requested.is_set():
                    t.stopped_by = "paused"
                    break
                self.lock.give_way()  # requests that waited during the last chunk go first
                began = time.perf_counter()
                with self.lock:
                    k = min(chunk, epochs - done)
                    h = fit(
                        self.net,
                        self.X,
                        self.Y,
                        t.optimizer,
                        max_epochs=k,
                        tol=t.settings.tol,
                        target=t.settings.target,
                        quiet=True,
                    )
                    t.loss.extend(h.loss if not t.loss else h.loss[1:])
                    self.version += 1
                done += h.epochs
                took = time.perf_counter() - began
                chunk = chunk * 2 if took < 0.03 else max(1, chunk // 2) if took > 0.12 else chunk
                if h.stopped_by != "max_epochs":
                    t.stopped_by = h.stopped_by
                    break
                if publish is not None and time.perf_counter() - last > 0.04:
                    last = time.perf_counter()
                    publish()
            else:
                t.stopped_by = "epochs"
        except (ValueError, OverflowError, ArithmeticError) as exc:
            t.stopped_by = f"error: {exc}"
        finally:
            with self.lock:
                t.running = False
                self.version += 1
            if publish is not None:
                publish()


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

    def walk(x, where):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{where}[{k}]" if where else k)
        elif isinstance(x, list):
            for k, v in enumerate(x):
                walk(v, f"{where}[{k}]")
        elif type(x) is float and not math.isfinite(x):
            raise LabError(f"{where} would be {x} (the forward or backward pass overflows)")

    walk({k: state[k] for k in ("E", "z", "a", "delta", "dW", "delta_formulas")}, "")
