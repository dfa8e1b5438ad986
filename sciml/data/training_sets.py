"""What the trainers read from a dataset file: an operator's train/validation split, an RNN's standardised
trajectory (from a dataset of this package or a user's own array)."""

from __future__ import annotations

from pathlib import Path

import h5py
import torch
from torch.utils.data import Subset

from .store import DatasetFileError, open_checked
from .torch_datasets import OperatorPairs, Windows
from .user_trajectory import read_trajectory


def operator_split(path: str | Path, lag: int = 1, rollout: int = 1, validation_fraction: float = 0.1,
                   history: int = 1) -> tuple[Subset, Subset, int, int]:
    """``(train, validation, channels, spatial dimensions)``: one-step pairs ``u(t) -> u(t + lag)`` (``rollout ==
    history == 1``) or windows of ``history`` states and ``rollout`` targets, the last ``validation_fraction``
    of the samples held out whole."""
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction!r}")
    try:
        data = (Windows(path, inputs=history, outputs=rollout) if rollout > 1 or history > 1
                else OperatorPairs(path, lag=lag))
    except DatasetFileError:
        raise
    except ValueError as error:  # a lag or rollout longer than the file's trajectories
        raise DatasetFileError(f"{path}: {error}") from error
    samples = data.shape[0]
    validation_samples = max(1, round(validation_fraction * samples))
    if validation_samples >= samples:
        raise DatasetFileError(f"{path}: {samples} sample(s) leave none to train on with validation_fraction "
                         f"{validation_fraction}")
    cut = (samples - validation_samples) * (len(data) // samples)
    spatial = len(data.shape) - 2
    return Subset(data, range(cut)), Subset(data, range(cut, len(data))), data[0]["y"].shape[-1 - spatial], spatial


def ode_trajectory(path: str | Path, sample: int = 0, key: str | None = None) -> tuple[torch.Tensor, dict]:
    """Trajectory ``sample`` of an ODE file of this package, or a user's own ``(T, N)`` array (``.npy``, ``.csv``,
    ``.txt``, or an HDF5 file not of this package, ``key`` naming its dataset: :mod:`.user_trajectory`),
    standardised per dimension, ``(T, dim)`` float32, and ``{"data", "field", "sample", "mean", "std"}`` to
    undo it (the noisy ``observed`` field where stored)."""
    if is_user_trajectory(path):
        if sample != 0:
            raise DatasetFileError(f"{path} holds one trajectory: sample must be 0, got {sample}")
        trajectory, field = torch.as_tensor(read_trajectory(path, key)), key or "array"
    else:
        if key is not None:
            raise DatasetFileError(f"{path} is a dataset of this package: a key applies to a user's own files only")
        with open_checked(path) as handle:
            field = "observed" if "observed" in handle else "u"
            if handle[field].ndim != 3:
                raise DatasetFileError(f"{path}: not ODE trajectories (samples, time, dim): field of shape "
                                       f"{handle[field].shape}")
            if not 0 <= sample < handle[field].shape[0]:
                raise DatasetFileError(f"sample {sample} is not in {path} ({handle[field].shape[0]} samples)")
            trajectory = torch.as_tensor(handle[field][sample])
    mean, std = trajectory.mean(0), trajectory.std(0)
    if not bool((std > 0).all()):
        raise DatasetFileError(f"{path}: dimension(s) {(std == 0).nonzero().flatten().tolist()} are constant: "
                               "nothing to learn there")
    return ((trajectory - mean) / std).float(), {"data": str(path), "field": field, "sample": sample,
                                                 "mean": mean.tolist(), "std": std.tolist()}


def is_user_trajectory(path: str | Path) -> bool:
    """Whether ``path`` is a user's own array file rather than a dataset of this package."""
    path = Path(path)
    if path.suffix.lower() not in (".h5", ".hdf5"):
        return True
    try:
        with h5py.File(path, "r") as handle:
            return "schema_version" not in handle.attrs
    except OSError:
        return False  # let open_checked name the problem
