"""Entropies of wave fields and related diagnostics.

Every entropy acts on the discrete distribution ``p_i = |u_i|^2 / sum_j |u_j|^2`` over the last
dimension of ``u`` (shape ``(..., n)``) and returns shape ``(...)``, in nats:

- Shannon ``H = -sum p ln p`` (``0 ln 0 = 0``);
- Renyi ``H_a = ln(sum p^a) / (1 - a)``, with the limits ``H_0 = ln #{p > 0}``, ``H_1 = H``,
  ``H_inf = -ln max p`` (Renyi 1961);
- Tsallis ``S_q = (1 - sum p^q) / (q - 1)``, ``S_1 = H`` (Tsallis 1988).

The spectral entropy is the Shannon entropy of the power spectrum ``|F u|^2``.
"""

from __future__ import annotations

import math

import torch


def probabilities(u: torch.Tensor) -> torch.Tensor:
    """``p = |u|^2 / sum |u|^2`` over the last dimension; raises on an all-zero field."""
    power = u.abs().square() if u.is_complex() else u.square()
    total = power.sum(-1, keepdim=True)
    if not bool((total > 0).all()):
        raise ValueError("entropy of an all-zero field is undefined")
    return power / total


def shannon_entropy(u: torch.Tensor) -> torch.Tensor:
    """``-sum p ln p`` of ``p = |u|^2 / sum |u|^2``, shape ``u.shape[:-1]``."""
    p = probabilities(u)
    return -torch.where(p > 0, p * torch.log(p), torch.zeros_like(p)).sum(-1)


def renyi_entropy(u: torch.Tensor, alpha: float) -> torch.Tensor:
    """Renyi entropy of order ``alpha >= 0`` (``0``, ``1`` and ``math.inf`` by their limits)."""
    if not alpha >= 0:
        raise ValueError(f"Renyi order alpha must be >= 0, got {alpha!r}")
    p = probabilities(u)
    if alpha == 0:
        return torch.log((p > 0).sum(-1).to(p.dtype))
    if alpha == 1:
        return shannon_entropy(u)
    if math.isinf(alpha):
        return -torch.log(p.amax(-1))
    if abs(alpha - 1) < 0.5:  # sum p^a - sum p = sum p expm1((a - 1) log p): no cancellation near a = 1
        total, positive = p.sum(-1), p > 0
        excess = torch.where(positive, p * torch.expm1((alpha - 1) * torch.log(torch.where(positive, p, 1.0))), 0.0)
        return torch.log(total) + torch.log1p(excess.sum(-1) / total) / (1 - alpha)
    largest = p.amax(-1, keepdim=True)
    log_sum = alpha * torch.log(largest[..., 0]) + torch.log((p / largest).pow(alpha).sum(-1))
    return log_sum / (1 - alpha)


def tsallis_entropy(u: torch.Tensor, q: float) -> torch.Tensor:
    """Tsallis entropy of index ``q`` (``q = 1`` is Shannon's)."""
    if not math.isfinite(q):
        raise ValueError(f"Tsallis index q must be finite, got {q!r}")
    if q == 1:
        return shannon_entropy(u)
    p = probabilities(u)
    terms = torch.where(p > 0, p.pow(q), torch.zeros_like(p))
    return (1 - terms.sum(-1)) / (q - 1)


def spectral_entropy(u: torch.Tensor) -> torch.Tensor:
    """Shannon entropy of the power spectrum ``|F u|^2`` over the last dimension."""
    return shannon_entropy(torch.fft.fft(u, dim=-1))


def power_spectrum(u: torch.Tensor) -> torch.Tensor:
    """``|c_m|^2`` of the forward-normalised Fourier coefficients, shape of ``u``, FFT order."""
    return torch.fft.fft(u, dim=-1, norm="forward").abs().square()


def relative_drift(values: torch.Tensor) -> torch.Tensor:
    """``|q(t) - q(t_0)| / |q(t_0)|`` along the last dimension (time), for an invariant ``q``."""
    reference = values[..., :1]
    return (values - reference).abs() / reference.abs()
