"""Physics-informed networks on ``(x, t)``: the plain PINN (Raissi, Perdikaris, Karniadakis, JCP 2019)
and the Lagrangian PINN (Mojgani, Balajewicz, Hassanzadeh, CMAME 2023).

Both hand out jets (:mod:`sciml.models.jet`): ``u``, ``u_t``, ``u_x`` and ``u_xx`` together. Inputs are
features of ``(x, t)``: with ``periodic=True`` the exact periodic embedding ``(cos kx, sin kx, t)``
(``k = 2 pi / L``), else ``x`` and ``t`` scaled to ``[-1, 1]``; optionally replaced by random Fourier
features ``[cos 2 pi B v, sin 2 pi B v]``, ``B ~ N(0, scale^2)`` (Tancik et al., NeurIPS 2020).
Initial and boundary conditions are applied by the problem (:mod:`sciml.train.pinn`), not here.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .jet import Jet

ACTIVATIONS = ("tanh", "sin")


class PINN(nn.Module):
    """Fully connected network ``(N, 2) -> (N, outputs)`` on ``(x, t)``: the ``N(x, t)``
    of a physics-informed solution ``u = g + phi N`` (see :mod:`sciml.train.pinn`).

    ``depth`` hidden layers of ``width`` units (``4 x 50`` is Krishnapriyan et al.'s network), Glorot
    normal weights and zero biases.
    """

    def __init__(self, x_range: tuple[float, float] = (0.0, 2 * math.pi), t_range: tuple[float, float] = (0.0, 1.0),
                 periodic: bool = True, width: int = 50, depth: int = 4, activation: str = "tanh",
                 fourier_features: int = 0, fourier_scale: float = 1.0, outputs: int = 1, seed: int = 0):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; allowed: {', '.join(ACTIVATIONS)}")
        for name, value in (("width", width), ("depth", depth), ("outputs", outputs)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if fourier_features < 0:
            raise ValueError(f"fourier_features must be >= 0, got {fourier_features!r}")
        for name, (low, high) in (("x_range", x_range), ("t_range", t_range)):
            if not (math.isfinite(low) and math.isfinite(high) and high > low):
                raise ValueError(f"{name} must be (low, high) with finite low < high, got {(low, high)!r}")
        self.config = {"x_range": tuple(map(float, x_range)), "t_range": tuple(map(float, t_range)),
                       "periodic": periodic, "width": width, "depth": depth, "activation": activation,
                       "fourier_features": fourier_features, "fourier_scale": fourier_scale, "outputs": outputs,
                       "seed": seed}
        generator = torch.Generator().manual_seed(seed)
        inputs = 3 if periodic else 2
        if fourier_features:
            frequencies = fourier_scale * torch.randn(fourier_features, inputs, generator=generator)
            self.register_buffer("frequencies", frequencies)
            inputs = 2 * fourier_features
        sizes = [inputs] + [width] * depth + [outputs]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        for layer in self.layers:
            std = math.sqrt(2 / (layer.in_features + layer.out_features))
            with torch.no_grad():
                layer.weight.copy_(std * torch.randn(layer.weight.shape, generator=generator))
                layer.bias.zero_()

    def features(self, z: torch.Tensor) -> torch.Tensor:
        """``(N, 2)`` points to the network's input features."""
        (x_low, x_high), (t_low, t_high) = self.config["x_range"], self.config["t_range"]
        x, t = z[:, :1], z[:, 1:]
        time = (2 * t - (t_high + t_low)) / (t_high - t_low)
        if self.config["periodic"]:
            phase = (2 * math.pi / (x_high - x_low)) * (x - x_low)
            v = torch.cat([torch.cos(phase), torch.sin(phase), time], dim=1)
        else:
            v = torch.cat([(2 * x - (x_high + x_low)) / (x_high - x_low), time], dim=1)
        if self.config["fourier_features"]:
            projected = (2 * math.pi) * v @ self.frequencies.T
            v = torch.cat([torch.cos(projected), torch.sin(projected)], dim=1)
        return v

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``(N, 2) -> (N, outputs)``."""
        h = self.features(z)
        activation = torch.tanh if self.config["activation"] == "tanh" else torch.sin
        for layer in self.layers[:-1]:
            h = activation(layer(h))
        return self.layers[-1](h)

    def jet(self, z: torch.Tensor, pure: tuple[int, ...] = (0,)) -> Jet:
        """Values, first derivatives and the pure second derivatives along ``pure`` (``u_xx``) at points
        ``z (N, 2)``, by autograd (reverse over reverse: in eager PyTorch faster than pushing a
        Taylor-mode jet through these small layers, measured); differentiable in the weights when
        gradients are enabled."""
        differentiable = torch.is_grad_enabled()
        with torch.enable_grad():
            points = z.detach().requires_grad_(True)
            u = self(points)
            first, second = [], []
            for feature in range(u.shape[1]):
                gradient = torch.autograd.grad(u[:, feature].sum(), points, create_graph=True)[0]
                first.append(gradient.T)
                second.append(torch.stack([torch.autograd.grad(gradient[:, c].sum(), points,
                                                               create_graph=differentiable)[0][:, c] for c in pure]))
        jet = Jet.stack(u, torch.stack(first, -1), torch.stack(second, -1), pure)
        return jet if differentiable else Jet(jet.data.detach(), jet.dimensions, jet.pure)


class LPINN(nn.Module):
    """Two networks on Lagrangian coordinates ``(x0, t)``: ``characteristics`` for the displacement of
    the characteristic curve ``X(x0, t)`` from ``x0`` and ``state`` for ``u`` along it; both periodic
    in ``x0`` when ``periodic``. Keyword arguments are those of :class:`PINN` (``outputs`` is 1)."""

    def __init__(self, **options):
        super().__init__()
        options.pop("outputs", None)
        self.characteristics = PINN(**options)
        self.state = PINN(**{**options, "seed": options.get("seed", 0) + 1})
        self.config = dict(self.characteristics.config)
        del self.config["outputs"]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Raw outputs of both branches at ``(x0, t)``, ``(N, 2)``."""
        return torch.cat([self.characteristics(z), self.state(z)], dim=-1)
