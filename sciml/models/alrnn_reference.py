"""An AL-RNN trained by the reference Python code of Brenner et al. (NeurIPS 2024) as our :class:`ALRNN`.

Their model (``alrnn_python/AL-RNN_tutorial.ipynb`` of github.com/DurstewitzLab/ALRNN-DSR) saves a state
dict of ``A (M,)``, ``W (M, M)``, ``h (M,)`` and ``B (N, M)``; it steps ``F(z) = A z + W phi(z) + h`` with
``phi`` relu on the last ``P`` units, ``W`` full (its diagonal included), and starts from the observation
``x (N,)`` as ``z_0 = x B`` with the first ``N`` units then set to ``x`` (identity observation). On a linear
unit ``i`` their ``A_i z_i + W_ii z_i`` is our ``A_i z_i`` with ``A_i + W_ii``, our ``W_ii`` being zero there;
on the relu units both keep ``W_ii``. Their ``B[:, N:]`` is our ``hidden_from_observation``; ``B[:, :N]``
plays no part (overwritten by ``x``). ``P`` is not in the state dict: the caller names it.
"""

from __future__ import annotations

import torch

from .rnn import ALRNN


def alrnn_from_reference(state: dict[str, torch.Tensor], piecewise: int) -> ALRNN:
    """Our ``ALRNN(N, M, piecewise)`` computing the same orbits as the reference ``state``
    (``A (M,)``, ``W (M, M)``, ``h (M,)``, ``B (N, M)``), in the state's dtype."""
    missing = {"A", "W", "h", "B"} - set(state)
    if missing:
        raise ValueError(f"a reference AL-RNN state holds A, W, h and B; missing {', '.join(sorted(missing))}")
    A, W, h, B = (state[name].detach() for name in ("A", "W", "h", "B"))
    latent, observed = A.shape[0], B.shape[0]
    if W.shape != (latent, latent) or h.shape != (latent,) or B.shape != (observed, latent):
        raise ValueError(f"shapes must be A (M,), W (M, M), h (M,), B (N, M); got A {tuple(A.shape)}, W "
                         f"{tuple(W.shape)}, h {tuple(h.shape)}, B {tuple(B.shape)}")
    model = ALRNN(observed, latent, piecewise).to(A.dtype)
    linear = latent - piecewise
    with torch.no_grad():
        model.A.copy_(A + torch.cat([W.diagonal()[:linear], torch.zeros_like(A[linear:])]))
        model.W.copy_(W * model.mask)
        model.h.copy_(h)
        if model.hidden_from_observation is not None:
            model.hidden_from_observation.weight.copy_(B[:, observed:].T)
    return model
