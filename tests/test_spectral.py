"""Periodic grid, spectral derivatives and the dealiasing strategies."""

import math

import pytest
import torch

from solvers.spectral import ExponentialFilter, NoDealiasing, PeriodicGrid, ZeroPadding, dealiasing
from solvers.spectral.dealias import real_power


def test_grid_points_and_wavenumbers():
    grid = PeriodicGrid(L=2 * math.pi, n=8)
    assert torch.allclose(grid.x, torch.arange(8, dtype=torch.float64) * math.pi / 4 - math.pi)
    assert grid.k.tolist() == [0, 1, 2, 3, -4, -3, -2, -1]
    assert grid.dx == pytest.approx(math.pi / 4)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_derivatives_exact_on_trigonometric_polynomials(order):
    grid = PeriodicGrid(L=7.0, n=64)
    q = 2 * math.pi / 7.0
    x = grid.x
    u = torch.sin(3 * q * x) + 0.5 * torch.cos(11 * q * x)
    derivative = {
        1: 3 * q * torch.cos(3 * q * x) - 5.5 * q * torch.sin(11 * q * x),
        2: -9 * q**2 * torch.sin(3 * q * x) - 60.5 * q**2 * torch.cos(11 * q * x),
        3: -27 * q**3 * torch.cos(3 * q * x) + 665.5 * q**3 * torch.sin(11 * q * x),
        4: 81 * q**4 * torch.sin(3 * q * x) + 7320.5 * q**4 * torch.cos(11 * q * x),
    }[order]
    result = grid.derivative(u, order)
    assert not result.is_complex()
    assert (result - derivative).abs().max() < 1e-11 * derivative.abs().max()


def test_coefficient_round_trip_is_exact():
    grid = PeriodicGrid(L=3.0, n=32)
    u = torch.randn(4, 32, dtype=torch.complex128, generator=torch.Generator().manual_seed(0))
    assert (grid.to_values(grid.to_coefficients(u)) - u).abs().max() < 1e-14


def _band_limited(n: int, seed: int = 0) -> torch.Tensor:
    """Random coefficients on the n modes, the Nyquist mode zero."""
    c = torch.randn(3, n, dtype=torch.complex128, generator=torch.Generator().manual_seed(seed))
    c[:, n // 2] = 0
    return c


def test_zero_padding_gives_the_exact_cubic_product():
    n = 32
    c = _band_limited(n)
    cubic = lambda u: u * (u * u.conj())  # noqa: E731
    exact = ZeroPadding(n, factor=8)(c, cubic)  # far beyond alias-free: the exact projection
    assert (ZeroPadding(n, factor=2)(c, cubic) - exact).abs().max() < 1e-13
    assert (NoDealiasing(n)(c, cubic) - exact).abs().max() > 1e-2  # aliasing is real without it


@pytest.mark.parametrize("power", [2, 3])
def test_real_power_rules_are_alias_free(power):
    """Both rules give the exact coefficients of ``u^p`` on the modes they keep (``m < n / (p + 1)`` for the
    truncation, zero above); the plain product on the grid does not."""
    n = 48
    generator = torch.Generator().manual_seed(power)
    c = torch.randn(3, n // 2 + 1, dtype=torch.complex128, generator=generator)
    c[:, 0], c[:, -1] = c[:, 0].real, 0
    u_fine = torch.fft.irfft(c, n=8 * n, norm="forward")
    exact = torch.fft.rfft(u_fine**power, norm="forward")[:, : n // 2 + 1]  # the true projection
    assert (real_power(n, power, "pad")(c) - exact).abs().max() < 1e-12
    kept = math.ceil(n / (power + 1))
    band = c.clone()
    band[:, kept:] = 0
    u_band = torch.fft.irfft(band, n=8 * n, norm="forward")
    exact_band = torch.fft.rfft(u_band**power, norm="forward")[:, : n // 2 + 1]
    truncated = real_power(n, power, "truncate")(c)
    assert (truncated[:, :kept] - exact_band[:, :kept]).abs().max() < 1e-12 and not truncated[:, kept:].any()
    plain = torch.fft.rfft(torch.fft.irfft(c, n=n, norm="forward") ** power, norm="forward")
    assert (plain[:, :kept] - exact[:, :kept]).abs().max() > 1e-1  # aliasing is real without a rule


def test_padding_round_trip():
    padding = ZeroPadding(16)
    c = _band_limited(16)
    assert padding.pad(c).shape == (3, 32)
    assert torch.equal(padding.truncate(padding.pad(c)), c)


def test_exponential_filter_profile():
    flt = ExponentialFilter(48)
    sigma = flt.sigma
    assert sigma[0] == 1.0
    cutoff = round(2 / 3 * 24)
    assert sigma[cutoff] == pytest.approx(math.exp(-36), rel=1e-12)
    assert sigma[: cutoff // 2].min() > 1 - 1e-9  # flat over the well-resolved modes


def test_dealiasing_by_name():
    assert isinstance(dealiasing("pad", 16), ZeroPadding)
    assert isinstance(dealiasing("filter", 16), ExponentialFilter)
    with pytest.raises(ValueError, match="unknown dealiasing 'sharp'; allowed: pad, filter, none"):
        dealiasing("sharp", 16)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(L=0.0, n=16), "grid length L must be a positive"),
        (dict(L=-1.0, n=16), "grid length L must be a positive"),
        (dict(L=float("nan"), n=16), "grid length L must be a positive"),
        (dict(L=1.0, n=0), "grid size n must be an even integer >= 4"),
        (dict(L=1.0, n=-8), "grid size n must be an even integer >= 4"),
        (dict(L=1.0, n=15), "grid size n must be an even integer >= 4"),
        (dict(L=1.0, n=16.0), "grid size n must be an even integer >= 4"),
        (dict(L=1.0, n=16, dtype=torch.int64), "grid dtype"),
    ],
)
def test_bad_grid(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PeriodicGrid(**kwargs)
