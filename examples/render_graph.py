"""Render the computation graph and the network diagram of the tutorial's 3-3-2 example to files.

Run it with ``python examples/render_graph.py [FOLDER]``: it writes into FOLDER (default:
``microbp-pictures`` in the current folder, as ``microbp demo`` writes ``microbp-demo``; no
temporary folder is left behind) and prints the paths of

* ``graph.svg``   — the computation graph of E = ½‖y − a⁽³⁾‖² after ``E.backward()``, laid
  out by layer in the tutorial's order: every Value a box *name, data, grad*, the z-nodes
  named zᵢ⁽ˡ⁾ and showing δᵢ⁽ˡ⁾, the nodes between named by what they compute (w₁₁⁽²⁾·x₁, Σ);
* ``network.svg`` — the tutorial's Figure 1: neurons in columns, edges wᵢⱼ⁽ˡ⁾ with ∂E/∂w (BP-3);
* ``delta-flow.svg`` — the tutorial's Figure 2: δ⁽³⁾ flowing back into δ₁⁽²⁾ (BP-2);
* ``graph.dot``   — the DOT source of the graph (needs no graphviz executable).

Rendering SVG needs graphviz's ``dot`` (``apt-get install graphviz``); without it only the
``.dot`` file is written and the script says why. See docs/drawing.md.
"""

import shutil
import sys
from pathlib import Path

from microbp import draw_graph, draw_network, squared_error
from microbp.data import tutorial_example
from microbp.viz.draw import save

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "microbp-pictures")
folder.mkdir(parents=True, exist_ok=True)

ex = tutorial_example()
net = ex.net()
fw = net.forward(ex.x)  # keeps every z⁽ˡ⁾ and a⁽ˡ⁾, so the diagrams can name them
E = squared_error(ex.y, fw.output)
E.label = "E"
E.backward()  # now z.grad is δ and w.grad is ∂E/∂w

graph = draw_graph(E, forward=fw)
pictures = {
    "graph": graph,
    "network": draw_network(net, forward=fw, edge_labels="both"),
    "delta-flow": draw_network(net, forward=fw, delta_flow=(2, 1)),
}

written = [save(graph, folder / "graph.dot")]
if shutil.which("dot") is None:
    print("graphviz's dot is not installed: only the DOT source is written")
else:
    written += [save(g, folder / f"{name}.svg") for name, g in pictures.items()]

for path in written:
    print(path)
    assert Path(path).stat().st_size > 0
values, ops = graph.source.count("shape=box"), graph.source.count("shape=ellipse")
print(f"the graph of E: {values} Values, {ops} operations; open the .svg files in a browser")
