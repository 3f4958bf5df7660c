"""The tutorial's three-layer perceptron (Figure 1, sizes 3-3-2, f = σ), worked through.

Run it with ``python examples/tutorial_example.py``. It builds the net of
:func:`microbp.data.tutorial_example`, runs the forward pass, computes E = ½‖y − a⁽³⁾‖², and
gets every δᵢ⁽ˡ⁾ = ∂E/∂zᵢ⁽ˡ⁾ three ways:

1. autodiff: the gradient of the z-node after ``E.backward()``;
2. the index form of BP-1 and BP-2, loops over i and j (:func:`microbp.bp.index_form`);
3. the matrix form, numpy (:func:`microbp.bp.backprop`).

Then it checks BP-3 and BP-4 against the gradients of the weight and bias nodes.
"""

from microbp import bp, names, squared_error
from microbp.data import tutorial_example

ex = tutorial_example()
net = ex.net()
print(f"sizes {net.sizes}, activation {net.activations}, x = {list(ex.x)}, y = {list(ex.y)}")

# Forward pass: z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = f(z⁽ˡ⁾), keeping every node.
fw = net.forward(ex.x)
for l in range(2, net.L + 1):
    print(f"{names.z(l)} = {[round(z.data, 6) for z in fw.z[l]]}")  # z⁽ˡ⁾, shown in Unicode
    print(f"{names.a(l)} = {[round(a.data, 6) for a in fw.a[l]]}")

# The cost of this one sample, E = ½‖y − a⁽ᴸ⁾‖², and the backward pass.
E = squared_error(ex.y, fw.output)
E.backward()
print(f"E = {E.data:.12f}")

index = bp.index_form(net, ex.x, ex.y)  # BP-1 … BP-4, loops, one sample
matrix = bp.backprop(net, ex.X, ex.Y)  # BP-1 … BP-4, numpy, a batch of N = 1

print(f"\n{'':8} {'z.grad (autodiff)':>22} {'BP index form':>22} {'BP matrix form':>22}")
for l in range(net.L, 1, -1):
    for i in range(1, net.sizes[l - 1] + 1):
        autodiff = fw.z[l][i - 1].grad
        by_index = index.delta[l][i - 1]
        by_matrix = matrix.delta[l][0, i - 1]
        print(f"{names.delta(l, i):<7}  {autodiff:22.17f} {by_index:22.17f} {by_matrix:22.17f}")
        assert abs(autodiff - by_index) <= 1e-15 and abs(autodiff - by_matrix) <= 1e-15

# BP-3 and BP-4: the gradient of each parameter node is δᵢ⁽ˡ⁾aⱼ⁽ˡ⁻¹⁾ or δᵢ⁽ˡ⁾.
worst = 0.0
for l in range(2, net.L + 1):
    for i in range(1, net.sizes[l - 1] + 1):
        delta_i = fw.z[l][i - 1].grad
        for j in range(1, net.sizes[l - 2] + 1):
            a_j = fw.a[l - 1][j - 1].data
            worst = max(worst, abs(net.w(l, i, j).grad - delta_i * a_j))  # BP-3
        worst = max(worst, abs(net.bias(l, i).grad - delta_i))  # BP-4
print(f"\nlargest |w.grad − δᵢ aⱼ| and |b.grad − δᵢ| over all {len(net.parameters())} parameters:")
print(f"{worst:.3g}")
assert worst <= 1e-15
