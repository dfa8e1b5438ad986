"""Learning-rate schedules over a budget of steps or of wall time, whichever ends first.

``Budget(steps, time_limit).fraction(step, seconds)`` is the share of the budget spent (1: done); the
schedules map it (or the step) to a factor of the initial learning rate: linear warm-up then cosine
decay (the operator trainer), cosine decay (self-supervised), exponential decay to a final ratio
(teacher forcing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Budget:
    steps: int
    time_limit: float = math.inf  # seconds

    def fraction(self, step: int, seconds: float) -> float:
        """The share spent after ``step`` steps in ``seconds``: ``max(step / steps, seconds / time_limit)``."""
        return max(step / self.steps, seconds / self.time_limit)


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """``(step + 1) / warmup`` during the warm-up, then a cosine from 1 to 0 at ``total`` steps."""
    if step < warmup:
        return (step + 1) / warmup
    return cosine((step - warmup) / max(1, total - warmup))


def cosine(fraction: float) -> float:
    """``(1 + cos(pi f)) / 2`` for ``f`` clipped to [0, 1]."""
    return 0.5 * (1 + math.cos(math.pi * min(fraction, 1.0)))


def exponential(fraction: float, ratio: float) -> float:
    """``ratio ** f`` for ``f`` clipped to [0, 1]: from 1 to ``ratio``."""
    return ratio ** min(fraction, 1.0)


def set_learning_rate(optimizer: torch.optim.Optimizer, value: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = value
