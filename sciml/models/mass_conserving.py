"""A learned step that conserves the NLSE's mass exactly: the operator's prediction rescaled to its input's norm.

For a field in (Re, Im) channels, the discrete mass is ``M(u) = dx sum_points (Re^2 + Im^2)`` (the
NLSE's ``int |psi|^2``, in any dimension). ``MassConserving`` wraps an operator ``G`` of
``(batch, h * C, *space) -> (batch, C, *space)`` and returns ``G(x) sqrt(M(x_last) / M(G(x)))``, with
``x_last`` the last ``C`` input channels (the current state of a window of ``h``): a projection of the
prediction onto the sphere of the input's mass, so a rollout keeps the initial mass to rounding
whatever the weights (a structure-preserving output layer; the direction is learned, the norm is not).
``config`` holds the wrapped operator's name and arguments, so a checkpoint rebuilds the pair.
"""

from __future__ import annotations

import torch
from torch import nn

from .registry import OPERATORS

_TINY = 1e-30  # a zero prediction stays zero instead of dividing by zero


def discrete_mass(u: torch.Tensor) -> torch.Tensor:
    """``(batch, C, *space) -> (batch,)``: the sum of squares over channels and points (the mass over ``dx``)."""
    return u.square().flatten(1).sum(1)


class MassConserving(nn.Module):
    def __init__(self, operator: str = "FNO", **config):
        super().__init__()
        if operator not in OPERATORS:
            raise ValueError(f"unknown operator {operator!r}; allowed: {', '.join(OPERATORS)}")
        self.operator = OPERATORS[operator](**config)
        self.config = dict(operator=operator, **self.operator.config)

    def forward(self, x: torch.Tensor, **_) -> torch.Tensor:
        """``x (batch, h * C, *space)`` -> ``(batch, C, *space)`` with the mass of ``x[:, -C:]``."""
        prediction = self.operator(x)
        current = x[:, x.shape[1] - prediction.shape[1]:]
        scale = (discrete_mass(current) / discrete_mass(prediction).clamp_min(_TINY)).sqrt()
        return prediction * scale.reshape((-1,) + (1,) * (prediction.ndim - 1))
