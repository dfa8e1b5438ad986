"""Spectral building blocks: the forward-normalised FFTs (``fft``), periodic grids in 1 to 3
dimensions, wavenumbers, Laplacians, derivatives, dealiasing (zero padding, the 2/3 rule), truncated
mode contraction (the torch reference of the Fourier-layer kernel), and the dispatch point (``backend``)
between the torch references and the Triton kernels of ``solvers.spectral.kernels``."""

from . import backend, contraction, fft

from .dealias import ExponentialFilter, NoDealiasing, Truncation, ZeroPadding, dealiasing
from .grid import PeriodicGrid

__all__ = ["backend", "contraction", "fft", "PeriodicGrid", "ZeroPadding", "Truncation", "ExponentialFilter", "NoDealiasing", "dealiasing"]
