"""Dynamical-systems reconstruction metrics (definitions as in Hess et al., ICML 2023; Brenner et al. 2024).

- ``state_space_divergence`` (D_stsp): KL(p_true || p_generated) between state-space histograms,
  ``bins`` per dimension over the true data's range, Laplace smoothing ``epsilon`` added to each bin's
  *probability* (``epsilon bins^d`` of extra mass: 0.27 of the data's in 3D at the defaults); generated states
  outside the range count in the total, so mass that leaves the attractor's box is penalised. The reference
  code of Brenner et al. adds ``epsilon`` to each bin's *count* and drops states outside the range: for the
  same Lorenz-63 orbits its values are 3.6-4.5x ours (their pretrained AL-RNN: 2.99 there, 0.82 here;
  ``benchmarks/dsr_conventions.py``), so published D_stsp figures are on that scale, not this one;
- ``state_space_divergence_gmm``: the same KL divergence for high-dimensional states (Koppe et al., PLoS
  Comput Biol 2019), where bins would be empty: each trajectory (at most ``points`` evenly spaced states)
  defines a mixture of isotropic Gaussians of width ``scale`` centred on its states, and
  ``KL = E_p[log p - log q]`` is a Monte Carlo mean over ``samples`` draws from the true mixture;
- ``hellinger_spectrum`` (D_H): Hellinger distance between the power spectra of each dimension
  (z-scored series, spectra smoothed by a Gaussian of ``sigma`` frequency bins, normalised), averaged;
- ``max_lyapunov_map`` / ``max_lyapunov_flow``: the largest Lyapunov exponent from products of
  Jacobians renormalised every step (Benettin et al. 1980), of a map (per step), or of an ODE flow
  (per unit time, from a trajectory and a renormalised neighbour at 1e-8 advanced by RK4).
"""

from __future__ import annotations

import math

import torch


def state_space_divergence(true: torch.Tensor, generated: torch.Tensor, bins: int = 30,
                           epsilon: float = 1e-5) -> float:
    """``true (T, d)``, ``generated (T', d)`` -> D_stsp in nats."""
    if true.ndim != 2 or generated.ndim != 2 or true.shape[1] != generated.shape[1]:
        raise ValueError(f"need (time, dim) arrays of equal dim, got {tuple(true.shape)} and {tuple(generated.shape)}")
    low, high = true.min(0).values, true.max(0).values
    width = (high - low).clamp_min(1e-12) / bins

    def histogram(x: torch.Tensor) -> torch.Tensor:
        cell = torch.floor((x - low) / width).long().clamp_max(bins - 1)  # the maximum falls in the last bin
        inside = ((cell >= 0) & (cell < bins)).all(1)
        flat = (cell[inside] * (bins ** torch.arange(x.shape[1] - 1, -1, -1))).sum(1)
        counts = torch.bincount(flat, minlength=bins ** x.shape[1]).to(torch.float64)
        p = counts / x.shape[0] + epsilon
        return p / p.sum()

    p, q = histogram(true), histogram(generated)
    return float((p * (p / q).log()).sum())


def state_space_divergence_gmm(true: torch.Tensor, generated: torch.Tensor, scale: float = 1.0,
                               points: int = 10_000, samples: int = 1_000, seed: int = 0) -> float:
    """``true (T, d)``, ``generated (T', d)`` (standardised) -> D_stsp in nats by Gaussian mixtures."""
    if true.ndim != 2 or generated.ndim != 2 or true.shape[1] != generated.shape[1]:
        raise ValueError(f"need (time, dim) arrays of equal dim, got {tuple(true.shape)} and {tuple(generated.shape)}")
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale!r}")

    def centres(x: torch.Tensor) -> torch.Tensor:
        return x[torch.linspace(0, x.shape[0] - 1, min(points, x.shape[0])).long()].double()

    p, q = centres(true), centres(generated)
    generator = torch.Generator().manual_seed(seed)
    draws = p[torch.randint(0, p.shape[0], (samples,), generator=generator)]
    draws = draws + scale * torch.randn(draws.shape, generator=generator, dtype=torch.float64)

    def log_density(mixture: torch.Tensor) -> torch.Tensor:  # up to the constant shared by p and q
        squared = torch.cdist(draws, mixture).square()
        return torch.logsumexp(-squared / (2 * scale**2), dim=1) - math.log(mixture.shape[0])

    return float((log_density(p) - log_density(q)).mean())


def smoothed_spectrum(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """``x (T,)`` -> normalised power spectrum of the z-scored series, Gaussian-smoothed over frequency.
    A constant series has all its power at frequency 0."""
    x = x.double()
    if not x.std() > 1e-12 * x.abs().max().clamp_min(1e-300):
        spectrum = torch.zeros(x.shape[0] // 2 + 1, dtype=torch.float64)
        spectrum[0] = 1.0
        return spectrum
    x = (x - x.mean()) / x.std()
    power = torch.fft.rfft(x).abs().square()
    radius = int(4 * sigma)
    kernel = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float64) / sigma) ** 2)
    padded = torch.nn.functional.pad(power[None, None], (radius, radius), mode="reflect")
    smooth = torch.nn.functional.conv1d(padded, (kernel / kernel.sum())[None, None])[0, 0]
    return smooth / smooth.sum()


def hellinger_spectrum(true: torch.Tensor, generated: torch.Tensor, sigma: float = 20.0) -> float:
    """``true (T, d)``, ``generated (T, d)`` (equal lengths) -> D_H averaged over the ``d`` dimensions."""
    if true.shape != generated.shape:
        raise ValueError(f"D_H compares series of equal shape, got {tuple(true.shape)} and {tuple(generated.shape)}")
    distances = []
    for dim in range(true.shape[1]):
        p, q = smoothed_spectrum(true[:, dim], sigma), smoothed_spectrum(generated[:, dim], sigma)
        distances.append(math.sqrt(max(0.0, 1.0 - float((p * q).sqrt().sum()))))
    return sum(distances) / len(distances)


def max_lyapunov_map(step, jacobian, z0: torch.Tensor, steps: int, transient: int = 1000) -> float:
    """Largest Lyapunov exponent per step of ``z -> step(z)`` from ``z0 (M,)``; the first ``transient``
    steps align the tangent vector and are not counted."""
    with torch.no_grad():
        z, v = z0, torch.ones_like(z0) / math.sqrt(z0.numel())
        total = 0.0
        for index in range(transient + steps):
            v = jacobian(z) @ v
            z = step(z)
            norm = v.norm()
            total += math.log(float(norm)) if index >= transient else 0.0
            v = v / norm
    return total / steps


def max_lyapunov_flow(field, y0: torch.Tensor, dt: float, steps: int, transient: int = 1000,
                      separation: float = 1e-8) -> float:
    """Largest Lyapunov exponent per unit time of ``y' = field(t, y)`` (batched over leading dims) from
    ``y0 (d,)``: a reference and a neighbour at distance ``separation`` advanced together by RK4 with
    step ``dt`` (float64), the neighbour pulled back to that distance after every step."""

    def rk4(y):
        k1 = field(None, y)
        k2 = field(None, y + dt / 2 * k1)
        k3 = field(None, y + dt / 2 * k2)
        k4 = field(None, y + dt * k3)
        return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    y = y0.double()
    pair = torch.stack([y, y + separation * torch.ones_like(y) / math.sqrt(y.numel())])
    total = 0.0
    for index in range(transient + steps):  # the transient settles the orbit and aligns the offset
        pair = rk4(pair)
        offset = pair[1] - pair[0]
        distance = float(offset.norm())
        total += math.log(distance / separation) if index >= transient else 0.0
        pair[1] = pair[0] + offset * (separation / distance)
    return total / (steps * dt)
