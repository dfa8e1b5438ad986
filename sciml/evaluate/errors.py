"""Relative errors, the one spelling used by the losses, the training of operators on solver data,
the comparisons and the reports."""

from __future__ import annotations

import torch

_FLOOR = 1e-30  # a zero reference gives the absolute error over this floor, not a division by zero


def relative_error(prediction: torch.Tensor, reference: torch.Tensor, start: int = 1, p: float = 2.0) -> torch.Tensor:
    """``||prediction - reference||_p / ||reference||_p`` over the dimensions from ``start`` on (``|.|`` for
    complex fields), one value per index of the first ``start``: ``(*lead, ...) -> lead`` (``start=0``: a scalar)."""
    if prediction.shape != reference.shape:
        raise ValueError(f"prediction {tuple(prediction.shape)} and reference {tuple(reference.shape)} differ in shape")
    difference = torch.linalg.vector_norm((prediction - reference).flatten(start), ord=p, dim=-1)
    return difference / torch.linalg.vector_norm(reference.flatten(start), ord=p, dim=-1).clamp_min(_FLOOR)
