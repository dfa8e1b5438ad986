"""Piecewise-linear RNNs for dynamical-systems reconstruction: PLRNN, shallow PLRNN, AL-RNN.

Latent maps ``z_t = F(z_{t-1})`` on ``M`` units, with their Jacobians in closed form:

- PLRNN (Durstewitz 2017; Koppe et al. 2019): ``F(z) = A z + W relu(z) + h``, ``A`` diagonal, ``W`` with
  zero diagonal;
- shallow PLRNN (Hess et al., ICML 2023): ``F(z) = A z + W1 relu(W2 z + h2) + h1``; ``clipped=True``
  uses ``W1 [relu(W2 z + h2) - relu(W2 z)]``, bounded orbits when ``|A| < 1``;
- AL-RNN (Brenner et al., NeurIPS 2024): ``F(z) = A z + W phi(z) + h``, ``phi`` the identity on the first
  ``M - P`` units and relu on the last ``P``; ``W``'s diagonal is zero on the linear units (where it would
  duplicate ``A``) and free on the relu units (a self-coupling through the relu, as in the reference code).

Observations ``x (N,)``: ``identity`` reads the first ``N`` units; ``affine`` is ``B z + b``. The first
latent state comes from the first observation: for ``identity`` the observed units are the
observation and a learned linear map fills the others; for ``affine`` a learned affine map gives all.
``fixed_points()`` finds every fixed point and its stability by enumerating the linear subregions.
``teacher_forced(x, alpha, interval)`` runs sparse (Mikhaeil et al., NeurIPS 2022) and generalized (Hess et
al., ICML 2023) teacher forcing: after every ``interval``-th step the observed units move to
``(1 - alpha) z + alpha x_t`` (for ``affine``, the whole state toward the least-norm state observed as
``x_t``), so gradients through a forced step scale by ``1 - alpha``; the other steps run free.
Initialisation as in the reference code of Brenner et al.: ``A`` the diagonal of a normalised positive-definite
matrix ``K / max|eig K|``, ``K = R^T R / M + I``, ``R`` standard normal (Talathi & Vartak 2016), ``h = 0``.
"""

from __future__ import annotations

import torch
from torch import nn

from .alrnn_forcing import alrnn_step, forced_run


class _PiecewiseLinearRNN(nn.Module):
    def __init__(self, observed: int, latent: int, observation: str):
        super().__init__()
        if observation not in ("identity", "affine"):
            raise ValueError(f"observation must be 'identity' or 'affine', got {observation!r}")
        if observation == "identity" and latent < observed:
            raise ValueError(f"an identity observation needs latent >= observed, got {latent} < {observed}")
        self.observed, self.latent, self.observation = observed, latent, observation
        self.A = nn.Parameter(_normalized_positive_definite(latent).diagonal().clone())
        self.h = nn.Parameter(torch.zeros(latent))
        if observation == "identity":
            hidden = latent - observed
            self.hidden_from_observation = nn.Linear(observed, hidden, bias=False) if hidden else None
        else:
            self.B = nn.Linear(latent, observed)
            self.latent_from_observation = nn.Linear(observed, latent)

    # Subclasses define ``_step(z)``: ``F(z)`` for ``z (..., M)`` (or override ``_stepper``); ``jacobian(z)``:
    # ``dF/dz``, ``(..., M, M)``; ``region(z)``: the 0/1 switch pattern ``(..., K)`` of the linear subregion of
    # ``z``; and ``region_map(d)``: ``(J, c)`` with ``F(z) = J z + c`` for every ``z`` in the subregion with pattern ``d``.

    def fixed_points(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Every fixed point ``z* = F(z*)`` with the eigenvalues of its Jacobian (``|eig| < 1``: stable), found
        exactly by solving ``(I - J) z = c`` in each of the ``2^K`` linear subregions and keeping the solutions
        that lie in their own subregion. Exponential in ``K``: for small numbers of switching units."""
        switches = self.region(self.A.detach()).shape[-1]
        if switches > 20:
            raise ValueError(f"{switches} switching units give 2^{switches} subregions; enumeration is for K <= 20")
        points = []
        with torch.no_grad():
            identity = torch.eye(self.latent, dtype=self.A.dtype)
            for code in range(2**switches):
                pattern = torch.tensor([(code >> k) & 1 for k in range(switches)], dtype=self.A.dtype)
                jacobian, offset = self.region_map(pattern)
                try:
                    z = torch.linalg.solve(identity - jacobian, offset)
                except RuntimeError:  # singular: a line or plane of fixed points, or none
                    continue
                if torch.equal(self.region(z), pattern):
                    points.append((z, torch.linalg.eigvals(jacobian)))
        return points

    def observe(self, z: torch.Tensor) -> torch.Tensor:
        return z[..., : self.observed] if self.observation == "identity" else _affine(self.B, z)

    def initial_state(self, x0: torch.Tensor) -> torch.Tensor:
        """Latent state ``(..., M)`` from the first observation ``x0 (..., N)``."""
        if self.observation == "identity":
            if self.hidden_from_observation is None:
                return x0
            return torch.cat([x0, _affine(self.hidden_from_observation, x0)], dim=-1)
        return _affine(self.latent_from_observation, x0)

    def step(self, z: torch.Tensor) -> torch.Tensor:
        """``F(z)`` for ``z (..., M)``."""
        return self._stepper()(z)

    def _stepper(self):
        """``F`` as a function of ``z``, its weights prepared once for a loop over time."""
        return self._step

    def run(self, z0: torch.Tensor, steps: int) -> torch.Tensor:
        """Latent orbit ``(..., steps + 1, M)`` of ``z0 (..., M)``."""
        step, states = self._stepper(), [z0]
        for _ in range(steps):
            states.append(step(states[-1]))
        return torch.stack(states, dim=-2)

    def generate(self, x0: torch.Tensor, steps: int) -> torch.Tensor:
        """Free run: ``x0 (..., N)`` -> observations ``(..., steps + 1, N)`` (the first is ``observe(z0)``)."""
        return self.observe(self.run(self.initial_state(x0), steps))

    def teacher_forced(self, x: torch.Tensor, alpha: float | torch.Tensor, interval: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (..., T, N)`` -> ``(predictions (..., T - 1, N), states (..., T, M))``: ``z_0`` is
        ``initial_state(x_0)``; ``z_t = F(z_{t-1})``, forced toward ``x_t`` when ``t`` is a multiple of
        ``interval``; prediction ``t - 1`` is ``observe(F(z_{t-1}))``, made before forcing. Runs segment by
        segment (``interval`` free steps, the last forced), through ``compile_segments()``'s version if made.
        ``alpha`` is a number or a tensor that broadcasts against the states (one value per leading index)."""
        _check_forcing(alpha, interval)
        segment = getattr(self, "_compiled_segment", self._segment)
        z = self.initial_state(x[..., 0, :])
        strength = torch.as_tensor(alpha, dtype=x.dtype, device=x.device)
        unforced = torch.zeros((), dtype=x.dtype, device=x.device)
        predicted, states = [], [z.unsqueeze(-2)]
        for start in range(1, x.shape[-2], interval):
            window = x[..., start : start + interval, :]
            free, forced = segment(z, window, strength if window.shape[-2] == interval else unforced)
            z = forced[..., -1, :]
            predicted.append(free)
            states.append(forced)
        return self.observe(torch.cat(predicted, dim=-2)), torch.cat(states, dim=-2)

    def _segment(self, z: torch.Tensor, window: torch.Tensor, alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``window (..., L, N)`` data at the next ``L`` times -> the ``L`` states before forcing and after
        it, ``(..., L, M)`` each: ``L`` free steps from ``z``, the last forced toward the data with ``alpha``."""
        step, free = self._stepper(), []
        for _ in range(window.shape[-2]):
            z = step(z)
            free.append(z)
        forced = free[:-1] + [self._force(z, window[..., -1, :], alpha)]
        return torch.stack(free, dim=-2), torch.stack(forced, dim=-2)

    def compile_segments(self) -> None:
        """Compile the forcing segment with ``torch.compile`` (one graph per segment length; about a minute
        once on a CPU, then 2-5x faster training steps there: benchmarks/RESULTS.md)."""
        self._compiled_segment = torch.compile(self._segment, dynamic=False)

    def _force(self, z: torch.Tensor, x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        if self.observation == "identity":
            observed = (1 - alpha) * z[..., : self.observed] + alpha * x
            return torch.cat([observed, z[..., self.observed :]], dim=-1)
        data_state = (x - self.B.bias) @ torch.linalg.pinv(self.B.weight).mT  # the least-norm state observed as x
        return (1 - alpha) * z + alpha * data_state


def _check_forcing(alpha: float | torch.Tensor, interval: int) -> None:
    if not isinstance(alpha, torch.Tensor) and not 0 <= alpha <= 1:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    if interval < 1:
        raise ValueError(f"interval must be >= 1, got {interval}")


def _affine(layer: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """``layer(x)``, also for the stacked weights ``(K, out, in)`` of :mod:`.ensemble` with ``x (K, ..., in)``."""
    weight, bias = layer.weight, layer.bias
    if weight.ndim == 2:
        return x @ weight.mT + (0 if bias is None else bias)
    flat = x.reshape(weight.shape[0], -1, x.shape[-1]) @ weight.mT
    if bias is not None:
        flat = flat + bias.reshape(weight.shape[0], 1, -1)
    return flat.reshape(*x.shape[:-1], weight.shape[1])


def _off_diagonal(size: int) -> torch.Tensor:
    return 1 - torch.eye(size)


def _normalized_positive_definite(size: int) -> torch.Tensor:
    r = torch.randn(size, size)
    k = r.T @ r / size + torch.eye(size)
    return k / torch.linalg.eigvalsh(k).abs().max()


class PLRNN(_PiecewiseLinearRNN):
    def __init__(self, observed: int, latent: int, observation: str = "identity"):
        super().__init__(observed, latent, observation)
        self.config = dict(observed=observed, latent=latent, observation=observation)
        self.W = nn.Parameter(torch.randn(latent, latent) * (0.1 / latent**0.5))
        self.register_buffer("mask", _off_diagonal(latent))

    def _step(self, z: torch.Tensor) -> torch.Tensor:
        return self.A * z + torch.relu(z) @ (self.W * self.mask).mT + self.h

    def jacobian(self, z: torch.Tensor) -> torch.Tensor:
        return torch.diag_embed(self.A.expand_as(z)) + (self.W * self.mask) * (z > 0).to(z.dtype).unsqueeze(-2)

    def region(self, z: torch.Tensor) -> torch.Tensor:
        return (z > 0).to(z.dtype)

    def region_map(self, pattern: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.diag(self.A) + self.W * self.mask * pattern, self.h


class ShallowPLRNN(_PiecewiseLinearRNN):
    def __init__(self, observed: int, latent: int, hidden: int, observation: str = "identity", clipped: bool = False):
        super().__init__(observed, latent, observation)
        self.config = dict(observed=observed, latent=latent, hidden=hidden, observation=observation, clipped=clipped)
        self.clipped = clipped
        self.W1 = nn.Parameter(torch.randn(latent, hidden) * (0.1 / hidden**0.5))
        self.W2 = nn.Parameter(torch.randn(hidden, latent) * (1 / latent**0.5))
        self.h2 = nn.Parameter(torch.randn(hidden) * 0.1)

    def _slopes(self, z: torch.Tensor) -> torch.Tensor:
        inner = z @ self.W2.mT
        slopes = (inner + self.h2 > 0).to(z.dtype)
        return slopes - (inner > 0).to(z.dtype) if self.clipped else slopes

    def _step(self, z: torch.Tensor) -> torch.Tensor:
        inner = z @ self.W2.mT
        hidden = torch.relu(inner + self.h2) - (torch.relu(inner) if self.clipped else 0)
        return self.A * z + hidden @ self.W1.mT + self.h

    def jacobian(self, z: torch.Tensor) -> torch.Tensor:
        return torch.diag_embed(self.A.expand_as(z)) + (self.W1 * self._slopes(z).unsqueeze(-2)) @ self.W2

    def region(self, z: torch.Tensor) -> torch.Tensor:
        inner = z @ self.W2.T
        active = (inner + self.h2 > 0).to(z.dtype)
        return torch.cat([active, (inner > 0).to(z.dtype)], dim=-1) if self.clipped else active

    def region_map(self, pattern: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.h2.shape[0]
        active = pattern[:hidden]
        slopes = active - pattern[hidden:] if self.clipped else active
        return torch.diag(self.A) + (self.W1 * slopes) @ self.W2, self.W1 @ (active * self.h2) + self.h


class ALRNN(_PiecewiseLinearRNN):
    def __init__(self, observed: int, latent: int, piecewise: int, observation: str = "identity"):
        super().__init__(observed, latent, observation)
        if not 0 <= piecewise <= latent:
            raise ValueError(f"piecewise units must lie in [0, {latent}], got {piecewise}")
        self.config = dict(observed=observed, latent=latent, piecewise=piecewise, observation=observation)
        self.piecewise = piecewise
        self.W = nn.Parameter(torch.randn(latent, latent) * 0.01)
        floor = torch.cat([torch.full((latent - piecewise,), -torch.inf), torch.zeros(piecewise)])
        self.register_buffer("floor", floor, persistent=False)  # phi(z) = max(z, floor)
        self.register_buffer("mask", _off_diagonal(latent) + torch.diag((floor == 0).float()))

    def _slopes(self, z: torch.Tensor) -> torch.Tensor:
        linear = self.latent - self.piecewise
        return torch.cat([torch.ones_like(z[..., :linear]), (z[..., linear:] > 0).to(z.dtype)], dim=-1)

    def _stepper(self):
        weight = (self.W * self.mask).mT
        return lambda z: alrnn_step(z, self.A, weight, self.h, self.floor)

    def teacher_forced(self, x: torch.Tensor, alpha: float | torch.Tensor, interval: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """As for every PWL RNN; with the identity observation, uncompiled segments and data that need no
        gradient, through :func:`.alrnn_forcing.forced_run` (the same values to rounding, a hand-written
        backward pass: a training step 2.4x faster alone, 1.5x for 5 stacked seeds on a CPU,
        benchmarks/RESULTS.md)."""
        strength = torch.as_tensor(alpha, dtype=x.dtype, device=x.device)
        if (self.observation != "identity" or hasattr(self, "_compiled_segment") or x.requires_grad
                or strength.requires_grad):
            return super().teacher_forced(x, alpha, interval)
        _check_forcing(alpha, interval)
        free, states = forced_run(self.initial_state(x[..., 0, :]), self.A, (self.W * self.mask).mT, self.h,
                                  self.floor, x, strength, interval)
        return free[..., : self.observed], states

    def jacobian(self, z: torch.Tensor) -> torch.Tensor:
        return torch.diag_embed(self.A.expand_as(z)) + (self.W * self.mask) * self._slopes(z).unsqueeze(-2)

    def region(self, z: torch.Tensor) -> torch.Tensor:
        return (z[..., self.latent - self.piecewise :] > 0).to(z.dtype)

    def region_map(self, pattern: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        slopes = torch.cat([torch.ones(self.latent - self.piecewise, dtype=pattern.dtype), pattern])
        return torch.diag(self.A) + self.W * self.mask * slopes, self.h

    def subregions(self, z: torch.Tensor) -> torch.Tensor:
        """Linear-subregion code of each state ``(..., M)``: the integer whose bits are ``z_i > 0`` over the
        ``P`` piecewise units, shape ``(...)``."""
        bits = (z[..., self.latent - self.piecewise :] > 0).long()
        return (bits * (2 ** torch.arange(self.piecewise, device=z.device))).sum(-1)
