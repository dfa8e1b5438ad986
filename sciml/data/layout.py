"""Schema 2 of a dataset file: named dimensions, so h5netcdf and xarray read it as a netCDF-4 file.

Every dataset is attached to HDF5 dimension scales (the netCDF-4 encoding of dimensions), whose
names are the dimensions and whose values are the coordinates:

    sample         (sample,)  int64     global sample index (the coordinate of ``sample``)
    time           (time,)    float64   output times
    x              (x,)       float64   grid points (fields); ODE systems have ``component`` (dim,) int64
    y              (y,)       float64   second axis of fields on a plane (``navier_stokes``, ``nlse2d``)
    u              (sample, time, x | component)  float64, or complex128 for complex fields;
                   (sample, time, x, y) on a plane, ``u[s, t, i, j]`` the value at ``(x_i, y_j)``
    observed       like ``u``, with observation noise (only when the recipe has noise)
    done           (sample,)  bool      row written
    parameters/P   (sample,)  float64   drawn initial-condition parameters, in the group ``parameters``

Complex fields stay complex128: HDF5 stores them as h5py's compound ``{r, i}``, which h5netcdf (and so
``xarray.open_dataset(path, engine="h5netcdf")``) reads back as complex128. Every variable has
``units`` (``"1"``: the recipes are nondimensional) and ``long_name``; the root attributes hold the
recipe (TOML text) and the provenance (see :mod:`sciml.data.store`).
"""

from __future__ import annotations

import h5py
import numpy as np

from .recipe import ODE_SYSTEMS, PLANE_SYSTEMS

FIELDS = ("u", "observed")
LONG_NAMES = {
    "nlse": "complex envelope psi(t, x)", "burgers": "velocity u(t, x)", "kdv": "wave amplitude u(t, x)",
    "convection": "transported scalar u(t, x)", "reaction_diffusion": "concentration u(t, x)",
    "navier_stokes": "vorticity w(t, x, y)", "nlse2d": "complex envelope psi(t, x, y)",
}
_COORDINATES = {"sample": "global sample index", "time": "time", "x": "position x", "y": "position y",
                "component": "state component"}


def dimensions(system: str) -> tuple[str, ...]:
    """Dimension names of ``u`` for ``system``: ``(sample, time, x)``, ``(sample, time, x, y)`` on a plane,
    or ``(sample, time, component)``."""
    if system in ODE_SYSTEMS:
        return ("sample", "time", "component")
    return ("sample", "time", "x", "y") if system in PLANE_SYSTEMS else ("sample", "time", "x")


def long_name(system: str, field: str = "u") -> str:
    """What ``u`` (or ``observed``) of ``system`` is, in words."""
    name = LONG_NAMES.get(system, f"state of the {system} system")
    return name if field == "u" else f"{name} with observation noise"


def _describe(dataset: h5py.Dataset, name: str, units: str = "1") -> None:
    dataset.attrs["long_name"] = name
    dataset.attrs["units"] = units


def create(handle: h5py.File | h5py.Group, system: str, samples: np.ndarray, times: np.ndarray,
           space: tuple[np.ndarray, ...], dtype: np.dtype, fields: tuple[str, ...] = ("u",),
           parameters: tuple[str, ...] = ()) -> None:
    """Create the coordinates, ``fields`` (unwritten), ``done`` and ``parameters/`` of a file with rows
    ``samples`` (global indices), ``times`` ``(T,)`` and ``space``, one array per remaining dimension:
    grid points ``(n,)`` (``x``, then ``y`` on a plane) or, for an ODE system, ``np.arange(dim)``."""
    names = dimensions(system)
    if len(space) != len(names) - 2:
        raise ValueError(f"{system} files have the dimensions {names}; got {len(space)} coordinate arrays for space")
    arrays = (np.asarray(samples, np.int64), np.asarray(times, np.float64), *(np.asarray(s) for s in space))
    for name, values in zip(names, arrays):
        handle[name] = values
        handle[name].make_scale(name)
        _describe(handle[name], _COORDINATES[name])
    scales = [handle[name] for name in names]
    shape = tuple(scale.shape[0] for scale in scales)
    for field in fields:
        data = handle.create_dataset(field, shape=shape, dtype=dtype, chunks=(1,) + shape[1:])
        _attach(data, scales)
        _describe(data, long_name(system, field))
    handle.create_dataset("done", shape=shape[:1], dtype=bool, fillvalue=False)
    _attach(handle["done"], scales[:1])
    _describe(handle["done"], "sample written", units="")
    handle.create_group("parameters")
    for name in parameters:
        create_parameter(handle, name)


def create_parameter(handle: h5py.File, name: str) -> h5py.Dataset:
    """The unwritten (NaN) column ``parameters/name`` along ``sample``."""
    data = handle["parameters"].create_dataset(name, shape=handle["sample"].shape, dtype=np.float64, fillvalue=np.nan)
    _attach(data, [handle["sample"]])
    _describe(data, f"initial-condition parameter {name}")
    return data


def _attach(data: h5py.Dataset, scales: list[h5py.Dataset]) -> None:
    for axis, scale in enumerate(scales):
        data.dims[axis].attach_scale(scale)
