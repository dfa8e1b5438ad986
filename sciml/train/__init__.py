"""Training: the core every family shares (session: seeding, checkpoints, resume; schedule), losses, the
operator trainer (single process or data-parallel under torchrun), rollout training,
generalized teacher forcing for piecewise-linear RNNs, physics-informed training (PINN, LPINN),
self-supervised operator training on spectral or grid residuals (NSM and its FNO baselines)."""

from .lbfgs import LBFGSResult, minimize_lbfgs
from .losses import LOSSES, RelativeH1, RelativeLp
from .pinn import PINNConfig, predict, train_pinn
from .pinn_problems import PROBLEMS, Problem, make_problem
from .rollout import Rollout
from .schedule import Budget, cosine, exponential, warmup_cosine
from .session import FAMILIES, Session, seed_everything
from .self_supervised import SelfSupervisedConfig, train_self_supervised
from .spectral_residual import make_residual_problem
from .teacher_forcing import TeacherForcingConfig, train_teacher_forcing
from .trainer import History, TrainConfig, Trainer

__all__ = ["RelativeLp", "RelativeH1", "LOSSES", "Trainer", "TrainConfig", "History", "Rollout",
           "TeacherForcingConfig", "train_teacher_forcing",
           "PINNConfig", "train_pinn", "predict", "Problem", "PROBLEMS", "make_problem", "minimize_lbfgs",
           "LBFGSResult",
           "SelfSupervisedConfig", "train_self_supervised", "make_residual_problem",
           "Session", "FAMILIES", "seed_everything", "Budget", "cosine", "exponential", "warmup_cosine"]
