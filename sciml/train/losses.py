"""Losses over dict batches, ``loss(prediction, y=target, **other_batch_entries)``.

Relative ``L^p``: ``mean_b ||pred_b - y_b||_p / ||y_b||_p`` over all non-batch dimensions (the
FNO paper's metric for p = 2). Relative ``H^1``: the same with the norm ``||u||^2 + ||grad u||^2`` taken
spectrally over the spatial dimensions (periodic fields; Li et al. 2021, Sobolev training).
``LOSSES[name](dimensions)`` builds the loss for fields of that many spatial dimensions.
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
    """Relative ``H^1`` norm over the last ``dimensions`` axes (periodic, unit length):
    ``||u||^2 + ||grad u||^2 = sum_k |c_k|^2 (1 + 4 pi^2 |k|^2)`` with ``c_k`` the ``fftn`` coefficients."""

    def __init__(self, dimensions: int = 1):
        if dimensions not in (1, 2, 3):
            raise ValueError(f"dimensions must be 1, 2 or 3, got {dimensions!r}")
        self.dimensions = dimensions

    def __call__(self, prediction: torch.Tensor, y: torch.Tensor, **_) -> torch.Tensor:
        if prediction.shape != y.shape:
            raise ValueError(f"prediction {tuple(prediction.shape)} and target {tuple(y.shape)} differ in shape")
        if y.ndim < self.dimensions + 1:
            raise ValueError(f"RelativeH1 over {self.dimensions} dimensions needs (batch, ..., *space), "
                             f"got {tuple(y.shape)}")
        space = y.shape[-self.dimensions:]
        axes = tuple(range(-self.dimensions, 0))
        weight = 1.0
        for i, n in enumerate(space):  # 1 + 4 pi^2 |k|^2, broadcast over the spatial axes
            k = torch.fft.fftfreq(n, d=1.0 / n, device=y.device, dtype=y.real.dtype)
            weight = weight + (2 * torch.pi * k.reshape((-1,) + (1,) * (len(space) - 1 - i))) ** 2

        def norm(u: torch.Tensor) -> torch.Tensor:
            spectrum = torch.fft.fftn(u, dim=axes, norm="forward").abs().square() * weight
            return spectrum.flatten(1).sum(1).sqrt()

        return (norm(prediction - y) / norm(y).clamp_min(1e-12)).mean()


LOSSES = {"l2": lambda dimensions: RelativeLp(2.0), "l1": lambda dimensions: RelativeLp(1.0), "h1": RelativeH1}
