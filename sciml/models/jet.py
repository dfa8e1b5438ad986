"""Second-order derivative jets: values with their first and pure second derivatives.

A :class:`Jet` packs, at ``N`` points, a function's values, its first derivatives with respect to
``D`` input coordinates and its pure second derivatives ``d^2 / dz_c^2`` for the coordinates ``c`` in
``pure``, as one tensor ``data (1 + D + len(pure), N, F)``. Networks hand out their jets (by autograd,
:meth:`sciml.models.pinn.PINN.jet`); closed-form factors (initial conditions, distance functions,
exact solutions) are built from coordinates by the chain and product rules here, so a solution
``u = g + phi N`` and its PDE residual come with exact derivatives and no further autograd passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Jet:
    data: torch.Tensor
    dimensions: int
    pure: tuple[int, ...]

    @classmethod
    def coordinates(cls, z: torch.Tensor, pure: tuple[int, ...] = (0,)) -> Jet:
        """The identity jet of points ``z (N, D)``: ``dz_i / dz_d = delta_id``, second derivatives zero."""
        n, dimensions = z.shape
        first = torch.eye(dimensions, dtype=z.dtype, device=z.device)[:, None, :].expand(dimensions, n, dimensions)
        second = z.new_zeros(len(pure), n, dimensions)
        return cls(torch.cat([z[None], first, second]), dimensions, tuple(pure))

    @classmethod
    def stack(cls, value: torch.Tensor, first: torch.Tensor, second: torch.Tensor, pure: tuple[int, ...]) -> Jet:
        """From ``value (N, F)``, ``first (D, N, F)`` and ``second (len(pure), N, F)``."""
        return cls(torch.cat([value[None], first, second]), first.shape[0], tuple(pure))

    @classmethod
    def values(cls, z: torch.Tensor) -> Jet:
        """A jet with no derivatives, for evaluation only."""
        return cls(z[None], 0, ())

    @property
    def value(self) -> torch.Tensor:
        """``(N, F)``."""
        return self.data[0]

    @property
    def first(self) -> torch.Tensor:
        """``(D, N, F)``."""
        return self.data[1:1 + self.dimensions]

    @property
    def second(self) -> torch.Tensor:
        """``(len(pure), N, F)``."""
        return self.data[1 + self.dimensions:]

    def d(self, coordinate: int) -> torch.Tensor:
        """First derivative along ``coordinate``, ``(N, F)``."""
        return self.data[1 + coordinate]

    def dd(self, coordinate: int) -> torch.Tensor:
        """Pure second derivative along ``coordinate`` (one of ``pure``), ``(N, F)``."""
        if coordinate not in self.pure:
            raise ValueError(f"this jet carries second derivatives along {self.pure}, not {coordinate}")
        return self.data[1 + self.dimensions + self.pure.index(coordinate)]

    def _like(self, value: torch.Tensor, first: torch.Tensor, second: torch.Tensor) -> Jet:
        return Jet(torch.cat([value[None], first, second]), self.dimensions, self.pure)

    def _pure_first(self) -> torch.Tensor:
        return self.data[[1 + c for c in self.pure]]

    def affine(self, scale: float, shift: float = 0.0) -> Jet:
        """``scale * u + shift``."""
        return self._like(scale * self.value + shift, scale * self.first, scale * self.second)

    def apply(self, f: torch.Tensor, df: torch.Tensor, d2f: torch.Tensor) -> Jet:
        """An elementwise function given its values ``f``, ``f'`` and ``f''`` at ``self.value``."""
        return self._like(f, df * self.first, df * self.second + d2f * self._pure_first().square())

    def tanh(self) -> Jet:
        s = torch.tanh(self.value)
        ds = 1 - s.square()
        return self.apply(s, ds, -2 * s * ds)

    def sin(self) -> Jet:
        s = torch.sin(self.value)
        return self.apply(s, torch.cos(self.value), -s)

    def exp(self) -> Jet:
        e = torch.exp(self.value)
        return self.apply(e, e, e)

    def __mul__(self, other: Jet) -> Jet:
        """Product rule, broadcasting ``F`` (a one-feature jet scales every feature)."""
        a, b = self.value, other.value
        return self._like(a * b, self.first * b + a * other.first,
                          self.second * b + 2 * self._pure_first() * other._pure_first() + a * other.second)

    def __add__(self, other: Jet) -> Jet:
        return Jet(self.data + other.data, self.dimensions, self.pure)

    def __getitem__(self, feature: int | slice) -> Jet:
        """Features ``feature`` of the last axis, keeping it (``jet[0]`` is an ``(N, 1)`` jet)."""
        if isinstance(feature, int):
            feature = slice(feature, feature + 1)
        return Jet(self.data[..., feature], self.dimensions, self.pure)
