"""Operators on 2D fields: forward shapes and gradients of every model with the FNO paper's 10 snapshots in,
factorized equals dense at the model level, the mass-conserving output in 1D and 2D, the autoregressive
rollout over a window of snapshots."""

import pytest
import torch

from sciml.evaluate import rollout
from sciml.models import FNO, MGTFNO, NSM, TFNO, MassConserving, MgNO, discrete_mass, load_checkpoint, save_checkpoint
from sciml.train import Rollout

HISTORY = 10
MODELS_2D = {
    "FNO": lambda: FNO(HISTORY, 1, modes=(6, 6), width=8, layers=2, projection=16),
    "TFNO": lambda: TFNO(HISTORY, 1, modes=(6, 6), width=8, layers=2, projection=16),
    "MGTFNO": lambda: MGTFNO(HISTORY, 1, modes=(4, 4), width=8, layers=2, projection=8, patches=2, levels=1),
    "MgNO": lambda: MgNO(HISTORY, 1, width=8, layers=2, levels=3, dimensions=2),
    "NSM": lambda: NSM(HISTORY, 1, kinds=("fourier", "fourier"), modes=(6, 6), width=8, layers=2),
    "MassConserving": lambda: MassConserving("FNO", in_channels=HISTORY, out_channels=1, modes=(6, 6), width=8,
                                             layers=2, projection=16),
}


@pytest.mark.parametrize("name", list(MODELS_2D))
def test_every_2d_operator_maps_ten_snapshots_to_the_next_and_trains_every_parameter(name):
    torch.manual_seed(0)
    model = MODELS_2D[name]()
    x = torch.randn(3, HISTORY, 32, 24)
    y = model(x)
    assert y.shape == (3, 1, 32, 24) and y.isfinite().all()
    y.square().mean().backward()
    for parameter_name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, parameter_name


def test_a_2d_tfno_equals_the_dense_fno_with_its_reconstructed_weights():
    torch.manual_seed(1)
    for factorization in ("tucker", "cp", "tt"):
        factorized = FNO(2, 2, modes=(5, 4), width=6, layers=2, projection=8, factorization=factorization,
                         rank=0.3).double()
        dense = FNO(2, 2, modes=(5, 4), width=6, layers=2, projection=8).double()
        state = {key: value for key, value in factorized.state_dict().items() if ".factors." not in key}
        for index, layer in enumerate(factorized.spectral):
            state[f"spectral.{index}.weight"] = torch.view_as_real(layer.dense_weight().detach()).contiguous()
        dense.load_state_dict(state)
        x = torch.randn(2, 2, 20, 16, dtype=torch.float64)
        for contract_with in ("factors", "dense"):
            for layer in factorized.spectral:
                layer.contract_with = contract_with
            assert torch.allclose(factorized(x), dense(x), rtol=1e-11, atol=1e-13), (factorization, contract_with)


@pytest.mark.parametrize("space, operator", [((64,), "FNO"), ((24, 20), "FNO"), ((24, 20), "MgNO")])
def test_the_mass_conserving_output_keeps_the_discrete_mass_to_rounding(space, operator, tmp_path):
    """Along a 20-step rollout of an untrained model the (Re, Im) mass stays at its initial value to 1e-13 in
    float64, while the unconstrained model's changes by orders of magnitude more."""
    torch.manual_seed(2)
    config = dict(in_channels=2, out_channels=2, width=8, layers=2)
    config |= {"levels": 2, "dimensions": len(space)} if operator == "MgNO" else {"modes": [4] * len(space)}
    constrained = MassConserving(operator, **config).double()
    x0 = torch.randn(3, 1, 2, *space, dtype=torch.float64)
    states = rollout(constrained, x0, 20)
    mass = discrete_mass(states.flatten(0, 1)).reshape(3, 21)
    assert float(((mass - mass[:, :1]).abs() / mass[:, :1]).max()) < 1e-13
    free = rollout(constrained.operator, x0, 20)
    free_mass = discrete_mass(free.flatten(0, 1)).reshape(3, 21)
    assert float(((free_mass - free_mass[:, :1]).abs() / free_mass[:, :1]).max()) > 1e-3
    save_checkpoint(constrained, tmp_path / "m.pt")
    rebuilt, _ = load_checkpoint(tmp_path / "m.pt")
    assert isinstance(rebuilt.operator, type(constrained.operator))
    assert torch.equal(rebuilt(x0[:, 0]), constrained(x0[:, 0]))


def test_the_mass_conserving_output_takes_the_mass_of_the_newest_input_snapshot():
    torch.manual_seed(3)
    model = MassConserving("FNO", in_channels=3 * 2, out_channels=2, modes=(4, 4), width=8, layers=1).double()
    window = torch.randn(2, 3, 2, 16, 16, dtype=torch.float64)
    window[:, -1] *= 5.0
    y = model(window.flatten(1, 2))
    assert torch.allclose(discrete_mass(y), discrete_mass(window[:, -1]), rtol=1e-13)


class _NewestPlusOldest(torch.nn.Module):
    """``(B, h * C, *space) -> (B, C, *space)``: the newest state plus the oldest, a recurrence with known terms."""

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels

    def forward(self, x):
        return x[:, -self.channels:] + x[:, :self.channels]


def test_rollout_over_a_window_of_ten_snapshots():
    """The window shifts by one state a step, oldest first: with f(window) = newest + oldest the predictions
    follow s_{n} = s_{n-1} + s_{n-10}; the training rollout and the evaluation rollout agree, and a window
    shorter than the history is refused."""
    window = torch.arange(1.0, 11.0).reshape(1, 10, 1, 1, 1).expand(2, 10, 1, 3, 4).clone()  # states 1..10
    steps = 6
    expected = list(range(1, 11))
    for _ in range(steps):
        expected.append(expected[-1] + expected[-10])
    model = _NewestPlusOldest(1)
    states = rollout(model, window, steps, history=HISTORY)
    assert states.shape == (2, 10 + steps, 1, 3, 4)
    assert states[:, :, 0, 0, 0].tolist() == [expected] * 2
    y = torch.zeros(2, steps, 1, 3, 4)
    trained = Rollout(steps, history=HISTORY)(model, window, y)
    assert torch.equal(trained, states[:, 10:])
    longer = torch.cat([torch.zeros(2, 5, 1, 3, 4), window], 1)  # only the last ten states are read
    assert torch.equal(Rollout(steps, history=HISTORY)(model, longer, y), trained)
    with pytest.raises(ValueError, match="needs 10 input states"):
        Rollout(steps, history=HISTORY)(model, window[:, :9], y)
    with pytest.raises(ValueError, match="history"):
        Rollout(steps, history=0)


@pytest.mark.parametrize("extra, message", [
    (["--history", "0"], "--history must be >= 1"),
    (["--history", "2", "--lag", "1"], "--history trains on consecutive snapshots"),
    (["--conserve-mass"], "--conserve-mass applies to NLSE data"),
    (["--set", "model.modes=[4, 4]"], "model.modes=[4, 4] gives 2 axes, the data have 1"),
    (["--model", "mgno", "--set", "model.dimensions=2"], "model.dimensions=2 but the data have 1"),
    (["--history", "4"], "windows need inputs"),
])
def test_operator_cli_bad_input(extra, message, run_files, tmp_path, capsys):
    from sciml.cli import main as cli

    arguments = ["train", "operator", "--data", str(run_files["burgers0"]), "--out", str(tmp_path / "run"), "--quiet"]
    assert cli(arguments + extra) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1, error


def test_mgtfno_in_chunks_equals_mgtfno_at_once_with_the_same_gradients():
    torch.manual_seed(4)
    whole = MGTFNO(1, 1, modes=(4, 4), width=8, layers=2, projection=8, patches=4, levels=2).double()
    chunked = MGTFNO(1, 1, modes=(4, 4), width=8, layers=2, projection=8, patches=4, levels=2, chunks=3).double()
    chunked.load_state_dict(whole.state_dict())
    x = torch.randn(2, 1, 32, 32, dtype=torch.float64)
    y_whole, y_chunked = whole(x), chunked(x)
    assert torch.allclose(y_whole, y_chunked, rtol=1e-12, atol=1e-14)
    y_whole.square().sum().backward()
    y_chunked.square().sum().backward()
    for (name, a), b in zip(whole.named_parameters(), chunked.parameters()):
        assert torch.allclose(a.grad, b.grad, rtol=1e-10, atol=1e-12), name


def test_train_and_compare_on_2d_vorticity_and_the_2d_nlse(tmp_path, capsys):
    """The FNO protocol end to end on tiny 2D files: 3 snapshots in, a 2-step rollout trained, then the
    report with fields, invariants, spectra, the front with coarser grids and the crossover sentence; a
    mass-conserving MgNO on the 2D NLSE keeps the mass of its rollout to float32 rounding."""
    from sciml.cli import main as cli
    from sciml.data import generate, load

    vorticity = {"samples": "6", "grid.n": "16", "grid.solve_n": "32", "time.end": "0.6", "time.snapshots": "7",
                 "solver.dt": "0.05"}
    beams = {"samples": "6", "grid.n": "32", "grid.L": "8.0", "time.end": "0.2", "time.snapshots": "5"}
    for recipe, values, extra in (("ns2d", vorticity, ["--history", "3", "--rollout", "2", "--set", "model.modes=6"]),
                                  ("nlse2d", beams, ["--model", "mgno", "--conserve-mass", "--set", "model.levels=2"])):
        data = generate(load(recipe, values), tmp_path / f"{recipe}.h5", progress=False)
        run = tmp_path / recipe
        assert cli(["train", "operator", "--data", str(data), "--out", str(run), "--epochs", "1", "--quiet",
                    "--validation-fraction", "0.34", "--set", "model.width=4", "--set", "model.layers=1", *extra]) == 0
        assert cli(["evaluate", str(run), "--data", str(data), "--samples", "2"]) == 0
        report = (run / "report" / "report.md").read_text()
        assert "At equal error the model is" in report and "| dt x 8 |" in report or "| rtol x 1e+06 |" in report
        for figure in ("fields", "error_vs_time", "invariants", "spectra", "front"):
            assert (run / "report" / f"{figure}.png").stat().st_size > 1000
    vorticity_report = (tmp_path / "ns2d" / "report" / "report.md").read_text()
    assert "enstrophy" in vorticity_report and "| grid 16 |" in vorticity_report
    mass_line = next(line for line in report.splitlines() if "mass change" in line)
    assert float(mass_line.split("|")[2].split("/")[0]) < 1e-5, mass_line
