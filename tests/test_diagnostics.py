"""Entropies against closed forms, their limits and orderings."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers import diagnostics, nlse


def test_uniform_field():
    n = 64
    u = torch.ones(n, dtype=torch.complex128) * (0.3 + 0.4j)
    assert float(diagnostics.shannon_entropy(u)) == pytest.approx(math.log(n), rel=1e-14)
    for alpha in (0.0, 0.5, 2.0, 7.0, math.inf):
        assert float(diagnostics.renyi_entropy(u, alpha)) == pytest.approx(math.log(n), rel=1e-13)
    for q in (0.5, 2.0, 3.0):
        assert float(diagnostics.tsallis_entropy(u, q)) == pytest.approx((1 - n ** (1 - q)) / (q - 1), rel=1e-13)


def test_delta_has_zero_entropy():
    u = torch.zeros(3, 16, dtype=torch.float64)
    u[:, 5] = 2.0
    for value in (diagnostics.shannon_entropy(u), diagnostics.renyi_entropy(u, 0.0),
                  diagnostics.renyi_entropy(u, math.inf), diagnostics.tsallis_entropy(u, 2.0)):
        assert value.shape == (3,) and value.abs().max() < 1e-15


def test_limits_approach_shannon():
    u = torch.randn(128, dtype=torch.complex128, generator=torch.Generator().manual_seed(1))
    shannon = float(diagnostics.shannon_entropy(u))
    assert float(diagnostics.renyi_entropy(u, 1 + 1e-7)) == pytest.approx(shannon, abs=1e-5)
    assert float(diagnostics.tsallis_entropy(u, 1 - 1e-7)) == pytest.approx(shannon, abs=1e-5)
    assert float(diagnostics.renyi_entropy(u, 1.0)) == shannon
    assert float(diagnostics.renyi_entropy(u, 400.0)) == pytest.approx(float(diagnostics.renyi_entropy(u, math.inf)), abs=2e-2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 10.0), min_size=2, max_size=40).filter(lambda v: sum(v) > 1e-3),
       st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_renyi_is_non_increasing_in_alpha(values, a, b):
    u = torch.tensor(values, dtype=torch.float64)
    low, high = sorted((a, b))
    assert float(diagnostics.renyi_entropy(u, low)) >= float(diagnostics.renyi_entropy(u, high)) - 1e-12
    assert 0 <= float(diagnostics.renyi_entropy(u, math.inf)) <= float(diagnostics.shannon_entropy(u)) + 1e-12
    assert float(diagnostics.shannon_entropy(u)) <= math.log(len(values)) + 1e-12


def test_seed_soliton_entropy_matches_the_seed_paper():
    """The seed's paper reports Shannon entropy 2.940 for its single soliton (L = 50, n = 512)."""
    grid = nlse.Grid(L=50.0, n=512)
    assert float(diagnostics.shannon_entropy(nlse.seed_single_soliton(grid.x))) == pytest.approx(2.940, abs=5e-4)


def test_spectral_entropy_of_a_single_mode_is_zero():
    grid = nlse.Grid(L=2 * math.pi, n=32)
    assert float(diagnostics.spectral_entropy(torch.exp(3j * grid.x))) < 1e-12


def test_relative_drift():
    values = torch.tensor([2.0, 2.0 + 2e-10, 2.0 - 4e-10], dtype=torch.float64)
    assert torch.allclose(diagnostics.relative_drift(values), torch.tensor([0.0, 1e-10, 2e-10], dtype=torch.float64))


@pytest.mark.parametrize("call, message", [
    (lambda: diagnostics.renyi_entropy(torch.ones(4), -1.0), "alpha must be >= 0"),
    (lambda: diagnostics.tsallis_entropy(torch.ones(4), math.inf), "q must be finite"),
    (lambda: diagnostics.shannon_entropy(torch.zeros(4)), "all-zero field"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
