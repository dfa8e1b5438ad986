"""Learned models: Fourier layers, Fourier neural operators, multigrid neural operators."""

from .checkpoint import load, save
from .fno import FNO, TFNO
from .mgno import MgConv, MgNO
from .spectral_conv import FACTORIZATIONS, SpectralConv

__all__ = ["SpectralConv", "FACTORIZATIONS", "FNO", "TFNO", "MgConv", "MgNO", "save", "load"]
