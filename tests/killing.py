"""Kill a generation in the middle: the shared driver of the resume tests."""

import signal
import subprocess
import time

import h5py


def killed_after(command: list[str], environment: dict, partial, samples: int, poll: float = 0.1,
                 timeout: float = 120.0) -> int:
    """Start ``command`` (a ``sciml generate``), SIGKILL it once its ``partial`` file holds at least ``samples``
    finished samples (or it ended, or ``timeout`` passed) and return how many it held."""
    process = subprocess.Popen(command, env=environment)
    written, deadline = 0, time.time() + timeout
    while time.time() < deadline and process.poll() is None and written < samples:
        time.sleep(poll)
        if partial.exists():
            try:
                with h5py.File(partial, "r", locking=False) as handle:
                    written = int(handle["done"][:].sum())
            except (OSError, KeyError):  # the writer holds it half-written: look again
                continue
    process.send_signal(signal.SIGKILL)
    process.wait()
    return written
