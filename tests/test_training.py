"""Losses and the trainer: exact loss values, learning a known operator, resume, rollouts, CLI errors."""

import math

import pytest
import torch
from torch.utils.data import TensorDataset

from sciml.cli import main as cli
from sciml.models import BEST, FNO, LAST, load_checkpoint, read_checkpoint
from sciml.train import RelativeH1, RelativeLp, Rollout, TrainConfig, Trainer
from sciml.train.distributed import GlobalBatchSampler


def test_relative_losses():
    x = torch.linspace(0, 1, 65)[:-1]
    u = torch.sin(2 * math.pi * x).reshape(1, 1, 64)
    assert float(RelativeLp()(2 * u, y=u)) == pytest.approx(1.0, rel=1e-6)
    assert float(RelativeLp(1.0)(u + 0.5 * u, y=u)) == pytest.approx(0.5, rel=1e-6)
    assert float(RelativeH1()(u, y=u)) == 0.0
    assert float(RelativeH1()(3 * u, y=u)) == pytest.approx(2.0, rel=1e-5)
    with pytest.raises(ValueError, match="differ in shape"):
        RelativeLp()(u, y=u[..., :32])


def test_relative_h1_sees_every_spatial_axis():
    """A perturbation varying along the first of two axes: its relative H1 size is
    a sqrt(1 + 36 pi^2) / sqrt(1 + 4 pi^2) for u = sin(2 pi x), v = a sin(6 pi x), not a (last axis only)."""
    x = torch.arange(32, dtype=torch.float64) / 32
    u = torch.sin(2 * torch.pi * x)[:, None].expand(32, 16)[None, None]
    v = 0.1 * torch.sin(6 * torch.pi * x)[:, None].expand(32, 16)[None, None]
    expected = 0.1 * math.sqrt((1 + 36 * math.pi ** 2) / (1 + 4 * math.pi ** 2))
    assert float(RelativeH1(dimensions=2)(u + v, y=u)) == pytest.approx(expected, rel=1e-12)
    assert float(RelativeH1(dimensions=2)(u.transpose(-1, -2) + v.transpose(-1, -2), y=u.transpose(-1, -2))) \
        == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="dimensions must be 1, 2 or 3"):
        RelativeH1(dimensions=0)


class Pairs(TensorDataset):
    """Dict items for the trainer: x a random smooth field, y its spectral derivative (a linear operator)."""

    def __init__(self, samples: int, seed: int):
        generator = torch.Generator().manual_seed(seed)
        k = torch.fft.rfftfreq(64, d=1 / 64)
        c = torch.randn(samples, 1, 33, dtype=torch.complex64, generator=generator) * torch.exp(-k / 3)
        c[..., 0] = 0
        super().__init__(torch.fft.irfft(c, n=64), torch.fft.irfft(1j * 2 * math.pi * k * c, n=64) / 10)

    def __getitem__(self, i):
        x, y = super().__getitem__(i)
        return {"x": x, "y": y}


def _model():
    torch.manual_seed(0)
    return FNO(modes=12, width=16, layers=2, projection=16, coordinates=False)


def test_training_learns_a_linear_operator():
    config = TrainConfig(epochs=20, batch_size=16, learning_rate=5e-3, warmup_steps=10)
    trainer = Trainer(_model(), RelativeLp(), config)
    history = trainer.fit(Pairs(128, 0), Pairs(32, 1), progress=False)
    assert history.validation[0] > 0.5 and history.validation[-1] < 0.15, history.validation


class Interrupting(Pairs):
    """Raises KeyboardInterrupt at the ``after``-th item read, as a user pressing Ctrl-C mid-epoch."""

    def __init__(self, samples, seed, after):
        super().__init__(samples, seed)
        self.reads, self.after = 0, after

    def __getitem__(self, i):
        self.reads += 1
        if self.reads > self.after:
            raise KeyboardInterrupt
        return super().__getitem__(i)


def test_resume_equals_an_uninterrupted_run(tmp_path):
    config = TrainConfig(epochs=4, batch_size=16, learning_rate=3e-3, warmup_steps=5)
    Trainer(_model(), RelativeLp(), config, out=tmp_path / "straight").fit(Pairs(64, 0), Pairs(16, 1), progress=False)
    with pytest.raises(KeyboardInterrupt):  # interrupted in the middle of epoch 3
        Trainer(_model(), RelativeLp(), config, out=tmp_path / "resumed").fit(
            Interrupting(64, 0, after=2 * 64 + 20), Pairs(16, 1), progress=False)
    resumed = Trainer(_model(), RelativeLp(), config, out=tmp_path / "resumed")
    history = resumed.fit(Pairs(64, 0), Pairs(16, 1), progress=False)
    assert resumed.epoch == 4 and len(history.train) == 4
    straight, _ = load_checkpoint(tmp_path / "straight" / "last.pt")
    again, _ = load_checkpoint(tmp_path / "resumed" / "last.pt")
    for (name, p), q in zip(straight.state_dict().items(), again.state_dict().values()):
        assert torch.equal(p, q), name


def test_train_cli_refuses_unknown_keys_and_mismatched_data(tmp_path, capsys):
    run = str(tmp_path / "run")
    assert cli(["train", "operator", "--model", "fno", "--data", str(tmp_path / "none.h5"), "--out", run,
                "--set", "model.depth=3"]) == 2
    assert "unknown model key(s) depth; allowed: modes, width" in capsys.readouterr().err
    assert cli(["train", "operator", "--model", "fno", "--data", str(tmp_path / "none.h5"), "--out", run]) == 2
    assert "no such file" in capsys.readouterr().err


def test_rollout_unrolls_and_pushforward_cuts_the_gradient_between_steps():
    torch.manual_seed(1)
    model = torch.nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular", bias=False).double()
    x, y = torch.randn(4, 2, 16, dtype=torch.float64), torch.randn(4, 3, 2, 16, dtype=torch.float64)
    predictions = Rollout(3)(model, x[:, None], y)  # a window of one input state
    assert torch.allclose(predictions[:, 2], model(model(model(x))), atol=1e-14)
    RelativeLp()(predictions, y=y).backward()
    through_time = model.weight.grad.clone()
    model.weight.grad = None
    RelativeLp()(Rollout(3, pushforward=True)(model, x, y), y=y).backward()
    pushed = model.weight.grad.clone()
    model.weight.grad = None
    with torch.no_grad():
        inputs = [x, model(x), model(model(x))]
    one_step = torch.stack([model(state) for state in inputs], dim=1)  # each step from a constant input
    RelativeLp()(one_step, y=y).backward()
    assert torch.allclose(pushed, model.weight.grad, atol=1e-14)
    assert not torch.allclose(pushed, through_time, atol=1e-3)
    with pytest.raises(ValueError, match="targets hold 3 steps, the rollout makes 2"):
        Rollout(2)(model, x, y)


def test_global_batches_are_split_across_processes():
    one = GlobalBatchSampler(23, 8, shuffle=True, seed=3).batches()
    ranks = [GlobalBatchSampler(23, 8, shuffle=True, seed=3, rank=r, world_size=3).batches() for r in range(3)]
    assert [size for _, size in one] == [8, 8, 7]
    for step, (indices, size) in enumerate(one):
        assert sum((ranks[r][step][0] for r in range(3)), []) == indices
        assert all(ranks[r][step][1] == size for r in range(3))
    assert len(GlobalBatchSampler(17, 8, False, 0, rank=1, world_size=2)) == 2  # the last single sample is dropped


class Opposite(Pairs):
    """The negated targets: the better the operator learns ``Pairs``, the worse it does here."""

    def __getitem__(self, i):
        item = super().__getitem__(i)
        return {"x": item["x"], "y": -item["y"]}


def test_early_stopping_restores_the_best_weights(tmp_path):
    config = TrainConfig(epochs=8, batch_size=16, learning_rate=5e-3, warmup_steps=5, patience=2)
    trainer = Trainer(_model(), RelativeLp(), config, out=tmp_path)
    history = trainer.fit(Pairs(64, 0), Opposite(16, 1), progress=False)
    best = min(range(len(history.validation)), key=history.validation.__getitem__)
    assert len(history.validation) == best + 1 + config.patience < config.epochs, history.validation
    last, best_checkpoint = read_checkpoint(tmp_path / LAST), read_checkpoint(tmp_path / BEST)
    assert last["best"] == history.validation[best] and last["finished"]
    for key, value in best_checkpoint["state"].items():
        assert torch.equal(value, last["state"][key]) and torch.equal(value, trainer.model.state_dict()[key]), key


def test_mixed_precision_training_learns(tmp_path):
    config = TrainConfig(epochs=6, batch_size=16, learning_rate=5e-3, warmup_steps=5, mixed_precision=True)
    history = Trainer(_model(), RelativeLp(), config).fit(Pairs(64, 0), Pairs(16, 1), progress=False)
    assert all(math.isfinite(value) for value in history.train) and history.validation[-1] < 0.8 * history.validation[0]
