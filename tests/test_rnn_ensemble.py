"""K piecewise-linear RNNs trained at once: equal to K separate trainings, per-model selection on the training
data only, clear errors for bad input."""

import copy
import dataclasses
import math

import h5py
import pytest
import torch

from sciml.models import ALRNN, PLRNN, RNNEnsemble, ShallowPLRNN, load_checkpoint, read_checkpoint, save_checkpoint
from sciml.train.selection import Check, CheckpointSelection, SelectionConfig
from sciml.train.teacher_forcing import TeacherForcingConfig, _interval, train_teacher_forcing
from solvers.integrators import solve
from solvers.systems import Lorenz63

BUILDERS = [lambda: ALRNN(3, 8, 2), lambda: ALRNN(3, 6, 3, observation="affine"), lambda: PLRNN(3, 6),
            lambda: ShallowPLRNN(3, 4, 10, clipped=True)]


@pytest.fixture(scope="module")
def lorenz() -> torch.Tensor:
    t = torch.arange(0, 50.0, 0.02, dtype=torch.float64)
    y = solve(Lorenz63(), torch.tensor([[1.0, 1.0, 1.0]], dtype=torch.float64), t, method="rk4", dt=0.02).y[0, 100:]
    return (y - y.mean(0)) / y.std(0)


def _members(build, count: int) -> list:
    models = []
    for seed in range(count):
        torch.manual_seed(10 + seed)
        models.append(build().double())
    return models


@pytest.mark.parametrize("build", BUILDERS)
def test_ensemble_training_equals_separate_trainings(build, lorenz):
    config = TeacherForcingConfig(epochs=2, batches_per_epoch=3, batch_size=4, sequence=23, interval=5,
                                  alpha="adaptive", alpha_every=2, learning_rate=1e-2, gradient_clip=0.5,
                                  l1=1e-3 if "W" in dict(build().named_parameters()) else 0.0, seed=3)
    models = _members(build, 3)
    ensemble = RNNEnsemble.stack(copy.deepcopy(models))
    together = train_teacher_forcing(ensemble, lorenz, config, progress=False)
    for k, model in enumerate(models):
        alone = train_teacher_forcing(model, lorenz, dataclasses.replace(config, seed=3 + k), progress=False)
        assert [epoch[k] for epoch in together.loss] == pytest.approx(alone.loss, rel=1e-12)
        assert [epoch[k] for epoch in together.alpha] == pytest.approx(alone.alpha, rel=1e-12, abs=1e-15)
        for name, value in ensemble.member(k).state_dict().items():
            assert torch.allclose(value, model.state_dict()[name], rtol=1e-10, atol=1e-12), name
        assert not torch.allclose(ensemble.member(k).A, models[(k + 1) % 3].A)  # the members differ


def test_members_run_as_alone_and_checkpoint(lorenz, tmp_path):
    models = _members(BUILDERS[1], 2)
    ensemble = RNNEnsemble.stack(models)
    x = lorenz[:80].reshape(2, 2, 20, 3).double()
    predictions, states = ensemble.teacher_forced(x, torch.tensor([1.0, 0.4], dtype=torch.float64), 6)
    latent, observed = ensemble.orbit(x[:, :, 0], 15)
    for k, model in enumerate(models):
        alone = model.teacher_forced(x[k], [1.0, 0.4][k], 6)
        assert torch.allclose(predictions[k], alone[0], atol=1e-12)
        assert torch.allclose(states[k], alone[1], atol=1e-12)
        assert torch.allclose(observed[k], model.generate(x[k, :, 0], 15), atol=1e-12)
        assert torch.allclose(ensemble.map("jacobian", latent)[k], model.jacobian(latent[k]), atol=1e-12)
    save_checkpoint(ensemble, tmp_path / "ensemble.pt")
    loaded, _ = load_checkpoint(tmp_path / "ensemble.pt")
    assert loaded.members == 2 and torch.equal(loaded.member(1).B.weight, models[1].B.weight)


def test_bad_input_gets_clear_errors(lorenz):
    with pytest.raises(ValueError, match="members must be an integer >= 1"):
        RNNEnsemble("ALRNN", {"observed": 3, "latent": 8, "piecewise": 2}, 0)
    with pytest.raises(ValueError, match="model must be one of"):
        RNNEnsemble("LSTM", {}, 2)
    with pytest.raises(ValueError, match="share one class and configuration"):
        RNNEnsemble.stack([ALRNN(3, 8, 2), ALRNN(3, 8, 3)])
    ensemble = RNNEnsemble.stack(_members(BUILDERS[0], 2))
    x = lorenz[:40].reshape(2, 20, 3)
    with pytest.raises(ValueError, match=r"x must be \(2, batch, time, 3\)"):
        ensemble.teacher_forced(x, torch.ones(2), 5)  # the member dimension is missing
    with pytest.raises(ValueError, match=r"alpha must be 2 values in \[0, 1\]"):
        ensemble.teacher_forced(x.expand(2, 2, 20, 3), torch.tensor([1.0, 1.5]), 5)
    with pytest.raises(ValueError, match=r"member must lie in \[0, 1\]"):
        ensemble.member(2)
    broken = lorenz.clone()
    broken[7, 1] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite values at 1 time steps"):
        train_teacher_forcing(ensemble, broken, TeacherForcingConfig(epochs=1, sequence=20), progress=False)
    with pytest.raises(ValueError, match=r"trajectory must be \(time, 3\)"):
        train_teacher_forcing(ensemble, lorenz[:, :2], TeacherForcingConfig(epochs=1, sequence=20), progress=False)
    with pytest.raises(ValueError, match="gradient_clip must be > 0"):
        TeacherForcingConfig(gradient_clip=0.0)
    with pytest.raises(ValueError, match="drop must be < steps"):
        SelectionConfig(steps=100, drop=100)
    annealed = TeacherForcingConfig(interval=8, final_interval=32)
    assert [_interval(annealed, f) for f in (0.0, 0.5, 1.0, 2.0)] == [8, 16, 32, 32]  # geometric growth


def test_selection_ranks_collapsed_orbits_last(lorenz):
    chaotic, contracting = _members(BUILDERS[0], 2)
    with torch.no_grad():
        contracting.A.fill_(0.5)
        contracting.W.zero_()  # a contracting linear map: every orbit falls onto one fixed point
        chaotic.A.fill_(1.05)  # an expanding map whose orbits leave the box (D_stsp large) but whose exponent is > 0
    selection = CheckpointSelection(RNNEnsemble.stack([chaotic, contracting]), lorenz,
                                    SelectionConfig(every=1, steps=300, drop=50, lyapunov_steps=100))
    first, second = selection.check(1)
    assert second.lyapunov == pytest.approx(float(torch.tensor(0.5).log()), rel=1e-6)  # log 0.5 a step
    assert first.lyapunov > 0 or first.D_stsp == float("inf")
    assert selection.apply() == (0 if first.lyapunov > 0 else 1)


def test_selection_counts_runs_from_other_training_states_that_collapse_or_escape():
    """Free runs from 12 training states of a circle: a rotation keeps every run on the circle, a contraction
    ends each on its fixed point, an expansion leaves the box; a collapsed start ranks a chaotic check last."""
    angle = torch.linspace(0, 40, 4001, dtype=torch.float64)
    circle = torch.stack([angle.cos(), angle.sin()], 1)
    rotation, contraction, expansion = (ALRNN(2, 2, 0).double() for _ in range(3))
    with torch.no_grad():
        for model, a in ((rotation, math.cos(0.3)), (contraction, 0.5), (expansion, 1.05)):
            model.A.fill_(a)
            model.W.zero_()
            model.h.zero_()
        rotation.W.copy_(torch.tensor([[0.0, -math.sin(0.3)], [math.sin(0.3), 0.0]]))
        contraction.h.fill_(0.2)
    selection = CheckpointSelection(RNNEnsemble.stack([rotation, contraction, expansion]), circle,
                                    SelectionConfig(starts=12, start_steps=400))
    assert selection.collapsed_starts().tolist() == [0, 12, 12]
    unchecked = CheckpointSelection(selection.ensemble, circle, SelectionConfig(starts=0))
    assert unchecked.collapsed_starts().tolist() == [0, 0, 0]
    chaotic = Check(1, 0, D_stsp=2.0, D_H=0.5, lyapunov=0.01)
    two_attractors = Check(1, 1, D_stsp=0.5, D_H=0.1, lyapunov=0.01, collapsed=3)
    assert chaotic.rank(True) < two_attractors.rank(True) and two_attractors.rank(False) < chaotic.rank(False)
    with pytest.raises(ValueError, match="start_steps must be"):
        SelectionConfig(start_steps=5)


def test_cli_seeds_keeps_every_model_and_selects_on_training_data_only(tmp_path, capsys):
    from sciml.cli import main as cli
    from sciml.data import generate, load

    data = generate(load("lorenz63", {"samples": "2", "time.end": "15.0", "time.snapshots": "1501"}),
                    tmp_path / "l63.h5", progress=False)
    options = ["train", "rnn", "--data", str(data), "--epochs", "4", "--seeds", "3", "--quiet", "--set",
               "train.batches_per_epoch=2", "--set", "train.sequence=40", "--set", "select.every=2", "--set",
               "select.steps=2000", "--set", "select.drop=100", "--set", "select.lyapunov_steps=100"]
    assert cli(options + ["--out", str(tmp_path / "run")]) == 0
    with h5py.File(data, "r+") as handle:  # the test trajectory (sample 1) corrupted: the choice must not change
        for field in ("u", "observed"):
            handle[field][1] = 1e6 * torch.randn(handle[field].shape[1:]).numpy()
    assert cli(options + ["--out", str(tmp_path / "again")]) == 0
    first, again = read_checkpoint(tmp_path / "run"), read_checkpoint(tmp_path / "again")
    assert first["model"] == "RNNEnsemble" and first["config"]["members"] == 3
    assert first["selected"] == again["selected"] and first["selection"] == again["selection"]
    assert len(first["selection"]) == 6  # 3 seeds checked at epochs 2 and 4
    assert all(torch.equal(first["state"][name], again["state"][name]) for name in first["state"])
    assert "<- selected" in capsys.readouterr().out
    assert cli(options + ["--out", str(tmp_path / "run")]) == 0  # a finished run returns at once
    assert "is finished" in capsys.readouterr().out
    assert cli(["train", "rnn", "--data", str(data), "--seeds", "0", "--out", str(tmp_path / "zero")]) == 2
    assert "--seeds must be >= 1" in capsys.readouterr().err


def test_user_arrays_train_and_evaluate_without_a_recipe(tmp_path, capsys):
    import numpy as np
    from scipy.integrate import solve_ivp

    from sciml.cli import main as cli
    from sciml.data import DatasetFileError
    from sciml.data.user_trajectory import read_trajectory

    def lorenz(t, y):
        return [10 * (y[1] - y[0]), y[0] * (28 - y[2]) - y[1], y[0] * y[1] - 8 / 3 * y[2]]

    rng = np.random.default_rng(5)
    t = np.arange(0, 24, 0.01)
    runs = [solve_ivp(lorenz, (0, t[-1]), start, t_eval=t, rtol=1e-9, atol=1e-9).y.T[400:] for start in
            ([1.0, 1.0, 1.0], [-3.0, 2.0, 20.0])]
    train = runs[0] + 0.05 * runs[0].std(0) * rng.standard_normal(runs[0].shape)
    np.save(tmp_path / "train.npy", train)
    np.savetxt(tmp_path / "test.csv", runs[1], delimiter=",", header="x,y,z", comments="")
    assert np.array_equal(read_trajectory(tmp_path / "test.csv"), np.loadtxt(tmp_path / "test.csv", delimiter=",",
                                                                               skiprows=1))
    with h5py.File(tmp_path / "both.h5", "w") as handle:
        handle["train"], handle["test"] = train, runs[1]
    options = ["--epochs", "2", "--quiet", "--dt", "0.01", "--set", "train.batches_per_epoch=2", "--set",
               "train.sequence=40", "--set", "select.steps=600", "--set", "select.drop=100", "--set",
               "select.lyapunov_steps=100"]
    assert cli(["train", "rnn", "--data", str(tmp_path / "train.npy"), "--out", str(tmp_path / "run")] + options) == 0
    saved = read_checkpoint(tmp_path / "run")["metadata"]
    assert saved["dt"] == 0.01 and saved["mean"] == pytest.approx(train.mean(0).tolist(), rel=1e-6)
    assert saved["std"] == pytest.approx(train.std(0, ddof=1).tolist(), rel=1e-6)
    capsys.readouterr()
    assert cli(["evaluate", str(tmp_path / "run"), "--data", str(tmp_path / "test.csv")]) == 0
    printed = capsys.readouterr().out
    assert "D_stsp" in printed and "lambda_max model" in printed and "lambda_max solver" not in printed
    report = (tmp_path / "run" / "evaluation" / "report.md").read_text()
    assert "| stable |" in report and "subregions.png" in report
    assert cli(["train", "rnn", "--data", str(tmp_path / "both.h5"), "--out", str(tmp_path / "h5")] + options) == 2
    assert "name the dataset with a key: 2 two-dimensional datasets" in capsys.readouterr().err
    assert cli(["train", "rnn", "--data", str(tmp_path / "both.h5"), "--key", "train",
                "--out", str(tmp_path / "h5")] + options) == 0
    broken = runs[1].copy()
    broken[17, 2] = np.nan
    np.savetxt(tmp_path / "broken.csv", broken, delimiter=",")
    with pytest.raises(DatasetFileError, match=r"NaN or infinite values in 1 of 2000 time steps \(first at row 17\)"):
        read_trajectory(tmp_path / "broken.csv")
    np.save(tmp_path / "cube.npy", np.zeros((4, 5, 6)))
    with pytest.raises(DatasetFileError, match=r"a trajectory is \(time, dim\).*\(4, 5, 6\)"):
        read_trajectory(tmp_path / "cube.npy")
    with pytest.raises(DatasetFileError, match="unknown format '.json'"):
        (tmp_path / "x.json").write_text("[]")
        read_trajectory(tmp_path / "x.json")
