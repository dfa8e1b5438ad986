"""Recipes, generation, resume after a kill, shards and merge, inspection, torch datasets, bad input."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
import torch
from killing import killed_after

from sciml.cli import main as cli
from sciml.data import (DatasetFileError, InitialToTrajectory, OperatorPairs, RecipeError, TrajectoryWindows,
                        Windows, available, generate, inspect, load, merge, open_checked)

SMALL = {"time.snapshots": "6"}
FAST = {  # each recipe shortened for the tests; everything else as shipped
    "nlse-soliton": {"time.end": "1.0"}, "nlse-collision": {"time.end": "1.0"}, "nlse-breather": {"time.end": "-3.0"},
    "nlse-mi": {"time.end": "2.0"}, "burgers": {"time.end": "0.2"}, "kdv": {"time.end": "0.5"},
    "convection": {"time.end": "0.2"}, "reaction-diffusion": {"time.end": "0.2"},
    "lorenz63": {"time.end": "1.0", "time.transient": "1.0"}, "rossler": {"time.end": "1.0", "time.transient": "1.0"},
    "lorenz96": {"time.end": "1.0", "time.transient": "1.0"},
    "ns2d": {"time.end": "0.5", "grid.n": "16", "grid.solve_n": "32"},
    "kolmogorov2d": {"time.end": "0.3", "time.transient": "0.2", "grid.n": "16", "grid.solve_n": "32"},
    "nlse2d": {"time.end": "0.1", "grid.n": "48"},
}


def test_every_shipped_recipe_has_a_fast_version():
    assert sorted(FAST) == available()
    assert {"nlse-soliton", "nlse-collision", "nlse-breather", "nlse-mi", "burgers", "kdv", "convection",
            "lorenz63", "rossler", "lorenz96"} <= set(available())


@pytest.mark.parametrize("name", sorted(FAST))
def test_every_recipe_generates_and_passes_inspect(name, tmp_path):
    recipe = load(name, {"samples": "3", **SMALL, **FAST[name]})
    path = generate(recipe, tmp_path / f"{name}.h5", batch_size=16, progress=False)
    lines, problems = inspect(path)
    assert problems == [], problems
    with open_checked(path) as handle:
        assert handle["u"].shape[:2] == (3, 6)
        assert handle.attrs["recipe"] == recipe.text and handle.attrs["seed"] == recipe.seed
        assert handle.attrs["complete"] and handle["done"][:].all()
        assert np.isfinite(handle["u"][:]).all()
        if recipe.system in ("nlse", "nlse2d"):
            assert any("mass drift" in line for line in lines)
        if recipe.system == "navier_stokes":
            assert any("energy budget drift" in line for line in lines)


def _lorenz(samples=40):
    return load("lorenz63", {"samples": str(samples), "time.snapshots": "21", "time.end": "0.5", "time.transient": "0.5"})


def _read(path):
    with open_checked(path) as handle:
        return handle["u"][:], handle["observed"][:], {k: v[:] for k, v in handle["parameters"].items()}


def test_bit_identical_across_batch_sizes_and_shards(tmp_path):
    recipe = _lorenz()
    reference = _read(generate(recipe, tmp_path / "one.h5", batch_size=64, progress=False))
    other = _read(generate(recipe, tmp_path / "small.h5", batch_size=5, progress=False))
    parts = [generate(recipe, tmp_path / f"part{i}.h5", shard=(i, 3), batch_size=16, progress=False) for i in (1, 2, 3)]
    merged = _read(merge(parts, tmp_path / "merged.h5"))
    for candidate in (other, merged):
        assert np.array_equal(candidate[0], reference[0]) and np.array_equal(candidate[1], reference[1])
        assert all(np.array_equal(candidate[2][k], reference[2][k]) for k in reference[2])


def test_nlse_bit_identical_across_batch_sizes(tmp_path):
    recipe = load("nlse-soliton", {"samples": "20", **SMALL, "time.end": "0.5"})
    a = _read_u(generate(recipe, tmp_path / "a.h5", batch_size=32, progress=False))
    b = _read_u(generate(recipe, tmp_path / "b.h5", batch_size=1, progress=False, device="cpu"))
    assert np.array_equal(a, b)


def _read_u(path):
    with open_checked(path) as handle:
        return handle["u"][:]


def test_killed_generation_resumes_without_loss_or_duplicates(tmp_path):
    """A generation process is killed (SIGKILL) mid-run, rerun, and ends bit-identical to one run."""
    out = tmp_path / "resumed.h5"
    partial = tmp_path / "resumed.h5.partial"
    overrides = ["--set", "time.snapshots=2001", "--set", "time.end=20", "--set", "time.transient=1"]
    command = [sys.executable, "-m", "sciml.cli", "generate", "lorenz63", "--samples", "96", "--batch-size", "16",
               "--quiet", "--out", str(out), *overrides]
    environment = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE")
    written = killed_after(command, environment, partial, 16)
    assert 16 <= written < 96, f"the run was not caught mid-way ({written} samples written)"
    assert partial.exists() and not out.exists()
    assert subprocess.run(command, env=environment).returncode == 0
    assert out.exists() and not partial.exists()
    recipe = load("lorenz63", {"samples": "96", "time.snapshots": "2001", "time.end": "20", "time.transient": "1"})
    reference = generate(recipe, tmp_path / "reference.h5", batch_size=96, progress=False)
    with open_checked(out) as resumed, open_checked(reference) as one_go:
        assert np.array_equal(resumed["sample"][:], np.arange(96))
        assert np.array_equal(resumed["u"][:], one_go["u"][:])
        assert np.array_equal(resumed["observed"][:], one_go["observed"][:])


def test_merge_refuses_gaps_and_mixed_recipes(tmp_path):
    recipe = _lorenz(30)
    first = generate(recipe, tmp_path / "p1.h5", shard=(1, 3), progress=False)
    third = generate(recipe, tmp_path / "p3.h5", shard=(3, 3), progress=False)
    with pytest.raises(DatasetFileError, match="gap or overlap at sample 10"):
        merge([first, third], tmp_path / "m.h5")
    other = generate(load("lorenz63", {"samples": "30", "seed": "99", "time.snapshots": "21", "time.end": "0.5",
                                        "time.transient": "0.5"}), tmp_path / "o2.h5", shard=(2, 3), progress=False)
    with pytest.raises(DatasetFileError, match="recipe differs"):
        merge([first, other, third], tmp_path / "m.h5")
    assert not (tmp_path / "m.h5").exists()


def test_torch_datasets(tmp_path):
    nlse_file = generate(load("nlse-soliton", {"samples": "4", **SMALL, "time.end": "0.5", "grid.n": "64"}),
                         tmp_path / "s.h5", progress=False)
    pairs = OperatorPairs(nlse_file, lag=2)
    assert len(pairs) == 4 * 4 and pairs[5]["x"].shape == (2, 64) and pairs[5]["x"].dtype == torch.float32
    with open_checked(nlse_file) as handle:
        u = handle["u"][1]
    assert np.allclose(pairs[5]["y"][0].numpy(), u[3].real, atol=1e-6)  # sample 1, times 1 -> 3
    trajectory = InitialToTrajectory(nlse_file)[2]
    assert trajectory["x"].shape == (2, 64) and trajectory["y"].shape == (5, 2, 64)
    windows = Windows(nlse_file, inputs=2, outputs=3)
    assert len(windows) == 4 * 2 and windows[0]["y"].shape == (3, 2, 64)
    loader = torch.utils.data.DataLoader(pairs, batch_size=8, num_workers=2)
    assert sum(batch["x"].shape[0] for batch in loader) == 16
    standardized = OperatorPairs(nlse_file, standardize=True)
    assert (tmp_path / "s.h5.stats.json").exists()
    stacked = torch.stack([standardized[i]["x"] for i in range(len(standardized))])
    assert stacked.mean(dim=(0, 2)).abs().max() < 0.2
    ode_file = generate(_lorenz(4), tmp_path / "l.h5", progress=False)
    sequences = TrajectoryWindows(ode_file, length=10, stride=5)
    assert sequences.field == "observed" and len(sequences) == 4 * 3 and sequences[0]["sequence"].shape == (10, 3)


def test_existing_complete_file_is_refused_and_kept(tmp_path, capsys):
    path = generate(_lorenz(4), tmp_path / "d.h5", progress=False)
    before = path.read_bytes()
    status = cli(["generate", "lorenz63", "--samples", "4", "--out", str(path), "--quiet"])
    assert status == 2 and "exists; pass --overwrite" in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.parametrize("arguments, message", [
    (["generate", "nlse-solitons", "--out", "x.h5"], "unknown recipe 'nlse-solitons'; available: burgers"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--set", "grid.size=64"], "unknown key(s) size in [grid]; allowed: L, n"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--set", "spped=3"], "unknown recipe key(s) spped; allowed:"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--samples", "0"], "samples must be >= 1"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--set", "grid.n=63"], "even n >= 4"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--set", "initial_condition.amplitude={gauss=[1,2]}"],
     "unknown distribution 'gauss'"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--set", "initial_condition.family=\"kink\""],
     "unknown initial_condition.family 'kink' for nlse; allowed: soliton"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--set", "parameters.nonlinarity=1.0"],
     "unknown key(s) nonlinarity in [parameters] of nlse; allowed: nonlinearity"),
    (["generate", "lorenz63", "--out", "x.h5", "--set", "parameters.sgima=10.0"],
     "unknown key(s) sgima in [parameters] of lorenz63; allowed: sigma, rho, beta"),
    (["generate", "lorenz96", "--out", "x.h5", "--set", "parameters.dimension=2"],
     "[parameters] of lorenz96: Lorenz-96 dimension must be an integer >= 4, got 2"),
    (["generate", "burgers", "--out", "x.h5", "--set", "parameters.viscosity=-1.0"],
     "[parameters] of burgers: viscosity must be a positive finite number, got -1.0"),
    (["generate", "burgers", "--out", "x.h5", "--set", "parameters.dealiasing=\"2/3\""],
     "[parameters] of burgers: unknown dealiasing rule '2/3'; allowed: pad, truncate"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--shard", "4/3"], "1 <= i <= k"),
    (["generate", "nlse-soliton", "--out", "/proc/forbidden/x.h5"], "cannot"),
    (["generate", "nlse-soliton", "--out", "x.h5", "--set", "novalue"], "--set takes key=value"),
])
def test_bad_generate_input(arguments, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(arguments) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists() and not (tmp_path / "x.h5.partial").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_without_a_device_is_refused(capsys, tmp_path):
    assert cli(["generate", "nlse-soliton", "--out", str(tmp_path / "x.h5"), "--samples", "2", "--device", "cuda"]) == 2
    assert "torch sees no CUDA device" in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists() and not (tmp_path / "x.h5.partial").exists()


def test_corrupt_and_truncated_files(tmp_path, capsys):
    garbage = tmp_path / "garbage.h5"
    garbage.write_bytes(b"not an hdf5 file at all" * 10)
    good = generate(_lorenz(4), tmp_path / "good.h5", progress=False)
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    for broken in (garbage, truncated):
        assert cli(["inspect", str(broken)]) == 1
        assert "PROBLEM" in capsys.readouterr().out
        with pytest.raises(DatasetFileError):
            OperatorPairs(broken)
        with pytest.raises(DatasetFileError):
            merge([good, broken], tmp_path / "m.h5")
    with pytest.raises(DatasetFileError, match="no such file"):
        open_checked(tmp_path / "missing.h5")


def test_incomplete_file_is_reported(tmp_path):
    path = generate(_lorenz(4), tmp_path / "d.h5", progress=False)
    with h5py.File(path, "r+") as handle:
        handle["done"][2] = False
        handle.attrs["complete"] = False
    lines, problems = inspect(path)
    assert problems == ["incomplete: 3 of 4 samples written"]
    with pytest.raises(DatasetFileError, match="incomplete, 3 of 4"):
        OperatorPairs(path)


def test_recipe_errors_name_the_problem():
    with pytest.raises(RecipeError, match="normal standard deviation must be >= 0"):
        load("nlse-soliton", {"initial_condition.amplitude": "{normal = [1.0, -1.0]}"})
    with pytest.raises(RecipeError, match="noise must lie in"):
        load("lorenz63", {"noise": "1.5"})


@pytest.mark.parametrize("name", ["burgers", "nlse-soliton"])
def test_transient_is_solved_and_dropped_for_every_system(name):
    """``time.transient = 0.1`` starts the stored trajectory where a run without it is at ``t = 0.1``."""
    from sciml.data.simulate import simulate

    base = {"samples": "1", "grid.n": "64", "time.start": "0.0"}
    after = simulate(load(name, {**base, "time.end": "0.1", "time.snapshots": "2", "time.transient": "0.1"}), [0]).u
    whole = simulate(load(name, {**base, "time.end": "0.2", "time.snapshots": "3"}), [0]).u
    assert (whole[0, 1] - whole[0, 0]).abs().max() > 1e-3  # the transient changes the state
    torch.testing.assert_close(after[0], whole[0, 1:], rtol=0, atol=1e-8)
