"""Generation on an existing engine: torchrun (2 CPU processes, gloo) and Slurm job arrays."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from sciml.cli import main as cli
from sciml.data import generate, load, open_checked
from sciml.data.cluster import Placement, placement, shard_path

SOLITONS = ("nlse-soliton", {"samples": "40", "grid.n": "64", "time.snapshots": "6", "time.end": "0.5"})
LORENZ = ("lorenz63", {"samples": "64", "time.snapshots": "1001", "time.end": "10", "time.transient": "1"})
ENVIRONMENT = {**os.environ, "OMP_NUM_THREADS": "1", "HDF5_USE_FILE_LOCKING": "FALSE"}


def _generate(configuration, out):
    name, overrides = configuration
    return ["generate", name, "--out", str(out), "--quiet", "--batch-size", "16",  # a row marked done every 16
            *(f"--set={k}={v}" for k, v in overrides.items())]


def _torchrun(configuration, out):
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
            "-m", "sciml.cli", *_generate(configuration, out)]


def _one_process(configuration, out):
    return generate(load(*configuration), out, progress=False)


def _assert_same_data(path, reference):
    """Every dataset bit for bit, every attribute but the creation time equal."""
    with open_checked(path) as a, open_checked(reference) as b:
        names = []
        a.visit(lambda name: names.append(name) if isinstance(a[name], h5py.Dataset) else None)
        assert names and sorted(names) == sorted(n for n in names if n in b)
        for name in names:
            assert a[name].dtype == b[name].dtype and a[name][()].tobytes() == b[name][()].tobytes(), name
        assert {k: str(v) for k, v in a.attrs.items() if k != "created"} == \
               {k: str(v) for k, v in b.attrs.items() if k != "created"}
        assert np.array_equal(a["sample"][:], np.arange(a.attrs["samples_total"]))


def test_torchrun_two_processes_write_the_same_data_as_one(tmp_path):
    out = tmp_path / "two.h5"
    run = subprocess.run(_torchrun(SOLITONS, out), env=ENVIRONMENT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"wrote {out}" in run.stdout and "wrote shard 2/2; rank 0 merges" in run.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.h5"]  # shards merged and removed
    _assert_same_data(out, _one_process(SOLITONS, tmp_path / "one.h5"))


def _workers(launcher: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()]


def test_a_killed_rank_resumes_and_merges_without_loss_or_duplicates(tmp_path):
    out = tmp_path / "resumed.h5"
    process = subprocess.Popen(_torchrun(LORENZ, out), env=ENVIRONMENT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    partial = Path(f"{shard_path(out, 2, 2)}.partial")
    written, deadline = 0, time.time() + 120
    while time.time() < deadline and process.poll() is None and not 16 <= written < 32:
        time.sleep(0.05)
        try:
            with h5py.File(partial, "r", locking=False) as handle:
                written = int(handle["done"][:].sum())
        except (OSError, KeyError):
            continue
    assert 16 <= written < 32, f"rank 1 was not caught mid-way ({written} of its 32 samples written)"
    os.kill(_workers(process.pid)[1], signal.SIGKILL)  # one rank dies; torchrun stops the other
    assert process.wait(timeout=60) != 0
    assert partial.exists() and not out.exists()
    rerun = subprocess.run(_torchrun(LORENZ, out), env=ENVIRONMENT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["resumed.h5"]
    _assert_same_data(out, _one_process(LORENZ, tmp_path / "one.h5"))


def _array(task, low=3, count=3):
    return {"SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_MIN": str(low),
            "SLURM_ARRAY_TASK_MAX": str(low + count - 1), "SLURM_ARRAY_TASK_COUNT": str(count)}


def test_slurm_array_tasks_map_to_shards_and_the_last_one_merges(tmp_path, monkeypatch, capsys):
    arguments = _generate(SOLITONS, tmp_path / "array.h5")
    for task in (5, 3):  # tasks in any order: task ID - MIN + 1 is the shard
        monkeypatch.setattr(os, "environ", {**ENVIRONMENT, **_array(task)})
        assert cli(arguments) == 0
        assert f"wrote shard {task - 2}/3; the task that writes the last shard merges" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["array.shard-1-of-3.h5", "array.shard-3-of-3.h5"]
    lock = tmp_path / "array.h5.merging"
    lock.touch()  # a merge interrupted earlier: the last task says so and leaves the shards
    monkeypatch.setattr(os, "environ", {**ENVIRONMENT, **_array(4)})
    with pytest.warns(UserWarning, match="array.h5.merging exists"):
        assert cli(arguments) == 0
    assert not (tmp_path / "array.h5").exists() and shard_path(tmp_path / "array.h5", 2, 3).exists()
    lock.unlink()
    assert cli(arguments) == 0 and f"wrote {tmp_path / 'array.h5'}" in capsys.readouterr().out  # shard 2 kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["array.h5"]
    _assert_same_data(tmp_path / "array.h5", _one_process(SOLITONS, tmp_path / "one.h5"))


def test_placement_from_the_environment():
    assert placement({}) is None and placement({"WORLD_SIZE": "1", "RANK": "0"}) is None
    assert placement({"WORLD_SIZE": "4", "RANK": "2"}) == Placement("torchrun", 3, 4)
    assert placement(_array(7, low=0, count=8)) == Placement("slurm", 8, 8)
    assert placement(_array(0, 0, 8), manual_shard=True) is None  # --shard in an array task: sharding by hand
    with pytest.raises(ValueError, match="--shard does not apply under torchrun"):
        placement({"WORLD_SIZE": "2", "RANK": "0"}, manual_shard=True)
    with pytest.raises(ValueError, match="both torchrun"):
        placement({"WORLD_SIZE": "2", "RANK": "0", **_array(3)})
    with pytest.raises(ValueError, match="contiguous with step 1"):
        placement({**_array(3), "SLURM_ARRAY_TASK_MAX": "9"})
