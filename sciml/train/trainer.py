"""Training loop over dict batches: ``prediction = model(**batch)``, ``loss(prediction, **batch)``.

AdamW with linear warm-up then cosine decay, gradient clipping, optional bfloat16 autocast,
validation every epoch, a checkpoint every epoch (model, optimizer, schedule, epoch, history) from
which ``fit`` resumes, early stopping on the validation loss, and a progress bar with loss and rate.
``forward(model, **batch)`` replaces ``model(**batch)``, e.g. by an autoregressive ``Rollout``. Under
``torchrun`` the model is wrapped in DistributedDataParallel and each process takes its slice of every
global batch (see ``distributed``); process 0 writes the checkpoints and the progress.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from ..models import checkpoint
from . import distributed


@dataclass
class TrainConfig:
    epochs: int = 50
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    clip_norm: float = 1.0
    patience: int = 0  # epochs without validation improvement before stopping; 0: never stop early
    mixed_precision: bool = False  # bfloat16 autocast
    seed: int = 0
    workers: int = 0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")


@dataclass
class History:
    train: list[float] = field(default_factory=list)
    validation: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def _schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class Trainer:
    def __init__(self, model: torch.nn.Module, loss, config: TrainConfig, out: str | Path | None = None,
                 metadata: dict | None = None, forward=None):
        """``metadata`` (e.g. the data file and the lag) is stored in every checkpoint."""
        self.model, self.loss, self.config = model, loss, config
        self.forward = forward or (lambda network, **batch: network(**batch))
        self.metadata = dict(metadata or {})
        self.out = Path(out) if out is not None else None
        self.rank, self.world_size = distributed.setup()
        self.network = DistributedDataParallel(model) if self.world_size > 1 else model
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
        self.history = History()
        self.epoch = 0

    def _sampler(self, dataset, shuffle: bool) -> distributed.GlobalBatchSampler:
        return distributed.GlobalBatchSampler(len(dataset), self.config.batch_size, shuffle, self.config.seed + self.epoch,
                                              self.rank, self.world_size)

    def _forward(self, batch: dict) -> torch.Tensor:
        device = next(self.model.parameters()).device
        batch = {key: value.to(device) for key, value in batch.items()}
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.config.mixed_precision):
            prediction = self.forward(self.network, **batch)
        return self.loss(prediction.float(), **batch)

    def _batches(self, dataset, shuffle: bool):
        """``(batch, share)`` pairs: this process's slice of each global batch and its share of the samples."""
        sampler = self._sampler(dataset, shuffle)
        loader = DataLoader(dataset, batch_sampler=sampler, num_workers=self.config.workers)
        for batch, (indices, size) in zip(loader, sampler.batches()):
            yield batch, len(indices) / size

    def evaluate(self, dataset) -> float:
        """Mean loss over ``dataset`` (weighted by batch size; summed over processes)."""
        self.model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for batch in DataLoader(dataset, batch_sampler=self._sampler(dataset, False), num_workers=self.config.workers):
                size = next(iter(batch.values())).shape[0]
                total += float(self._forward(batch)) * size
                count += size
        total, count = distributed.all_sum(total, count)
        return total / count

    def fit(self, train, validation=None, progress: bool = True) -> History:
        """Train until ``config.epochs`` (resuming from ``out/last.pt`` if present) or early stopping."""
        steps_per_epoch = len(self._sampler(train, True))
        scheduler = _schedule(self.optimizer, self.config.warmup_steps, self.config.epochs * steps_per_epoch)
        if self.out is not None and (self.out / "last.pt").is_file():
            self._resume(scheduler)
        best = min(self.history.validation, default=math.inf)
        stale = 0
        while self.epoch < self.config.epochs:
            torch.manual_seed(self.config.seed + self.epoch)
            self.model.train()
            start, total, count = time.perf_counter(), 0.0, 0
            bar = tqdm(self._batches(train, shuffle=True), total=steps_per_epoch, disable=not progress or self.rank > 0,
                       leave=False, desc=f"epoch {self.epoch + 1}/{self.config.epochs}", unit="batch")
            for batch, share in bar:
                loss = self._forward(batch)
                self.optimizer.zero_grad(set_to_none=True)
                (loss * share * self.world_size).backward()  # processes average their gradients
                if self.config.clip_norm > 0:
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.clip_norm)
                self.optimizer.step()
                scheduler.step()
                size = next(iter(batch.values())).shape[0]
                total, count = total + float(loss.detach()) * size, count + size
                bar.set_postfix(loss=f"{total / count:.3e}")
            self.epoch += 1
            total, count = distributed.all_sum(total, count)
            self.history.train.append(total / count)
            self.history.seconds.append(time.perf_counter() - start)
            if validation is not None:
                self.history.validation.append(self.evaluate(validation))
            if progress and self.rank == 0:
                tail = f", validation {self.history.validation[-1]:.3e}" if validation is not None else ""
                print(f"epoch {self.epoch}: train {self.history.train[-1]:.3e}{tail} ({self.history.seconds[-1]:.1f} s)")
            self._save(scheduler)
            if validation is not None and self.config.patience:
                if self.history.validation[-1] < best:
                    best, stale = self.history.validation[-1], 0
                else:
                    stale += 1
                    if stale >= self.config.patience:
                        break
        return self.history

    def _save(self, scheduler) -> None:
        if self.out is None or self.rank > 0:
            return
        checkpoint.save(self.model, self.out / "last.pt", optimizer=self.optimizer.state_dict(),
                        scheduler=scheduler.state_dict(), epoch=self.epoch, history=asdict(self.history),
                        train_config=asdict(self.config), metadata=self.metadata)

    def _resume(self, scheduler) -> None:
        state = torch.load(self.out / "last.pt", map_location="cpu", weights_only=True)
        self.model.load_state_dict(state["state"])
        self.optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        self.epoch = int(state["epoch"])
        self.history = History(**state["history"])
