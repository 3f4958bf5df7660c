"""``microbp lab``: a local web page over the real engine (shell).

Change an input, a target, a weight, a bias or an activation and every z, a and δ is
recomputed in Python — δ by the graph (``z.grad``) and by BP-1…BP-4
(:func:`microbp.bp.index_form`) side by side — then shown; train with GD, SGD or Rprop and
watch E fall. The page only displays what the core computed. See docs/lab.md.

* :mod:`microbp.lab.state` — the net, the data and the training; a change is computed whole,
  then swapped in;
* :mod:`microbp.lab.inputs` — the checks of what a request asks for, and the limits;
* :mod:`microbp.lab.training` — training settings, the loss history, the optimizer;
* :mod:`microbp.lab.server` — the Starlette routes, the token and Host rules, uvicorn;
* :mod:`microbp.lab.stepper` — the backward stepper's data from :func:`microbp.trace_backward`;
* ``static/`` — lab.html, lab.css, lab.js (plain JavaScript and SVG, nothing from a CDN).
"""

from microbp.lab.inputs import LabError
from microbp.lab.server import create_app, serve
from microbp.lab.state import LabState

__all__ = ["LabState", "LabError", "create_app", "serve"]
