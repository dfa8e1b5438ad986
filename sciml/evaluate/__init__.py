"""Evaluation: learned-versus-numerical comparison, figures and reports; dynamical-systems reconstruction metrics;
dataset cards."""

from .card import card
from .compare import compare, rollout
from .dsr import (
    hellinger_spectrum,
    max_lyapunov_flow,
    max_lyapunov_map,
    state_space_divergence,
    state_space_divergence_gmm,
)
from .errors import relative_error
from .symbolic import SymbolicGraph, symbolic_graph

__all__ = ["card", "compare", "rollout", "relative_error", "state_space_divergence", "state_space_divergence_gmm",
           "hellinger_spectrum", "max_lyapunov_map", "max_lyapunov_flow", "SymbolicGraph", "symbolic_graph"]
