"""Pointwise channel maps ``y = W x + b`` over ``(batch, C_in, *space) -> (batch, C_out, *space)``.

``pointwise(C_in, C_out, dimensions)`` is an ``nn.Conv1d/2d/3d`` of kernel size 1 (the same parameters,
initialisation and state-dict entries, so checkpoints load either way) whose forward pass is one batched
matrix product over the flattened points instead of a 1 x 1 convolution: on one CPU thread the
convolution (mkldnn) took 2-4x longer forward and backward for 20 -> 128 and 128 -> 1 channels on
20 x 64 x 64 fields (the FNO's projection), and as long for 20 -> 20.
"""

from __future__ import annotations

import torch
from torch import nn


class _MatrixProduct:
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        flat = x.reshape(batch, self.in_channels, -1)
        weight = self.weight.reshape(self.out_channels, self.in_channels).expand(batch, -1, -1)
        y = torch.bmm(weight, flat) if self.bias is None else torch.baddbmm(self.bias[:, None], weight, flat)
        return y.reshape(batch, self.out_channels, *x.shape[2:])


class Pointwise1d(_MatrixProduct, nn.Conv1d):
    pass


class Pointwise2d(_MatrixProduct, nn.Conv2d):
    pass


class Pointwise3d(_MatrixProduct, nn.Conv3d):
    pass


def pointwise(in_channels: int, out_channels: int, dimensions: int, bias: bool = True) -> nn.Module:
    """The map of ``in_channels`` to ``out_channels`` at every point of a ``dimensions``-D field."""
    return {1: Pointwise1d, 2: Pointwise2d, 3: Pointwise3d}[dimensions](in_channels, out_channels, 1, bias=bias)
