"""Crash-safe runs: for every family, a training process killed with SIGKILL in the middle of a random
checkpoint write, rerun and killed again at a random moment, then rerun to the end with the same command,
ends with the weights and history of a run never interrupted (bitwise: every family is deterministic on
one CPU thread), and nothing in its folder is lost. The processes are forked from this one (no start-up
time); ``SCIML_CRASH_SEED`` repeats a failing draw."""

import multiprocessing
import os
import random
import signal
import time

import pytest
import torch

from sciml.cli import main as cli
from sciml.models import BEST, LAST, read_checkpoint
from sciml.models.checkpoint import FAULT

SEED = int(os.environ.get("SCIML_CRASH_SEED", time.time_ns() % 10_000))


def _child(arguments: list[str], fault: str) -> None:
    os.environ[FAULT] = fault
    torch.set_num_threads(1)
    os._exit(cli([*arguments, "--quiet"]))


def _process(arguments: list[str], fault: str = "") -> multiprocessing.Process:
    """The command run by a forked child process (no interpreter start-up), its checkpoint writes faulty."""
    process = multiprocessing.get_context("fork").Process(target=_child, args=(arguments, fault))
    process.start()
    return process


def _exit_code(process: multiprocessing.Process) -> int:
    process.join(timeout=120)
    return process.exitcode


def _without_seconds(value):
    if isinstance(value, dict):
        return {key: _without_seconds(entry) for key, entry in value.items() if key != "seconds"}
    return value


def _assert_same(straight, resumed, context: str) -> None:
    for name in (LAST, BEST):
        a, b = read_checkpoint(straight / name), read_checkpoint(resumed / name)
        for key, value in a["state"].items():
            assert torch.equal(value, b["state"][key]), f"{context}: {name} {key}"
        assert _without_seconds(a["history"]) == _without_seconds(b["history"]), f"{context}: {name} history"
        assert a["finished"] and b["finished"] if name == LAST else True
        for key in ("selected", "selection"):  # the RNN's model selection, checked along the run
            assert a.get(key) == b.get(key), f"{context}: {name} {key}"
    assert sorted(path.name for path in resumed.iterdir()) == [BEST, LAST], context  # no partial write left


def _straight(arguments: list[str]) -> None:
    """The run never interrupted, in this process on one thread like the subprocesses."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert cli([*arguments, "--quiet"]) == 0
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("family", ["operator", "pinn", "nsm", "rnn"])
def test_killed_runs_resume_to_the_uninterrupted_result(family, tiny_run, tmp_path):
    rng = random.Random(f"{SEED}-{family}")
    arguments, writes = tiny_run(family)
    run = [*arguments, "--out", str(tmp_path / "run")]
    victim = rng.randint(1, writes)
    context = f"{family}, SCIML_CRASH_SEED={SEED}, killed in write {victim}"
    _straight([*arguments, "--out", str(tmp_path / "straight")])
    killed = _process(run, f"kill:{victim}")
    assert _exit_code(killed) == -signal.SIGKILL, context
    assert any(path.name.endswith(".tmp") for path in (tmp_path / "run").iterdir()), f"{context}: no partial write"
    delay = rng.uniform(0.0, 0.5)
    context += f", then {delay:.2f} s after its first checkpoint"
    interrupted = _process(run, "slow:0.05")  # writes take long: the kill often lands in one
    while interrupted.is_alive() and not list((tmp_path / "run").glob(f".*.{interrupted.pid}.tmp")):
        time.sleep(0.01)  # until its first write begins
    time.sleep(delay)
    interrupted.kill()
    assert _exit_code(interrupted) in (0, -signal.SIGKILL), context
    assert _exit_code(_process(run)) == 0, context
    _assert_same(tmp_path / "straight", tmp_path / "run", context)
    assert cli([*run, "--quiet"]) == 0  # a finished run is left as it is
    _assert_same(tmp_path / "straight", tmp_path / "run", context + ", rerun when finished")
