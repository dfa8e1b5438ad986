"""Second-order Taylor-mode derivatives ("jets") pushed forward through a network.

A :class:`Jet` holds a function's values ``(N, F)``, its first derivatives ``(N, D, F)`` and its pure
second derivatives ``d^2 / dz_d^2`` ``(N, D, F)`` with respect to ``D`` input coordinates, at ``N`` points.
One forward pass of a jet gives ``u``, ``u_x``, ``u_t``, ``u_xx`` at ``2D + 1`` times the cost of the
values alone, with no nested autograd graph: the PDE residual is differentiated once, by ordinary
backpropagation, for training (cf. Griewank and Walther, *Evaluating Derivatives*, ch. 13).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Jet:
    value: torch.Tensor
    first: torch.Tensor
    second: torch.Tensor

    @classmethod
    def coordinates(cls, z: torch.Tensor) -> Jet:
        """The identity jet of points ``z (N, D)``: ``dz_i/dz_d = delta_id``."""
        eye = torch.eye(z.shape[1], dtype=z.dtype, device=z.device)
        return cls(z, eye.expand(z.shape[0], -1, -1), torch.zeros(z.shape[0], z.shape[1], z.shape[1], dtype=z.dtype,
                                                                    device=z.device))

    @classmethod
    def constant(cls, value: torch.Tensor, dimensions: int) -> Jet:
        zeros = value.new_zeros(value.shape[0], dimensions, value.shape[1])
        return cls(value, zeros, zeros)

    def linear(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> Jet:
        """``z W^T + b`` for ``weight (F_out, F)``."""
        value = self.value @ weight.T if bias is None else torch.addmm(bias, self.value, weight.T)
        return Jet(value, self.first @ weight.T, self.second @ weight.T)

    def affine(self, scale: float, shift: float = 0.0) -> Jet:
        """``scale * u + shift``."""
        return Jet(scale * self.value + shift, scale * self.first, scale * self.second)

    def apply(self, f: torch.Tensor, df: torch.Tensor, d2f: torch.Tensor) -> Jet:
        """An elementwise function given its values ``f``, ``f'`` and ``f''`` at ``self.value``."""
        df, d2f = df.unsqueeze(1), d2f.unsqueeze(1)
        return Jet(f, df * self.first, df * self.second + d2f * self.first.square())

    def tanh(self) -> Jet:
        s = torch.tanh(self.value)
        ds = 1 - s.square()
        return self.apply(s, ds, -2 * s * ds)

    def sin(self) -> Jet:
        s = torch.sin(self.value)
        return self.apply(s, torch.cos(self.value), -s)

    def cos(self) -> Jet:
        c = torch.cos(self.value)
        return self.apply(c, -torch.sin(self.value), -c)

    def exp(self) -> Jet:
        e = torch.exp(self.value)
        return self.apply(e, e, e)

    def __mul__(self, other: Jet) -> Jet:
        """Product rule, broadcasting ``F`` (a one-feature jet scales every feature)."""
        return Jet(self.value * other.value, self.first * other.value.unsqueeze(1) + self.value.unsqueeze(1) * other.first,
                   self.second * other.value.unsqueeze(1) + 2 * self.first * other.first
                   + self.value.unsqueeze(1) * other.second)

    def __add__(self, other: Jet) -> Jet:
        return Jet(self.value + other.value, self.first + other.first, self.second + other.second)

    def __getitem__(self, feature: int | slice) -> Jet:
        """Features ``feature`` of the last axis, keeping it (``jet[0]`` is an ``(N, 1)`` jet)."""
        if isinstance(feature, int):
            feature = slice(feature, feature + 1)
        return Jet(self.value[:, feature], self.first[..., feature], self.second[..., feature])

    def cat(self, *others: Jet) -> Jet:
        jets = (self, *others)
        return Jet(*(torch.cat([getattr(jet, part) for jet in jets], dim=-1) for part in ("value", "first", "second")))

    def d(self, coordinate: int) -> torch.Tensor:
        """First derivative along ``coordinate``, ``(N, F)``."""
        return self.first[:, coordinate]

    def dd(self, coordinate: int) -> torch.Tensor:
        """Pure second derivative along ``coordinate``, ``(N, F)``."""
        return self.second[:, coordinate]
