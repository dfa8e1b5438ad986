"""Autoregressive rollout training of a one-step model, with the optional pushforward trick.

``Rollout(steps)(model, x, y)`` applies ``model`` ``steps`` times from ``x`` and returns the whole
predicted sequence, to be compared with ``y (batch, steps, C, *space)``; the gradient flows through the
entire unrolled chain (backpropagation through time). With ``pushforward=True`` the first ``steps - 1``
applications run without gradient and only the last one is trained, on its own imperfect inputs
(Brandstetter, Worrall and Welling, ICLR 2022): the model learns to correct the distribution shift of
its own rollouts at the cost of one step's memory.
"""

from __future__ import annotations

import torch


class Rollout:
    def __init__(self, steps: int, pushforward: bool = False):
        if steps < 1:
            raise ValueError(f"rollout steps must be >= 1, got {steps}")
        self.steps, self.pushforward = steps, pushforward

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, **_) -> torch.Tensor:
        """``x (batch, C, *space)`` or a window ``(batch, 1, C, *space)``; returns ``(batch, steps, C, *space)``."""
        if y.shape[1] != self.steps:
            raise ValueError(f"targets hold {y.shape[1]} steps, the rollout makes {self.steps}")
        state = x[:, -1] if x.ndim == y.ndim else x
        predictions = []
        for step in range(self.steps):
            with torch.set_grad_enabled(torch.is_grad_enabled() and not (self.pushforward and step < self.steps - 1)):
                state = model(state)
            predictions.append(state)
        return torch.stack(predictions, dim=1)
