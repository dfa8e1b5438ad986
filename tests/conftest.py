"""Shared by the command-line tests: tiny dataset files and a tiny run of every training family."""

import pytest

from sciml.data import generate, load


@pytest.fixture(scope="session")
def run_files(tmp_path_factory):
    """Two small Burgers field files and two small Lorenz-63 files (two trajectories each), by seed."""
    folder = tmp_path_factory.mktemp("run_files")
    files = {}
    for seed in (0, 1):
        files[f"burgers{seed}"] = generate(load("burgers", {"samples": "6", "grid.n": "32", "time.snapshots": "4",
                                                            "time.end": "0.3", "seed": str(seed)}),
                                           folder / f"burgers{seed}.h5", progress=False)
        lorenz = {"samples": "2", "time.end": "10.0", "time.snapshots": "1001", "seed": str(seed)}
        files[f"lorenz{seed}"] = generate(load("lorenz63", lorenz), folder / f"l63-{seed}.h5", progress=False)
    return files


@pytest.fixture(scope="session")
def tiny_run(run_files):
    """``tiny_run(family)``: the arguments of a run of a second or less, and its checkpoint writes (at least)."""
    return lambda family: _tiny_run(family, run_files)


def _tiny_run(family: str, files) -> tuple[list[str], int]:
    if family == "operator":
        return ["train", "operator", "--data", str(files["burgers0"]), "--epochs", "6", "--validation-fraction", "0.34",
                "--set", "model.width=4", "--set", "model.modes=4", "--set", "model.layers=1",
                "--set", "model.projection=8", "--set", "train.batch_size=4"], 6
    if family == "pinn":
        return ["train", "pinn", "--set", "model.width=8", "--set", "model.depth=2", "--set", "train.points=64",
                "--set", "train.initial_points=16", "--set", "train.boundary_points=16", "--set", "train.adam_steps=40",
                "--set", "train.checkpoint_every=10", "--set", "train.lbfgs_iterations=30",
                "--set", "train.lbfgs_chunk=10"], 6
    if family == "nsm":
        return ["train", "nsm", "--set", "model.width=4", "--set", "model.layers=1", "--set", "model.modes=[4, 6]",
                "--set", "train.grid=[9, 16]", "--set", "train.steps=30", "--set", "train.samples=8",
                "--set", "train.batch_size=4", "--set", "train.checkpoint_every=5"], 5
    return ["train", "rnn", "--data", str(files["lorenz0"]), "--epochs", "8", "--latent", "6",
            "--set", "train.batches_per_epoch=2", "--set", "train.sequence=20", "--set", "train.batch_size=4",
            "--set", "train.alpha=\"adaptive\"", "--set", "select.steps=300", "--set", "select.drop=50",
            "--set", "select.every=2", "--set", "select.lyapunov_steps=50"], 7
