"""Multigrid tensorized FNO (MG-TFNO; Kossaifi, Kovachki, Azizzadenesheli, Anandkumar, arXiv:2310.00120).

The periodic domain ``(batch, C, *space)`` is cut into ``patches`` equal patches per dimension. Each
patch is given to one shared TFNO together with ``levels`` coarser views of its surroundings: at
level ``l`` the window centred on the patch is ``2**l`` times wider and average-pooled by ``2**l`` back
to the patch's size, so the last level (``2**levels == patches``) sees the whole domain. The views
are stacked as channels, every window carries a margin of ``overlap`` times the patch size on each
side (cropped from the output, so the patch's own Fourier layers need not be periodic), the patches
of all samples run as one batch, and the outputs are stitched back together. Patches and windows
are counted in grid points, so a model trained at one resolution evaluates at another.

``chunks > 1`` runs the patches in that many groups, one after the other, each group's activations
recomputed in the backward pass (activation checkpointing) instead of stored: the peak memory of a
training step is then that of one group of windows rather than of the whole domain, the single-device
form of the paper's domain decomposition (its patches go to separate devices), for about one more
forward pass of compute.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from .fno import FNO


def _window_indices(n: int, patches: int, width: int, device: torch.device) -> torch.Tensor:
    """``(patches, width)`` grid indices of windows of ``width`` points centred on each of the
    ``patches`` equal patches of a periodic axis of ``n`` points (wrapping around as often as needed)."""
    size = n // patches
    start = torch.arange(patches, device=device) * size - (width - size) // 2
    return (start[:, None] + torch.arange(width, device=device)) % n


class MGTFNO(nn.Module):
    def __init__(self, in_channels: int = 1, out_channels: int = 1, modes: int | tuple[int, ...] = 16,
                 width: int = 64, layers: int = 4, projection: int = 128, factorization: str = "tucker",
                 rank: float = 0.1, patches: int = 2, levels: int = 1, overlap: float = 0.25,
                 coordinates: bool = True, chunks: int = 1, init_scale: float | None = None):
        super().__init__()
        modes = (modes,) if isinstance(modes, int) else tuple(modes)
        if patches < 1 or levels < 0 or 2**levels > patches:
            raise ValueError(f"need patches >= 1 and 0 <= levels with 2**levels <= patches, "
                             f"got patches={patches}, levels={levels}")
        if not 0 <= overlap < 1:
            raise ValueError(f"overlap must lie in [0, 1), got {overlap}")
        if chunks < 1:
            raise ValueError(f"chunks must be >= 1, got {chunks}")
        self.config = dict(in_channels=in_channels, out_channels=out_channels, modes=list(modes), width=width,
                           layers=layers, projection=projection, factorization=factorization, rank=rank,
                           patches=patches, levels=levels, overlap=overlap, coordinates=coordinates, chunks=chunks,
                           init_scale=init_scale)
        self.dimensions = len(modes)
        self.operator = FNO(in_channels * (levels + 1), out_channels, modes, width, layers, projection,
                            factorization, rank, coordinates, init_scale=init_scale)

    def _margin(self, size: int) -> int:
        return round(self.config["overlap"] * size)

    def decompose(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, C, *space)`` -> ``(batch * patches**d, C * (levels + 1), *window)``: each patch's views
        at every level, ``window = space / patches + 2 * margin`` points per dimension."""
        batch, channels, *space = x.shape
        patches, levels = self.config["patches"], self.config["levels"]
        views = []
        for level in range(levels + 1):
            factor = 2**level
            view = x
            for axis, n in enumerate(space):
                size = n // patches
                window = (size + 2 * self._margin(size)) * factor
                index = _window_indices(n, patches, window, x.device)  # (patches, window)
                dim = 2 + 2 * axis  # earlier axes already split into (patches, window)
                view = view.index_select(dim, index.flatten()).unflatten(dim, index.shape)
                view = view.unflatten(dim + 1, (window // factor, factor)).mean(dim + 2)
            views.append(view)  # (batch, C, p, w, p, w, ...)
        stacked = torch.stack(views, dim=2).flatten(1, 2)  # (batch, C * (levels + 1), p, w, ...)
        d = len(space)
        order = [0] + [2 + 2 * axis for axis in range(d)] + [1] + [3 + 2 * axis for axis in range(d)]
        return stacked.permute(order).flatten(0, d)

    def stitch(self, y: torch.Tensor, batch: int, space: tuple[int, ...]) -> torch.Tensor:
        """Inverse of the patching for the model output ``(batch * patches**d, C, *window)``: crop the
        margins and put the patches back in place, ``(batch, C, *space)``."""
        patches, d = self.config["patches"], len(space)
        crop = tuple(slice(self._margin(n // patches), self._margin(n // patches) + n // patches) for n in space)
        y = y[(..., *crop)].unflatten(0, (batch,) + (patches,) * d)  # (batch, p, ..., C, s, ...)
        order = [0, d + 1] + [axis for pair in zip(range(1, d + 1), range(d + 2, 2 * d + 2)) for axis in pair]
        return y.permute(order).reshape(batch, -1, *space)

    def forward(self, x: torch.Tensor, **_) -> torch.Tensor:
        """``x (batch, in_channels, *space)`` -> ``(batch, out_channels, *space)``; each spatial size must
        be divisible by ``patches``."""
        expected, patches = self.config["in_channels"], self.config["patches"]
        if x.ndim != self.dimensions + 2 or x.shape[1] != expected:
            raise ValueError(f"MGTFNO expects (batch, {expected}, {self.dimensions} spatial dims), got {tuple(x.shape)}")
        space = tuple(x.shape[2:])
        if any(n % patches for n in space):
            raise ValueError(f"spatial sizes {space} must be divisible by patches = {patches}")
        windows = self.decompose(x)
        if self.config["chunks"] == 1:
            return self.stitch(self.operator(windows), x.shape[0], space)
        recompute = torch.is_grad_enabled()
        parts = [checkpoint(self.operator, part, use_reentrant=False) if recompute else self.operator(part)
                 for part in windows.chunk(self.config["chunks"])]
        return self.stitch(torch.cat(parts), x.shape[0], space)
