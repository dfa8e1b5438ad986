"""Data-parallel training under ``torchrun``: process group set-up and a sampler that gives every
process its share of the *same* global batches one process would see.

``torchrun --nproc_per_node N sciml train ...`` sets ``WORLD_SIZE``, ``RANK`` and the rendezvous
variables; ``setup`` then joins the group (gloo on CPU, nccl on CUDA). Each global batch of
``batch_size`` samples (one shuffled order per epoch, seeded) is split into ``N`` contiguous slices,
one a process; with the loss weighted by the slice's share of the global batch and gradients
averaged over processes, an update equals the single-process one up to floating-point reduction order.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def setup() -> tuple[int, int]:
    """``(rank, world_size)``; joins the process group when launched by torchrun with more than one process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return (dist.get_rank(), dist.get_world_size()) if world > 1 else (0, 1)


def all_sum(*values: float) -> list[float]:
    """Sums over processes (the values themselves in a single process)."""
    if not dist.is_initialized():
        return list(values)
    total = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(total)
    return total.tolist()


class GlobalBatchSampler(torch.utils.data.Sampler):
    """Yields this process's slice of each global batch: ``(indices, global_batch_size)`` pairs are in
    ``batches()``; iteration yields the index lists for a ``DataLoader(batch_sampler=...)``.

    With ``world_size`` processes, a final global batch smaller than ``world_size`` is dropped (some
    process would get no sample)."""

    def __init__(self, length: int, batch_size: int, shuffle: bool, seed: int, rank: int = 0, world_size: int = 1):
        self.length, self.batch_size, self.shuffle, self.seed = length, batch_size, shuffle, seed
        self.rank, self.world_size = rank, world_size

    def batches(self) -> list[tuple[list[int], int]]:
        order = (torch.randperm(self.length, generator=torch.Generator().manual_seed(self.seed)) if self.shuffle
                 else torch.arange(self.length))
        result = []
        for batch in order.split(self.batch_size):
            if len(batch) < self.world_size:
                continue
            result.append((torch.tensor_split(batch, self.world_size)[self.rank].tolist(), len(batch)))
        return result

    def __iter__(self):
        return iter([indices for indices, _ in self.batches()])

    def __len__(self) -> int:
        return len(self.batches())
