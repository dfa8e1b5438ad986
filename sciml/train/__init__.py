"""Training: losses, the trainer (single process or data-parallel under torchrun), rollout training,
generalized teacher forcing for piecewise-linear RNNs."""

from .losses import LOSSES, RelativeH1, RelativeLp
from .rollout import Rollout
from .teacher_forcing import TeacherForcingConfig, train_teacher_forcing
from .trainer import History, TrainConfig, Trainer

__all__ = ["RelativeLp", "RelativeH1", "LOSSES", "Trainer", "TrainConfig", "History", "Rollout",
           "TeacherForcingConfig", "train_teacher_forcing"]
