"""Triton kernels against their torch references, run by Triton's interpreter on the CPU: values,
poisoned outputs fully written, gradients, and the solvers and SpectralConv through the dispatch point."""

import os

os.environ["TRITON_INTERPRET"] = "1"  # before triton is imported: kernels run on the CPU

import pytest  # noqa: E402
import torch  # noqa: E402

pytest.importorskip("triton")

from sciml.models import SpectralConv  # noqa: E402
from solvers import nlse  # noqa: E402
from solvers.spectral import ZeroPadding, backend, contraction  # noqa: E402
from solvers.spectral.kernels import cubic_term, mode_contraction, stages  # noqa: E402

TOLERANCE = {torch.complex64: 1e-5, torch.complex128: 1e-12, torch.float32: 1e-5, torch.float64: 1e-12}


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).detach().abs().max() / b.detach().abs().max().clamp_min(1e-300))


def _poisoned(shape, dtype) -> torch.Tensor:
    return torch.full(shape, float("nan"), dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("space, modes, channels", [((40,), (9,), (3, 20)), ((12, 7), (5, 4), (17, 2)),
                                                    ((6, 8, 5), (3, 4, 2), (2, 3))])
def test_mode_contraction_equals_reference(dtype, space, modes, channels):
    torch.manual_seed(0)
    c_in, c_out = channels
    spectrum = torch.randn(5, c_in, *space, dtype=dtype)
    grid = space[:-1] + (2 * (space[-1] - 1),)
    positions = contraction.retained_positions(space, contraction.retained_index(grid, modes))
    weight = torch.randn(c_in, c_out, positions.numel(), dtype=dtype)
    out = _poisoned((5, c_out, *space), dtype)
    mode_contraction.truncated_contraction(spectrum, weight, positions, out=out)
    reference = contraction.truncated(spectrum, weight, positions)
    assert not out.isnan().any()
    assert _relative(out, reference) <= TOLERANCE[dtype]


def test_mode_contraction_gradients():
    """Gradients equal the reference's through autograd, and gradcheck (random projections) passes."""
    torch.manual_seed(1)
    spectrum = torch.randn(3, 20, 4, 5, dtype=torch.complex128, requires_grad=True)
    positions = contraction.retained_positions((4, 5), contraction.retained_index((4, 8), (2, 3)))
    weight = torch.randn(20, 3, positions.numel(), dtype=torch.complex128, requires_grad=True)
    probe = torch.randn(3, 3, 4, 5, dtype=torch.complex128)
    gradients = []
    for function in (mode_contraction.truncated_contraction, contraction.truncated):
        gradients.append(torch.autograd.grad((function(spectrum, weight, positions) * probe.conj()).real.sum(),
                                             (spectrum, weight)))
    for kernel, reference in zip(*gradients):
        assert _relative(kernel, reference) <= 1e-12
    small = spectrum[:1, :2].detach().clone().requires_grad_(), weight[:2].detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda s, w: mode_contraction.truncated_contraction(s, w, positions), small,
                                    fast_mode=True)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("n", [16, 50])
def test_cubic_term_kernels_equal_zero_padding(dtype, n):
    torch.manual_seed(2)
    c = torch.randn(3, 2, n, dtype=dtype)
    padding = ZeroPadding(n)
    padded = _poisoned((3, 2, padding.padded), dtype)
    cubic_term.pad(c, padding.padded, out=padded)
    assert torch.equal(padded, padding.pad(c))
    u = torch.randn(7, 33, dtype=dtype)
    cubed = cubic_term.cubic(u, out=_poisoned((7, 33), dtype))
    assert _relative(cubed, u * (u * u.conj())) <= TOLERANCE[dtype]
    truncated = cubic_term.truncate_scale(padded, n, 2.0 - 0.5j, out=_poisoned((3, 2, n), dtype))
    assert _relative(truncated, (2.0 - 0.5j) * padding.truncate(padded)) <= TOLERANCE[dtype]
    term = cubic_term.dealiased_cubic_term(c, padding.padded, 1j)
    assert _relative(term, 1j * padding(c, lambda v: v * (v * v.conj()))) <= 10 * TOLERANCE[dtype]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.complex64, torch.complex128])
@pytest.mark.parametrize("phase", [None, "per sample", "shared"])
def test_stage_state_equals_reference(dtype, phase):
    torch.manual_seed(3)
    y = torch.randn(4, 3, 70, dtype=dtype)
    k = torch.randn(7, 4, 3, 70, dtype=dtype)
    a = torch.randn(5, dtype=y.real.dtype)
    h = torch.rand(4, dtype=y.real.dtype)
    factor = {None: None, "per sample": torch.randn(4, 3, 70, dtype=dtype), "shared": torch.randn(3, 70, dtype=dtype)}[phase]
    reference = y + h[:, None, None] * torch.einsum("j,jbcn->bcn", a.to(dtype), k[:5])
    if factor is not None:
        reference = factor * reference
    out = stages.stage_state(y, h, k, a, factor, out=_poisoned(y.shape, dtype))
    assert not out.isnan().any() and _relative(out, reference) <= TOLERANCE[dtype]


def test_spectral_conv_and_nlse_solver_through_the_dispatch_point(monkeypatch):
    torch.manual_seed(4)
    results = {}
    for choice in ("torch", "triton"):
        monkeypatch.setenv(backend.VARIABLE, choice)
        torch.manual_seed(5)
        layers = [SpectralConv(3, 2, 6).double(), SpectralConv(3, 2, (4, 3), factorization="tucker", rank=0.5).double()]
        x1, x2 = torch.randn(2, 3, 32, dtype=torch.float64), torch.randn(2, 3, 10, 8, dtype=torch.float64)
        outputs = [layers[0](x1), layers[1](x2)]
        sum(o.square().sum() for o in outputs).backward()
        grid = nlse.Grid(L=30.0, n=64)
        u0 = torch.stack([nlse.soliton(grid.x, amplitude=a, velocity=0.3) for a in (1.0, 1.4)])
        solution = nlse.solve(u0, grid, torch.linspace(0, 0.3, 3, dtype=torch.float64), rtol=1e-9, atol=1e-11)
        results[choice] = outputs + [p.grad for layer in layers for p in layer.parameters()] + [solution.u]
    for torch_value, triton_value in zip(results["torch"], results["triton"]):
        assert _relative(triton_value, torch_value) <= 1e-12


def test_backend_choice(monkeypatch):
    monkeypatch.setenv(backend.VARIABLE, "auto")
    assert backend.choose("cpu") == "torch"  # the interpreter is for tests; auto takes Triton on CUDA only
    monkeypatch.setenv(backend.VARIABLE, "triton")
    assert backend.choose("cpu") == "triton"
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(RuntimeError, match="Triton cannot run on cpu"):
        backend.choose("cpu")
    monkeypatch.setenv(backend.VARIABLE, "cuda-please")
    with pytest.raises(ValueError, match="allowed: auto, torch, triton"):
        backend.choose("cpu")


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex64, torch.complex128])
@pytest.mark.parametrize("rows, phase", [(1, None), (2, "per sample"), (2, "shared")])
def test_error_sums_equal_their_definition(dtype, rows, phase):
    torch.manual_seed(6)
    y0, y1 = torch.randn(3, 2, 300, dtype=dtype), torch.randn(3, 2, 300, dtype=dtype)
    k = torch.randn(6, 3, 2, 300, dtype=dtype)
    weights, h = torch.randn(rows, 6, dtype=y0.real.dtype), torch.rand(3, dtype=y0.real.dtype)
    factor = {None: None, "per sample": torch.randn(3, 2, 300, dtype=dtype), "shared": torch.randn(2, 300, dtype=dtype)}[phase]
    estimates = h[:, None, None] * torch.einsum("rj,jbcn->rbcn", weights.to(dtype), k)
    if factor is not None:
        estimates = factor * estimates
    atol, rtol = 1e-4, 1e-3
    scale = atol + rtol * torch.maximum(y0.abs(), y1.abs())
    reference = (estimates / scale).abs().square().flatten(2).sum(-1)
    fused = stages.error_sums(y0, y1, k, weights, h, factor, atol, rtol)
    assert _relative(fused, reference) <= TOLERANCE[dtype]
