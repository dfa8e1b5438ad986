"""Export a complete dataset file to NetCDF, Zarr or The Well's layout, one block of samples at a time.

- ``netcdf``: a netCDF-4 file like the seed solver's: dimensions ``sample``, ``time``, ``x`` (or
  ``component``) with coordinate variables, complex fields as two real variables ``u_real`` and
  ``u_imag`` (netCDF has no complex type), the drawn parameters as coordinates along ``sample``, the
  recipe and provenance as global attributes (booleans as 0/1: netCDF has no boolean attribute).
- ``zarr``: a Zarr v3 store with the same variables, complex fields kept complex128, chunked by blocks
  of samples, metadata consolidated, so ``xarray.open_zarr(path)`` opens it.
- ``the-well``: The Well's HDF5 layout (:mod:`sciml.data.the_well`).

Only one block of samples (``block_bytes`` of field data) is in memory at a time, so files larger than
memory export. The result is written under ``<out>.partial`` and renamed when complete; on any error
the partial output is removed, and every check (format, optional package, complete input, target)
happens before anything is written.
"""

from __future__ import annotations

import math
import os
import shutil
import warnings
from pathlib import Path

import h5py
import numpy as np
from tqdm import tqdm

from . import layout
from .extras import require
from .store import check_target, open_checked

FORMATS = ("netcdf", "the-well", "zarr")


def export(path: str | Path, to: str, out: str | Path, overwrite: bool = False, progress: bool = True,
           block_bytes: int = 16 * 2**20) -> Path:
    """Write the complete dataset file ``path`` to ``out`` in format ``to`` (one of :data:`FORMATS`)."""
    if to not in FORMATS:
        raise ValueError(f"unknown export format {to!r}; allowed: {', '.join(FORMATS)}")
    if to == "the-well":
        from .the_well import WellWriter as writer
    else:
        writer = {"netcdf": _NetCDF, "zarr": _Zarr}[to]
        require(writer.module, writer.package, f"export to {to}")
    out = Path(out)
    with open_checked(path) as source:
        check_target(out, overwrite)
        u = source["u"]
        rows, row_bytes = u.shape[0], u.dtype.itemsize * math.prod(u.shape[1:]) * sum(f in source for f in layout.FIELDS)
        block = max(1, min(rows, block_bytes // row_bytes))
        partial = out.with_name(out.name + ".partial")
        _remove(partial)
        try:
            target = writer(source, partial, block)
            with tqdm(total=rows, unit="sample", desc=f"export {to}", disable=not progress) as bar:
                for start in range(0, rows, block):
                    stop = min(start + block, rows)
                    target.write(slice(start, stop), {name: source[name][start:stop] for name in layout.FIELDS
                                                      if name in source})
                    bar.update(stop - start)
            target.close()
        except BaseException:
            _remove(partial)
            raise
    if out.is_dir():
        shutil.rmtree(out)
    os.replace(partial, out)
    return out


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def variable_attributes(dataset: h5py.Dataset) -> dict[str, str]:
    """``units`` and ``long_name`` of a variable of a dataset file."""
    return {key: str(dataset.attrs[key]) for key in ("units", "long_name") if key in dataset.attrs}


def global_attributes(source: h5py.File) -> dict:
    """The root attributes as plain Python values; booleans as 0/1."""
    values = {}
    for key, value in source.attrs.items():
        value = value.item() if isinstance(value, np.generic) else value
        values[key] = int(value) if isinstance(value, bool) else value
    return values


def real_parts(name: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """``{name: values}`` for real data, ``{name_real: Re, name_imag: Im}`` for complex data."""
    if np.iscomplexobj(values):
        return {f"{name}_real": values.real, f"{name}_imag": values.imag}
    return {name: values}


def _variables(source: h5py.File, split_complex: bool):
    """``(coordinates, fields)``: name -> ``(dims, values, attributes)``; name -> ``(dims, dtype, attributes)``."""
    system = str(source.attrs["system"])
    dims = layout.dimensions(system)
    coordinates = {name: ((name,), source[name][:], variable_attributes(source[name])) for name in dims}
    for name, column in source["parameters"].items():
        coordinates[name] = (("sample",), column[:], variable_attributes(column))
    fields = {}
    for field in layout.FIELDS:
        if field in source:
            attributes = variable_attributes(source[field])
            if len(source["parameters"]):
                attributes["coordinates"] = " ".join(source["parameters"])
            complex_split = split_complex and source[field].dtype.kind == "c"
            parts = (("real", "real part of "), ("imag", "imaginary part of ")) if complex_split else (("", ""),)
            for suffix, prefix in parts:
                fields[f"{field}_{suffix}" if suffix else field] = (
                    dims, np.dtype(np.float64) if suffix else source[field].dtype,
                    {**attributes, "long_name": prefix + attributes.get("long_name", field)})
    return coordinates, fields


class _NetCDF:
    module, package = "h5netcdf", "h5netcdf"

    def __init__(self, source: h5py.File, path: Path, block: int):
        import h5netcdf

        coordinates, fields = _variables(source, split_complex=True)
        self.file = h5netcdf.File(path, "w")
        self.file.dimensions = {name: source[name].shape[0] for name in layout.dimensions(str(source.attrs["system"]))}
        for name, (dims, values, attributes) in coordinates.items():
            self.file.create_variable(name, dims, data=values).attrs.update(attributes)
        for name, (dims, dtype, attributes) in fields.items():
            shape = tuple(self.file.dimensions[d].size for d in dims)
            self.file.create_variable(name, dims, dtype=dtype, chunks=(1,) + shape[1:]).attrs.update(attributes)
        self.file.attrs.update(global_attributes(source))

    def write(self, rows: slice, fields: dict[str, np.ndarray]) -> None:
        for field, values in fields.items():
            for name, part in real_parts(field, values).items():
                self.file.variables[name][rows] = part

    def close(self) -> None:
        self.file.close()


class _Zarr:
    module, package = "zarr", "zarr"

    def __init__(self, source: h5py.File, path: Path, block: int):
        import zarr

        self.path = path
        coordinates, fields = _variables(source, split_complex=False)
        self.root = zarr.open_group(str(path), mode="w", zarr_format=3)
        self.root.attrs.update(global_attributes(source))
        for name, (dims, values, attributes) in coordinates.items():
            self.root.create_array(name, shape=values.shape, dtype=values.dtype, dimension_names=dims,
                                   attributes=attributes)[:] = values
        for name, (dims, dtype, attributes) in fields.items():
            shape = source[name].shape
            self.root.create_array(name, shape=shape, dtype=dtype, chunks=(block,) + shape[1:], dimension_names=dims,
                                   attributes=attributes)

    def write(self, rows: slice, fields: dict[str, np.ndarray]) -> None:
        for name, values in fields.items():
            self.root[name][rows] = values

    def close(self) -> None:
        import zarr

        with warnings.catch_warnings():  # consolidated metadata is a zarr-python extension of the v3 format
            warnings.simplefilter("ignore", category=UserWarning)
            zarr.consolidate_metadata(str(self.path))
