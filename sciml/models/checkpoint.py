"""Checkpoints that rebuild their model, written atomically, and their names in a run folder.

A checkpoint is ``{"model": class name, "config": constructor arguments, "state": state_dict, ...extra}``
saved with ``torch.save`` to a temporary file beside the target, flushed to disk and renamed over it
(``os.replace``): a kill at any moment leaves the previous complete file. A run folder holds
``LAST`` (the latest state, from which training resumes) and ``BEST`` (the best monitored state).

``SCIML_CHECKPOINT_FAULT`` makes writes fail on purpose, for the crash tests: ``slow:SECONDS`` pauses
for that long half-way through every write; ``kill:N`` kills the process half-way through the N-th
write (counted from 1 in this process, a forked child counting its own).
"""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

import torch
from torch import nn

from .ensemble import RNNEnsemble
from .mass_conserving import MassConserving
from .pinn import LPINN, PINN
from .registry import OPERATORS, RNN_MODELS

MODELS: dict[str, type[nn.Module]] = {**OPERATORS, **RNN_MODELS, "MassConserving": MassConserving,
                                    "RNNEnsemble": RNNEnsemble, "PINN": PINN, "LPINN": LPINN}
LAST, BEST = "last.pt", "best.pt"
FAULT = "SCIML_CHECKPOINT_FAULT"
_writes = {"process": os.getpid(), "count": 0}  # writes by this process, for ``kill:N``


def write_atomic(payload: dict, path: str | Path) -> Path:
    """``torch.save(payload)`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if _writes["process"] != os.getpid():
        _writes.update(process=os.getpid(), count=0)
    _writes["count"] += 1
    with open(temporary, "wb") as handle:
        handle.write(data[: len(data) // 2])
        handle.flush()
        _fault()
        handle.write(data[len(data) // 2:])
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def _fault() -> None:
    kind, _, value = os.environ.get(FAULT, "").partition(":")
    if kind == "slow":
        time.sleep(float(value))
    elif kind == "kill" and _writes["count"] == int(value):
        os.kill(os.getpid(), signal.SIGKILL)


def save_checkpoint(model: nn.Module, path: str | Path, **extra) -> Path:
    """Write ``model`` (class, constructor arguments, weights) and ``extra`` entries to ``path``."""
    name = type(model).__name__
    if name not in MODELS or not hasattr(model, "config"):
        raise TypeError(f"cannot checkpoint {name}: known models are {', '.join(MODELS)}")
    return write_atomic({"model": name, "config": model.config, "state": model.state_dict(), **extra}, path)


def read_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """The raw entries of the checkpoint at ``path``."""
    path = Path(path)
    if path.is_dir():
        path = path / LAST
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return torch.load(path, map_location=map_location, weights_only=True)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """``(model, extra)``: the rebuilt model with its weights, and the checkpoint's other entries.
    ``path`` is a checkpoint file or a run folder (its ``LAST``)."""
    checkpoint = read_checkpoint(path, map_location)
    name = checkpoint.get("model")
    if name not in MODELS:
        raise ValueError(f"{path}: unknown model {name!r}; known: {', '.join(MODELS)}")
    model = MODELS[name](**checkpoint["config"])
    if any(value.dtype == torch.float64 for value in checkpoint["state"].values()):
        model.double()  # a float64 model is restored in float64 (complex weights keep their type)
    model.load_state_dict(checkpoint["state"])
    extra = {key: value for key, value in checkpoint.items() if key not in ("model", "config", "state")}
    return model, extra
