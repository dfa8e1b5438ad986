"""Training loop over dict batches: ``prediction = model(**batch)``, ``loss(prediction, **batch)``.

AdamW with linear warm-up then cosine decay, gradient clipping, optional bfloat16 autocast,
validation every epoch, a checkpoint every epoch through the training core (:mod:`.session`) from
which ``fit`` resumes, early stopping on the validation loss that restores the best weights, and a
progress bar with loss and rate.
``forward(model, **batch)`` replaces ``model(**batch)``, e.g. by an autoregressive ``Rollout``. Under
``torchrun`` the model is wrapped in DistributedDataParallel and each process takes its slice of every
global batch (see ``distributed``); process 0 writes the checkpoints and the progress.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from . import distributed
from .checks import at_least
from .schedule import set_learning_rate, warmup_cosine
from .session import Session


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
        at_least(self, 1, ("epochs", "batch_size"))
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")


@dataclass
class History:
    train: list[float] = field(default_factory=list)
    validation: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


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
        config = self.config
        steps_per_epoch = len(self._sampler(train, True))
        total = config.epochs * steps_per_epoch
        session = Session(self.model, "operator", History(), self.out, rank=self.rank,
                          record={"train_config": asdict(config), "metadata": self.metadata})
        own = session.resume()
        if own and not session.finished:
            self.optimizer.load_state_dict(own["optimizer"])
        self.epoch = own["epoch"] if own else 0
        while self.epoch < config.epochs and not session.finished:
            torch.manual_seed(config.seed + self.epoch)
            self.model.train()
            start, loss_sum, count = time.perf_counter(), 0.0, 0
            bar = session.bar(steps_per_epoch, 0, f"epoch {self.epoch + 1}/{config.epochs}", "batch", progress)
            for index, (batch, share) in enumerate(self._batches(train, shuffle=True)):
                set_learning_rate(self.optimizer, config.learning_rate * warmup_cosine(
                    self.epoch * steps_per_epoch + index, config.warmup_steps, total))
                loss = self._forward(batch)
                self.optimizer.zero_grad(set_to_none=True)
                (loss * share * self.world_size).backward()  # processes average their gradients
                if config.clip_norm > 0:
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), config.clip_norm)
                self.optimizer.step()
                size = next(iter(batch.values())).shape[0]
                loss_sum, count = loss_sum + float(loss.detach()) * size, count + size
                bar.update()
                bar.set_postfix(loss=f"{loss_sum / count:.3e}")
            bar.close()
            self.epoch += 1
            history = session.history
            loss_sum, count = distributed.all_sum(loss_sum, count)
            history.train.append(loss_sum / count)
            history.seconds.append(time.perf_counter() - start)
            if validation is not None:
                history.validation.append(self.evaluate(validation))
            if progress and self.rank == 0:
                tail = f", validation {history.validation[-1]:.3e}" if validation is not None else ""
                print(f"epoch {self.epoch}: train {history.train[-1]:.3e}{tail} ({history.seconds[-1]:.1f} s)")
            session.checkpoint({"optimizer": self.optimizer.state_dict(), "epoch": self.epoch},
                               monitor=(history.validation if validation is not None else history.train)[-1])
            if validation is not None and config.patience and session.stale >= config.patience:
                break
        if not session.finished:
            session.finish(restore_best=validation is not None and config.patience > 0, own={"epoch": self.epoch})
        self.history = session.history
        return self.history
