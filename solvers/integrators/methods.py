"""The registered Runge-Kutta tableaux, by name.

References: RK4 (Kutta 1901); Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 19-26;
DOP853: Hairer, Norsett & Wanner, Solving ODEs I (1993), Section II.10.
"""

from __future__ import annotations

from . import _dop853_coefficients as _d853
from .tableau import ButcherTableau

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
)

DOP853 = ButcherTableau(
    name="dop853",
    order=8,
    a=_d853.A,
    b=_d853.B,
    c=_d853.C,
    error_weights=(_d853.ERROR_5, _d853.ERROR_3),
    error_order=7,
)

TABLEAUX: dict[str, ButcherTableau] = {t.name: t for t in (RK4, DOPRI5, DOP853)}
