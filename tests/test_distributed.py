"""Data-parallel training under torchrun (2 CPU processes, gloo) equals one process."""

import os
import subprocess
import sys

import torch

from sciml.cli import main as cli
from sciml.data import generate, load
from sciml.models import FNO, load_checkpoint


def test_two_processes_match_one(tmp_path):
    data = generate(load("burgers", {"samples": "10", "grid.n": "64", "time.snapshots": "4", "time.end": "0.3"}),
                    tmp_path / "burgers.h5", progress=False)
    arguments = ["train", "operator", "--model", "fno", "--data", str(data), "--epochs", "2", "--rollout", "2", "--quiet",
                 "--set", "model.width=8", "--set", "model.modes=6", "--set", "model.layers=2",
                 "--set", "train.batch_size=5", "--set", "train.warmup_steps=1", "--set", "train.learning_rate=1e-2"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each of the two processes: the same intra-op reduction order
    try:
        assert cli([*arguments, "--out", str(tmp_path / "one")]) == 0
    finally:
        torch.set_num_threads(threads)
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    launched = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                               "-m", "sciml.cli", *arguments, "--out", str(tmp_path / "two")],
                              env=environment, capture_output=True, text=True, timeout=300)
    assert launched.returncode == 0, launched.stderr[-3000:]
    one, one_extra = load_checkpoint(tmp_path / "one")
    two, two_extra = load_checkpoint(tmp_path / "two")
    assert len(one_extra["history"]["train"]) == len(two_extra["history"]["train"]) == 2
    assert torch.allclose(torch.tensor(one_extra["history"]["train"]), torch.tensor(two_extra["history"]["train"]),
                          rtol=1e-4)
    torch.manual_seed(0)  # the CLI's seed: the initial weights
    initial = FNO(modes=6, width=8, layers=2).state_dict()
    for (name, p), q, p0 in zip(one.state_dict().items(), two.state_dict().values(), initial.values()):
        # relative to the tensor's scale: Adam turns round-off in near-zero gradients into O(lr) element noise
        assert (p - q).abs().max() <= 1e-4 * p.abs().max(), name
        assert (p - p0).abs().max() > 1e-3, f"{name} did not train"
