"""MgNO: neural operators whose linear maps are multigrid V-cycles (He, Liu & Xu, ICLR 2024).

A layer maps ``f (batch, C_in, *space)`` to ``sigma(MgConv(f) + W f + b(x))`` with ``W`` a pointwise
map and ``b(x)`` a learned bias field (stored at ``bias_resolution`` points per dimension and
interpolated to the input grid). ``MgConv`` is one V-cycle over ``levels`` grids, coarsening by 2:

    down, level l:  u_l = S_l f_l,   f_{l+1} = R_l (f_l - A_l u_l)
    up, level l:    u_l <- u_l + P_l u_{l+1},   u_l <- u_l + S'_l (f_l - A_l u_l)

``A_l`` (u-channels to f-channels), ``S_l``, ``S'_l`` (f to u) are 3-point (3x3) convolutions, ``R_l`` a
stride-2 convolution and ``P_l`` a stride-2 transposed convolution. Boundary conditions come from the
padding: ``"circular"`` for periodic problems, ``"zeros"`` for homogeneous Dirichlet. No lifting or
projection: the first layer maps the inputs to ``width`` channels, a pointwise map gives the outputs.
Each spatial size must be divisible by ``2^(levels - 1)``.
"""

from __future__ import annotations

import torch
from torch import nn

from .pointwise import pointwise


class MgConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, levels: int, dimensions: int, padding: str):
        super().__init__()
        conv = {1: nn.Conv1d, 2: nn.Conv2d}[dimensions]
        transposed = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d}[dimensions]
        smoother = lambda a, b: conv(a, b, 3, padding=1, padding_mode=padding, bias=False)  # noqa: E731
        self.levels = levels
        self.operator = nn.ModuleList(smoother(out_channels, in_channels) for _ in range(levels - 1))
        self.pre = nn.ModuleList(smoother(in_channels, out_channels) for _ in range(levels))
        self.post = nn.ModuleList(smoother(in_channels, out_channels) for _ in range(levels - 1))
        self.restrict = nn.ModuleList(conv(in_channels, in_channels, 3, stride=2, padding=1, padding_mode=padding,
                                           bias=False) for _ in range(levels - 1))
        self.prolong = nn.ModuleList(transposed(out_channels, out_channels, 2, stride=2, bias=False)
                                     for _ in range(levels - 1))

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        rights, solutions = [f], []
        for level in range(self.levels):
            u = self.pre[level](rights[-1])
            solutions.append(u)
            if level < self.levels - 1:
                rights.append(self.restrict[level](rights[-1] - self.operator[level](u)))
        u = solutions[-1]
        for level in range(self.levels - 2, -1, -1):
            u = solutions[level] + self.prolong[level](u)
            u = u + self.post[level](rights[level] - self.operator[level](u))
        return u


class MgNO(nn.Module):
    def __init__(self, in_channels: int = 1, out_channels: int = 1, width: int = 32, layers: int = 4,
                 levels: int = 4, dimensions: int = 1, padding: str = "circular", bias_resolution: int = 64):
        super().__init__()
        if dimensions not in (1, 2):
            raise ValueError(f"MgNO supports 1 or 2 spatial dimensions, got {dimensions}")
        if padding not in ("circular", "zeros"):
            raise ValueError(f"padding must be 'circular' (periodic) or 'zeros' (Dirichlet), got {padding!r}")
        if min(in_channels, out_channels, width, layers, levels) < 1:
            raise ValueError("in_channels, out_channels, width, layers and levels must be >= 1")
        self.config = dict(in_channels=in_channels, out_channels=out_channels, width=width, layers=layers,
                           levels=levels, dimensions=dimensions, padding=padding, bias_resolution=bias_resolution)
        channels = [in_channels] + [width] * layers
        self.cycles = nn.ModuleList(MgConv(a, b, levels, dimensions, padding) for a, b in zip(channels, channels[1:]))
        self.pointwise = nn.ModuleList(pointwise(a, b, dimensions, bias=False)
                                       for a, b in zip(channels, channels[1:]))
        self.bias = nn.ParameterList(nn.Parameter(torch.zeros((1, width) + (bias_resolution,) * dimensions))
                                     for _ in range(layers))
        self.output = pointwise(width, out_channels, dimensions)

    def forward(self, x: torch.Tensor, **_) -> torch.Tensor:
        """``x``; other batch entries (targets) are ignored, so ``model(**batch)`` works."""
        d = self.config["dimensions"]
        if x.ndim != d + 2 or x.shape[1] != self.config["in_channels"]:
            raise ValueError(f"MgNO expects (batch, {self.config['in_channels']}, {d} spatial dims), got {tuple(x.shape)}")
        stride = 2 ** (self.config["levels"] - 1)
        if any(n % stride for n in x.shape[2:]):
            raise ValueError(f"spatial sizes {tuple(x.shape[2:])} must be divisible by 2^(levels - 1) = {stride}")
        mode = "linear" if d == 1 else "bilinear"
        h = x
        for cycle, pointwise, bias in zip(self.cycles, self.pointwise, self.bias):
            field = nn.functional.interpolate(bias, size=x.shape[2:], mode=mode, align_corners=False)
            h = nn.functional.gelu(cycle(h) + pointwise(h) + field)
        return self.output(h)
