"""Learned models: Fourier layers and neural operators."""

from .checkpoint import load, save
from .fno import FNO, TFNO
from .spectral_conv import FACTORIZATIONS, SpectralConv

__all__ = ["SpectralConv", "FACTORIZATIONS", "FNO", "TFNO", "save", "load"]
