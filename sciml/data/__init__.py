"""Datasets: recipes, simulation, the HDF5 file format, generation and torch datasets."""

from .generate import generate
from .recipe import Recipe, RecipeError, available, load
from .store import DatasetFileError, inspect, merge, open_checked, parse_shard
from .torch_datasets import InitialToTrajectory, OperatorPairs, TrajectoryWindows, Windows, statistics

__all__ = [
    "Recipe", "RecipeError", "load", "available", "generate", "merge", "inspect", "open_checked",
    "parse_shard", "DatasetFileError", "OperatorPairs", "InitialToTrajectory", "Windows",
    "TrajectoryWindows", "statistics",
]
