"""Evaluation: learned-versus-numerical comparison, figures and reports."""

from .compare import compare, relative_l2, rollout

__all__ = ["compare", "rollout", "relative_l2"]
