"""Files the ecosystem opens: xarray on every recipe, NetCDF/Zarr/The Well exports, schema 1, bad input."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
import torch
import xarray as xr
from test_datasets import FAST, SMALL

from sciml.cli import main as cli
from sciml.data import DatasetFileError, generate, load, open_checked
from sciml.data.layout import create, dimensions
from sciml.data.recipe import ODE_SYSTEMS, PLANE_SYSTEMS
from sciml.models import FNO


def _small(name, samples=2, **overrides):
    recipe = load(name, {"samples": str(samples), **SMALL, **FAST[name]})
    if recipe.system not in (*ODE_SYSTEMS, *PLANE_SYSTEMS):  # the 2D fast versions are small already
        recipe = load(name, {"samples": str(samples), **SMALL, **FAST[name], "grid.n": "32", **overrides})
    return recipe


@pytest.mark.parametrize("name", sorted(FAST))
def test_xarray_opens_every_recipe_with_our_values(name, tmp_path):
    recipe = _small(name)
    path = generate(recipe, tmp_path / f"{name}.h5", progress=False)
    space = dimensions(recipe.system)[2:]  # x; x, y; or component
    with xr.open_dataset(path, engine="h5netcdf") as ds, open_checked(path) as ours:
        fields = [field for field in ("u", "observed") if field in ours]
        assert fields == (["u", "observed"] if recipe.noise else ["u"])
        for field in fields:
            assert ds[field].dims == ("sample", "time", *space)
            complex_field = recipe.system in ("nlse", "nlse2d")
            assert ds[field].dtype == ours[field].dtype == (np.complex128 if complex_field else np.float64)
            assert np.array_equal(ds[field].values, ours[field][:])
            assert ds[field].attrs["units"] == "1" and ds[field].attrs["long_name"]
        assert sorted(ds.indexes) == sorted(["sample", "time", *space])
        assert np.array_equal(ds["time"].values, recipe.times.numpy()) and ds["time"].attrs["long_name"] == "time"
        assert np.array_equal(ds["sample"].values, [0, 1]) and ds["done"].values.all()
        assert ds.attrs["recipe"] == recipe.text and ds.attrs["schema_version"] == 2
        assert ds.attrs["seed"] == recipe.seed and ds.attrs["method"] == recipe.solver["method"]
    with xr.open_dataset(path, engine="h5netcdf", group="parameters") as parameters, open_checked(path) as ours:
        assert sorted(parameters.data_vars) == sorted(ours["parameters"]) != []
        for key in parameters.data_vars:
            assert parameters[key].dims == ("sample",)
            assert np.array_equal(parameters[key].values, ours["parameters"][key][:])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interop")
    resolved = {"nlse-soliton": {"grid.n": "64"}}  # 32 points leave the solitons unresolved (dx = 1.6)
    return {name: generate(_small(name, samples=4, **resolved.get(name, {})), folder / f"{name}.h5", progress=False)
            for name in ("nlse-soliton", "burgers", "lorenz63")}


@pytest.mark.parametrize("name", ["nlse-soliton", "lorenz63"])
def test_netcdf_and_zarr_exports_round_trip(name, files, tmp_path):
    netcdf4 = pytest.importorskip("netCDF4")  # the netCDF-C library reads the export too (it comes with the seed)
    source = files[name]
    netcdf = tmp_path / "out.nc"
    zarr = tmp_path / "out.zarr"
    assert cli(["export", str(source), "--to", "netcdf", "--out", str(netcdf), "--quiet"]) == 0
    assert cli(["export", str(source), "--to", "zarr", "--out", str(zarr), "--quiet"]) == 0
    with open_checked(source) as ours, xr.open_dataset(netcdf, engine="h5netcdf") as nc, xr.open_zarr(zarr) as zr:
        for field in (f for f in ("u", "observed") if f in ours):
            data = ours[field][:]
            if np.iscomplexobj(data):
                assert np.array_equal(nc[f"{field}_real"].values + 1j * nc[f"{field}_imag"].values, data)
            else:
                assert np.array_equal(nc[field].values, data)
            assert zr[field].dtype == data.dtype and np.array_equal(zr[field].values, data)
        for key, column in ours["parameters"].items():
            assert nc[key].dims == zr[key].dims == ("sample",)  # parameters are coordinates along sample
            assert np.array_equal(nc[key].values, column[:]) and np.array_equal(zr[key].values, column[:])
        for ds in (nc, zr):
            assert np.array_equal(ds["time"].values, ours["time"][:])
            assert ds.attrs["recipe"] == ours.attrs["recipe"] and ds.attrs["complete"] == 1
    with netcdf4.Dataset(netcdf) as raw:
        assert raw.recipe_name == name and raw["time"].units == "1"


def test_the_well_export_loads_and_trains_one_step(files, tmp_path):
    from the_well.data import WellDataset

    for name in ("burgers", "nlse-soliton"):
        folder = tmp_path / name / "data" / "train"
        arguments = [str(files[name]), "--to", "the-well", "--out", str(folder / f"{name}.hdf5"), "--quiet"]
        assert cli(["export", *arguments]) == 0
        dataset = WellDataset(path=str(tmp_path / name), well_split_name="train", n_steps_input=1, n_steps_output=1)
        with open_checked(files[name]) as ours:
            u, parameters = ours["u"][:], {k: v[:] for k, v in ours["parameters"].items()}
        channels = 2 if np.iscomplexobj(u) else 1
        assert len(dataset) == 4 * (u.shape[1] - 1) and dataset.metadata.spatial_resolution == u.shape[2:]
        assert dataset.metadata.boundary_condition_types == ["periodic"]
        item = dataset[(u.shape[1] - 1) + 2]  # windows of sample 1, times 2 -> 3
        expected = np.stack([u.real, u.imag], -1) if channels == 2 else u[..., None]
        assert np.array_equal(item["input_fields"][0].numpy(), expected[1, 2])
        assert np.array_equal(item["output_fields"][0].numpy(), expected[1, 3])
        drawn = item["constant_scalars"][-len(parameters):].numpy()
        assert np.array_equal(drawn, [column[1] for column in parameters.values()])
    batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=8)))  # nlse-soliton: Re, Im channels
    x = batch["input_fields"][:, 0].movedim(-1, 1).float()  # (batch, n, C) -> (batch, C, n)
    y = batch["output_fields"][:, 0].movedim(-1, 1).float()
    torch.manual_seed(0)
    model = FNO(in_channels=2, out_channels=2, modes=8, width=8, layers=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().max() > 0 for p in model.parameters())
    optimizer.step()
    assert torch.nn.functional.mse_loss(model(x), y) < loss


def test_schema_1_files_are_refused_with_a_clear_message(tmp_path, capsys):
    old = tmp_path / "old.h5"
    with h5py.File(old, "w") as handle:  # the schema-1 layout: t and index, no dimension scales
        handle["u"], handle["t"], handle["index"] = np.zeros((2, 3, 4)), np.arange(3.0), np.arange(2)
        handle["done"] = np.ones(2, dtype=bool)
        handle.attrs.update({"schema_version": 1, "complete": True, "recipe": "", "system": "burgers"})
    with pytest.raises(DatasetFileError, match="schema version 1, this package reads version 2 .* regenerate it"):
        open_checked(old)
    assert cli(["inspect", str(old)]) == 1 and "schema version 1" in capsys.readouterr().out
    assert cli(["export", str(old), "--to", "netcdf", "--out", str(tmp_path / "x.nc")]) == 2
    assert "schema version 1" in capsys.readouterr().err and not list(tmp_path.glob("x.nc*"))
    recipe = _small("burgers")
    with h5py.File(tmp_path / "resume.h5.partial", "a") as handle:  # an interrupted schema-1 generation
        handle.attrs.update({"schema_version": 1, "recipe": recipe.text, "seed": recipe.seed, "shard": "1/1"})
    with pytest.raises(DatasetFileError, match="different schema_version is there; delete it"):
        generate(recipe, tmp_path / "resume.h5", progress=False)


def test_bad_export_input_writes_nothing(files, tmp_path, capsys, monkeypatch):
    incomplete = tmp_path / "incomplete.h5"
    incomplete.write_bytes(files["burgers"].read_bytes())
    with h5py.File(incomplete, "r+") as handle:
        handle["done"][1] = False
        handle.attrs["complete"] = False
    target = tmp_path / "out.nc"
    cases = [([str(incomplete), "--to", "netcdf"], "incomplete, 3 of 4 samples written"),
             ([str(files["burgers"]), "--to", "parquet"],
              "unknown export format 'parquet'; allowed: netcdf, the-well, zarr"),
             ([str(files["lorenz63"]), "--to", "the-well"], "lorenz63 is an ODE system; export it to netcdf or zarr")]
    for arguments, message in cases:
        assert cli(["export", *arguments, "--out", str(target), "--quiet"]) == 2
        assert message in capsys.readouterr().err
        assert not list(tmp_path.glob("out.nc*"))
    target.write_bytes(b"keep me")
    assert cli(["export", str(files["burgers"]), "--to", "netcdf", "--out", str(target), "--quiet"]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err and target.read_bytes() == b"keep me"
    assert cli(["export", str(files["burgers"]), "--to", "netcdf", "--out", str(target), "--quiet", "--overwrite"]) == 0
    with xr.open_dataset(target, engine="h5netcdf") as ds:
        assert ds["u"].shape == (4, 6, 32)
    monkeypatch.setitem(sys.modules, "zarr", None)  # as if the optional package were not installed
    assert cli(["export", str(files["burgers"]), "--to", "zarr", "--out", str(tmp_path / "z.zarr"), "--quiet"]) == 2
    assert "export to zarr needs zarr" in (error := capsys.readouterr().err) and "'interop' extra" in error
    assert not list(tmp_path.glob("z.zarr*"))


_LIMITED = """
import resource, sys
import numpy as np
from sciml.cli import main
import sciml.data.export, h5netcdf
mapped = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmSize:")) * 1024
limit = mapped + 160 * 2**20  # what this process maps now (torch included), plus 160 MiB
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    np.empty(int(sys.argv[1]), dtype=np.uint8)
    sys.exit("the memory limit does not hold: the whole file fits")
except MemoryError:
    pass
sys.exit(main(["export", sys.argv[2], "--to", "netcdf", "--out", sys.argv[3], "--quiet"]))
"""


def test_export_of_a_file_larger_than_the_memory_limit(files, tmp_path):
    big = tmp_path / "big.h5"
    rows, shape = 640, (65, 1024)  # 640 samples of 65 x 1024 float64: 341 MB
    rng = np.random.default_rng(0)
    with h5py.File(files["burgers"]) as small, h5py.File(big, "w") as handle:
        create(handle, "burgers", np.arange(rows), np.linspace(0, 1, shape[0]), (small["x"][:].repeat(32),),
               np.float64, parameters=tuple(small["parameters"]))
        handle.attrs.update({**small.attrs, "samples_total": rows})
        for start in range(0, rows, 64):
            handle["u"][start : start + 64] = rng.standard_normal((64, *shape))
        for name in small["parameters"]:
            handle["parameters"][name][:] = rng.random(rows)
        handle["done"][:] = True
    size = big.stat().st_size
    assert size > 300 * 2**20
    out = tmp_path / "big.nc"
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "1"}
    run = subprocess.run([sys.executable, "-c", _LIMITED, str(size), str(big), str(out)], env=environment,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    with h5py.File(big) as source, h5py.File(out) as exported:
        for row in (0, 321, rows - 1):
            assert np.array_equal(exported["u"][row], source["u"][row])
        assert np.array_equal(exported["amplitude"][:], source["parameters"]["amplitude"][:])


def test_inspect_writes_a_dataset_card(files, tmp_path, capsys):
    out = tmp_path / "cards" / "soliton.md"
    assert cli(["inspect", str(files["nlse-soliton"]), "--card", str(out)]) == 0
    assert f"card: {out}" in capsys.readouterr().out
    text = out.read_text()
    for expected in ("# Dataset card: nlse-soliton", "s \\|psi\\|^2 psi = 0", "| amplitude | uniform [1, 1.5] |",
                     "method = if_dop853, rtol = 1e-10, atol = 1e-12", "4 samples of (6, 64) complex128",
                     "![space-time view of samples [0, 1, 2]](soliton.png)"):
        assert expected in text, expected
    accuracy = float(text.split("max over samples and times ")[1].split(",")[0])
    mass = float(text.split("- mass: worst relative drift over all samples and times ")[1].split()[0])
    assert 0 < accuracy < 1e-8 and 0 < mass < 1e-10
    assert (tmp_path / "cards" / "soliton.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli(["inspect", str(files["lorenz63"]), "--card"]) == 0
    ode = files["lorenz63"].with_name("lorenz63.card.md").read_text()
    assert "x' = sigma (y - x)" in ode and "- none for this system" in ode and "`observed`" in ode
