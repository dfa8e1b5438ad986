"""The one dispatch point of the spectral kernels: Triton or the torch reference.

``choose(device, kernel)`` returns ``"triton"`` for CUDA tensors when Triton is importable and the
kernel passed its first-use check on that device (:mod:`solvers.spectral.self_check`: a kernel that
fails to compile or disagrees with its reference warns once and is replaced by the reference), else
``"torch"``. A caller that names no kernel gets Triton only if every kernel passes. The answers are
kept here, per setting, device and kernel: callers need not cache them. ``SCIML_SPECTRAL_BACKEND``
overrides: ``torch`` always takes the reference; ``triton`` demands the kernels (on a CPU only under
``TRITON_INTERPRET=1``, Triton's interpreter, which is how the tests run them; the self-check runs
there too); ``auto`` (default) as above.
"""

from __future__ import annotations

import importlib.util
import os

import torch

VARIABLE = "SCIML_SPECTRAL_BACKEND"
SETTINGS = ("auto", "torch", "triton")
_choices: dict[tuple, str] = {}


def triton_runs_on(device: torch.device) -> bool:
    """Whether Triton kernels can run on ``device``: CUDA with Triton installed, or Triton's interpreter."""
    if importlib.util.find_spec("triton") is None:
        return False
    if device.type == "cuda":
        return torch.cuda.is_available()
    return device.type == "cpu" and os.environ.get("TRITON_INTERPRET") == "1"


def choose(device: torch.device | str, kernel: str | None = None) -> str:
    """``"triton"`` or ``"torch"`` for ``kernel`` (a name of ``self_check.KERNELS``; ``None``: all of them) on
    tensors on ``device``, following ``SCIML_SPECTRAL_BACKEND``."""
    device = torch.device(device)
    setting = os.environ.get(VARIABLE, "auto").strip().lower()
    if setting not in SETTINGS:
        raise ValueError(f"{VARIABLE}={setting!r}; allowed: {', '.join(SETTINGS)}")
    key = (setting, os.environ.get("TRITON_INTERPRET"), str(device), kernel)
    if key not in _choices:
        _choices[key] = _choose(setting, device, kernel)
    return _choices[key]


def _choose(setting: str, device: torch.device, kernel: str | None) -> str:
    if setting == "torch":
        return "torch"
    available = triton_runs_on(device)
    if setting == "triton" and not available:
        raise RuntimeError(f"{VARIABLE}=triton, but Triton cannot run on {device} "
                           "(it needs CUDA, or TRITON_INTERPRET=1 on a CPU, and the triton package)")
    if not available or (setting == "auto" and device.type != "cuda"):
        return "torch"
    from . import self_check

    kernels = self_check.KERNELS if kernel is None else (kernel,)
    return "triton" if all([self_check.verified(name, device) for name in kernels]) else "torch"


def forget() -> None:
    """Drop the kept answers and the kernels' first-use verdicts (both are found again on next use)."""
    from . import self_check

    _choices.clear()
    self_check.forget()
