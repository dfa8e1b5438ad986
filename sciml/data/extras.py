"""Optional dependencies: the ``interop`` extra (h5netcdf, xarray, zarr, the-well), imported on use."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional package a command needs is not installed; the message names the extra to install."""


def require(module: str, package: str, purpose: str, extra: str = "interop") -> ModuleType:
    """Import ``module`` (from the distribution ``package``) or say which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(f"{purpose} needs {package}, which is not installed; "
                                f"install the {extra!r} extra: pip install 'sciml-spectral[{extra}]'") from None
