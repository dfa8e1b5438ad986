"""Evaluation: learned-versus-numerical comparison, figures and reports; dynamical-systems reconstruction metrics."""

from .compare import compare, relative_l2, rollout
from .dsr import hellinger_spectrum, max_lyapunov_flow, max_lyapunov_map, state_space_divergence

__all__ = ["compare", "rollout", "relative_l2", "state_space_divergence", "hellinger_spectrum", "max_lyapunov_map",
           "max_lyapunov_flow"]
