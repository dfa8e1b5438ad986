"""Training: losses and the trainer."""

from .losses import LOSSES, RelativeH1, RelativeLp
from .trainer import History, TrainConfig, Trainer

__all__ = ["RelativeLp", "RelativeH1", "LOSSES", "Trainer", "TrainConfig", "History"]
