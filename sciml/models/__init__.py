"""Learned models: Fourier layers, Fourier neural operators (dense, tensorized, multigrid-patched),
multigrid neural operators, neural spectral methods, a mass-conserving output for any of them;
physics-informed networks (PINN, Lagrangian PINN); piecewise-linear RNNs for dynamical-systems
reconstruction, alone or as ensembles trained at once, and AL-RNNs saved by the reference code. The kinds by
name: :mod:`.registry`."""

from .alrnn_reference import alrnn_from_reference
from .checkpoint import BEST, LAST, load_checkpoint, read_checkpoint, save_checkpoint
from .ensemble import RNNEnsemble
from .fno import FNO, TFNO
from .mass_conserving import MassConserving, discrete_mass
from .mgno import MgConv, MgNO
from .mgtfno import MGTFNO
from .nsm import NSM
from .pinn import LPINN, PINN
from .rnn import ALRNN, PLRNN, ShallowPLRNN
from .spectral_conv import FACTORIZATIONS, SpectralConv

__all__ = ["SpectralConv", "FACTORIZATIONS", "FNO", "TFNO", "MGTFNO", "MgConv", "MgNO", "NSM", "MassConserving",
           "discrete_mass", "PLRNN", "ShallowPLRNN", "ALRNN", "alrnn_from_reference", "RNNEnsemble", "PINN", "LPINN",
           "save_checkpoint", "load_checkpoint", "read_checkpoint", "LAST", "BEST"]
