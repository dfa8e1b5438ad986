"""The Well's HDF5 layout (Ohana et al. 2024, "The Well: a large-scale collection of diverse physics
simulations for machine learning"), as its loader ``the_well.data.WellDataset`` (the-well 1.2) reads it.

One file of ``n_trajectories`` samples:

    attributes            dataset_name (the recipe name), grid_type "cartesian", n_spatial_dims (1 or 2),
                          n_trajectories, simulation_parameters (names of the recipe's numeric
                          ``[parameters]``) and each of them, plus our recipe and provenance
    dimensions/           attribute spatial_dims ["x"] or ["x", "y"]; time (T,), x (n,) [and y], flags
                          sample_varying, time_varying
    boundary_conditions/x_periodic [and y_periodic]   bc_type "periodic", associated_dims ["x"] (["y"]),
                          mask (n,) true at both edges
    scalars/              the recipe's numeric parameters (constant) and the drawn initial-condition
                          parameters (sample_varying); attribute field_names
    t0_fields/            u (n_trajectories, T, *space) float64, or u_real and u_imag for a complex field;
                          flags dim_varying [True] a spatial dimension, sample_varying, time_varying
    t1_fields/, t2_fields/  empty: no vector or tensor fields

Only the clean field ``u`` is exported, and only fields on a grid (ODE systems are refused).
``WellDataset(path=FOLDER)`` reads every ``.h5``/``.hdf5`` file of ``FOLDER``; with
``FOLDER/data/train/NAME.hdf5`` (and ``valid``, ``test``) it also takes ``well_split_name``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import h5py
import numpy as np

from .export import global_attributes, real_parts, variable_attributes
from .layout import dimensions as layout_dimensions
from .recipe import ODE_SYSTEMS
from .store import DatasetFileError


def _names(values) -> np.ndarray:
    return np.array(list(values), dtype=h5py.string_dtype())


def _flags(dataset: h5py.Dataset | h5py.Group, sample_varying: bool, time_varying: bool) -> None:
    dataset.attrs["sample_varying"] = sample_varying
    dataset.attrs["time_varying"] = time_varying


def _numeric_parameters(recipe_text: str) -> dict[str, float]:
    """The numbers among the recipe's ``[parameters]``."""
    table = tomllib.loads(recipe_text).get("parameters", {})
    return {key: float(value) for key, value in table.items() if isinstance(value, (int, float))
            and not isinstance(value, bool)}


class WellWriter:
    """Writes a dataset file's ``u`` in The Well's layout, a block of samples at a time."""

    def __init__(self, source: h5py.File, path: Path, block: int):
        system = str(source.attrs["system"])
        if system in ODE_SYSTEMS:
            raise DatasetFileError(f"{source.filename}: The Well holds fields on grids, {system} is an ODE system; "
                             f"export it to netcdf or zarr")
        self.file = h5py.File(path, "w")
        rows, times, *space = source["u"].shape
        axes = list(layout_dimensions(system)[2:])
        physical = _numeric_parameters(str(source.attrs["recipe"]))
        self.file.attrs.update(global_attributes(source))
        self.file.attrs.update({"dataset_name": str(source.attrs["recipe_name"]), "grid_type": "cartesian",
                                "n_spatial_dims": len(axes), "n_trajectories": rows,
                                "simulation_parameters": _names(physical), **physical})
        dimensions = self.file.create_group("dimensions")
        dimensions.attrs["spatial_dims"] = _names(axes)
        for name in ("time", *axes):
            dimensions[name] = source[name][:]
            dimensions[name].attrs.update(variable_attributes(source[name]))
            _flags(dimensions[name], False, name == "time")
        conditions = self.file.create_group("boundary_conditions")
        for axis, n in zip(axes, space):
            periodic = conditions.create_group(f"{axis}_periodic")
            periodic.attrs.update({"bc_type": "periodic", "associated_dims": _names([axis]),
                                   "associated_fields": _names([])})
            _flags(periodic, False, False)
            periodic["mask"] = np.isin(np.arange(n), (0, n - 1))
        scalars = self.file.create_group("scalars")
        for name, value in physical.items():
            scalars[name] = value
            _flags(scalars[name], False, False)
        for name, column in source["parameters"].items():
            scalars[name] = column[:]
            _flags(scalars[name], True, False)
        scalars.attrs["field_names"] = _names([*physical, *source["parameters"]])
        groups = [self.file.create_group(f"t{order}_fields") for order in range(3)]
        self.fields = groups[0]
        for group in groups[1:]:
            group.attrs["field_names"] = _names([])
        names = list(real_parts("u", np.zeros(1, dtype=source["u"].dtype)))
        self.fields.attrs["field_names"] = _names(names)
        for name in names:
            field = self.fields.create_dataset(name, shape=(rows, times, *space), dtype=np.float64,
                                               chunks=(1, times, *space))
            field.attrs.update({"dim_varying": [True] * len(axes), "sample_varying": True, "time_varying": True})
            field.attrs.update(variable_attributes(source["u"]))
            if name != "u":
                field.attrs["long_name"] = f"{name.split('_')[1]} part of {field.attrs['long_name']}"

    def write(self, rows: slice, fields: dict[str, np.ndarray]) -> None:
        for name, part in real_parts("u", fields["u"]).items():
            self.fields[name][rows] = part

    def close(self) -> None:
        self.file.close()
