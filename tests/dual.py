"""Forward-mode dual numbers: an independent road to derivatives for the engine's tests.

``Dual(a, b)`` carries a value a and a derivative b with respect to one chosen input. Its
rules are written from calculus here, not taken from microbp (it imports nothing of it), so
comparing ``Value.backward()`` with it checks the engine against a second implementation.
With ``Fraction`` numbers and rational operations, everything is exact.
"""

from __future__ import annotations

import math
from fractions import Fraction


def _q(x, y):
    """x / y, exact for ints and Fractions."""
    if isinstance(x, int) and isinstance(y, int):
        return Fraction(x, y)
    return x / y


class Dual:
    __slots__ = ("a", "b")

    def __init__(self, a, b=0):
        self.a = a
        self.b = b

    @staticmethod
    def _lift(x):
        return x if isinstance(x, Dual) else Dual(x, 0)

    def __add__(self, o):
        o = self._lift(o)
        return Dual(self.a + o.a, self.b + o.b)

    __radd__ = __add__

    def __sub__(self, o):
        o = self._lift(o)
        return Dual(self.a - o.a, self.b - o.b)

    def __rsub__(self, o):
        return self._lift(o) - self

    def __mul__(self, o):
        o = self._lift(o)
        return Dual(self.a * o.a, self.a * o.b + self.b * o.a)

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = self._lift(o)
        return Dual(_q(self.a, o.a), _q(self.b * o.a - self.a * o.b, o.a * o.a))

    def __rtruediv__(self, o):
        return self._lift(o) / self

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __pow__(self, o):
        if isinstance(o, Dual):
            value = self.a**o.a
            return Dual(value, value * (o.b * math.log(self.a) + o.a * self.b / self.a))
        if isinstance(o, int) and o < 0:
            return 1 / self ** (-o)
        if isinstance(o, int):
            value = 1
            for _ in range(o):
                value = value * self.a
            deriv = 0 if o == 0 else o * self.a ** (o - 1) * self.b
            return Dual(value, deriv)
        return Dual(self.a**o, o * self.a ** (o - 1) * self.b)

    def __rpow__(self, c):
        value = c**self.a
        return Dual(value, value * math.log(c) * self.b)

    def exp(self):
        e = math.exp(self.a)
        return Dual(e, e * self.b)

    def log(self):
        return Dual(math.log(self.a), self.b / self.a)

    def tanh(self):
        t = math.tanh(self.a)
        return Dual(t, (1 - t * t) * self.b)

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.a))
        return Dual(s, s * (1 - s) * self.b)

    def softplus(self):
        # d/dx ln(1 + eˣ) = eˣ / (1 + eˣ)
        e = math.exp(self.a)
        return Dual(math.log1p(e), e / (1 + e) * self.b)

    def relu(self):
        return Dual(self.a, self.b) if self.a > 0 else Dual(self.a * 0, self.b * 0)
