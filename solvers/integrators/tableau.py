"""Butcher tableaux as frozen, validated data.

An explicit Runge-Kutta method with ``s`` stages advances ``y' = f(t, y)`` by

    k_i     = f(t + c_i h, y + h sum_{j<i} a_ij k_j),   i = 0 .. s-1
    y_{n+1} = y + h sum_i b_i k_i
    e_{n+1} = h sum_i w_i k_i                          (one vector w per embedded estimate)

A tableau whose last row of ``a`` equals ``b`` (with ``c = 1``) is *first same as last*: its
last stage is ``f(t + h, y_{n+1})`` and is reused as the first stage of the next step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_TOLERANCE = 1e-13


@dataclass(frozen=True)
class ButcherTableau:
    """Coefficients of an explicit Runge-Kutta method, checked at construction.

    ``a``: lower-triangular rows (row ``i`` has ``i`` entries); ``b``, ``c``: length ``s``;
    ``error_weights``: embedded error vectors of length ``s`` (each sums to zero), empty for
    fixed-step methods. ``order`` is that of ``b``; ``error_order`` that of the lowest-order
    embedded solution, which sets the step-size exponent ``-1 / (error_order + 1)``.
    """

    name: str
    order: int
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    c: tuple[float, ...]
    error_weights: tuple[tuple[float, ...], ...] = ()
    error_order: int | None = None
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
