"""Torch datasets over dataset files: lazy reads, one HDF5 handle per worker process.

Fields come out channels-first: a real field ``(*space)`` (``(n,)`` or ``(n_x, n_y)``) as
``(1, *space)``, a complex one as ``(2, *space)`` (Re, Im); ODE states ``(dim,)`` as they are. Items
are dicts, in float32 unless ``dtype`` says
otherwise. With ``standardize=True`` each channel is shifted and scaled by statistics computed once
over the file and stored beside it in ``<file>.stats.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from .channels import to_channels
from .recipe import ODE_SYSTEMS
from .store import open_checked


def statistics(path: str | Path, field: str = "u") -> dict[str, list[float]]:
    """Per-channel mean and standard deviation of ``field``, cached in ``<path>.stats.json``."""
    path = Path(path)
    cache = path.with_name(path.name + ".stats.json")
    if cache.is_file() and cache.stat().st_mtime >= path.stat().st_mtime:
        stored = json.loads(cache.read_text())
        if field in stored:
            return stored[field]
    with open_checked(path) as handle:
        data = handle[field]
        spatial = data.ndim - 2
        total = square = 0.0
        count = 0
        for row in range(data.shape[0]):  # one sample in memory at a time
            values = _channels(torch.as_tensor(data[row]), handle.attrs["system"], spatial).to(torch.float64)
            per_channel = values.movedim(1, 0).flatten(1) if values.ndim > 2 else values.T  # (channels, points)
            total, square = total + per_channel.sum(1), square + per_channel.square().sum(1)
            count += per_channel.shape[1]
        mean = total / count
        std = (square / count - mean.square()).clamp_min(0).sqrt()
    result = {"mean": mean.tolist(), "std": std.clamp_min(1e-12).tolist()}
    stored = json.loads(cache.read_text()) if cache.is_file() else {}
    stored[field] = result
    cache.write_text(json.dumps(stored, indent=1))
    return result


def _channels(x: torch.Tensor, system: str, spatial: int) -> torch.Tensor:
    """``(..., *space)`` field (``spatial`` axes) to ``(..., C, *space)``; ODE states ``(..., dim)`` unchanged."""
    return x if system in ODE_SYSTEMS else to_channels(x, -1 - spatial)


class _FileDataset(Dataset):
    def __init__(self, path: str | Path, field: str = "u", dtype: torch.dtype = torch.float32, standardize: bool = False):
        self.path = Path(path)
        with open_checked(self.path) as handle:
            if field not in handle:
                raise KeyError(f"{self.path}: no field {field!r}; the file has {', '.join(handle)}")
            self.shape = handle[field].shape
            self.system = str(handle.attrs["system"])
        self.field, self.dtype = field, dtype
        self._handle, self._pid = None, None
        self._mean = self._std = None
        if standardize:
            stats = statistics(self.path, field)
            self._mean, self._std = (torch.tensor(stats[key], dtype=torch.float64) for key in ("mean", "std"))

    def _read(self, sample: int, times) -> torch.Tensor:
        if self._handle is None or self._pid != os.getpid():  # a fresh handle in each DataLoader worker
            self._handle, self._pid = open_checked(self.path), os.getpid()
        spatial = len(self.shape) - 2
        x = _channels(torch.as_tensor(np.asarray(self._handle[self.field][sample, times])), self.system, spatial)
        if self._mean is not None:
            shape = (-1,) + (1,) * spatial if self.system not in ODE_SYSTEMS else (-1,)
            x = (x - self._mean.reshape(shape)) / self._std.reshape(shape)
        return x.to(self.dtype)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_handle"] = state["_pid"] = None
        return state


class OperatorPairs(_FileDataset):
    """``{"x": u(t), "y": u(t + lag)}`` for every sample and time; each ``(C, *space)``."""

    def __init__(self, path, lag: int = 1, **options):
        super().__init__(path, **options)
        if not 1 <= lag < self.shape[1]:
            raise ValueError(f"lag must lie in [1, {self.shape[1] - 1}], got {lag}")
        self.lag = lag
        self._per_sample = self.shape[1] - lag

    def __len__(self) -> int:
        return self.shape[0] * self._per_sample

    def __getitem__(self, item: int) -> dict[str, torch.Tensor]:
        sample, time = divmod(item, self._per_sample)
        pair = self._read(sample, [time, time + self.lag])
        return {"x": pair[0], "y": pair[1]}


class InitialToTrajectory(_FileDataset):
    """``{"x": u(t_0) (C, *space), "y": u(t_1..t_T) (T - 1, C, *space)}`` per sample."""

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, item: int) -> dict[str, torch.Tensor]:
        trajectory = self._read(item, slice(None))
        return {"x": trajectory[0], "y": trajectory[1:]}


class Windows(_FileDataset):
    """Autoregressive windows: ``{"x": u[t : t + inputs] (inputs, C, *space),
    "y": u[t + inputs : t + inputs + outputs]}``."""

    def __init__(self, path, inputs: int = 1, outputs: int = 1, **options):
        super().__init__(path, **options)
        if inputs < 1 or outputs < 1 or inputs + outputs > self.shape[1]:
            raise ValueError(f"windows need inputs, outputs >= 1 and inputs + outputs <= {self.shape[1]}")
        self.inputs, self.outputs = inputs, outputs
        self._per_sample = self.shape[1] - inputs - outputs + 1

    def __len__(self) -> int:
        return self.shape[0] * self._per_sample

    def __getitem__(self, item: int) -> dict[str, torch.Tensor]:
        sample, time = divmod(item, self._per_sample)
        window = self._read(sample, slice(time, time + self.inputs + self.outputs))
        return {"x": window[: self.inputs], "y": window[self.inputs :]}


class TrajectoryWindows(_FileDataset):
    """Sequences of ``length`` consecutive states of ODE trajectories, ``{"sequence": (length, dim)}``,
    read from ``observed`` (noisy) when the file has it, for teacher-forced training."""

    def __init__(self, path, length: int = 200, stride: int = 1, **options):
        with open_checked(path) as handle:
            field = "observed" if "observed" in handle else "u"
        super().__init__(path, field=options.pop("field", field), **options)
        if not 2 <= length <= self.shape[1]:
            raise ValueError(f"length must lie in [2, {self.shape[1]}], got {length}")
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        self.length, self.stride = length, stride
        self._per_sample = (self.shape[1] - length) // stride + 1

    def __len__(self) -> int:
        return self.shape[0] * self._per_sample

    def __getitem__(self, item: int) -> dict[str, torch.Tensor]:
        sample, window = divmod(item, self._per_sample)
        start = window * self.stride
        return {"sequence": self._read(sample, slice(start, start + self.length))}
