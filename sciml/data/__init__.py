"""Datasets: recipes, simulation, the HDF5 file format, generation (also under torchrun and Slurm arrays),
export to NetCDF, Zarr and The Well, and torch datasets."""

from .cluster import Placement, generate_placed, placement
from .export import FORMATS, export
from .extras import MissingExtraError
from .generate import generate
from .recipe import Recipe, RecipeError, available, load
from .store import DatasetFileError, inspect, merge, open_checked, parse_shard
from .torch_datasets import InitialToTrajectory, OperatorPairs, TrajectoryWindows, Windows, statistics

__all__ = [
    "Recipe", "RecipeError", "load", "available", "generate", "merge", "inspect", "open_checked",
    "parse_shard", "DatasetFileError", "OperatorPairs", "InitialToTrajectory", "Windows",
    "TrajectoryWindows", "statistics", "export", "FORMATS", "MissingExtraError", "Placement", "placement",
    "generate_placed",
]
