"""Training physics-informed networks: the PINN and the Lagrangian PINN on a :class:`Problem`.

PINN: ``u(x, t) = g + phi N(x, t)``. With ``hard_initial``, ``g = u0(x)`` and ``phi`` has the factor
``t / t_max``; with ``hard_boundary`` on a Dirichlet problem ``phi`` has the factor
``(x - a)(b - x) / (L/2)^2``; a periodic problem is exactly periodic when the network uses the periodic
embedding. Conditions not built in are penalised on their own points (soft).

LPINN: ``X(x0, t) = x0 + phi N_X`` and ``u(x0, t) = g + phi N_u`` on Lagrangian coordinates (same ``g``
and time factor), residuals ``X_t - a(u)`` (weight ``weight_characteristics``, 10 in Mojgani et al.)
and ``D_t u - nu u_XX - rho u (1 - u)``. The network is periodic in ``x0``; Burgers' Dirichlet problem
is learned as its periodic extension. Predictions on an Eulerian grid invert ``x = X(x0, t)``
(monotone in ``x0`` while characteristics do not cross) by interpolation and two Newton steps.

Full-batch Adam, then L-BFGS that runs until it converges (:mod:`sciml.train.lbfgs`); optional
residual-based adaptive resampling of the collocation points during Adam. With a run folder, a
checkpoint every ``checkpoint_every`` Adam steps and after every L-BFGS chunk (the collocation points,
the optimizer's state), from which a rerun resumes (:mod:`.session`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..models.jet import Jet
from ..models.pinn import LPINN, PINN
from .checks import at_least, positive_time_limit
from .collocation import SAMPLERS, resample, sample
from .lbfgs import minimize_lbfgs
from .pinn_problems import Problem
from .session import Session, descend

DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class PINNConfig:
    points: int = 2000
    initial_points: int = 256
    boundary_points: int = 256
    sampler: str = "lhs"
    hard_initial: bool = True
    hard_boundary: bool = True
    adam_steps: int = 2000
    learning_rate: float = 1e-3
    lbfgs_iterations: int = 5000
    lbfgs_history: int = 50
    lbfgs_chunk: int = 100  # L-BFGS iterations per chunk, a checkpoint after each
    gtol: float = 1e-9
    resample_every: int = 0
    candidates: int = 20000
    weight_residual: float = 1.0
    weight_initial: float = 1.0
    weight_boundary: float = 1.0
    weight_characteristics: float = 10.0
    dtype: str = "float64"
    time_limit: float = 600.0
    checkpoint_every: int = 100
    seed: int = 0

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {self.sampler!r}; allowed: {', '.join(SAMPLERS)}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        at_least(self, 1, ("points", "initial_points", "boundary_points", "checkpoint_every", "lbfgs_chunk"))
        at_least(self, 0, ("adam_steps", "lbfgs_iterations", "resample_every"))
        if self.resample_every and self.candidates < self.points:
            raise ValueError(f"candidates ({self.candidates}) must be >= points ({self.points}) for resampling")
        positive_time_limit(self)


@dataclass
class PINNHistory:
    adam_loss: list[float] = field(default_factory=list)
    lbfgs_loss: list[tuple[int, float]] = field(default_factory=list)  # (iterations so far, loss)
    lbfgs: dict = field(default_factory=dict)
    seconds: float = 0.0


def _factor(problem: Problem, coordinates: Jet, config: PINNConfig, lagrangian: bool) -> tuple[Jet | None, Jet | None]:
    """``(g, phi)`` of the built-in conditions for one-feature jets (``None``: zero / one)."""
    x, t = coordinates[0], coordinates[1]
    g = problem.initial_jet(x) if config.hard_initial else None
    phi = t.affine(1 / problem.t_max) if config.hard_initial else None
    if not lagrangian and problem.boundary == "dirichlet" and config.hard_boundary:
        (a, b), half = problem.x_range, problem.length / 2
        distance = x.affine(1 / half, -a / half) * x.affine(-1 / half, b / half)
        phi = distance if phi is None else phi * distance
    return g, phi


def _compose(g: Jet | None, phi: Jet | None, network: Jet) -> Jet:
    u = network if phi is None else phi * network
    return u if g is None else g + u


def conditions(model, problem: Problem, z: torch.Tensor, config: PINNConfig, derivatives: bool = True) -> tuple:
    """The jets that build the conditions in at points ``z``: ``(g, phi)`` for a PINN, ``(x0, g, phi)`` for
    an LPINN. They do not depend on the weights: compute them once per set of points."""
    coordinates = Jet.coordinates(z) if derivatives else Jet.values(z)
    lagrangian = isinstance(model, LPINN)
    factors = _factor(problem, coordinates, config, lagrangian)
    return (coordinates[0], *factors) if lagrangian else factors


def solution_jet(model: PINN, problem: Problem, z: torch.Tensor, config: PINNConfig,
                 built_in: tuple | None = None) -> Jet:
    """The PINN's ``u`` and its derivatives at points ``z (N, 2)`` of ``(x, t)``, conditions applied
    (``built_in``: their :func:`conditions` at ``z``, if already computed)."""
    return _compose(*(built_in or conditions(model, problem, z, config)), model.jet(z))


def solution_values(model: PINN, problem: Problem, z: torch.Tensor, config: PINNConfig) -> torch.Tensor:
    """The PINN's ``u`` at points ``z (N, 2)``, conditions applied, ``(N, 1)``."""
    return _compose(*conditions(model, problem, z, config, derivatives=False), Jet.values(model(z))).value


def lagrangian_jets(model: LPINN, problem: Problem, z: torch.Tensor, config: PINNConfig, derivatives: bool = True,
                    built_in: tuple | None = None) -> tuple[Jet, Jet]:
    """The LPINN's ``(X, u)`` at Lagrangian points ``z (N, 2)`` of ``(x0, t)`` (values only unless
    ``derivatives``; ``built_in`` as for :func:`solution_jet`)."""
    x0, g, phi = built_in or conditions(model, problem, z, config, derivatives)
    network = (lambda branch: branch.jet(z)) if derivatives else (lambda branch: Jet.values(branch(z)))
    return _compose(x0, phi, network(model.characteristics)), _compose(g, phi, network(model.state))


def _check(model, problem: Problem) -> None:
    if not isinstance(model, (PINN, LPINN)):
        raise TypeError(f"expected a PINN or an LPINN, got {type(model).__name__}")
    if tuple(model.config["x_range"]) != tuple(problem.x_range) or model.config["t_range"][1] != problem.t_max:
        raise ValueError(f"the network's domain {model.config['x_range']} x {model.config['t_range']} is not the "
                         f"problem's {problem.x_range} x (0, {problem.t_max})")
    if isinstance(model, LPINN) and not model.config["periodic"]:
        raise ValueError("an LPINN needs periodic=True: its displacement X - x0 is periodic in x0")


class PINNLoss:
    """The loss of a PINN or LPINN on a problem, over its collocation points: ``PINNLoss(...)()`` is the
    weighted sum of the mean squared residuals and of the soft conditions' mismatches."""

    def __init__(self, model, problem: Problem, config: PINNConfig, dtype: torch.dtype):
        self.model, self.problem, self.config = model, problem, config
        self.lagrangian = isinstance(model, LPINN)
        (a, b), t_max = problem.x_range, problem.t_max
        self.use(sample(config.points, [a, 0.0], [b, t_max], config.sampler, config.seed, dtype))
        x0 = sample(config.initial_points, [a], [b], config.sampler, config.seed + 1, dtype)
        self.initial = torch.cat([x0, torch.zeros_like(x0)], dim=1)
        times = sample(config.boundary_points, [0.0], [t_max], config.sampler, config.seed + 2, dtype)
        self.left = torch.cat([torch.full_like(times, a), times], dim=1)
        self.right = torch.cat([torch.full_like(times, b), times], dim=1)
        exactly_periodic = problem.boundary == "periodic" and model.config["periodic"]
        self.soft_boundary = not self.lagrangian and not exactly_periodic and not (
            problem.boundary == "dirichlet" and config.hard_boundary)

    def use(self, points: torch.Tensor) -> None:
        """Collocate at ``points (N, 2)`` from now on."""
        self.points, self.built_in = points, conditions(self.model, self.problem, points, self.config)

    def residuals(self, points: torch.Tensor,
                  built_in: tuple | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(equation residual, characteristic residual or None)`` at ``points``, ``(N, 1)`` each."""
        if self.lagrangian:
            X, u = lagrangian_jets(self.model, self.problem, points, self.config, built_in=built_in)
            r_x, r_u = self.problem.lagrangian_residuals(X, u)
            return r_u, r_x
        return self.problem.residual(solution_jet(self.model, self.problem, points, self.config, built_in)), None

    def __call__(self) -> torch.Tensor:
        config, problem = self.config, self.problem
        r, r_x = self.residuals(self.points, self.built_in)
        loss = config.weight_residual * r.square().mean()
        if r_x is not None:
            loss = loss + config.weight_characteristics * r_x.square().mean()
        if not config.hard_initial:
            u0 = problem.initial_values(self.initial[:, 0])
            if self.lagrangian:
                X, u = lagrangian_jets(self.model, problem, self.initial, config, derivatives=False)
                mismatch = (X.value[:, 0] - self.initial[:, 0]).square().mean() + (u.value[:, 0] - u0).square().mean()
            else:
                mismatch = (solution_values(self.model, problem, self.initial, config)[:, 0] - u0).square().mean()
            loss = loss + config.weight_initial * mismatch
        if self.soft_boundary:
            left = solution_jet(self.model, problem, self.left, config)
            right = solution_jet(self.model, problem, self.right, config)
            if problem.boundary == "periodic":
                mismatch = (left.value - right.value).square().mean() + (left.d(0) - right.d(0)).square().mean()
            else:
                mismatch = left.value.square().mean() + right.value.square().mean()
            loss = loss + config.weight_boundary * mismatch
        return loss

    def resample(self, seed: int) -> None:
        (a, b), t_max = self.problem.x_range, self.problem.t_max
        candidates = sample(self.config.candidates, [a, 0.0], [b, t_max], "uniform", seed, self.points.dtype)
        with torch.no_grad():
            r, r_x = self.residuals(candidates)
            magnitude = r.abs() if r_x is None else r.abs() + r_x.abs()
        self.use(resample(candidates, magnitude[:, 0], self.config.points, seed))


def train_pinn(model, problem: Problem, config: PINNConfig, progress: bool = True, out: str | Path | None = None,
               record: dict | None = None) -> PINNHistory:
    """Train a :class:`PINN` or :class:`LPINN` on ``problem``: Adam, then L-BFGS, within ``time_limit``;
    checkpoints (with ``record``) in ``out`` if given, resuming from them."""
    _check(model, problem)
    dtype = DTYPES[config.dtype]
    model.to(dtype)
    torch.manual_seed(config.seed)
    losses = PINNLoss(model, problem, config, dtype)
    session = Session(model, "pinn", PINNHistory(), out, record)
    own = session.resume()
    if session.finished:
        return session.history
    history = session.history
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    step, phase = 0, "adam"
    if own:
        step, phase = own["step"], own["phase"]
        losses.use(own["points"].to(dtype))
        if phase == "adam":
            optimizer.load_state_dict(own["adam"])
    bar = session.bar(config.adam_steps, step, "Adam", "step", progress)
    while phase == "adam" and step < config.adam_steps:
        if config.resample_every and step and step % config.resample_every == 0:
            losses.resample(config.seed + step)
        history.adam_loss.append(descend(optimizer, losses()))
        if step % 100 == 0:
            bar.set_postfix(loss=f"{history.adam_loss[-1]:.3e}")
        step += 1
        bar.update()
        if session.seconds > config.time_limit:
            break
        if step % config.checkpoint_every == 0:
            session.checkpoint({"phase": "adam", "step": step, "points": losses.points, "adam": optimizer.state_dict()},
                               monitor=history.adam_loss[-1])
    bar.close()
    if config.lbfgs_iterations:
        lbfgs_bar = session.bar(config.lbfgs_iterations, 0, "L-BFGS", "it", progress)

        def report(result) -> None:
            history.lbfgs_loss.append((result.iterations, result.loss))
            lbfgs_bar.update(result.iterations - lbfgs_bar.n)
            lbfgs_bar.set_postfix(loss=f"{result.loss:.3e}", restarts=result.restarts)

        def save(state: dict) -> None:
            session.checkpoint({"phase": "lbfgs", "step": step, "points": losses.points, "lbfgs": state},
                               monitor=state["loss"])

        result = minimize_lbfgs(model.parameters(), losses, config.lbfgs_iterations, config.lbfgs_history,
                                config.gtol, config.lbfgs_chunk,
                                time_limit=max(0.0, config.time_limit - session.seconds),
                                on_chunk=report, on_state=save, resume=own["lbfgs"] if phase == "lbfgs" else None)
        lbfgs_bar.close()
        history.lbfgs = asdict(result)
    history.seconds = session.seconds
    session.finish()
    return history


def predict(model, problem: Problem, x: torch.Tensor, t: torch.Tensor, config: PINNConfig) -> torch.Tensor:
    """The learned ``u`` on the Eulerian grid ``x (n,)`` x ``t (T,)``, ``(T, n)``."""
    _check(model, problem)
    dtype = next(model.parameters()).dtype
    x, t = x.to(dtype), t.to(dtype)
    with torch.no_grad():
        if isinstance(model, PINN):
            z = torch.stack(torch.meshgrid(x, t, indexing="xy"), dim=-1).reshape(-1, 2)
            return solution_values(model, problem, z, config).reshape(len(t), len(x))
        return _eulerian(model, problem, x, t, config)


def _eulerian(model: LPINN, problem: Problem, x: torch.Tensor, t: torch.Tensor, config: PINNConfig) -> torch.Tensor:
    low, length = problem.x_range[0], problem.length
    fine = 4 * len(x)
    x0 = low + length * torch.arange(fine, dtype=x.dtype) / fine
    z = torch.stack(torch.meshgrid(x0, t, indexing="xy"), dim=-1).reshape(-1, 2)
    X = lagrangian_jets(model, problem, z, config, derivatives=False)[0].value.reshape(len(t), fine)
    target = X[:, :1] + torch.remainder(x[None] - X[:, :1], length)  # (T, n) within one period after X(x0_low)
    X_closed = torch.cat([X, X[:, :1] + length], dim=1)
    x0_closed = torch.cat([x0, x0[:1] + length])
    right = torch.searchsorted(X_closed.contiguous(), target.contiguous()).clamp(1, fine)
    left_X, right_X = X_closed.gather(1, right - 1), X_closed.gather(1, right)
    weight = (target - left_X) / (right_X - left_X).clamp_min(torch.finfo(x.dtype).tiny)
    guess = x0_closed[right - 1] + weight * (x0_closed[right] - x0_closed[right - 1])
    times = t[:, None].expand_as(guess)
    for _ in range(2):
        X_jet, _ = lagrangian_jets(model, problem, torch.stack([guess, times], dim=-1).reshape(-1, 2), config)
        guess = guess - ((X_jet.value[:, 0] - target.reshape(-1)) / X_jet.d(0)[:, 0]).reshape(guess.shape)
    points = torch.stack([guess, times], dim=-1).reshape(-1, 2)
    return lagrangian_jets(model, problem, points, config, derivatives=False)[1].value.reshape(len(t), len(x))
