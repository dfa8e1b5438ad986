"""Kernels that check themselves, under Triton's interpreter: every kernel passes its comparison; a kernel
forced to fail compilation, or to compute a wrong result, falls back to its torch reference with one
warning naming it and the error, and the callers' results are the reference's; ``sciml check-kernels``
prints the table."""

import os

os.environ["TRITON_INTERPRET"] = "1"  # before triton is imported: kernels run on the CPU

import warnings  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

triton = pytest.importorskip("triton")
tl = pytest.importorskip("triton.language")

from sciml.cli import main as cli  # noqa: E402
from sciml.models import SpectralConv  # noqa: E402
from solvers import nlse  # noqa: E402
from solvers.spectral import backend, self_check  # noqa: E402
from solvers.spectral.kernels import cubic_term, mode_contraction  # noqa: E402


@triton.jit
def _cubic_that_does_not_compile(u_ptr, out_ptr, count, BLOCK_P: tl.constexpr):
    p = tl.arange(0, 3)  # not a power of two: refused by the compiler (and the interpreter)
    tl.store(out_ptr + p, tl.load(u_ptr + p))


@pytest.fixture
def fresh(monkeypatch):
    """The Triton path demanded, the kept choices and verdicts dropped before and after."""
    monkeypatch.setenv(backend.VARIABLE, "triton")
    backend.forget()
    yield
    backend.forget()


def _fallbacks(record) -> list[str]:
    return [str(warning.message) for warning in record if "falls back" in str(warning.message)]


def test_every_kernel_passes_and_the_command_prints_the_table(capsys):
    assert cli(["check-kernels", "--device", "cpu"]) == 0
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines()[2:]]
    assert [row[0].strip() for row in rows] == list(self_check.KERNELS)
    for kernel, device, difference, _, verdict in rows:
        assert device.strip() == "cpu" and float(difference) <= 1.0 and verdict.strip() == "ok", kernel


def test_a_kernel_that_does_not_compile_falls_back_with_one_warning(fresh, monkeypatch):
    grid = nlse.Grid(L=30.0, n=64)
    u0 = nlse.soliton(grid.x, amplitude=1.2, velocity=0.3)[None]
    t = torch.linspace(0, 0.2, 3, dtype=torch.float64)
    monkeypatch.setenv(backend.VARIABLE, "torch")
    reference = nlse.solve(u0, grid, t, rtol=1e-9, atol=1e-11).u
    monkeypatch.setenv(backend.VARIABLE, "triton")
    monkeypatch.setattr(cubic_term, "_cubic", _cubic_that_does_not_compile)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert backend.choose("cpu", "cubic_term") == "torch"
        assert backend.choose("cpu", "cubic_term") == "torch"
        assert backend.choose("cpu", "mode_contraction") == "triton"  # the others keep their kernels
        solved = nlse.solve(u0, grid, t, rtol=1e-9, atol=1e-11).u  # the cubic term on its reference
    messages = _fallbacks(record)
    assert len(messages) == 1, messages
    assert "Triton kernel cubic_term on cpu" in messages[0] and "arange's range must be a power of 2" in messages[0]
    # the stage kernels passed and still run: the solution equals the all-torch one to round-off
    assert float((solved - reference).abs().max()) <= 1e-12 * float(reference.abs().max())
    row = self_check.table([self_check.check("cubic_term", "cpu", full=True)]).splitlines()[-1]
    assert row.startswith("| cubic_term | cpu | - |") and "FALLS BACK: InterpreterError" in row and "power of 2" in row


def test_a_kernel_with_a_wrong_result_falls_back_with_one_warning(fresh, monkeypatch):
    right = mode_contraction._forward
    monkeypatch.setattr(mode_contraction, "_forward", lambda *arguments: 1.001 * right(*arguments))
    torch.manual_seed(0)
    layer = SpectralConv(3, 2, (4, 3)).double()
    x = torch.randn(2, 3, 10, 8, dtype=torch.float64)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        outputs = [layer(x) for _ in range(3)]
    messages = _fallbacks(record)
    assert len(messages) == 1, messages
    assert "Triton kernel mode_contraction on cpu" in messages[0] and "differs from the torch reference" in messages[0]
    backend.forget()
    monkeypatch.setenv(backend.VARIABLE, "torch")
    expected = layer(x)
    assert all(torch.equal(output, expected) for output in outputs)
