"""A user's own trajectory ``(T, N)`` from ``.npy``, ``.csv`` / ``.txt`` or HDF5, without a recipe.

``read_trajectory(path, key)`` returns the array as float64: ``.npy`` holds it directly; ``.csv`` / ``.txt``
is one time step a row (comma- or whitespace-separated, ``#`` comments and one header row of column names
allowed); in an HDF5 file ``key`` names the dataset (optional when the file holds exactly one 2-D dataset).
Bad input is a :class:`~sciml.data.store.DatasetFileError` naming the file: not two-dimensional, fewer time
steps than dimensions, NaN or infinite entries (with the first bad row).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from .store import DatasetFileError

SUFFIXES = (".npy", ".csv", ".txt", ".h5", ".hdf5")


def read_trajectory(path: str | Path, key: str | None = None) -> np.ndarray:
    """``(T, N)`` float64 from ``path`` (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DatasetFileError(f"{path}: unknown format {suffix!r}; a trajectory file ends in {', '.join(SUFFIXES)}")
    if key is not None and suffix not in (".h5", ".hdf5"):
        raise DatasetFileError(f"{path}: a dataset key applies to HDF5 files only, got key {key!r}")
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix in (".csv", ".txt"):
            array = _read_text(path)
        else:
            array = _read_hdf5(path, key)
    except (OSError, ValueError) as error:
        raise DatasetFileError(f"{path}: not a readable {suffix} trajectory ({error})") from None
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] <= array.shape[1]:
        raise DatasetFileError(f"{path}: a trajectory is (time, dim) with more steps than dimensions, got shape "
                               f"{array.shape}")
    bad = ~np.isfinite(array).all(1)
    if bad.any():
        raise DatasetFileError(f"{path}: NaN or infinite values in {int(bad.sum())} of {array.shape[0]} time steps "
                               f"(first at row {int(np.argmax(bad))}): clean or interpolate them first")
    return array


def _read_text(path: Path) -> np.ndarray:
    delimiter = "," if path.suffix.lower() == ".csv" else None
    with open(path) as handle:
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    first = lines[0].split(delimiter) if lines else []
    try:
        [float(value) for value in first]
        header = 0
    except ValueError:  # a header row of column names
        header = 1
    return np.loadtxt(lines[header:], delimiter=delimiter, ndmin=2)


def _read_hdf5(path: Path, key: str | None) -> np.ndarray:
    with h5py.File(path, "r") as handle:
        if key is None:
            found = []
            handle.visititems(lambda name, item: found.append(name)
                              if isinstance(item, h5py.Dataset) and item.ndim == 2 else None)
            if len(found) != 1:
                raise DatasetFileError(f"{path}: name the dataset with a key: {len(found)} two-dimensional datasets "
                                       f"found ({', '.join(found[:5]) or 'none'})")
            key = found[0]
        if key not in handle or not isinstance(handle[key], h5py.Dataset):
            raise DatasetFileError(f"{path}: no dataset {key!r}")
        return handle[key][...]
