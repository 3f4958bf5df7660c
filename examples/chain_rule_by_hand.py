"""The chain rule by hand, next to what ``backward()`` computes.

Run it with ``python examples/chain_rule_by_hand.py``. Two walks:

1. One neuron, E = ½(y − σ(w·x + b))². Written out, the chain rule is a product of local
   derivatives along the path E ← a ← z ← w:
       ∂E/∂w = ∂E/∂a · ∂a/∂z · ∂z/∂w = −(y − a) · a(1 − a) · x
   and ∂E/∂z, the middle of that product, is δ (BP-1).
2. The tutorial's 3-3-2 net: ∂E/∂w₁₁⁽²⁾ reaches E along two paths (through z₁⁽³⁾ and z₂⁽³⁾),
   and the chain rule adds them — that sum is BP-2. Then the same backward pass done node
   by node with a plain loop over ``reverse_topological_order``, ``local_grads`` and
   ``inputs``: exactly what ``Value.backward()`` does, bit for bit.
"""

from microbp import Value, squared_error
from microbp.data import tutorial_example
from microbp.engine import reverse_topological_order

# 1. One neuron --------------------------------------------------------------------------
x, y = 1.5, 1.0
w, b = Value(0.8, label="w"), Value(-0.3, label="b")
z = w * x + b
a = z.sigmoid()
E = (y - a) ** 2 / 2
E.backward()

dE_da = -(y - a.data)  # ∂E/∂a for E = ½(y − a)²
da_dz = a.data * (1 - a.data)  # σ′(z) = a(1 − a)
dz_dw = x  # z = w·x + b
by_hand = dE_da * da_dz * dz_dw
print("one neuron: E = ½(y − σ(wx + b))²")
print(f"  ∂E/∂a = {dE_da:.15f}, ∂a/∂z = {da_dz:.15f}, ∂z/∂w = {dz_dw}")
print(f"  δ = ∂E/∂z by hand {dE_da * da_dz:.17f}   z.grad {z.grad:.17f}")
print(f"  ∂E/∂w by hand     {by_hand:.17f}   w.grad {w.grad:.17f}")
assert abs(by_hand - w.grad) <= 1e-16 and abs(dE_da * da_dz - z.grad) <= 1e-16

# 2. Two paths in the tutorial's net ---------------------------------------------------------
ex = tutorial_example()
net = ex.net()
fw = net.forward(ex.x)
E = squared_error(ex.y, fw.output)
E.backward()

a2, a3, z3 = fw.a[2], fw.a[3], fw.z[3]
# δⱼ⁽³⁾ = −(yⱼ − aⱼ⁽³⁾) σ′(zⱼ⁽³⁾)                                            (BP-1)
delta3 = [-(ex.y[j] - a3[j].data) * a3[j].data * (1 - a3[j].data) for j in range(2)]
# ∂E/∂z₁⁽²⁾ = Σⱼ ∂E/∂zⱼ⁽³⁾ · ∂zⱼ⁽³⁾/∂a₁⁽²⁾ · ∂a₁⁽²⁾/∂z₁⁽²⁾ = Σⱼ δⱼ⁽³⁾ wⱼ₁⁽³⁾ σ′(z₁⁽²⁾)   (BP-2)
paths = [delta3[j] * net.w(3, j + 1, 1).data * a2[0].data * (1 - a2[0].data) for j in range(2)]
delta2_1 = paths[0] + paths[1]
grad_w11 = delta2_1 * ex.x[0]  # ∂E/∂w₁₁⁽²⁾ = δ₁⁽²⁾ x₁                               (BP-3)
print("\nthe tutorial's 3-3-2 net: w₁₁⁽²⁾ reaches E through z₁⁽³⁾ and through z₂⁽³⁾")
print(f"  path through z₁⁽³⁾:   {paths[0]:+.17f}")
print(f"  path through z₂⁽³⁾:   {paths[1]:+.17f}")
print(f"  their sum δ₁⁽²⁾       {delta2_1:+.17f}   z₁⁽²⁾.grad {fw.z[2][0].grad:+.17f}")
print(f"  ∂E/∂w₁₁⁽²⁾ = δ x₁    {grad_w11:+.17f}   w₁₁⁽²⁾.grad {net.w(2, 1, 1).grad:+.17f}")
assert abs(delta2_1 - fw.z[2][0].grad) <= 1e-17

# The whole backward pass as a plain loop: seed ∂E/∂E = 1, then in reverse topological
# order hand each node's gradient to its inputs, times the local derivative.
order = reverse_topological_order(E)
grads = {id(node): 0.0 for node in order}
grads[id(E)] = 1.0
for node in order:
    for child, local in zip(node.inputs, node.local_grads):
        grads[id(child)] += local * grads[id(node)]  # the chain rule, one edge at a time

same = all(grads[id(p)] == p.grad for p in net.parameters())
print(f"\nthe loop visited {len(order)} nodes; every parameter's gradient equals p.grad: {same}")
assert same
