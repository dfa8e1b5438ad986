"""The one dispatch point of the spectral kernels: Triton or the torch reference.

``choose(device)`` returns ``"triton"`` for CUDA tensors when Triton is importable, else ``"torch"``;
callers decide once per object and keep the answer. ``SCIML_SPECTRAL_BACKEND`` overrides: ``torch``
always takes the reference; ``triton`` demands the kernels (on a CPU only under ``TRITON_INTERPRET=1``,
Triton's interpreter, which is how the tests run them); ``auto`` (default) as above.
"""

from __future__ import annotations

import importlib.util
import os

import torch

VARIABLE = "SCIML_SPECTRAL_BACKEND"
SETTINGS = ("auto", "torch", "triton")


def triton_runs_on(device: torch.device) -> bool:
    """Whether Triton kernels can run on ``device``: CUDA with Triton installed, or Triton's interpreter."""
    if importlib.util.find_spec("triton") is None:
        return False
    return device.type == "cuda" or (device.type == "cpu" and os.environ.get("TRITON_INTERPRET") == "1")


def choose(device: torch.device | str) -> str:
    """``"triton"`` or ``"torch"`` for tensors on ``device``, following ``SCIML_SPECTRAL_BACKEND``."""
    device = torch.device(device)
    setting = os.environ.get(VARIABLE, "auto").strip().lower()
    if setting not in SETTINGS:
        raise ValueError(f"{VARIABLE}={setting!r}; allowed: {', '.join(SETTINGS)}")
    if setting == "torch":
        return "torch"
    available = triton_runs_on(device)
    if setting == "triton":
        if not available:
            raise RuntimeError(f"{VARIABLE}=triton, but Triton cannot run on {device} "
                               "(it needs CUDA, or TRITON_INTERPRET=1 on a CPU, and the triton package)")
        return "triton"
    return "triton" if available and device.type == "cuda" else "torch"
