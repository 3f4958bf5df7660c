"""The tour notebook examples/tour.ipynb runs from top to bottom and is committed without outputs.

The notebook is executed headlessly with nbclient in a Jupyter kernel of the interpreter that
runs the tests (the ``python3`` kernel of ipykernel, which jupyter_client starts with
``sys.executable``), from the examples folder where a student opens it, with this checkout's
microbp first on the path. A cell that raises fails the test and names the cell.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the dev extra installs nbformat")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "tour.ipynb"
TIMEOUT_SECONDS = 120  # per cell; the whole notebook takes about five seconds


def read_notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_the_committed_notebook_is_valid_and_has_no_outputs():
    nb = read_notebook()
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code cells"
    with_outputs = [k for k, c in enumerate(nb.cells) if c.get("outputs")]
    counted = [k for k, c in enumerate(nb.cells) if c.get("execution_count") is not None]
    assert not with_outputs and not counted, (
        f"cells {with_outputs or counted} of examples/tour.ipynb hold outputs or execution "
        "counts: strip them before committing (e.g. jupyter nbconvert --clear-output --inplace)"
    )
    assert nb.metadata.kernelspec.name == "python3"


def _outputs(cell) -> tuple[str, set[str]]:
    """The text a code cell printed and the MIME types it displayed."""
    text, kinds = "", set()
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            text += out.text
        kinds.update(out.get("data", {}))
    return text, kinds


@pytest.mark.slow
def test_the_tour_notebook_runs_headlessly_with_graphs_stepper_and_plot(monkeypatch):
    nbclient = pytest.importorskip("nbclient", reason="the dev extra installs nbclient")
    pytest.importorskip("ipykernel", reason="the dev extra installs ipykernel")
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot is missing (apt-get install graphviz): no inline graphs")
    nb = read_notebook()
    probe = "import sys, microbp\nprint(sys.executable)\nprint(microbp.__file__)"
    nb.cells.append(nbformat.v4.new_code_cell(probe))  # the kernel's interpreter and microbp
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    monkeypatch.setenv("PYTHONPATH", path)
    client = nbclient.NotebookClient(
        nb,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"examples/tour.ipynb: a cell raised\n{exc}", pytrace=False)

    executable, module = _outputs(nb.cells[-1])[0].splitlines()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(module).resolve() == (ROOT / "microbp" / "__init__.py").resolve()

    outputs = [_outputs(c) for c in nb.cells[:-1] if c.cell_type == "code"]
    text = "".join(t for t, _ in outputs)
    kinds = [k for _, k in outputs]
    assert sum("image/svg+xml" in k for k in kinds) >= 4, "graphs are shown inline as SVG"
    assert "backward pass from y: 3 steps" in text  # the trace table
    assert "upstream = δ₁⁽²⁾ = -0.002132" in text  # a z-node's step carries its δ
    # a trace taken after E.backward() shows that pass's numbers, not a second one added in
    assert "the trace's gradients are the ones E.backward() gave: True" in text
    assert any("text/html" in k for k in kinds), "the HTML stepper is displayed"
    assert "stopped by target" in text and "image/png" in kinds[-1], "training and its plot"
