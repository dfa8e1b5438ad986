"""Fourier neural operators: FNO (Li et al., ICLR 2021) and the tensorized TFNO (Kossaifi et al. 2023).

``x (batch, in_channels, *space)`` -> ``(batch, out_channels, *space)`` for 1 to 3 spatial dimensions:
a pointwise lifting to ``width`` channels (with the grid coordinates in [0, 1) appended when
``coordinates``), ``layers`` Fourier layers ``h <- act(SpectralConv(h) + W h)``, then a two-layer
pointwise projection. ``padding`` > 0 zero-pads every spatial axis at its end by that fraction around
the Fourier layers (for non-periodic axes, as neuraloperator's domain padding). ``init_scale``: the
initial rms of the Fourier weights (:class:`SpectralConv`'s default if None). ``config`` holds the
constructor arguments, so a checkpoint rebuilds the model.
"""

from __future__ import annotations

import torch
from torch import nn

from .pointwise import pointwise
from .spectral_conv import SpectralConv


class FNO(nn.Module):
    def __init__(self, in_channels: int = 1, out_channels: int = 1, modes: int | tuple[int, ...] = 16, width: int = 64,
                 layers: int = 4, projection: int = 128, factorization: str = "dense", rank: float = 1.0,
                 coordinates: bool = True, padding: float = 0.0, init_scale: float | None = None):
        super().__init__()
        modes = (modes,) if isinstance(modes, int) else tuple(modes)
        if min(in_channels, out_channels, width, layers, projection) < 1:
            raise ValueError("in_channels, out_channels, width, layers and projection must be >= 1")
        if not 0 <= padding <= 1:
            raise ValueError(f"padding must be a fraction in [0, 1], got {padding!r}")
        self.config = dict(in_channels=in_channels, out_channels=out_channels, modes=list(modes), width=width,
                           layers=layers, projection=projection, factorization=factorization, rank=rank,
                           coordinates=coordinates, padding=padding, init_scale=init_scale)
        self.dimensions = len(modes)
        d = self.dimensions
        self.lift = pointwise(in_channels + (d if coordinates else 0), width, d)
        self.spectral = nn.ModuleList(SpectralConv(width, width, modes, factorization, rank, init_scale=init_scale)
                                      for _ in range(layers))
        self.pointwise = nn.ModuleList(pointwise(width, width, d) for _ in range(layers))
        self.project = nn.Sequential(pointwise(width, projection, d), nn.GELU(), pointwise(projection, out_channels, d))

    def _with_coordinates(self, x: torch.Tensor) -> torch.Tensor:
        space = x.shape[2:]
        axes = [torch.arange(n, dtype=x.dtype, device=x.device) / n for n in space]
        grids = torch.meshgrid(*axes, indexing="ij")
        return torch.cat([x] + [g.expand(x.shape[0], 1, *space) for g in grids], dim=1)

    def forward(self, x: torch.Tensor, **_) -> torch.Tensor:
        """``x``; other batch entries (targets) are ignored, so ``model(**batch)`` works."""
        expected = self.config["in_channels"]
        if x.ndim != self.dimensions + 2 or x.shape[1] != expected:
            raise ValueError(f"{type(self).__name__} expects (batch, {expected}, {self.dimensions} spatial dims), "
                             f"got {tuple(x.shape)}")
        h = self.lift(self._with_coordinates(x) if self.config["coordinates"] else x)
        space = h.shape[2:]
        pads = [round(self.config["padding"] * n) for n in space]
        if any(pads):
            h = nn.functional.pad(h, [p for pad in reversed(pads) for p in (0, pad)])
        for i, (spectral, pointwise) in enumerate(zip(self.spectral, self.pointwise)):
            h = spectral(h) + pointwise(h)
            if i < len(self.spectral) - 1:
                h = nn.functional.gelu(h)
        if any(pads):
            h = h[(Ellipsis, *(slice(0, n) for n in space))]
        return self.project(h)


class TFNO(FNO):
    """FNO with Tucker-factorized Fourier weights, by default 10% of the dense parameter count."""

    def __init__(self, *args, factorization: str = "tucker", rank: float = 0.1, **kwargs):
        super().__init__(*args, factorization=factorization, rank=rank, **kwargs)
