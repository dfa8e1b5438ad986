"""Generate a dataset file from a recipe: batched, sharded, resumable, bit-reproducible.

The file is written as ``<out>.partial`` and renamed to ``<out>`` once every sample is in. Rerunning
an interrupted command reopens the partial file (same recipe, seed and shard required) and writes
only the rows not yet marked done, so no sample is lost or duplicated.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import h5py
import numpy as np
from tqdm import tqdm

from .. import __version__
from . import layout
from .recipe import Recipe
from .signals import held
from .simulate import MICRO_BATCH, check, check_device, coordinates, sample_shape, simulate
from .store import SCHEMA_VERSION, DatasetFileError, check_target, shard_range


def _create(path: Path, recipe: Recipe, start: int, stop: int, shard: str) -> h5py.File:
    dtype = np.complex128 if sample_shape(recipe)[1].is_complex else np.float64
    times, space = coordinates(recipe)
    handle = h5py.File(path, "w")
    layout.create(handle, recipe.system, np.arange(start, stop), times.numpy(), tuple(s.numpy() for s in space), dtype,
                  fields=("u", "observed") if recipe.noise > 0 else ("u",))
    attributes = {
        "schema_version": SCHEMA_VERSION, "package_version": __version__, "recipe": recipe.text,
        "recipe_name": recipe.name, "description": recipe.description, "system": recipe.system, "seed": recipe.seed,
        "samples_total": recipe.samples,
        "shard": shard, "method": str(recipe.solver["method"]), "complete": False,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    for key in ("rtol", "atol", "dt"):
        attributes[key] = float(recipe.solver.get(key, float("nan")))
    if recipe.grid is not None:
        attributes["L"] = recipe.grid["L"]
    handle.attrs.update(attributes)
    return handle


def _reopen(path: Path, recipe: Recipe, shard: str) -> h5py.File:
    try:
        handle = h5py.File(path, "r+")
    except OSError as error:
        raise DatasetFileError(f"{path}: the interrupted file cannot be reopened ({error}); delete it to start over") from None
    for key, value in (("recipe", recipe.text), ("seed", recipe.seed), ("shard", shard),
                       ("schema_version", SCHEMA_VERSION)):
        if handle.attrs.get(key) != value:
            handle.close()
            raise DatasetFileError(f"{path}: an interrupted generation with a different {key} is there; "
                                   f"delete it or choose another --out")
    return handle


def generate(recipe: Recipe, out: str | Path, shard: tuple[int, int] = (1, 1), batch_size: int = 64,
             overwrite: bool = False, progress: bool = True, device: str = "cpu") -> Path:
    """Write the samples of ``shard`` (``(i, k)``, 1-based) of ``recipe`` to ``out``, solving on ``device``;
    returns ``out``. Bit-reproducibility holds on one device type."""
    check(recipe)
    check_device(device)
    if batch_size < 1:
        raise ValueError(f"batch size must be >= 1, got {batch_size}")
    out = Path(out)
    check_target(out, overwrite)
    start, stop = shard_range(recipe.samples, *shard)
    label = f"{shard[0]}/{shard[1]}"
    partial = out.with_name(out.name + ".partial")
    with held():
        handle = _reopen(partial, recipe, label) if partial.exists() else _create(partial, recipe, start, stop, label)
        handle.flush()
    with handle:
        done = handle["done"][:]
        pending = np.flatnonzero(~done) + start
        micro_batches = sorted({int(i) // MICRO_BATCH for i in pending})
        per_call = max(1, -(-batch_size // MICRO_BATCH))
        bar = tqdm(total=stop - start, initial=int(done.sum()), unit="sample", disable=not progress,
                   desc=f"{recipe.name} {label}")
        for first in range(0, len(micro_batches), per_call):
            group = micro_batches[first : first + per_call]
            indices = [i for m in group for i in range(m * MICRO_BATCH, min((m + 1) * MICRO_BATCH, recipe.samples))]
            result = simulate(recipe, indices, device)
            rows = [(position, i - start) for position, i in enumerate(indices) if start <= i < stop and not done[i - start]]
            with held():  # a stop signal waits until the rows are written and flushed
                for position, row in rows:
                    handle["u"][row] = result.u[position].numpy()
                    if result.observed is not None:
                        handle["observed"][row] = result.observed[position].numpy()
                for name, values in result.parameters.items():
                    column = handle["parameters"].get(name) or layout.create_parameter(handle, name)
                    for position, row in rows:
                        column[row] = float(values[position])
                handle.flush()
                for _, row in rows:
                    done[row] = True
                handle["done"][:] = done
                handle.flush()
            bar.update(len(rows))
        bar.close()
        handle.attrs["complete"] = True
    os.replace(partial, out)
    return out
