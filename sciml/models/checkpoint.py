"""Checkpoints that rebuild their model: ``{"model": class name, "config": constructor arguments,
"state": state_dict, ...extra}`` saved with ``torch.save``."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .fno import FNO, TFNO
from .mgno import MgNO
from .mgtfno import MGTFNO
from .nsm import NSM
from .pinn import LPINN, PINN
from .rnn import ALRNN, PLRNN, ShallowPLRNN

MODELS: dict[str, type[nn.Module]] = {"FNO": FNO, "TFNO": TFNO, "MgNO": MgNO, "MGTFNO": MGTFNO, "NSM": NSM,
                                    "PLRNN": PLRNN, "ShallowPLRNN": ShallowPLRNN, "ALRNN": ALRNN, "PINN": PINN,
                                    "LPINN": LPINN}


def save(model: nn.Module, path: str | Path, **extra) -> Path:
    name = type(model).__name__
    if name not in MODELS or not hasattr(model, "config"):
        raise TypeError(f"cannot checkpoint {name}: known models are {', '.join(MODELS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": name, "config": model.config, "state": model.state_dict(), **extra}, path)
    return path


def load(path: str | Path, map_location: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """``(model, extra)``: the rebuilt model with its weights, and the checkpoint's other entries."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    name = checkpoint.get("model")
    if name not in MODELS:
        raise ValueError(f"{path}: unknown model {name!r}; known: {', '.join(MODELS)}")
    model = MODELS[name](**checkpoint["config"])
    if any(value.dtype == torch.float64 for value in checkpoint["state"].values()):
        model.double()  # a float64 model is restored in float64 (complex weights keep their type)
    model.load_state_dict(checkpoint["state"])
    extra = {key: value for key, value in checkpoint.items() if key not in ("model", "config", "state")}
    return model, extra
