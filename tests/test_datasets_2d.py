"""The 2D recipes: file layout against the solvers (and through xarray), bit-identical shards, batch sizes
and resume after a kill, inspect catching corrupted 2D invariants, bad recipe input."""

import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest
import torch
from killing import killed_after

from sciml.cli import main as cli
from sciml.data import export, generate, inspect, load, merge, open_checked
from sciml.data.simulate import sample_generator
from solvers import navier_stokes as ns
from solvers.integrators import SolverError
from solvers.random_fields import gaussian_random_field

NS = {"grid.n": "16", "grid.solve_n": "32", "time.end": "0.4", "time.snapshots": "5"}
NLSE = {"grid.n": "48", "time.end": "0.1", "time.snapshots": "3"}


def _arrays(path):
    with open_checked(path) as handle:
        return handle["u"][:], {name: column[:] for name, column in handle["parameters"].items()}


def test_plane_file_holds_the_solver_field_on_x_y_axes(tmp_path):
    """``u[s, t, i, j]`` is the solver's vorticity at ``(x_i, y_j)``: every second point of the 32 x 32 solve."""
    recipe = load("kolmogorov2d", {**NS, "samples": "1", "time.transient": "0.0"})
    path = generate(recipe, tmp_path / "k.h5", progress=False)
    xarray = pytest.importorskip("xarray")
    with xarray.open_dataset(path, engine="h5netcdf") as opened:
        assert opened["u"].dims == ("sample", "time", "x", "y") and opened["y"].shape == (16,)
    well = pytest.importorskip("the_well.data")
    export(path, "the-well", tmp_path / "well" / "data" / "train" / "k.hdf5", progress=False)
    dataset = well.WellDataset(path=str(tmp_path / "well"), well_split_name="train", n_steps_input=1, n_steps_output=1)
    assert dataset.metadata.n_spatial_dims == 2 and dataset.metadata.spatial_resolution == (16, 16)
    assert dataset.metadata.boundary_condition_types == ["periodic"]
    with open_checked(path) as handle:  # the window 1 -> 2 of the only sample, (x, y, field) on both sides
        assert np.array_equal(dataset[1]["input_fields"][0, ..., 0].numpy(), handle["u"][0, 1])
        assert np.array_equal(dataset[1]["output_fields"][0, ..., 0].numpy(), handle["u"][0, 2])
    periodic = float(well.datasets.BoundaryCondition.PERIODIC.value)  # both edges of both axes
    assert torch.equal(dataset[1]["boundary_conditions"], torch.full((2, 2), periodic))
    with open_checked(path) as handle:
        assert [axis[0].name for axis in handle["u"].dims] == ["/sample", "/time", "/x", "/y"]  # attached scales
        assert np.allclose(handle["x"][:], np.arange(16) * 2 * math.pi / 16)
        assert np.array_equal(handle["x"], handle["y"])
        u = torch.as_tensor(handle["u"][0])
    grid = ns.box(32, 2 * math.pi)
    w0 = gaussian_random_field(grid, sample_generator(recipe.seed, 0), 343.0, 49.0, 2.5, band=(16, 16))
    w = ns.solve(w0, grid, recipe.times, 1e-2, ns.kolmogorov_forcing(grid, 4, 4.0), 0.1, dt=5e-3).w
    assert torch.equal(u, w[:, ::2, ::2].transpose(-1, -2))


def test_plane_recipes_bit_identical_across_shards_and_batch_sizes(tmp_path):
    for name, overrides in (("ns2d", {**NS, "samples": "17"}),
                            ("nlse2d", {**NLSE, "samples": "17", "time.end": "0.05"})):
        recipe = load(name, overrides)
        reference = _arrays(generate(recipe, tmp_path / f"{name}.h5", batch_size=64, progress=False))
        parts = [generate(recipe, tmp_path / f"{name}-{i}.h5", shard=(i, 2), batch_size=16, progress=False)
                 for i in (1, 2)]
        merged = _arrays(merge(parts, tmp_path / f"{name}-merged.h5"))
        assert np.array_equal(merged[0], reference[0]), name
        assert all(np.array_equal(merged[1][key], reference[1][key]) for key in reference[1])


def test_killed_plane_generation_resumes_bit_identical(tmp_path):
    """A 2D generation killed (SIGKILL) after its first micro-batch, rerun, equals one uninterrupted run."""
    out, partial = tmp_path / "ns.h5", tmp_path / "ns.h5.partial"
    overrides = {**NS, "time.end": "1.0"}
    command = [sys.executable, "-m", "sciml.cli", "generate", "ns2d", "--samples", "32", "--batch-size", "16",
               "--quiet", "--out", str(out)]
    command += [item for key, value in overrides.items() for item in ("--set", f"{key}={value}")]
    # the same thread count as the reference below: MKL's small batched inverse real FFTs round by thread count
    environment = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE", OMP_NUM_THREADS=str(torch.get_num_threads()))
    written = killed_after(command, environment, partial, 16, poll=0.05)
    assert written == 16, f"the run was not caught between its two micro-batches ({written} samples written)"
    assert partial.exists() and not out.exists()
    assert subprocess.run(command, env=environment).returncode == 0 and not partial.exists()
    reference = generate(load("ns2d", {**overrides, "samples": "32"}), tmp_path / "one.h5", batch_size=32,
                         progress=False)
    assert np.array_equal(_arrays(out)[0], _arrays(reference)[0])


def _corrupted(path, tmp_path, name, change):
    copy = tmp_path / name
    shutil.copy(path, copy)
    with h5py.File(copy, "r+") as handle:
        handle["u"][1, 2] = change(handle["u"][1, 2], handle)
    return inspect(copy)[1]


def test_inspect_catches_corrupted_plane_invariants(tmp_path):
    vorticity = generate(load("ns2d", {**NS, "samples": "2"}), tmp_path / "ns.h5", progress=False)
    assert inspect(vorticity)[1] == []
    problems = _corrupted(vorticity, tmp_path, "scaled.h5", lambda w, _: 1.01 * w)
    assert len(problems) == 1 and problems[0].startswith("energy budget drift"), problems
    problems = _corrupted(vorticity, tmp_path, "shifted.h5", lambda w, _: w + 1e-8)
    assert len(problems) == 1 and problems[0].startswith("mean of w drift"), problems
    beams = generate(load("nlse2d", {**NLSE, "samples": "2"}), tmp_path / "nlse.h5", progress=False)
    assert inspect(beams)[1] == []
    problems = _corrupted(beams, tmp_path, "louder.h5", lambda u, _: (1 + 1e-7) * u)
    assert any(p.startswith("mass drift") for p in problems), problems
    tilt = lambda u, handle: u * np.exp(2j * np.pi / 16.0 * handle["x"][:])[:, None]  # mass kept, energy not
    problems = _corrupted(beams, tmp_path, "tilted.h5", tilt)
    assert len(problems) == 1 and problems[0].startswith("energy drift"), problems


@pytest.mark.parametrize("name, setting, message", [
    ("ns2d", "grid.solve_n=96", "grid.solve_n must be a multiple of grid.n = 64"),
    ("burgers", "grid.solve_n=2048", "grid.solve_n applies to the 2D systems"),
    ("ns2d", "parameters.viscosity=0.0", "parameters.viscosity must be a positive number, got 0.0"),
    ("ns2d", "parameters.drag=-1.0", "parameters.drag must be a number >= 0"),
    ("ns2d", "parameters.forcing=\"gravity\"", "parameters.forcing must be one of fno, kolmogorov, none"),
    ("ns2d", "parameters.reynolds=1000", "unknown key(s) reynolds in [parameters] of navier_stokes"),
    ("kolmogorov2d", "parameters.forcing_amplitude=\"strong\"", "parameters.forcing_amplitude must be a finite number"),
    ("kolmogorov2d", "parameters.forcing_mode=50",
     "parameters.forcing_mode: forcing mode must be an integer in [1, 41]"),
    ("nlse2d", "initial_condition.family=\"soliton\"", "unknown initial_condition.family 'soliton' for nlse2d"),
    ("nlse2d", "initial_condition.radius=2.0", "unknown key(s) radius for family gaussian"),
])
def test_bad_plane_recipes_are_refused_by_name(name, setting, message, capsys, tmp_path):
    assert cli(["generate", name, "--out", str(tmp_path / "x.h5"), "--set", setting, "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_collapsing_beams_fail_instead_of_storing_garbage(tmp_path):
    recipe = load("nlse2d", {**NLSE, "samples": "1", "initial_condition.amplitude": "2.0", "time.end": "1.0"})
    with pytest.raises(SolverError, match="critical"):
        generate(recipe, tmp_path / "collapse.h5", progress=False)


def test_plane_random_field_has_the_covariance_and_the_same_modes_on_finer_grids():
    grid, fine = ns.box(16), ns.box(32)
    draws = torch.stack([gaussian_random_field(grid, torch.Generator().manual_seed(i), 343.0, 49.0, 2.5)
                         for i in range(300)])
    variance = grid.to_coefficients(draws).abs().square().mean(0)  # per mode; the box's area is 1
    expected = 343.0 * (-grid.laplacian() + 49.0) ** -2.5
    for mode in ((1, 0), (0, 1), (2, -3), (-5, 4), (7, 7)):  # real and mirrored halves, both axes
        assert abs(float(variance[mode] / expected[mode]) - 1) < 0.25, mode  # 4 standard errors
    assert float(draws.mean((-2, -1)).abs().max()) < 1e-15
    same = gaussian_random_field(fine, torch.Generator().manual_seed(3), 343.0, 49.0, 2.5, band=(16, 16))
    assert torch.allclose(same[::2, ::2], draws[3], rtol=0, atol=1e-15)
