"""Truncated mode contraction: the per-mode channel mixing of Fourier layers (torch reference).

For retained Fourier coefficients ``x`` of shape ``(batch, C_in, m_1, .., m_d)`` and a weight
``W`` of shape ``(C_in, C_out, m_1, .., m_d)``, the contraction is, for every mode ``k``,

    y[b, o, k] = sum_i x[b, i, k] W[i, o, k]

``W`` is dense or factorized, and a factorized weight is contracted with its factors directly:

- CP (rank ``R``): ``W = sum_r w_r A[i, r] B[o, r] M_1[k_1, r] .. M_d[k_d, r]``;
- Tucker: ``W = G x_0 U_in x_1 U_out x_2 U_1 .. x_{d+1} U_d`` (core ``G``, one factor per dimension);
- tensor train: ``W[i, o, k_1, .., k_d] = G_0[i, :] G_1[:, o, :] G_2[:, k_1, :] .. G_{d+1}[:, k_d]``.

Kolda & Bader, SIAM Rev. 51 (2009); Oseledets, SIAM J. Sci. Comput. 33 (2011); the factorized Fourier
layers of Kossaifi et al. (MG-TFNO, 2023). ``retained_index`` and ``gather``/``scatter`` move the
lowest modes between a full ``rfftn`` spectrum and the compact block; ``truncated`` does the whole step
between the FFTs on flat ``retained_positions`` (the reference of the Triton kernel).
"""

from __future__ import annotations

import math
import string

import torch

_LETTERS = string.ascii_letters


def check_modes(shape: tuple[int, ...], modes: tuple[int, ...]) -> None:
    """Raise ``ValueError`` unless ``modes`` fit an ``rfftn`` spectrum of spatial ``shape`` (see ``retained_index``)."""
    if len(shape) != len(modes):
        raise ValueError(f"modes {modes} do not match the {len(shape)} spatial dimensions")
    for axis, (size, m) in enumerate(zip(shape, modes)):
        available = size // 2 + 1 if axis == len(shape) - 1 else size
        if not 1 <= m <= available:
            raise ValueError(f"{m} modes asked along a dimension of {size} points (at most {available})")


def retained_index(shape: tuple[int, ...], modes: tuple[int, ...], device=None) -> tuple[torch.Tensor, ...]:
    """Index tensors selecting the retained modes of an ``rfftn`` spectrum of ``shape`` (spatial dims).

    The last dimension keeps frequencies ``0 .. m_d - 1``; every other dimension keeps the ``m`` lowest
    ``|k|``: ``0 .. ceil(m/2) - 1`` and ``-floor(m/2) .. -1``. The tensors broadcast against each other.
    """
    check_modes(shape, modes)
    index = []
    for axis, (size, m) in enumerate(zip(shape, modes)):
        if axis == len(shape) - 1:
            positions = torch.arange(m, device=device)
        else:
            positive = (m + 1) // 2
            positions = torch.cat([torch.arange(positive, device=device), torch.arange(size - (m - positive), size, device=device)])
        index.append(positions.reshape((-1,) + (1,) * (len(shape) - axis - 1)))
    return tuple(index)


def gather(spectrum: torch.Tensor, index: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """The retained block ``(..., m_1, .., m_d)`` of a spectrum ``(..., n_1, .., n_d/2 + 1)``."""
    return spectrum[(Ellipsis,) + index]


def scatter(block: torch.Tensor, index: tuple[torch.Tensor, ...], spectrum_shape: tuple[int, ...]) -> torch.Tensor:
    """A zero spectrum of ``spectrum_shape`` (``rfftn`` layout) with ``block`` at the retained modes."""
    out = block.new_zeros(block.shape[: block.ndim - len(index)] + tuple(spectrum_shape))
    out[(Ellipsis,) + index] = block
    return out


def _mode_letters(d: int) -> str:
    return _LETTERS[10 : 10 + d]


def dense(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``x (B, C_in, *m)``, ``weight (C_in, C_out, *m)`` -> ``(B, C_out, *m)``."""
    k = _mode_letters(x.ndim - 2)
    return torch.einsum(f"bi{k},io{k}->bo{k}", x, weight)


def cp(x: torch.Tensor, weights: torch.Tensor, factors: list[torch.Tensor]) -> torch.Tensor:
    """CP: ``weights (R,)``, ``factors = [A (C_in, R), B (C_out, R), M_1 (m_1, R), ..]``."""
    k = _mode_letters(x.ndim - 2)
    modes = ",".join(f"{c}r" for c in k)
    return torch.einsum(f"bi{k},r,ir,or,{modes}->bo{k}", x, weights, *factors)


def tucker(x: torch.Tensor, core: torch.Tensor, factors: list[torch.Tensor]) -> torch.Tensor:
    """Tucker: ``core (R_in, R_out, R_1, ..)``, ``factors = [U_in (C_in, R_in), U_out (C_out, R_out), U_1 (m_1, R_1), ..]``."""
    d = x.ndim - 2
    k, r = _mode_letters(d), _LETTERS[36 : 36 + d]
    modes = ",".join(f"{c}{s}" for c, s in zip(k, r))
    return torch.einsum(f"bi{k},ia,oz,{modes},az{r}->bo{k}", x, *factors, core)


def tensor_train(x: torch.Tensor, cores: list[torch.Tensor]) -> torch.Tensor:
    """Tensor train: ``cores = [G_0 (1, C_in, r_1), G_1 (r_1, C_out, r_2), G_2 (r_2, m_1, r_3), .., (r_{d+1}, m_d, 1)]``."""
    d = x.ndim - 2
    k = _mode_letters(d)
    ranks = _LETTERS[36 : 36 + d + 3]
    terms = [f"{ranks[0]}i{ranks[1]}", f"{ranks[1]}o{ranks[2]}"]
    terms += [f"{ranks[2 + j]}{k[j]}{ranks[3 + j]}" for j in range(d)]
    return torch.einsum(f"bi{k},{','.join(terms)}->bo{k}", x, *cores)


def reconstruct(kind: str, parameters: list[torch.Tensor]) -> torch.Tensor:
    """The dense ``(C_in, C_out, *m)`` weight of a factorized one (``kind``: cp, tucker, tt)."""
    if kind == "cp":
        weights, *factors = parameters
        d = len(factors) - 2
        k = _mode_letters(d)
        return torch.einsum(f"r,ir,or,{','.join(f'{c}r' for c in k)}->io{k}", weights, *factors)
    if kind == "tucker":
        core, *factors = parameters
        d = len(factors) - 2
        k, r = _mode_letters(d), _LETTERS[36 : 36 + d]
        return torch.einsum(f"az{r},ia,oz,{','.join(f'{c}{s}' for c, s in zip(k, r))}->io{k}", core, *factors)
    if kind == "tt":
        d = len(parameters) - 2
        k = _mode_letters(d)
        ranks = _LETTERS[36 : 36 + d + 3]
        terms = [f"{ranks[0]}i{ranks[1]}", f"{ranks[1]}o{ranks[2]}"] + [f"{ranks[2 + j]}{k[j]}{ranks[3 + j]}" for j in range(d)]
        return torch.einsum(f"{','.join(terms)}->io{k}", *parameters)
    raise ValueError(f"unknown factorization {kind!r}; allowed: cp, tucker, tt")


def real_blocks(weight: torch.Tensor) -> torch.Tensor:
    """Complex ``(C_in, C_out, *m)`` weight as real ``(M, 2 C_in, 2 C_out)`` blocks ``[[Re, Im], [-Im, Re]]``,
    one per mode, so that ``[Re x, Im x] @ block = [Re(x W), Im(x W)]``."""
    c_in, c_out = weight.shape[:2]
    w = weight.reshape(c_in, c_out, -1).permute(2, 0, 1)
    return torch.cat([torch.cat([w.real, w.imag], 2), torch.cat([-w.imag, w.real], 2)], 1)


def dense_by_mode(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """:func:`dense` as one real batched matrix product over the modes (no complex kernels)."""
    batch, c_in, *modes = x.shape
    c_out = weight.shape[1]
    flat = x.reshape(batch, c_in, -1).permute(2, 0, 1)
    stacked = torch.cat([flat.real, flat.imag], 2)  # (M, B, 2 C_in), contiguous: a strided bmm is 10x slower
    y = torch.bmm(stacked, real_blocks(weight))  # (M, B, 2 C_out)
    return torch.complex(y[..., :c_out], y[..., c_out:]).permute(1, 2, 0).reshape(batch, c_out, *modes)


def retained_positions(spectrum_shape: tuple[int, ...], index: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Flat indices ``(M,)`` of the retained modes in a spatial spectrum of ``spectrum_shape``, in the
    row-major order of the retained block (the order of ``weight.reshape(C_in, C_out, M)``)."""
    device = index[0].device
    return gather(torch.arange(math.prod(spectrum_shape), device=device).reshape(spectrum_shape), index).flatten()


def truncated(spectrum: torch.Tensor, weight: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Torch reference of the Triton kernel: ``spectrum (B, C_in, *S)``, ``weight (C_in, C_out, M)``,
    ``positions (M,)`` -> ``(B, C_out, *S)``, the contraction at the retained positions, zero elsewhere."""
    batch, _, *space = spectrum.shape
    block = spectrum.flatten(2)[..., positions]
    out = spectrum.new_zeros(batch, weight.shape[1], math.prod(space))
    out[..., positions] = torch.einsum("bim,iom->bom", block, weight)
    return out.reshape(batch, weight.shape[1], *space)
