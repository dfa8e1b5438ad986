"""The training core every family shares: seeding, the clock, the history, progress, checkpoints, resume.

A :class:`Session` follows one run. ``resume()`` restores the run folder's ``last.pt`` if there is
one (weights, history, random-number states, the wall time spent, the best monitored value) and
hands back the state the family saved with it (optimizer, step counters, its own generators);
``checkpoint(own, monitor)`` writes ``last.pt`` atomically, and ``best.pt`` when ``monitor`` (lower
is better) improves; ``finish(restore_best)`` puts the best weights back if asked (early stopping)
and marks the run finished, so that rerunning the same command returns at once. A family that
checkpoints everything its future steps depend on resumes to the same numbers as a run never
interrupted. Every checkpoint records the family, for ``sciml evaluate``.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm import tqdm

from ..models.checkpoint import BEST, LAST, read_checkpoint, save_checkpoint

FAMILIES = ("operator", "pinn", "nsm", "rnn")


def seed_everything(seed: int) -> None:
    """Seed torch (CPU and CUDA) and Python's ``random``."""
    torch.manual_seed(seed)
    random.seed(seed)


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def descend(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> float:
    """One step of ``optimizer`` on ``loss`` (gradients zeroed, back-propagated, applied); the loss as a float."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


class Session:
    """One run of ``model`` in ``family``; ``history`` is the family's history dataclass, ``record`` the
    entries every checkpoint carries for evaluation (configuration, problem, data), ``rank`` the process
    (only process 0 writes)."""

    def __init__(self, model: torch.nn.Module, family: str, history, out: str | Path | None = None,
                 record: dict | None = None, rank: int = 0):
        if family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}; allowed: {', '.join(FAMILIES)}")
        self.model, self.family, self.history, self.rank = model, family, history, rank
        self.out = Path(out) if out is not None else None
        self.record = dict(record or {})
        self.best, self.stale, self.finished = math.inf, 0, False
        self._best_state: dict | None = None
        self._spent, self._clock = 0.0, time.perf_counter()

    @property
    def seconds(self) -> float:
        """Wall time spent training, over every session of the run up to its last checkpoint and this one."""
        return self._spent + time.perf_counter() - self._clock

    def resume(self) -> dict | None:
        """Restore ``out/last.pt`` if present and return the family's own saved state (``None``: fresh start)."""
        if self.out is None:
            return None
        if self.rank == 0:
            for partial in self.out.glob(".*.tmp"):  # a write that a kill interrupted
                partial.unlink()
        if not (self.out / LAST).is_file():
            return None
        saved = read_checkpoint(self.out / LAST)
        if saved.get("family") != self.family:
            raise ValueError(f"{self.out / LAST} holds a {saved.get('family')!r} run, not a {self.family} run: "
                             "use another --out")
        self.model.load_state_dict(saved["state"])
        self.history = type(self.history)(**saved["history"])
        set_rng_state(saved["rng"])
        self.best, self.stale, self.finished = saved["best"], saved["stale"], saved["finished"]
        if (self.out / BEST).is_file():
            self._best_state = read_checkpoint(self.out / BEST)["state"]
        self._spent, self._clock = saved["seconds"], time.perf_counter()
        return saved["own"]

    def bar(self, total: int, done: int, description: str, unit: str, enabled: bool) -> tqdm:
        """A progress bar at ``done`` of ``total`` (shown by process 0 only)."""
        return tqdm(total=total, initial=done, disable=not enabled or self.rank > 0, desc=description, unit=unit,
                    leave=False)

    def checkpoint(self, own: dict, monitor: float | None = None) -> None:
        """Save the run with the family's state ``own``; ``monitor`` counts toward the best and the patience."""
        improved = monitor is not None and monitor < self.best
        if improved:
            self.best, self.stale = monitor, 0
            self._best_state = {key: value.detach().clone() for key, value in self.model.state_dict().items()}
        elif monitor is not None:
            self.stale += 1
        if improved:
            self._write(BEST, own)
        self._write(LAST, own)

    def finish(self, restore_best: bool = False, own: dict | None = None) -> None:
        """End the run: the best weights back into the model if ``restore_best``, ``last.pt`` marked finished."""
        if restore_best and self._best_state is not None:
            self.model.load_state_dict(self._best_state)
        self.finished = True
        self._write(LAST, own or {})

    def _write(self, name: str, own: dict) -> None:
        if self.out is None or self.rank > 0:
            return
        save_checkpoint(self.model, self.out / name, family=self.family, history=asdict(self.history),
                        rng=rng_state(), seconds=self.seconds, best=self.best, stale=self.stale,
                        finished=self.finished, own=own, **self.record)
