"""Learned-versus-numerical comparison: rollout, metrics, report."""

import torch
from torch import nn

from sciml.cli import main as cli
from sciml.data import generate, load
from sciml.evaluate import relative_error, rollout


def test_rollout_and_relative_error():
    x0 = torch.randn(3, 2, 16)
    states = rollout(nn.Identity(), x0[:, None], 4)
    assert states.shape == (3, 5, 2, 16) and torch.equal(states[:, -1], x0)
    truth = torch.randn(3, 5, 16)
    assert relative_error(truth, truth, start=2).abs().max() == 0
    assert torch.allclose(relative_error(2 * truth, truth, start=2), torch.ones(3, 5))


def test_train_then_compare_writes_a_report(tmp_path, capsys):
    small = {"time.end": "0.5", "time.snapshots": "6", "grid.n": "64", "grid.L": "30.0"}
    generate(load("nlse-soliton", {"samples": "16", **small}), tmp_path / "train.h5", progress=False)
    generate(load("nlse-soliton", {"samples": "4", "seed": "7", **small}), tmp_path / "test.h5", progress=False)
    assert cli(["train", "operator", "--model", "fno", "--data", str(tmp_path / "train.h5"), "--out", str(tmp_path / "run"),
                "--epochs", "1",
                "--set", "model.width=8", "--set", "model.modes=8", "--set", "model.layers=1", "--quiet"]) == 0
    assert cli(["evaluate", str(tmp_path / "run"), "--data", str(tmp_path / "test.h5")]) == 0
    report = (tmp_path / "run" / "report" / "report.md").read_text()
    for expected in ("one-step relative L2", "speed-up of the model", "max relative mass change", "rtol x 100",
                     "grid 32", "grid 32, rtol x 10000", "At equal error the model is"):
        assert expected in report
    for figure in ("spacetime", "error_vs_time", "invariants", "spectra", "front"):
        assert (tmp_path / "run" / "report" / f"{figure}.png").stat().st_size > 1000
    assert cli(["evaluate", str(tmp_path / "missing"), "--data", str(tmp_path / "test.h5")]) == 2
    assert "no checkpoint" in capsys.readouterr().err
