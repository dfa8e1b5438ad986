"""Training: losses, the trainer (single process or data-parallel under torchrun), rollout training."""

from .losses import LOSSES, RelativeH1, RelativeLp
from .rollout import Rollout
from .trainer import History, TrainConfig, Trainer

__all__ = ["RelativeLp", "RelativeH1", "LOSSES", "Trainer", "TrainConfig", "History", "Rollout"]
