"""The HDF5 file of a dataset: schema, checks, merging shards.

Layout (schema 2, named dimensions: see :mod:`sciml.data.layout`), one row per sample, rows chunked
by sample:

    u            (sample, time, x)  float64, or complex128 for complex fields (the NLSE);
                                    (sample, time, x, y) on a plane; (sample, time, component) for ODE systems
    observed     like u, with observation noise (only when the recipe has noise)
    sample, time, x [, y] | component  coordinates: global sample index, output times, grid points
    done         (sample,) bool     row written
    parameters/  (sample,) float64  one dataset per drawn initial-condition parameter
    attributes   schema_version, package_version, recipe (TOML text), recipe_name, description, system,
                 seed, method, rtol, atol, dt, samples_total, shard ("i/k"), complete, created, L (fields)

Schema 1 (before named dimensions: ``t`` and ``index`` instead of ``time`` and ``sample``) is refused
with a message that says how to get a schema-2 file.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import h5py
import numpy as np
from . import invariants, layout

SCHEMA_VERSION = 2
REQUIRED = ("u", "time", "sample", "done")


class DatasetFileError(ValueError):
    """A file that is not a usable dataset: not HDF5, missing parts, incomplete, inconsistent."""


def shard_range(samples: int, shard: int, count: int) -> tuple[int, int]:
    """Global sample indices ``[start, stop)`` of shard ``shard`` (1-based) of ``count``."""
    if not (1 <= shard <= count):
        raise ValueError(f"shard must be i/k with 1 <= i <= k, got {shard}/{count}")
    return math.floor((shard - 1) * samples / count), math.floor(shard * samples / count)


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"3/8"`` to ``(3, 8)``; None to ``(1, 1)``."""
    if text is None:
        return 1, 1
    try:
        shard, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard must look like i/k (e.g. 3/8), got {text!r}") from None
    shard_range(1, shard, count)
    return shard, count


def open_checked(path: str | Path, require_complete: bool = True) -> h5py.File:
    """Open a dataset file read-only after checking schema and (by default) completeness."""
    path = Path(path)
    if not path.is_file():
        raise DatasetFileError(f"{path}: no such file")
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise DatasetFileError(f"{path}: not a readable HDF5 file ({error})") from None
    try:
        version = handle.attrs.get("schema_version")
        if version is not None and int(version) != SCHEMA_VERSION:
            raise DatasetFileError(
                f"{path}: schema version {int(version)}, this package reads version {SCHEMA_VERSION} (named dimensions "
                f"sample, time, x); regenerate it with `sciml generate` from the recipe stored in its "
                f"'recipe' attribute")
        missing = [name for name in REQUIRED if name not in handle]
        if missing or version is None:
            raise DatasetFileError(f"{path}: not a dataset of this package (missing {', '.join(missing) or 'schema_version'})")
        rows = handle["u"].shape[0]
        if any(handle[name].shape[0] != rows for name in ("sample", "done")):
            raise DatasetFileError(f"{path}: sample/done do not match the {rows} rows of u")
        if require_complete:
            written = int(np.count_nonzero(handle["done"][:]))
            if not bool(handle.attrs.get("complete", False)) or written != rows:
                raise DatasetFileError(f"{path}: incomplete, {written} of {rows} samples written")
    except DatasetFileError:
        handle.close()
        raise
    except (KeyError, OSError) as error:
        handle.close()
        raise DatasetFileError(f"{path}: corrupt or truncated ({error})") from None
    return handle


def merge(parts: list[str | Path], out: str | Path, overwrite: bool = False) -> Path:
    """Concatenate complete shard files of one recipe into ``out`` (written under a temporary name)."""
    if not parts:
        raise ValueError("merge needs at least one input file")
    out = Path(out)
    check_target(out, overwrite)
    handles = [open_checked(p) for p in parts]
    try:
        first = handles[0].attrs
        for path, handle in zip(parts, handles):
            for key in ("recipe", "seed", "samples_total"):
                if handle.attrs[key] != first[key]:
                    raise DatasetFileError(f"{path}: {key} differs from {parts[0]}; shards of one recipe only")
        handles.sort(key=lambda h: int(h["sample"][0]))
        total, expected = int(first["samples_total"]), 0
        for handle in handles:
            start, stop = int(handle["sample"][0]), int(handle["sample"][-1]) + 1
            if start != expected:
                raise DatasetFileError(f"shards do not tile the {total} samples: gap or overlap at sample {expected}")
            expected = stop
        if expected != total:
            raise DatasetFileError(f"shards cover {expected} of {total} samples")
        partial = out.with_name(out.name + ".partial")
        template = handles[0]
        fields = tuple(name for name in layout.FIELDS if name in template)
        with h5py.File(partial, "w") as merged:
            names = layout.dimensions(str(first["system"]))
            layout.create(merged, str(first["system"]), np.arange(total), template[names[1]][:],
                          tuple(template[name][:] for name in names[2:]), template["u"].dtype, fields,
                          tuple(template["parameters"]))
            merged.attrs.update(dict(template.attrs))
            merged.attrs["shard"] = "1/1"
            for handle in handles:  # shard by shard, sample by sample: memory stays at one sample
                rows = slice(int(handle["sample"][0]), int(handle["sample"][-1]) + 1)
                for name in fields:
                    for row in range(handle[name].shape[0]):
                        merged[name][rows.start + row] = handle[name][row]
                for name in template["parameters"]:
                    merged["parameters"][name][rows] = handle["parameters"][name][:]
                merged["done"][rows] = handle["done"][:]
            merged.attrs["complete"] = True
    finally:
        for handle in handles:
            handle.close()
    os.replace(partial, out)
    return out


def check_target(out: Path, overwrite: bool) -> None:
    """Refuse an existing ``out`` unless ``overwrite``; make its folder; check it is writable."""
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PermissionError(f"cannot create the folder of {out}: {error}") from None
    if not os.access(out.parent, os.W_OK):
        raise PermissionError(f"cannot write to {out.parent}")


def inspect(path: str | Path, mass_tolerance: float = 1e-10) -> tuple[list[str], list[str]]:
    """``(summary lines, problems)``: completeness, finiteness, drift of the conserved quantities
    (:mod:`sciml.data.invariants`; a drift beyond its tolerance is a problem, for the NLSE mass ``mass_tolerance``)."""
    problems: list[str] = []
    try:
        handle = open_checked(path, require_complete=False)
    except DatasetFileError as error:
        return [], [str(error)]
    with handle:
        attrs = handle.attrs
        u = handle["u"]
        written = int(np.count_nonzero(handle["done"][:]))
        lines = [
            f"file: {path}",
            f"recipe: {attrs.get('recipe_name')} (system {attrs.get('system')}, seed {attrs.get('seed')}, "
            f"shard {attrs.get('shard')}, package {attrs.get('package_version')})",
            f"solver: {attrs.get('method')} rtol={attrs.get('rtol')} atol={attrs.get('atol')} dt={attrs.get('dt')}",
            f"u: shape {u.shape}, dtype {u.dtype}; time: {handle['time'].shape[0]} times from {handle['time'][0]:.6g} "
            f"to {handle['time'][-1]:.6g}" + "".join(f"; {axis}: {handle[axis].shape[0]} points" for axis in ("x", "y")
                                                       if axis in handle),
            f"samples: {written} of {u.shape[0]} written, indices {int(handle['sample'][0])}.."
            f"{int(handle['sample'][-1])} of {attrs.get('samples_total')}",
            f"parameters: {', '.join(handle['parameters']) if 'parameters' in handle else 'none'}",
        ]
        if written != u.shape[0] or not bool(attrs.get("complete", False)):
            problems.append(f"incomplete: {written} of {u.shape[0]} samples written")
        done = handle["done"][:]
        finite = np.ones(u.shape[0], dtype=bool)
        for row in range(u.shape[0]):
            if done[row]:
                finite[row] = np.isfinite(u[row]).all()
        if not finite.all():
            problems.append(f"non-finite values in {int((~finite).sum())} samples, first row {int(np.argmin(finite))}")
        for name, (worst, relative, tolerance) in invariants.drift(handle, np.flatnonzero(done & finite),
                                                                   mass_tolerance).items():
            lines.append(f"{name} drift ({'relative' if relative else 'absolute'}, worst sample): {worst:.2e}")
            if tolerance is not None and not worst <= tolerance:
                problems.append(f"{name} drift {worst:.2e} exceeds {tolerance:.0e}")
    return lines, problems
