"""Complex fields as two real channels (Re, Im), the convention of every model that is not complex by design."""

from __future__ import annotations

import torch


def to_channels(u: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """A field to channels at ``dim``: ``(..., n)`` -> ``(..., C, n)`` for ``dim=-2``; C = 2 (Re, Im) for a
    complex field, 1 for a real one."""
    return torch.stack([u.real, u.imag], dim) if u.is_complex() else u.unsqueeze(dim)


def from_channels(x: torch.Tensor, complex_field: bool, dim: int = -2) -> torch.Tensor:
    """The inverse of :func:`to_channels`: channel ``dim`` removed, (Re, Im) joined if ``complex_field``."""
    return torch.complex(x.select(dim, 0), x.select(dim, 1)) if complex_field else x.select(dim, 0)
