"""Time integrators for batched states: explicit and integrating-factor Runge-Kutta from
validated Butcher tableaux with dense output, ETDRK4, split-step Fourier of orders 2 to 8,
per-sample adaptive step control, and the single entry point :func:`solve`."""

from .controller import StepSizeController
from .exponential import ETDRK4, etd_coefficients
from .methods import DOP853, DOPRI5, RK4, TABLEAUX
from .runge_kutta import RungeKutta
from .solve import METHODS, Solution, SolverError, SolverStats, solve, stepper
from .split_step import COMPOSITIONS, SplitStep
from .tableau import ButcherTableau, ContinuousExtension
from .terms import SemilinearTerm

__all__ = [
    "solve", "Solution", "SolverStats", "SolverError", "METHODS", "stepper",
    "ButcherTableau", "ContinuousExtension", "TABLEAUX", "RK4", "DOPRI5", "DOP853",
    "RungeKutta", "ETDRK4", "etd_coefficients", "SplitStep", "COMPOSITIONS",
    "StepSizeController", "SemilinearTerm",
]
