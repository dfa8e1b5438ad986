"""Generation on an existing engine: one shard per torchrun process or Slurm array task, then one merge.

- torchrun (``WORLD_SIZE`` > 1): process ``RANK`` writes shard ``RANK + 1`` of ``WORLD_SIZE`` to
  ``<stem>.shard-i-of-k<suffix>`` beside ``out``; the processes meet at a gloo barrier, then rank 0
  merges the shards into ``out`` and deletes them. Across nodes, ``out`` must lie on a file system
  every node sees.
- Slurm job array (``SLURM_ARRAY_TASK_ID`` with ``SLURM_ARRAY_TASK_MIN``, ``_MAX`` and ``_COUNT`` of a
  contiguous array, step 1): task ``ID`` writes shard ``ID - MIN + 1`` of ``COUNT``; the task that
  finds every shard written takes the lock ``<out>.merging`` (created exclusively) and merges.

Shards are the usual resumable shard files and merging is :func:`sciml.data.store.merge`, so the
result holds the same data, bit for bit, as a one-process run. Rerunning the same command resumes: a
complete shard of the same recipe is kept, an interrupted one continues from its ``.partial`` file.
"""

from __future__ import annotations

import datetime
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .generate import generate
from .recipe import Recipe
from .store import DatasetFileError, check_target, merge, open_checked

BARRIER_TIMEOUT = datetime.timedelta(hours=24)
"""How long the first torchrun process to finish waits for the slowest one."""


@dataclass(frozen=True)
class Placement:
    """Shard ``shard`` (1-based) of ``count``, as assigned by ``engine`` (``"torchrun"`` or ``"slurm"``)."""

    engine: str
    shard: int
    count: int


def placement(environ: Mapping[str, str], manual_shard: bool = False) -> Placement | None:
    """The shard the environment assigns to this process, or None outside torchrun and Slurm arrays
    (and for a Slurm task given ``--shard``, which then shards by hand)."""
    world = int(environ.get("WORLD_SIZE", "1"))
    array = "SLURM_ARRAY_TASK_ID" in environ
    if world > 1 and array:
        raise ValueError("both torchrun (WORLD_SIZE) and a Slurm job array (SLURM_ARRAY_TASK_ID) are set; use one")
    if world > 1:
        if manual_shard:
            raise ValueError(f"--shard does not apply under torchrun: process RANK takes shard RANK + 1 of "
                             f"WORLD_SIZE ({world})")
        return Placement("torchrun", int(environ["RANK"]) + 1, world)
    if not array or manual_shard:
        return None
    try:
        task, low, high, count = (int(environ[f"SLURM_ARRAY_TASK_{key}"]) for key in ("ID", "MIN", "MAX", "COUNT"))
    except KeyError as missing:
        raise ValueError(f"a Slurm job array without {missing.args[0]}; Slurm 17.11 or later sets it") from None
    if count != high - low + 1:
        raise ValueError(f"the Slurm array must be contiguous with step 1 (e.g. --array=0-{count - 1}); got tasks "
                         f"{low}..{high} with SLURM_ARRAY_TASK_COUNT={count}")
    return Placement("slurm", task - low + 1, count)


def shard_path(out: Path, shard: int, count: int) -> Path:
    """Where shard ``shard`` of ``count`` of ``out`` is written: ``<stem>.shard-i-of-k<suffix>``."""
    return out.with_name(f"{out.stem}.shard-{shard}-of-{count}{out.suffix}")


def _shard(recipe: Recipe, out: Path, where: Placement, overwrite: bool, **options) -> Path:
    part = shard_path(out, where.shard, where.count)
    if part.exists():
        with open_checked(part) as handle:
            same = handle.attrs["recipe"] == recipe.text and int(handle.attrs["seed"]) == recipe.seed
        if same:
            return part
        if not overwrite:
            raise DatasetFileError(f"{part}: a shard of another recipe is there; delete it or pass --overwrite")
    return generate(recipe, part, shard=(where.shard, where.count), overwrite=True, **options)


def _merge(out: Path, count: int, overwrite: bool) -> Path:
    parts = [shard_path(out, shard, count) for shard in range(1, count + 1)]
    merge(parts, out, overwrite=overwrite)
    for part in parts:
        part.unlink()
    return out


def generate_placed(recipe: Recipe, out: str | Path, where: Placement, overwrite: bool = False,
                    progress: bool = True, **options) -> Path | None:
    """Write this process's shard of ``recipe``, then merge into ``out`` if this process is the one that
    merges; returns ``out`` when merged here, else None. ``options`` go to :func:`generate`."""
    out = Path(out)
    check_target(out, overwrite)
    if where.engine == "torchrun":
        import torch.distributed as dist

        dist.init_process_group("gloo", timeout=BARRIER_TIMEOUT)
        try:
            _shard(recipe, out, where, overwrite, progress=progress and where.shard == 1, **options)
            dist.barrier()
            return _merge(out, where.count, overwrite) if where.shard == 1 else None
        finally:
            dist.destroy_process_group()
    _shard(recipe, out, where, overwrite, progress=progress, **options)
    if not all(shard_path(out, shard, where.count).exists() for shard in range(1, where.count + 1)):
        return None
    lock = out.with_name(out.name + ".merging")
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        warnings.warn(f"{lock} exists: another task is merging; if none is (a merge was interrupted), delete it "
                      f"and rerun one task", stacklevel=2)
        return None
    try:
        return _merge(out, where.count, overwrite)
    finally:
        os.close(descriptor)
        lock.unlink()
