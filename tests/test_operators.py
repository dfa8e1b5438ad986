"""Fourier layers, FNO/TFNO/MG-TFNO, MgNO and NSM: factorized equals dense, gradients, resolution, checkpoints,
errors, bfloat16 mixed precision."""

import math

import pytest
import torch

from sciml.models import FACTORIZATIONS, FNO, MGTFNO, NSM, TFNO, MgNO, SpectralConv, load_checkpoint, save_checkpoint
from sciml.models.pointwise import pointwise
from solvers.spectral import contraction


@pytest.mark.parametrize("factorization", ["cp", "tucker", "tt"])
@pytest.mark.parametrize("modes", [(7,), (6, 5)])
def test_factorized_contraction_equals_dense(factorization, modes):
    torch.manual_seed(0)
    layer = SpectralConv(4, 5, modes, factorization=factorization, rank=0.3).double()
    block = torch.randn(3, 4, *modes, dtype=torch.complex128)
    for contract_with in ("factors", "dense"):
        layer.contract_with = contract_with
        direct = layer.contract(block)
        assert torch.allclose(direct, contraction.dense(block, layer.dense_weight()), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("factorization, rank", [("cp", 0.1), ("tucker", 0.1), ("tt", 0.1)])
def test_rank_is_a_fraction_of_the_dense_parameter_count(factorization, rank):
    layer = SpectralConv(32, 32, (16,), factorization=factorization, rank=rank)
    count = sum(p.numel() for p in layer.parameters())
    dense = 32 * 32 * 16 * 2  # real numbers: (Re, Im) of each complex weight
    assert 0.03 * dense <= count <= rank * dense * 1.1


@pytest.mark.parametrize("factorization, expected", [("dense", 1 / (20 * 20)), ("cp", math.sqrt(2 / 40)),
                                                     ("tucker", math.sqrt(2 / 40)), ("tt", math.sqrt(2 / 40))])
def test_initial_weight_scale(factorization, expected):
    """rms |W| of the (reconstructed) weight: the FNO reference scale dense, Glorot-like factorized, or as
    asked; through the FNO and a checkpoint too."""
    def rms(layer: SpectralConv) -> float:
        return layer.dense_weight().abs().square().mean().sqrt().item()

    torch.manual_seed(0)
    assert rms(SpectralConv(20, 20, (12, 7), factorization, 0.1)) == pytest.approx(expected, rel=0.25)
    assert rms(SpectralConv(20, 20, (12, 7), factorization, 0.1, init_scale=0.03)) == pytest.approx(0.03, rel=0.25)
    model = FNO(modes=(12, 7), width=20, factorization=factorization, rank=0.1, init_scale=0.03)
    assert rms(model.spectral[0]) == pytest.approx(0.03, rel=0.25) and model.config["init_scale"] == 0.03


@pytest.mark.parametrize("factorization", FACTORIZATIONS)
def test_spectral_conv_gradcheck(factorization):
    torch.manual_seed(1)
    layer = SpectralConv(2, 3, (4,), factorization=factorization, rank=0.5).double()
    x = torch.randn(2, 2, 16, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (x,), eps=1e-6, atol=1e-8)
    names, values = zip(*((name, p.detach().clone().requires_grad_(True)) for name, p in layer.named_parameters()))

    def with_weights(*weights):
        return torch.func.functional_call(layer, dict(zip(names, weights)), (x.detach(),))

    assert torch.autograd.gradcheck(with_weights, values, eps=1e-6, atol=1e-8)


@pytest.mark.parametrize("model", [FNO(modes=8, width=8, layers=2, projection=16),
                                   TFNO(in_channels=2, out_channels=2, modes=(6, 5), width=8, layers=2, projection=16),
                                   MGTFNO(in_channels=2, out_channels=1, modes=(4, 3), width=8, layers=2, projection=8,
                                          patches=2, levels=1)])
def test_every_parameter_gets_a_gradient(model):
    x = torch.randn(2, model.config["in_channels"], *([24] * model.dimensions))
    model(x).square().mean().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_spectral_conv_is_resolution_invariant():
    """A band-limited input gives the same function on a grid twice as fine."""
    torch.manual_seed(2)
    layer = SpectralConv(3, 2, (6, 5)).double()
    coarse = torch.randn(1, 3, 16, 16, dtype=torch.float64)
    spectrum = torch.fft.rfftn(coarse, dim=(2, 3), norm="forward")
    index = contraction.retained_index((16, 16), (10, 8))
    band = contraction.scatter(contraction.gather(spectrum, index), index, (16, 9))
    coarse = torch.fft.irfftn(band, s=(16, 16), dim=(2, 3), norm="forward")
    fine = torch.fft.irfftn(contraction.scatter(contraction.gather(band, index), contraction.retained_index((32, 32), (10, 8)),
                                                (32, 17)), s=(32, 32), dim=(2, 3), norm="forward")
    assert torch.allclose(layer(fine)[..., ::2, ::2], layer(coarse), atol=1e-13)


def test_fno_evaluates_at_another_resolution():
    torch.manual_seed(3)
    model = FNO(modes=8, width=16, layers=3, projection=32).double()
    x = torch.sin(2 * math.pi * torch.arange(64, dtype=torch.float64) / 64).reshape(1, 1, 64)
    fine = torch.sin(2 * math.pi * torch.arange(256, dtype=torch.float64) / 256).reshape(1, 1, 256)
    coarse_out, fine_out = model(x), model(fine)
    assert fine_out.shape == (1, 1, 256)
    assert (fine_out[..., ::4] - coarse_out).abs().max() < 0.05 * coarse_out.abs().max()


def test_checkpoint_round_trip(tmp_path):
    model = TFNO(in_channels=2, out_channels=1, modes=(5, 4), width=8, layers=2, projection=8)
    x = torch.randn(2, 2, 12, 10)
    path = save_checkpoint(model, tmp_path / "runs" / "model.pt", epoch=7)
    rebuilt, extra = load_checkpoint(path)
    assert isinstance(rebuilt, TFNO) and extra == {"epoch": 7}
    assert torch.equal(rebuilt(x), model(x))


@pytest.mark.parametrize("call, error, message", [
    (lambda: FNO(in_channels=2, modes=8)(torch.randn(1, 3, 32)), ValueError, r"expects \(batch, 2, 1 spatial dims\)"),
    (lambda: FNO(modes=(8, 8))(torch.randn(1, 1, 32)), ValueError, "2 spatial dims"),
    (lambda: SpectralConv(2, 2, 40)(torch.randn(1, 2, 32)), ValueError, "40 modes asked along a dimension of 32"),
    (lambda: SpectralConv(2, 2, (4, 6))(torch.randn(1, 2, 32, 8)), ValueError, "6 modes asked along a dimension of 8 "),
    (lambda: SpectralConv(2, 2, (40, 4))(torch.randn(1, 2, 32, 8)), ValueError, "40 modes asked along a dimension of 32"),
    (lambda: SpectralConv(2, 2, 4, factorization="svd"), ValueError, "unknown factorization 'svd'"),
    (lambda: SpectralConv(2, 2, 4, factorization="cp", rank=2.0), ValueError, "rank is a fraction"),
    (lambda: SpectralConv(2, 2, 4, init_scale=0.0), ValueError, "init_scale is the initial weight's rms"),
    (lambda: TFNO(modes=4, init_scale=math.nan), ValueError, "init_scale is the initial weight's rms"),
    (lambda: FNO(modes=4, init_scale="abc"), ValueError, "init_scale is the initial weight's rms"),
    (lambda: FNO(modes=4, init_scale=True), ValueError, "init_scale is the initial weight's rms"),
    (lambda: load_checkpoint("missing.pt"), FileNotFoundError, "no checkpoint"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("dimensions, bias", [(1, True), (2, True), (2, False), (3, True)])
def test_pointwise_map_equals_the_1x1_convolution(dimensions, bias):
    """Same initial parameters under a seed, the same outputs and gradients to rounding, one state dict."""
    convolution = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}[dimensions]
    torch.manual_seed(0)
    layer = pointwise(5, 7, dimensions, bias).double()
    torch.manual_seed(0)
    reference = convolution(5, 7, 1, bias=bias).double()
    assert all(torch.equal(a, b) for a, b in zip(layer.state_dict().values(), reference.state_dict().values()))
    x = torch.randn(3, 5, *[6] * dimensions, dtype=torch.float64, requires_grad=True)
    ours, theirs = layer(x), reference(x)
    assert ours.shape == theirs.shape == (3, 7, *[6] * dimensions) and torch.allclose(ours, theirs, atol=1e-14)
    weight = torch.randn_like(ours)
    grads = [torch.autograd.grad((out * weight).sum(), [x, *module.parameters()]) for out, module in
             ((ours, layer), (theirs, reference))]
    assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(*grads))
    reference.load_state_dict(layer.state_dict())  # checkpoints of either load into the other


def test_modes_are_checked_per_axis():
    """In 2D the first axis keeps up to n_1 frequencies of both signs, the last up to n_2 / 2 + 1: (20, 4) fits
    a 32 x 8 field although 20 > 8 / 2 + 1, and equals the dense 2D transform restricted to those modes."""
    torch.manual_seed(5)
    layer = SpectralConv(1, 1, (20, 4)).double()
    x = torch.randn(1, 1, 32, 8, dtype=torch.float64)
    spectrum = torch.fft.rfftn(x, dim=(2, 3), norm="forward")
    kept = torch.zeros_like(spectrum)
    rows = torch.cat([torch.arange(10), torch.arange(22, 32)])
    kept[..., rows[:, None], torch.arange(4)] = spectrum[..., rows[:, None], torch.arange(4)] * layer.dense_weight()[0, 0]
    expected = torch.fft.irfftn(kept, s=(32, 8), dim=(2, 3), norm="forward")
    assert torch.allclose(layer(x), expected, atol=1e-12)


def test_mgno_is_translation_equivariant_with_periodic_padding():
    """With circular padding and a bias that does not vary in space, shifting the input by the coarsest
    stride shifts the output by the same amount, exactly."""
    torch.manual_seed(4)
    model = MgNO(in_channels=2, out_channels=1, width=6, layers=2, levels=3).double()
    x = torch.randn(2, 2, 32, dtype=torch.float64)
    shifted = model(torch.roll(x, 4, dims=-1))
    assert torch.allclose(shifted, torch.roll(model(x), 4, dims=-1), atol=1e-12)
    dirichlet = MgNO(in_channels=2, out_channels=1, width=6, layers=2, levels=3, padding="zeros").double()
    assert not torch.allclose(dirichlet(torch.roll(x, 4, dims=-1)), torch.roll(dirichlet(x), 4, dims=-1), atol=1e-6)


def test_mgno_gradients_resolutions_and_checkpoint(tmp_path):
    torch.manual_seed(5)
    model = MgNO(in_channels=1, out_channels=1, width=4, layers=2, levels=3, dimensions=2, bias_resolution=8)
    for size in ((16, 16), (32, 24)):
        assert model(torch.randn(2, 1, *size)).shape == (2, 1, *size)
    model(torch.randn(2, 1, 16, 16)).square().mean().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name
    x = torch.randn(1, 1, 16, 16)
    rebuilt, _ = load_checkpoint(save_checkpoint(model, tmp_path / "mgno.pt"))
    assert torch.equal(rebuilt(x), model(x))
    with pytest.raises(ValueError, match="divisible by 2\\^\\(levels - 1\\) = 4"):
        model(torch.randn(1, 1, 18, 16))


@pytest.mark.parametrize("n, modes", [(64, 8), (1024, 16), (32, 17)])
def test_truncated_dft_path_equals_the_fft_path(n, modes):
    torch.manual_seed(6)
    layer = SpectralConv(3, 4, modes).double()
    x = torch.randn(2, 3, n, dtype=torch.float64)
    spectrum = torch.fft.rfft(x, norm="forward")
    index = contraction.retained_index((n,), (modes,))
    through_fft = torch.fft.irfft(contraction.scatter(layer.contract(contraction.gather(spectrum, index)), index,
                                                      (n // 2 + 1,)), n=n, norm="forward")
    assert torch.allclose(layer._matrix_dft(x), through_fft, atol=1e-14)
    assert layer._uses_matrix_dft((n,)) == (4 * modes <= 8 * math.log2(n))


def test_contraction_by_mode_equals_einsum():
    x = torch.randn(2, 3, 4, 5, dtype=torch.complex128)
    weight = torch.randn(3, 6, 4, 5, dtype=torch.complex128)
    assert torch.allclose(contraction.dense_by_mode(x, weight), contraction.dense(x, weight), atol=1e-14)


def test_mgtfno_views_of_a_patch():
    """Level 0 is the patch with its margins; the last level (2**levels == patches, no margin) is the whole
    domain average-pooled, centred on the patch."""
    torch.manual_seed(6)
    model = MGTFNO(in_channels=1, modes=4, width=4, layers=1, projection=4, patches=4, levels=2, overlap=0.25)
    x = torch.randn(2, 1, 32)
    views = model.decompose(x).unflatten(0, (2, 4))  # (batch, patch, level, window = 8 + 2 * 2)
    assert views.shape == (2, 4, 3, 12)
    for patch in range(4):
        assert torch.equal(views[:, patch, 0], torch.roll(x, 2 - 8 * patch, -1)[:, 0, :12])
    coarse = MGTFNO(in_channels=1, modes=4, width=4, layers=1, projection=4, patches=4, levels=2, overlap=0.0)
    pooled = torch.roll(x, 12 - 8, -1).reshape(2, 8, 4).mean(-1)  # patch 1's window starts at 8 - 12
    assert torch.allclose(coarse.decompose(x).unflatten(0, (2, 4))[:, 1, 2], pooled, atol=1e-6)


def test_mgtfno_is_equivariant_to_patch_shifts_and_reduces_to_tfno(tmp_path):
    torch.manual_seed(7)
    model = MGTFNO(in_channels=2, out_channels=1, modes=(4, 4), width=8, layers=2, projection=8, patches=4,
                   levels=2).double()
    x = torch.randn(2, 2, 32, 16, dtype=torch.float64)
    shifted = model(torch.roll(x, (8, 4), dims=(-2, -1)))
    assert torch.allclose(shifted, torch.roll(model(x), (8, 4), dims=(-2, -1)), atol=1e-12)
    assert model(torch.randn(1, 2, 64, 32, dtype=torch.float64)).shape == (1, 1, 64, 32)
    single = MGTFNO(modes=6, width=8, layers=2, projection=8, patches=1, levels=0, overlap=0.0)
    x = torch.randn(3, 1, 48)
    assert torch.equal(single(x), single.operator(x))
    rebuilt, _ = load_checkpoint(save_checkpoint(model, tmp_path / "mgtfno.pt"))
    probe = torch.randn(1, 2, 32, 16, dtype=torch.float64)
    assert torch.equal(rebuilt.double()(probe), model(probe))
    with pytest.raises(ValueError, match="2\\*\\*levels <= patches"):
        MGTFNO(patches=2, levels=2)
    with pytest.raises(ValueError, match="divisible by patches = 4"):
        model(torch.randn(1, 2, 30, 16, dtype=torch.float64))


OPERATORS = {
    **{f"FNO-{kind}": lambda d, kind=kind: FNO(2, 2, modes=(4,) * d, width=8, layers=2, projection=8,
                                               factorization=kind, rank=0.5) for kind in FACTORIZATIONS},
    "TFNO": lambda d: TFNO(2, 2, modes=(4,) * d, width=8, layers=2, projection=8),
    "MGTFNO": lambda d: MGTFNO(2, 2, modes=(4,) * d, width=8, layers=1, projection=8, patches=2, levels=1),
    "MgNO": lambda d: MgNO(2, 2, width=4, layers=2, levels=2, dimensions=d),
    "NSM": lambda d: NSM(2, 2, kinds=("chebyshev", "fourier")[2 - d:], modes=(4, 6)[2 - d:], width=8, layers=2),
}


@pytest.mark.parametrize("dimensions", [1, 2])
@pytest.mark.parametrize("name", list(OPERATORS))
def test_bfloat16_autocast_trains_every_operator(name, dimensions):
    """Under bfloat16 autocast the output is within bfloat16 accuracy of float32 and every parameter gets a
    finite gradient (the transforms run in float32)."""
    torch.manual_seed(0)
    model = OPERATORS[name](dimensions)
    space = (9, 16) if name == "NSM" and dimensions == 2 else (16,) * dimensions  # Chebyshev: 2^k + 1 points
    x = torch.randn(2, 2, *space)
    reference = model(x).detach()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = model(x)
    assert float((y.detach().float() - reference).norm() / reference.norm()) < 3e-2
    y.float().square().mean().backward()
    for parameter_name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.isfinite().all(), parameter_name


def test_spectral_conv_transforms_half_precision_inputs_in_float32():
    torch.manual_seed(0)
    layer = SpectralConv(3, 2, (4, 3))
    x = torch.randn(2, 3, 12, 10)
    y = layer(x.bfloat16())
    assert y.dtype == torch.float32 and torch.equal(y, layer(x.bfloat16().float()))
