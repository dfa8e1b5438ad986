"""Fourier layer: ``y = F^-1[ W(k) F[x](k) ]`` over the lowest modes, dense or factorized weights.

``x`` of shape ``(batch, C_in, *space)`` (1, 2 or 3 spatial dimensions) gives ``(batch, C_out, *space)``.
Transforms use the forward normalisation, so coefficients and the layer do not depend on the
resolution: a band-limited input gives the same function at any grid size (Li et al., ICLR 2021).
Factorized weights (CP, Tucker, tensor train; Kossaifi et al. 2023) are sized by ``rank``, a fraction
of the dense parameter count, and contracted with their factors or reconstructed, whichever costs
fewer operations for a batch of ``reference_batch`` (decided once, at construction). ``init_scale`` is the
initial rms of the (reconstructed) weight: by default ``1 / (C_in C_out)`` dense (the FNO reference) and
``sqrt(2 / (C_in + C_out))`` factorized (Glorot-like, as neuraloperator). The contraction
is :mod:`solvers.spectral.contraction`, shared with the solvers; where :mod:`solvers.spectral.backend`
picks Triton (CUDA), the Triton kernel takes the retained modes from the FFT output and writes the
zero-padded spectrum in one pass (a factorized weight is reconstructed for it). Under mixed precision
(a half-precision input or an autocast region) the transforms and the contraction run in float32 and
the layer returns float32.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from solvers.spectral import backend, contraction

FACTORIZATIONS = ("dense", "cp", "tucker", "tt")


def _complex_parameter(shape: tuple[int, ...], std: float) -> nn.Parameter:
    """A complex weight stored as real ``(*shape, 2)`` (Re, Im), so ``.double()``, optimizers and DDP
    treat it like any real parameter; :func:`_complex` views it as complex."""
    return nn.Parameter(torch.randn(shape + (2,)) * (std / math.sqrt(2)))


def _complex(parameter: torch.Tensor) -> torch.Tensor:
    return torch.view_as_complex(parameter)


def _solve_scale(count, target: float) -> float:
    """Largest ``s`` in (0, 1] with ``count(s) <= target`` (bisection; ``count`` increasing)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if count(middle) <= target else (low, middle)
    return max(low, 1e-9)


class SpectralConv(nn.Module):
    """Fourier layer with ``modes`` retained per spatial dimension (the last one of the real FFT).

    In 1D, when ``4 m <= 8 log2(n)``, the ``m`` retained modes are computed as real matrix products with
    cosine/sine tables (a truncated DFT, cached per resolution) and mixed by one real batched product
    over the modes: the same layer without the full FFTs, zero-filled spectra and complex kernels. A
    factorized weight is then reconstructed (cheap next to the products for such shapes).
    """

    def __init__(self, in_channels: int, out_channels: int, modes: int | tuple[int, ...],
                 factorization: str = "dense", rank: float = 1.0, reference_batch: int = 32,
                 init_scale: float | None = None):
        super().__init__()
        modes = (modes,) if isinstance(modes, int) else tuple(modes)
        if not 1 <= len(modes) <= 3 or min(modes) < 1:
            raise ValueError(f"modes must be 1 to 3 positive integers, got {modes}")
        if factorization not in FACTORIZATIONS:
            raise ValueError(f"unknown factorization {factorization!r}; allowed: {', '.join(FACTORIZATIONS)}")
        if not 0 < rank <= 1 and factorization != "dense":
            raise ValueError(f"rank is a fraction of the dense parameter count in (0, 1], got {rank!r}")
        if init_scale is not None and not (isinstance(init_scale, (int, float)) and not isinstance(init_scale, bool)
                                           and math.isfinite(init_scale) and init_scale > 0):
            raise ValueError(f"init_scale is the initial weight's rms, a positive number, got {init_scale!r}")
        self.in_channels, self.out_channels, self.modes, self.factorization = in_channels, out_channels, modes, factorization
        self._dft_cache: dict = {}
        shape = (in_channels, out_channels) + modes
        size = math.prod(shape)
        # default rms |W|: dense at the FNO reference scale; factorized at the Glorot-like scale (neuraloperator's,
        # ~90x larger at width 20): at the dense scale a TFNO reached 0.325 on ns2d in 600 s, at this one 0.093
        # (benchmarks/tfno_init.py, RESULTS issue 16)
        dense = factorization == "dense"
        std = init_scale or (1 / (in_channels * out_channels) if dense else math.sqrt(2 / (in_channels + out_channels)))
        if dense:
            self.weight = _complex_parameter(shape, std)
            self.contract_with = "dense"
            return
        if factorization == "cp":
            per_rank = sum(shape) + 1
            r = max(1, round(rank * size / per_rank))
            factor_std = (std**2 / r) ** (1 / (2 * (len(shape) + 1)))
            self.factors = nn.ParameterList([_complex_parameter((r,), factor_std)] +
                                            [_complex_parameter((n, r), factor_std) for n in shape])
            operations = r * (in_channels + out_channels) * math.prod(modes)
        elif factorization == "tucker":
            count = lambda s: math.prod(max(1, round(n * s)) for n in shape) + sum(n * max(1, round(n * s)) for n in shape)  # noqa: E731
            ranks = [max(1, round(n * _solve_scale(count, rank * size))) for n in shape]
            core_std = std * math.sqrt(size / math.prod(ranks))  # orthonormal factors shrink the weight
            self.factors = nn.ParameterList([_complex_parameter(tuple(ranks), core_std)] +
                                            [nn.Parameter(torch.view_as_real(self._orthonormal(n, r)).contiguous())
                                             for n, r in zip(shape, ranks)])
            operations = math.prod(modes) * (in_channels * ranks[0] + ranks[0] * ranks[1] * math.prod(ranks[2:]))
        else:
            count = lambda s: self._tt_count(shape, max(1, round(s * max(shape))))  # noqa: E731
            r = max(1, round(_solve_scale(count, rank * size) * max(shape)))
            ranks = [1] + [r] * (len(shape) - 1) + [1]
            core_std = (std**2 / r ** (len(shape) - 1)) ** (1 / (2 * len(shape)))
            self.factors = nn.ParameterList([_complex_parameter((ranks[j], n, ranks[j + 1]), core_std)
                                             for j, n in enumerate(shape)])
            operations = math.prod(modes) * r * (in_channels + r * out_channels)
        rank_scale = self.factors[1].shape[-2]  # the rank attached to the input channels
        reconstruction = size * rank_scale + reference_batch * size
        self.contract_with = "factors" if reference_batch * operations < reconstruction else "dense"

    @staticmethod
    def _orthonormal(rows: int, columns: int) -> torch.Tensor:
        q, _ = torch.linalg.qr(torch.complex(torch.randn(rows, max(rows, columns)), torch.randn(rows, max(rows, columns))))
        return q[:, :columns] if columns <= rows else torch.cat([q, torch.zeros(rows, columns - rows, dtype=q.dtype)], 1)

    @staticmethod
    def _tt_count(shape: tuple[int, ...], r: int) -> int:
        ranks = [1] + [r] * (len(shape) - 1) + [1]
        return sum(ranks[j] * n * ranks[j + 1] for j, n in enumerate(shape))

    def dense_weight(self) -> torch.Tensor:
        """The full ``(C_in, C_out, *modes)`` complex weight (reconstructed if factorized)."""
        if self.factorization == "dense":
            return _complex(self.weight)
        return contraction.reconstruct(self.factorization, [_complex(p) for p in self.factors])

    def contract(self, block: torch.Tensor) -> torch.Tensor:
        """Retained coefficients ``(B, C_in, *modes)`` to ``(B, C_out, *modes)``."""
        if self.contract_with == "dense":
            return contraction.dense_by_mode(block, self.dense_weight().to(block.dtype))
        parameters = [_complex(p).to(block.dtype) for p in self.factors]
        if self.factorization == "cp":
            return contraction.cp(block, parameters[0], parameters[1:])
        if self.factorization == "tucker":
            return contraction.tucker(block, parameters[0], parameters[1:])
        return contraction.tensor_train(block, parameters)

    def _tables(self, n: int, dtype: torch.dtype, device) -> tuple[torch.Tensor, torch.Tensor]:
        """Truncated real DFT ``(n, 2m)`` (forward normalisation) and its inverse ``(2m, n)``, cached."""
        key = (n, dtype, device)
        if key not in self._dft_cache:
            m = self.modes[0]
            angle = 2 * math.pi * torch.outer(torch.arange(n, dtype=torch.float64), torch.arange(m, dtype=torch.float64)) / n
            weights = torch.full((m,), 2.0, dtype=torch.float64)
            weights[0] = 1.0
            if 2 * (m - 1) == n:  # the Nyquist mode counts once
                weights[-1] = 1.0
            forward = torch.cat([torch.cos(angle), -torch.sin(angle)], 1) / n
            inverse = torch.cat([weights * torch.cos(angle), -weights * torch.sin(angle)], 1).T
            self._dft_cache[key] = (forward.to(device=device, dtype=dtype), inverse.contiguous().to(device=device, dtype=dtype))
        return self._dft_cache[key]

    def _uses_matrix_dft(self, space: tuple[int, ...]) -> bool:
        return len(space) == 1 and 4 * self.modes[0] <= 8 * math.log2(space[0])

    def _matrix_dft(self, x: torch.Tensor) -> torch.Tensor:
        batch, m = x.shape[0], self.modes[0]
        forward, inverse = self._tables(x.shape[-1], x.dtype, x.device)
        spectrum = (x @ forward).reshape(batch, self.in_channels, 2, m)  # real parts, then imaginary parts
        stacked = spectrum.permute(3, 0, 2, 1).reshape(m, batch, 2 * self.in_channels)
        mixed = torch.bmm(stacked, contraction.real_blocks(self.dense_weight().to(torch.complex128 if x.dtype == torch.float64
                                                                                      else torch.complex64)))
        return mixed.reshape(m, batch, 2, self.out_channels).permute(1, 3, 2, 0).reshape(batch, self.out_channels, 2 * m) @ inverse

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d = len(self.modes)
        if x.ndim != d + 2 or x.shape[1] != self.in_channels:
            raise ValueError(f"SpectralConv expects (batch, {self.in_channels}, {d} spatial dims), got {tuple(x.shape)}")
        space = tuple(x.shape[2:])
        contraction.check_modes(space, self.modes)
        if x.dtype in (torch.bfloat16, torch.float16) or torch.is_autocast_enabled(x.device.type):
            with torch.autocast(x.device.type, enabled=False):  # mixed precision: the transforms stay in float32
                return self._spectral(x.float(), space)
        return self._spectral(x, space)

    def _spectral(self, x: torch.Tensor, space: tuple[int, ...]) -> torch.Tensor:
        d = len(self.modes)
        use_triton = backend.choose(x.device, "mode_contraction") == "triton"
        if not use_triton and self._uses_matrix_dft(space):
            return self._matrix_dft(x)
        dims = tuple(range(2, d + 2))
        spectrum = torch.fft.rfftn(x, dim=dims, norm="forward")
        index = contraction.retained_index(space, self.modes, device=x.device)
        if use_triton:
            from solvers.spectral.kernels.mode_contraction import truncated_contraction

            positions = contraction.retained_positions(tuple(spectrum.shape[2:]), index)
            full = truncated_contraction(spectrum, self.dense_weight().to(spectrum.dtype).flatten(2), positions)
        else:
            full = contraction.scatter(self.contract(contraction.gather(spectrum, index)), index, tuple(spectrum.shape[2:]))
        return torch.fft.irfftn(full, s=space, dim=dims, norm="forward")
