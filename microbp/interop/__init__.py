"""The road out of the scalar graph: the same net in PyTorch and in ONNX.

* :mod:`microbp.interop.pytorch`: :func:`to_torch` / :func:`from_torch` (a
  ``torch.nn.Sequential`` in float64, the same numbers bit for bit), :func:`torch_loss`,
  and PyTorch autograd's gradient as a method of :func:`microbp.gradcheck`
  (:func:`torch_method`); ``pip install 'microbp[torch]'``.
* :mod:`microbp.interop.onnx_model`: :func:`to_onnx`, the net as an ONNX graph in float64,
  built with the ``onnx`` package alone (no PyTorch); ``pip install 'microbp[onnx]'``
  (with onnxruntime, which runs it).

Importing this package imports neither PyTorch nor onnx: each function imports what it
needs when called, and says which extra to install when it is missing.
"""

from microbp import deprecation
from microbp.interop.onnx_model import to_onnx
from microbp.interop.pytorch import (
    from_torch,
    state_dict_bytes,
    to_torch,
    torch_gradient,
    torch_loss,
    torch_method,
)

__all__ = [
    "to_torch",
    "from_torch",
    "torch_loss",
    "torch_gradient",
    "torch_method",
    "state_dict_bytes",
    "to_onnx",
]

# torch_road, the old name of torch_method (deprecated, removed in the next release;
# CHANGELOG.md): only a use of the old name warns.
__getattr__ = deprecation.renamed(__name__, globals(), {"torch_road": "torch_method"})
