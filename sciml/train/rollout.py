"""Autoregressive rollout training of a one-step model, with the optional pushforward trick.

``Rollout(steps)(model, x, y)`` applies ``model`` ``steps`` times from ``x`` and returns the whole
predicted sequence, to be compared with ``y (batch, steps, C, *space)``; the gradient flows through the
entire unrolled chain (backpropagation through time). With ``pushforward=True`` the input of every
application is detached (the pushforward trick of Brandstetter, Worrall and Welling, ICLR 2022): each
step is trained as a one-step map, the first on the true state and the later ones on the model's own
imperfect states, so the model learns to correct the distribution shift of its rollouts without
gradients through the chain. (Training only the last step on detached inputs collapses: measured on
the NLSE, the model learns to output zero, a fixed point of its own rollouts.)
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
        for _ in range(self.steps):
            state = model(state.detach() if self.pushforward else state)
            predictions.append(state)
        return torch.stack(predictions, dim=1)
