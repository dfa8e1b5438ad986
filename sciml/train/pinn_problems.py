"""The 1D space-time problems of the physics-informed networks, with reference solutions from our
spectral solvers.

Every problem is ``u_t + a(u) u_x = nu u_xx + rho u (1 - u)`` on ``[x_low, x_high] x [0, t_max]`` with
``a(u) = beta`` (convection) or ``a(u) = u`` (Burgers), periodic or homogeneous Dirichlet in ``x``:

- ``convection``: ``beta`` (30), ``u0 = sin x`` on ``[0, 2 pi)`` (Krishnapriyan et al., NeurIPS 2021)
- ``convection-diffusion``: the same with ``nu`` (0.01)
- ``burgers``: ``nu`` (0.01 / pi), ``u0 = -sin(pi x)`` on ``[-1, 1]``, ``u(+-1, t) = 0`` (Raissi et al. 2019)
- ``reaction-diffusion``: ``nu`` (0.01), ``rho`` (5), ``u0 = exp(-(x - pi)^2 / (2 (pi/4)^2))`` on ``[0, 2 pi)``

Along the characteristics ``X_t = a(u)`` the same equation reads ``D_t u = nu u_XX + rho u (1 - u)``
(the Lagrangian form of Mojgani et al., CMAME 2023).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from solvers import pdes
from solvers.spectral import PeriodicGrid

from ..models.jet import Jet

INITIAL_CONDITIONS = ("sine", "minus-sine-pi", "gaussian")


@dataclass(frozen=True)
class Problem:
    """``u_t + a(u) u_x = nu u_xx + rho u (1 - u)``, ``a(u) = u`` if ``burgers`` else ``beta``."""

    name: str
    initial: str
    x_range: tuple[float, float]
    t_max: float = 1.0
    beta: float = 0.0
    burgers: bool = False
    nu: float = 0.0
    rho: float = 0.0
    boundary: str = "periodic"

    def __post_init__(self) -> None:
        if self.initial not in INITIAL_CONDITIONS:
            raise ValueError(f"unknown initial condition {self.initial!r}; allowed: {', '.join(INITIAL_CONDITIONS)}")
        if self.boundary not in ("periodic", "dirichlet"):
            raise ValueError(f"boundary must be 'periodic' or 'dirichlet', got {self.boundary!r}")
        for name in ("beta", "nu", "rho", "t_max"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)!r}")
        if self.nu < 0 or self.t_max <= 0:
            raise ValueError(f"need nu >= 0 and t_max > 0, got nu={self.nu!r}, t_max={self.t_max!r}")

    @property
    def length(self) -> float:
        return self.x_range[1] - self.x_range[0]

    def spec(self) -> dict:
        """Constructor arguments, for checkpoints: ``Problem(**problem.spec())``."""
        return asdict(self)

    def initial_jet(self, x: Jet) -> Jet:
        """``u0`` at the points of the one-feature jet ``x``."""
        low = self.x_range[0]
        if self.initial == "sine":
            return x.affine(2 * math.pi / self.length, -2 * math.pi * low / self.length).sin()
        if self.initial == "minus-sine-pi":
            return x.affine(math.pi).sin().affine(-1.0)
        width = self.length / 8
        centred = x.affine(1 / width, -(low + self.length / 2) / width)
        return (centred * centred).affine(-0.5).exp()

    def initial_values(self, x: torch.Tensor) -> torch.Tensor:
        """``u0(x)`` for ``x (N,)``."""
        return self.initial_jet(Jet.values(x[:, None])).value[:, 0]

    def speed(self, u: torch.Tensor) -> torch.Tensor:
        return u if self.burgers else torch.full_like(u, self.beta)

    def source(self, u: torch.Tensor) -> torch.Tensor:
        return self.rho * u * (1 - u) if self.rho else torch.zeros_like(u)

    def residual(self, u: Jet) -> torch.Tensor:
        """Eulerian residual ``u_t + a(u) u_x - nu u_xx - rho u (1 - u)`` of a jet over ``(x, t)``, ``(N, 1)``."""
        r = u.d(1) + self.speed(u.value) * u.d(0) - self.source(u.value)
        return r - self.nu * u.dd(0) if self.nu else r

    def lagrangian_residuals(self, X: Jet, u: Jet) -> tuple[torch.Tensor, torch.Tensor]:
        """``(X_t - a(u), D_t u - nu u_XX - rho u (1 - u))`` for jets over ``(x0, t)``; ``u_XX`` by the chain
        rule ``u_XX = (u_x0x0 X_x0 - u_x0 X_x0x0) / X_x0^3``."""
        r_x = X.d(1) - self.speed(u.value)
        r_u = u.d(1) - self.source(u.value)
        if self.nu:
            stretch = X.d(0)
            r_u = r_u - self.nu * (u.dd(0) * stretch - u.d(0) * X.dd(0)) / stretch**3
        return r_x, r_u

    def reference(self, n: int = 512, times: int = 101, dt: float | None = None) -> tuple[torch.Tensor, torch.Tensor,
                                                                                         torch.Tensor]:
        """``(x (n,), t (times,), u (times, n))`` in float64 from the spectral solver (ETDRK4, fixed ``dt``,
        default ``1e-4``); a Dirichlet problem is solved as its periodic extension (``-sin(pi x)`` is odd about
        the end points, so its periodic solution vanishes there), on a grid fine enough for the solution and
        sampled down to ``n`` points."""
        if n < 4 or n % 2:
            raise ValueError(f"n must be an even integer >= 4, got {n!r}")
        if self.boundary == "dirichlet" and self.initial != "minus-sine-pi":
            raise ValueError(f"no odd periodic extension known for {self.initial!r} with Dirichlet boundaries")
        fine = n * max(1, math.ceil(2048 / n)) if self.burgers else n
        grid = PeriodicGrid(self.length, fine)
        x = grid.x + (self.x_range[0] + self.length / 2)
        if self.burgers:
            term = pdes.burgers(grid, viscosity=self.nu)
        elif self.rho:
            term = pdes.reaction_diffusion(grid, diffusivity=self.nu, rate=self.rho)
        else:
            term = pdes.convection(grid, speed=self.beta, viscosity=self.nu)
        t = torch.linspace(0, self.t_max, times, dtype=torch.float64)
        step = dt or min(1e-4, self.t_max / (times - 1))
        solution = pdes.solve(term, self.initial_values(x), grid, t, method="etdrk4", dt=step)
        stride = fine // n
        return x[::stride], t, solution.u[:, ::stride]


def make_problem(name: str, beta: float | None = None, nu: float | None = None, rho: float | None = None) -> Problem:
    """A problem by name with its defaults (module docstring); ``None`` keeps a default."""
    if name in ("convection", "convection-diffusion"):
        default_nu = 0.0 if name == "convection" else 0.01
        return Problem(name, "sine", (0.0, 2 * math.pi), beta=30.0 if beta is None else beta,
                       nu=default_nu if nu is None else nu)
    if name == "burgers":
        return Problem(name, "minus-sine-pi", (-1.0, 1.0), burgers=True, nu=0.01 / math.pi if nu is None else nu,
                       boundary="dirichlet")
    if name == "reaction-diffusion":
        return Problem(name, "gaussian", (0.0, 2 * math.pi), nu=0.01 if nu is None else nu,
                       rho=5.0 if rho is None else rho)
    raise ValueError(f"unknown problem {name!r}; allowed: {', '.join(PROBLEMS)}")


PARAMETERS = {"convection": ("beta",), "convection-diffusion": ("beta", "nu"), "burgers": ("nu",),
              "reaction-diffusion": ("nu", "rho")}  # the parameters each problem takes
PROBLEMS = tuple(PARAMETERS)
