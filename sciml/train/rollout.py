"""Autoregressive rollout of a one-step model over a window of past states, with the optional pushforward trick.

``Rollout(steps, history=h)(model, x, y)`` feeds ``model`` the last ``h`` states as channels,
``(batch, h * C, *space) -> (batch, C, *space)``, appends its prediction to the window, drops the oldest
state and repeats ``steps`` times; it returns the predicted sequence, to be compared with
``y (batch, steps, C, *space)``. ``h = 1`` is the plain one-step map; ``h = 10`` is the FNO paper's
Navier-Stokes protocol (the first 10 vorticity snapshots in, the following ones predicted one at a
time; Li et al., ICLR 2021). The gradient flows through the entire unrolled chain (backpropagation
through time). With ``pushforward=True`` the input of every application is detached (the pushforward
trick of Brandstetter, Worrall and Welling, ICLR 2022): each step is trained as a one-step map, the
first on the true states and the later ones on the model's own imperfect states, so the model learns
to correct the distribution shift of its rollouts without gradients through the chain. (Training only
the last step on detached inputs collapses: measured on the NLSE, the model learns to output zero, a
fixed point of its own rollouts.)
"""

from __future__ import annotations

import torch


class Rollout:
    def __init__(self, steps: int, pushforward: bool = False, history: int = 1):
        if steps < 1:
            raise ValueError(f"rollout steps must be >= 1, got {steps}")
        if history < 1:
            raise ValueError(f"history (input states) must be >= 1, got {history}")
        self.steps, self.pushforward, self.history = steps, pushforward, history

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, **_) -> torch.Tensor:
        """``x (batch, C, *space)`` or a window ``(batch, h, C, *space)``; returns ``(batch, steps, C, *space)``."""
        if y.shape[1] != self.steps:
            raise ValueError(f"targets hold {y.shape[1]} steps, the rollout makes {self.steps}")
        return self.unroll(model, x if x.ndim == y.ndim else x[:, None])

    def unroll(self, model: torch.nn.Module, window: torch.Tensor) -> torch.Tensor:
        """``window (batch, >= h, C, *space)`` of past states, oldest first -> ``(batch, steps, C, *space)``."""
        if window.shape[1] < self.history:
            raise ValueError(f"the rollout needs {self.history} input states, got a window of {window.shape[1]}")
        window = window[:, window.shape[1] - self.history:]
        predictions = []
        for _ in range(self.steps):
            inputs = window.flatten(1, 2)
            state = model(inputs.detach() if self.pushforward else inputs)
            predictions.append(state)
            window = torch.cat([window[:, 1:], state[:, None]], dim=1)
        return torch.stack(predictions, dim=1)
