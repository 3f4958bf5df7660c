"""``microbp export``: a saved model as ONNX and/or as a PyTorch state_dict.

    microbp export model.json --onnx model.onnx [--torch model.pt]

``--onnx``: the net as an ONNX graph in float64 (:func:`microbp.interop.to_onnx`), input
``x`` (N, n₁), output ``a`` (N, n_L); needs ``pip install 'microbp[onnx]'``. ``--torch``: the
``state_dict`` of :func:`microbp.interop.to_torch` (keys ``z2.weight``, ``z2.bias``, …: W⁽ˡ⁾
and b⁽ˡ⁾), written with ``torch.save``; needs ``pip install 'microbp[torch]'``.

Everything is checked, and every file's bytes made, before the first file is written: a model
file that is not valid, a missing library or a path that cannot be written → exit status 2
and nothing written. Each file is written whole or not at all (:mod:`microbp.files`).
"""

from __future__ import annotations

import sys

from microbp.cli.errors import write_output
from microbp.files import check_writable
from microbp.interop.onnx_model import OPSET, require_onnx, to_onnx
from microbp.interop.pytorch import require_torch, state_dict_bytes, to_torch
from microbp.nn import MLP

# No __all__: command-line plumbing; docs/road-out.md documents the command.


def add_command(sub) -> None:
    """Add ``export`` to the ``microbp`` subcommands."""
    c = sub.add_parser(
        "export",
        help="a saved model (microbp train --save) as ONNX and/or a PyTorch state_dict",
        description="Write a saved net (net.save or microbp train --save) as an ONNX model in "
        "float64 (run it with onnxruntime) and/or as PyTorch's state_dict of to_torch(net). "
        "Nothing is written unless everything can be.",
    )
    c.add_argument("model", help="the model file, JSON, as written by net.save or --save")
    c.add_argument(
        "--onnx",
        metavar="FILE.onnx",
        help="write the net as an ONNX model (float64); default: not written",
    )
    c.add_argument(
        "--torch",
        metavar="FILE.pt",
        help="write to_torch(net).state_dict() with torch.save; default: not written",
    )
    c.set_defaults(func=run)


def run(args, out=None) -> int:
    """Export the model file to the formats asked for; exit status 0, or 2 before any write."""
    out = out or sys.stdout
    if args.onnx is None and args.torch is None:
        raise ValueError("say what to write: --onnx FILE.onnx and/or --torch FILE.pt")
    if args.torch is not None:
        _library(require_torch, "--torch")
    if args.onnx is not None:
        _library(require_onnx, "--onnx")
    for path, what in ((args.onnx, "the ONNX model"), (args.torch, "the state_dict")):
        if path is not None:
            check_writable(path, what)
            if path == "-":
                raise ValueError(f"{what} is binary: give a file name, not '-'")
    try:
        net = MLP.load(args.model)
    except OSError as exc:
        raise ValueError(f"cannot read the model file {args.model!r}: {exc.strerror}") from None

    files = []  # (path, bytes, what was written): all made before the first write
    if args.onnx is not None:
        files.append(
            (
                args.onnx,
                to_onnx(net).SerializeToString(),
                f"ONNX, opset {OPSET}, float64: input x (N, {net.sizes[0]}) → output a "
                f"(N, {net.sizes[-1]})",
            )
        )
    if args.torch is not None:
        note = "PyTorch state_dict, float64, of\n" + _indent(repr(to_torch(net)))
        if net.activations[-1] == "softmax":
            note += "\n  (a softmax output layer: the Sequential gives the logits z⁽ᴸ⁾)"
        files.append((args.torch, state_dict_bytes(net), note))
    for path, data, note in files:
        write_output(path, data, out)
        print(f"microbp export: wrote {path} ({note})", file=out)
    return 0


def _library(require, flag: str):
    """The library ``flag`` needs; missing → bad usage (exit status 2) naming the extra."""
    try:
        return require()
    except ImportError as exc:
        raise ValueError(f"{flag}: {exc}") from None


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
