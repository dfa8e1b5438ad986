"""The model kinds by name: the operators (which ``MassConserving`` can wrap) and the piecewise-linear RNNs
(which ``RNNEnsemble`` can stack); checkpoints rebuild a model from its kind's name and ``config``."""

from __future__ import annotations

from torch import nn

from .fno import FNO, TFNO
from .mgno import MgNO
from .mgtfno import MGTFNO
from .nsm import NSM
from .rnn import ALRNN, PLRNN, ShallowPLRNN

OPERATORS: dict[str, type[nn.Module]] = {"FNO": FNO, "TFNO": TFNO, "MGTFNO": MGTFNO, "MgNO": MgNO, "NSM": NSM}
RNN_MODELS: dict[str, type[nn.Module]] = {"PLRNN": PLRNN, "ShallowPLRNN": ShallowPLRNN, "ALRNN": ALRNN}
