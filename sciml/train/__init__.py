"""Training: losses, the trainer (single process or data-parallel under torchrun), rollout training,
generalized teacher forcing for piecewise-linear RNNs, physics-informed training (PINN, LPINN)."""

from .lbfgs import LBFGSResult, minimize_lbfgs
from .losses import LOSSES, RelativeH1, RelativeLp
from .pinn import PINNConfig, predict, train_pinn
from .pinn_problems import PROBLEMS, Problem, make_problem
from .rollout import Rollout
from .teacher_forcing import TeacherForcingConfig, train_teacher_forcing
from .trainer import History, TrainConfig, Trainer

__all__ = ["RelativeLp", "RelativeH1", "LOSSES", "Trainer", "TrainConfig", "History", "Rollout",
           "TeacherForcingConfig", "train_teacher_forcing",
           "PINNConfig", "train_pinn", "predict", "Problem", "PROBLEMS", "make_problem", "minimize_lbfgs", "LBFGSResult"]
