"""Spectral building blocks: periodic grids, wavenumbers, derivatives, dealiasing, truncated mode
contraction (the torch reference of the Fourier-layer kernel)."""

from . import contraction

from .dealias import ExponentialFilter, NoDealiasing, ZeroPadding, dealiasing
from .grid import PeriodicGrid

__all__ = ["contraction", "PeriodicGrid", "ZeroPadding", "ExponentialFilter", "NoDealiasing", "dealiasing"]
