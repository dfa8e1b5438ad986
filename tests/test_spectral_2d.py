"""The periodic grid in two dimensions, the 2D and real FFTs, and 2D dealiasing (quadratic and cubic)."""

import math

import pytest
import torch

from solvers.spectral import NoDealiasing, PeriodicGrid, Truncation, ZeroPadding, fft

GRID = PeriodicGrid(L=(2.0, 3.0), n=(32, 48))


def _trigonometric(grid):
    """``sin(3 q_x x) cos(2 q_y y) + 0.5 cos(5 q_y y)`` with its Laplacian and its derivatives."""
    y, x = grid.mesh()
    qy, qx = (2 * math.pi / length for length in grid.lengths)
    u = torch.sin(3 * qx * x) * torch.cos(2 * qy * y) + 0.5 * torch.cos(5 * qy * y)
    lap = -(9 * qx**2 + 4 * qy**2) * torch.sin(3 * qx * x) * torch.cos(2 * qy * y) - 12.5 * qy**2 * torch.cos(5 * qy * y)
    dx = 3 * qx * torch.cos(3 * qx * x) * torch.cos(2 * qy * y)
    dy = -2 * qy * torch.sin(3 * qx * x) * torch.sin(2 * qy * y) - 2.5 * qy * torch.sin(5 * qy * y)
    return u, lap, dx, dy


def test_grid_axes_meshes_and_wavenumbers():
    assert GRID.shape == (32, 48) and GRID.ndim == 2 and GRID.area == pytest.approx(6.0)
    y, x = GRID.mesh()
    assert y.shape == x.shape == (32, 48)
    assert torch.equal(x[0], GRID.xs[1]) and torch.equal(y[:, 0], GRID.xs[0])
    assert GRID.xs[1][0] == -1.5 and GRID.xs[1][1] - GRID.xs[1][0] == pytest.approx(3.0 / 48)
    assert GRID.wavenumber(0).shape == (32, 1) and GRID.wavenumber(1).shape == (48,)
    assert GRID.wavenumber(1, real=True).shape == (25,) and float(GRID.wavenumber(1, real=True)[-1]) == pytest.approx(
        24 * 2 * math.pi / 3)
    assert GRID.spectral_shape(real=True) == (32, 25)
    assert PeriodicGrid(1.0, (8, 8), origin=0.0).xs[0][0] == 0.0


def test_laplacian_and_its_inverse_are_exact():
    u, lap, _, _ = _trigonometric(GRID)
    for real in (False, True):
        to_c = GRID.to_real_coefficients if real else GRID.to_coefficients
        to_u = GRID.to_real_values if real else (lambda c: GRID.to_values(c).real)
        assert (to_u(GRID.laplacian(real) * to_c(u)) - lap).abs().max() < 1e-11 * lap.abs().max()
        inverse = GRID.inverse_laplacian(real)
        assert inverse.flatten()[0] == 0  # the zero mode: the zero-mean solution
        assert (to_u(inverse * to_c(lap)) - u).abs().max() < 1e-13


def test_derivatives_along_each_axis():
    u, _, dx, dy = _trigonometric(GRID)
    assert (GRID.derivative(u, 1, axis=-1) - dx).abs().max() < 1e-12 * dx.abs().max()
    assert (GRID.derivative(u, 1, axis=0) - dy).abs().max() < 1e-12 * dy.abs().max()
    assert not GRID.derivative(u, axis=0).is_complex()
    with pytest.raises(ValueError, match="derivative axis must lie in"):
        GRID.derivative(u, axis=2)


def test_transforms_match_torch_fft_and_round_trip():
    generator = torch.Generator().manual_seed(0)
    u = torch.randn(3, 32, 48, dtype=torch.complex128, generator=generator)
    r = torch.randn(3, 32, 48, dtype=torch.float64, generator=generator)
    assert (fft.forward(u, dims=2) - torch.fft.fft2(u, norm="forward")).abs().max() < 1e-15
    assert (fft.inverse(fft.forward(u, dims=2), dims=2) - u).abs().max() < 1e-14
    assert (fft.real_forward(r, dims=2) - torch.fft.rfft2(r, norm="forward")).abs().max() < 1e-15
    assert (GRID.to_real_values(GRID.to_real_coefficients(r)) - r).abs().max() < 1e-14
    assert (fft.real_forward(r[0, 0]) - torch.fft.rfft(r[0, 0], norm="forward")).abs().max() < 1e-15


def test_one_dimensional_attributes_refuse_a_plane():
    with pytest.raises(ValueError, match=r"grid\.x is defined in one dimension; this grid has 2"):
        GRID.x
    with pytest.raises(ValueError, match=r"grid\.dx is defined in one dimension"):
        GRID.dx


@pytest.mark.parametrize("kwargs, message", [
    (dict(L=1.0, n=(16, 15)), "grid size n must be an even integer >= 4 per axis"),
    (dict(L=(1.0, 2.0), n=(16, 16, 16)), "grid length L must be a positive finite number per axis"),
    (dict(L=(1.0, -2.0), n=16), "grid length L must be a positive finite number per axis"),
    (dict(L=1.0, n=(16,) * 4), "grid size n must be an even integer >= 4 per axis"),
    (dict(L=1.0, n=(16, 16), origin=(0.0, math.inf)), "grid origin must be a finite number per axis"),
])
def test_bad_plane_grid(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PeriodicGrid(**kwargs)


def _band(shape, keep: float, seed: int = 0) -> torch.Tensor:
    """Random complex coefficients ``(2, *shape)`` on the modes ``|m_i| < keep n_i / 2``, zero elsewhere."""
    c = torch.randn(2, *shape, dtype=torch.complex128, generator=torch.Generator().manual_seed(seed))
    return torch.where(Truncation(shape, keep).mask, c, 0)


def test_zero_padding_in_2d_is_alias_free_for_cubic_and_quadratic_terms():
    shape = (16, 24)
    c = _band(shape, 1.0)
    cubic = lambda u: u * (u * u.conj())  # noqa: E731
    square = lambda u: u * u  # noqa: E731
    exact = ZeroPadding(shape, factor=4)(c, cubic)  # far beyond alias-free: the exact projection
    assert (ZeroPadding(shape, factor=2)(c, cubic) - exact).abs().max() < 1e-14 * exact.abs().max()
    assert (NoDealiasing(shape)(c, cubic) - exact).abs().max() > 1e-2  # aliasing is real without it
    exact = ZeroPadding(shape, factor=4)(c, square)
    assert (ZeroPadding(shape, factor=1.5)(c, square) - exact).abs().max() < 1e-14 * exact.abs().max()
    padding = ZeroPadding(shape)
    assert padding.padded == (32, 48) and padding.pad(c).shape == (2, 32, 48)
    assert torch.equal(padding.truncate(padding.pad(c)), c)


def test_two_thirds_rule_is_alias_free_for_the_quadratic_term():
    shape = (24, 24)
    c = _band(shape, 1.0, seed=1)  # every mode: the rule keeps |m_i| < n_i / 3 of the input and of the result
    square = lambda u: u * u  # noqa: E731
    rule = Truncation(shape)
    exact = lambda c: torch.where(rule.mask, ZeroPadding(shape, factor=4)(c, square), 0)  # noqa: E731
    kept = torch.where(rule.mask, c, 0)
    assert (rule(c, square) - exact(kept)).abs().max() < 1e-14 * exact(kept).abs().max()
    assert (torch.where(rule.mask, NoDealiasing(shape)(kept, square), 0) - exact(kept)).abs().max() < 1e-12  # no alias
    assert (torch.where(rule.mask, NoDealiasing(shape)(c, square), 0) - exact(c)).abs().max() > 1e-1  # full band
    real = GRID.to_real_values(GRID.to_real_coefficients(GRID.to_values(_band(GRID.shape, 1.0)[0]).real))
    rule = Truncation(GRID.n, real=True)
    c_real = GRID.to_real_coefficients(real)
    full = GRID.to_coefficients(GRID.to_real_values(torch.where(rule.mask, c_real, 0)))
    reference = ZeroPadding(GRID.n, factor=4)(full, square)[..., : GRID.shape[1] // 2 + 1]
    assert (rule(c_real, square) - torch.where(rule.mask, reference, 0)).abs().max() < 1e-14 * reference.abs().max()
