"""Spectral building blocks: the forward-normalised FFT (``fft``), periodic grids, wavenumbers,
derivatives, dealiasing, truncated mode
contraction (the torch reference of the Fourier-layer kernel), and the dispatch point (``backend``)
between the torch references and the Triton kernels of ``solvers.spectral.kernels``."""

from . import backend, contraction, fft

from .dealias import ExponentialFilter, NoDealiasing, ZeroPadding, dealiasing
from .grid import PeriodicGrid

__all__ = ["backend", "contraction", "fft", "PeriodicGrid", "ZeroPadding", "ExponentialFilter", "NoDealiasing", "dealiasing"]
