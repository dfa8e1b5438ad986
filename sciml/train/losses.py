"""Losses over dict batches, ``loss(prediction, y=target, **other_batch_entries)``.

Relative ``L^p``: ``mean_b ||pred_b - y_b||_p / ||y_b||_p`` over all non-batch dimensions (the
FNO paper's metric for p = 2). Relative ``H^1``: the same with the norm ``||u||^2 + ||u_x||^2`` taken
spectrally along the last dimension (periodic fields; Li et al. 2021, Sobolev training).
"""

from __future__ import annotations

import torch

from ..evaluate.errors import relative_error


class RelativeLp:
    def __init__(self, p: float = 2.0):
        if not p >= 1:
            raise ValueError(f"p must be >= 1, got {p!r}")
        self.p = p

    def __call__(self, prediction: torch.Tensor, y: torch.Tensor, **_) -> torch.Tensor:
        return relative_error(prediction, y, p=self.p).mean()


class RelativeH1:
    """Relative H1 norm along the last dimension (periodic, unit length)."""

    def __call__(self, prediction: torch.Tensor, y: torch.Tensor, **_) -> torch.Tensor:
        if prediction.shape != y.shape:
            raise ValueError(f"prediction {tuple(prediction.shape)} and target {tuple(y.shape)} differ in shape")
        n = y.shape[-1]
        k = torch.fft.rfftfreq(n, d=1.0 / n).to(y.device)
        weight = 1 + (2 * torch.pi * k) ** 2

        def norm(u: torch.Tensor) -> torch.Tensor:
            spectrum = torch.fft.rfft(u, dim=-1, norm="forward").abs().square() * weight
            return spectrum.flatten(1).sum(1).sqrt()

        return (norm(prediction - y) / norm(y).clamp_min(1e-12)).mean()


LOSSES = {"l2": lambda: RelativeLp(2.0), "l1": lambda: RelativeLp(1.0), "h1": RelativeH1}
