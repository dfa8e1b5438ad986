"""Spectral building blocks: periodic grids, wavenumbers, derivatives, dealiasing."""

from .dealias import ExponentialFilter, NoDealiasing, ZeroPadding, dealiasing
from .grid import PeriodicGrid

__all__ = ["PeriodicGrid", "ZeroPadding", "ExponentialFilter", "NoDealiasing", "dealiasing"]
