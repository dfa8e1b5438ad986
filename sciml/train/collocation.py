"""Collocation points: uniform, Latin hypercube and scrambled Sobol samples of a box, and residual-based
adaptive resampling (RAD of Wu, Zhu, Tan, Kartha, Lu, CMAME 2023: density ``|r|^k / E|r|^k + c``)."""

from __future__ import annotations

import torch

SAMPLERS = ("uniform", "lhs", "sobol")


def sample(count: int, low: list[float], high: list[float], method: str = "lhs", seed: int = 0,
           dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """``count`` points ``(count, D)`` in the box ``[low, high]``."""
    if method not in SAMPLERS:
        raise ValueError(f"unknown sampler {method!r}; allowed: {', '.join(SAMPLERS)}")
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count!r}")
    low_t, high_t = torch.tensor(low, dtype=torch.float64), torch.tensor(high, dtype=torch.float64)
    if low_t.shape != high_t.shape or low_t.ndim != 1 or not bool((high_t > low_t).all()):
        raise ValueError(f"need low < high coordinate-wise, got low={low!r}, high={high!r}")
    dimensions = low_t.shape[0]
    generator = torch.Generator().manual_seed(seed)
    if method == "uniform":
        unit = torch.rand(count, dimensions, generator=generator, dtype=torch.float64)
    elif method == "lhs":
        strata = torch.stack([torch.randperm(count, generator=generator) for _ in range(dimensions)], dim=1)
        unit = (strata + torch.rand(count, dimensions, generator=generator, dtype=torch.float64)) / count
    else:
        unit = torch.quasirandom.SobolEngine(dimensions, scramble=True, seed=seed).draw(count, dtype=torch.float64)
    return (low_t + (high_t - low_t) * unit).to(dtype)


def resample(candidates: torch.Tensor, residual: torch.Tensor, count: int, seed: int = 0, k: float = 1.0,
             c: float = 1.0) -> torch.Tensor:
    """``count`` of ``candidates (M, D)`` drawn without replacement with probability proportional to
    ``|r|^k / mean(|r|^k) + c`` for their residuals ``residual (M,)``."""
    if count > candidates.shape[0]:
        raise ValueError(f"cannot draw {count} points from {candidates.shape[0]} candidates")
    weight = residual.detach().abs().double() ** k
    density = weight / weight.mean().clamp_min(1e-300) + c
    chosen = torch.multinomial(density, count, replacement=False, generator=torch.Generator().manual_seed(seed))
    return candidates[chosen]
