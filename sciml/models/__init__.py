"""Learned models: Fourier layers, Fourier neural operators (dense, tensorized, multigrid-patched),
multigrid neural operators."""

from .checkpoint import load, save
from .fno import FNO, TFNO
from .mgno import MgConv, MgNO
from .mgtfno import MGTFNO
from .spectral_conv import FACTORIZATIONS, SpectralConv

__all__ = ["SpectralConv", "FACTORIZATIONS", "FNO", "TFNO", "MGTFNO", "MgConv", "MgNO", "save", "load"]
