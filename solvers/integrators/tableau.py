"""Butcher tableaux as frozen, validated data.

An explicit Runge-Kutta method with ``s`` stages advances ``y' = f(t, y)`` by

    k_i     = f(t + c_i h, y + h sum_{j<i} a_ij k_j),   i = 0 .. s-1
    y_{n+1} = y + h sum_i b_i k_i
    e_{n+1} = h sum_i w_i k_i                          (one vector w per embedded estimate)

A tableau whose last row of ``a`` equals ``b`` (with ``c = 1``) is *first same as last*: its
last stage is ``f(t + h, y_{n+1})`` and is reused as the first stage of the next step.

A continuous extension (dense output) adds stages ``k_s = f(t + c_s h, y + h sum_j a_sj k_j)`` over
all earlier stages and gives ``y(t + theta h) = y + h sum_j w_j(theta) k_j`` with polynomial weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_TOLERANCE = 1e-13


@dataclass(frozen=True)
class ContinuousExtension:
    """Dense output of an ``s``-stage tableau: ``extra`` more stages and the interpolation weights.

    ``c``, ``a``: nodes and rows of the extra stages (row ``e`` has ``s + e`` entries); ``polynomial``:
    ``(s + extra, degree)`` with ``w_j(theta) = sum_r polynomial[j][r] theta^(r + 1)``; ``order``:
    the interpolant's order. Checked against the tableau: ``w(1) = b`` (it ends on ``y_{n+1}``).
    """

    order: int
    polynomial: tuple[tuple[float, ...], ...]
    c: tuple[float, ...] = ()
    a: tuple[tuple[float, ...], ...] = ()

    @property
    def stages(self) -> int:
        return len(self.c)

    def check(self, name: str, b: tuple[float, ...]) -> None:
        s = len(b)
        if len(self.a) != len(self.c) or any(len(row) != s + e for e, row in enumerate(self.a)):
            raise ValueError(f"{name}: extra dense-output stage e must have {s} + e coefficients")
        for e, row in enumerate(self.a):
            if abs(sum(row) - self.c[e]) > _TOLERANCE:
                raise ValueError(f"{name}: extra stage {e} sums to {sum(row)!r}, not c = {self.c[e]!r}")
        if len(self.polynomial) != s + self.stages:
            raise ValueError(f"{name}: dense-output polynomial needs {s + self.stages} rows")
        ends = np.asarray(self.polynomial).sum(axis=1)
        if np.abs(ends - np.concatenate([b, np.zeros(self.stages)])).max() > 1e-12:
            raise ValueError(f"{name}: dense output at theta = 1 does not reproduce the weights b")


@dataclass(frozen=True)
class ButcherTableau:
    """Coefficients of an explicit Runge-Kutta method, checked at construction.

    ``a``: lower-triangular rows (row ``i`` has ``i`` entries); ``b``, ``c``: length ``s``;
    ``error_weights``: embedded error vectors of length ``s`` (each sums to zero), empty for
    fixed-step methods. ``order`` is that of ``b``; ``error_order`` that of the lowest-order
    embedded solution, which sets the step-size exponent ``-1 / (error_order + 1)``; ``dense``: an
    optional :class:`ContinuousExtension`.
    """

    name: str
    order: int
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    c: tuple[float, ...]
    error_weights: tuple[tuple[float, ...], ...] = ()
    error_order: int | None = None
    dense: ContinuousExtension | None = None
    first_same_as_last: bool = field(init=False)

    def __post_init__(self) -> None:
        s = len(self.b)
        if len(self.c) != s or len(self.a) != s:
            raise ValueError(f"{self.name}: a, b, c must all have {s} stages")
        for i, row in enumerate(self.a):
            if len(row) != i:
                raise ValueError(f"{self.name}: row {i} of a must have {i} entries, has {len(row)}")
            if abs(sum(row) - self.c[i]) > _TOLERANCE:
                raise ValueError(f"{self.name}: row {i} of a sums to {sum(row)!r}, not c[{i}] = {self.c[i]!r}")
        if abs(sum(self.b) - 1.0) > _TOLERANCE:
            raise ValueError(f"{self.name}: weights b sum to {sum(self.b)!r}, not 1")
        for w in self.error_weights:
            if len(w) != s:
                raise ValueError(f"{self.name}: error weights must have {s} entries")
            if abs(sum(w)) > _TOLERANCE:
                raise ValueError(f"{self.name}: error weights sum to {sum(w)!r}, not 0")
        if self.error_weights and self.error_order is None:
            raise ValueError(f"{self.name}: an embedded method needs error_order")
        if self.order < 1:
            raise ValueError(f"{self.name}: order must be >= 1, got {self.order}")
        if self.dense is not None:
            self.dense.check(self.name, self.b)
        fsal = s > 1 and self.c[-1] == 1.0 and self.b[-1] == 0.0 and self.a[-1] == self.b[:-1]
        object.__setattr__(self, "first_same_as_last", fsal)

    @property
    def stages(self) -> int:
        return len(self.b)

    @property
    def adaptive(self) -> bool:
        return bool(self.error_weights)

    def matrix(self) -> np.ndarray:
        """The full ``(s, s)`` matrix ``a``, zeros on and above the diagonal."""
        out = np.zeros((self.stages, self.stages))
        for i, row in enumerate(self.a):
            out[i, :i] = row
        return out
