"""Holding SIGTERM and SIGINT while a file is being written, so a stopped process leaves it consistent.

HDF5 files are consistent on disk after each flush, not during one: a process terminated inside a
write (torchrun stops every process when one fails, Slurm on preemption) can leave a partial file that
no longer opens. Within :func:`held`, the signals are recorded and delivered when the block ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def held() -> Iterator[None]:
    """Defer SIGTERM and SIGINT to the end of the block (only the main thread can; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {number: signal.signal(number, lambda number, frame: received.append(number)) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        if received:
            signal.raise_signal(received[0])
