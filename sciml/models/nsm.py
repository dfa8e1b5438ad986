"""Neural Spectral Methods (Du, Chalapathi, Krishnapriyan, ICLR 2024) on tensor-product bases.

The model works on the collocation grid of a tensor-product basis (``kinds``: Chebyshev axes first,
then Fourier axes; :mod:`solvers.spectral.bases`), which is equivalent to working on its coefficients:
values at the ``n`` collocation points and the ``n`` coefficients determine each other exactly.
Each layer maps the coefficients of its input by per-mode channel mixing of the lowest ``modes`` and
a pointwise channel map, and applies the activation on collocation values between the transforms:
``h <- act(T^-1 [W_k (T h)_k] + V h)``. Inputs are the input function's values on the grid (for an
initial condition, broadcast over time) with coordinate channels (Chebyshev axes: position in
[-1, 1]; Fourier axes: cos and sin of the angle). The output's coefficients are what the spectral
residual losses (:mod:`sciml.train.spectral_residual`) act on.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from solvers.spectral import contraction
from solvers.spectral.bases import ChebyshevBasis

from .pointwise import pointwise

KINDS = ("chebyshev", "fourier")


class NSMConv(nn.Module):
    """Per-mode channel mixing on Chebyshev (leading) x Fourier (trailing) coefficients of ``(B, C, *grid)``."""

    def __init__(self, in_channels: int, out_channels: int, kinds: tuple[str, ...], modes: tuple[int, ...]):
        super().__init__()
        self.kinds, self.modes = tuple(kinds), tuple(modes)
        self.chebyshev = sum(kind == "chebyshev" for kind in self.kinds)
        scale = 1 / (in_channels * out_channels)
        self.weight = nn.Parameter(scale * torch.randn(in_channels, out_channels, *self.modes, dtype=torch.cfloat))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        grid = tuple(h.shape[2:])
        chebyshev_dims = tuple(range(2, 2 + self.chebyshev))
        fourier_dims = tuple(range(2 + self.chebyshev, h.ndim))
        c = h
        for dim in chebyshev_dims:
            c = ChebyshevBasis(grid[dim - 2]).to_coefficients(c, dim)
        spectrum = torch.fft.rfftn(c, dim=fourier_dims, norm="forward") if fourier_dims else c.to(torch.cfloat)
        for axis, m in enumerate(self.modes[:self.chebyshev]):
            spectrum = spectrum.narrow(2 + axis, 0, m)
        fourier_shape = grid[self.chebyshev:]
        index = contraction.retained_index(fourier_shape, self.modes[self.chebyshev:], device=h.device)
        block = contraction.gather(spectrum, index) if fourier_dims else spectrum
        mixed = contraction.dense(block, self.weight.to(block.dtype))
        if fourier_dims:
            spectrum_shape = (*fourier_shape[:-1], fourier_shape[-1] // 2 + 1)
            mixed = contraction.scatter(mixed, index, spectrum_shape)
            c = torch.fft.irfftn(mixed, s=fourier_shape, dim=fourier_dims, norm="forward")
        else:
            c = mixed.real
        for dim in chebyshev_dims:
            c = ChebyshevBasis(grid[dim - 2]).to_values(c, dim, n=grid[dim - 2])
        return c


class NSM(nn.Module):
    """``(batch, in_channels, *grid) -> (batch, out_channels, *grid)`` on the collocation grid of ``kinds``."""

    def __init__(self, in_channels: int = 1, out_channels: int = 1, kinds: tuple[str, ...] = ("chebyshev", "fourier"),
                 modes: tuple[int, ...] = (12, 16), width: int = 32, layers: int = 4):
        super().__init__()
        kinds, modes = tuple(kinds), tuple(modes)
        if any(kind not in KINDS for kind in kinds) or list(kinds) != sorted(kinds):
            raise ValueError(f"kinds must list 'chebyshev' axes before 'fourier' axes, got {kinds!r}")
        if len(modes) != len(kinds) or min(modes) < 1:
            raise ValueError(f"need one positive mode count per axis {kinds!r}, got {modes!r}")
        if min(in_channels, out_channels, width, layers) < 1:
            raise ValueError("in_channels, out_channels, width and layers must be >= 1")
        self.config = dict(in_channels=in_channels, out_channels=out_channels, kinds=list(kinds), modes=list(modes),
                           width=width, layers=layers)
        coordinates = sum(1 if kind == "chebyshev" else 2 for kind in kinds)
        d = len(kinds)
        self.lift = pointwise(in_channels + coordinates, width, d)
        self.spectral = nn.ModuleList(NSMConv(width, width, kinds, modes) for _ in range(layers))
        self.pointwise = nn.ModuleList(pointwise(width, width, d) for _ in range(layers))
        self.project = nn.Sequential(pointwise(width, 2 * width, d), nn.GELU(), pointwise(2 * width, out_channels, d))

    def coordinates(self, grid: tuple[int, ...], dtype: torch.dtype, device=None) -> torch.Tensor:
        """Coordinate channels ``(channels, *grid)`` of the collocation grid."""
        channels = []
        for axis, (kind, n) in enumerate(zip(self.config["kinds"], grid)):
            if kind == "chebyshev":
                values = [torch.cos(math.pi * torch.arange(n, dtype=torch.float64) / (n - 1))]
            else:
                angle = 2 * math.pi * torch.arange(n, dtype=torch.float64) / n
                values = [torch.cos(angle), torch.sin(angle)]
            for v in values:
                shape = [1] * len(grid)
                shape[axis] = n
                channels.append(v.reshape(shape).expand(grid))
        return torch.stack(channels).to(dtype=dtype, device=device)

    def forward(self, x: torch.Tensor, **_) -> torch.Tensor:
        """``x``; other batch entries (targets) are ignored, so ``model(**batch)`` works."""
        grid = tuple(x.shape[2:])
        if x.ndim != len(self.config["kinds"]) + 2 or x.shape[1] != self.config["in_channels"]:
            raise ValueError(f"NSM expects (batch, {self.config['in_channels']}, one axis per {self.config['kinds']}), "
                             f"got {tuple(x.shape)}")
        coordinates = self.coordinates(grid, x.dtype, x.device).expand(x.shape[0], -1, *grid)
        h = self.lift(torch.cat([x, coordinates], dim=1))
        for i, (spectral, pointwise) in enumerate(zip(self.spectral, self.pointwise)):
            h = spectral(h) + pointwise(h)
            if i < len(self.spectral) - 1:
                h = nn.functional.gelu(h)
        return self.project(h)
