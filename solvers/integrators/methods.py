"""The registered Runge-Kutta tableaux, by name.

References: RK4 (Kutta 1901); Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 19-26;
DOP853: Hairer, Norsett & Wanner, Solving ODEs I (1993), Section II.10. Dense output: see
:mod:`._dense_output_coefficients`.
"""

from __future__ import annotations

import numpy as np

from . import _dense_output_coefficients as _dense
from . import _dop853_coefficients as _d853
from .tableau import ButcherTableau, ContinuousExtension

RK4 = ButcherTableau(
    name="rk4",
    order=4,
    a=((), (1 / 2,), (0.0, 1 / 2), (0.0, 0.0, 1.0)),
    b=(1 / 6, 1 / 3, 1 / 3, 1 / 6),
    c=(0.0, 1 / 2, 1 / 2, 1.0),
)

_DOPRI5_B = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
_DOPRI5_B4 = (5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)

DOPRI5 = ButcherTableau(
    name="dopri5",
    order=5,
    a=(
        (),
        (1 / 5,),
        (3 / 40, 9 / 40),
        (44 / 45, -56 / 15, 32 / 9),
        (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
        (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
        _DOPRI5_B[:-1],
    ),
    b=_DOPRI5_B,
    c=(0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0),
    error_weights=(tuple(b5 - b4 for b5, b4 in zip(_DOPRI5_B, _DOPRI5_B4)),),
    error_order=4,
    dense=ContinuousExtension(order=4, polynomial=_dense.DOPRI5_P),
)



def _dop853_interpolant() -> ContinuousExtension:
    """DOP853's seventh-order interpolant in monomials of theta over its 16 stages.

    ``y0 + sum_r phi_r(theta) F_r`` with ``phi = theta^(1,1,2,2,3,3,4) (1-theta)^(0,1,1,2,2,3,3)`` and
    ``F_0 = sum b k``, ``F_1 = k_1 - F_0``, ``F_2 = 2 F_0 - k_1 - k_13``, ``F_3..6 = D k`` (each times h).
    """
    stages = len(_d853.B) + len(_dense.DOP853_EXTRA_C)
    b = np.concatenate([_d853.B, np.zeros(len(_dense.DOP853_EXTRA_C))])
    first, last = np.eye(stages)[0], np.eye(stages)[len(_d853.B) - 1]
    f = [b, first - b, 2 * b - first - last, *np.asarray(_dense.DOP853_D)]
    powers = [(1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3)]
    polynomial = np.zeros((stages, 8))  # coefficients of theta^0 .. theta^7
    for (p, q), row in zip(powers, f):
        phi = np.polynomial.polynomial.polymul(np.eye(p + 1)[p], np.polynomial.polynomial.polypow([1.0, -1.0], q))
        polynomial[:, : len(phi)] += np.outer(row, phi)
    return ContinuousExtension(order=7, polynomial=tuple(map(tuple, polynomial[:, 1:])),
                               c=_dense.DOP853_EXTRA_C, a=_dense.DOP853_EXTRA_A)


DOP853 = ButcherTableau(
    name="dop853",
    order=8,
    a=_d853.A,
    b=_d853.B,
    c=_d853.C,
    error_weights=(_d853.ERROR_5, _d853.ERROR_3),
    error_order=7,
    dense=_dop853_interpolant(),
)

TABLEAUX: dict[str, ButcherTableau] = {t.name: t for t in (RK4, DOPRI5, DOP853)}
