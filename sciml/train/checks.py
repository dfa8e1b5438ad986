"""The range checks the training configurations share: counts at least a minimum, a positive time limit."""

from __future__ import annotations


def at_least(config, minimum: int, names: tuple[str, ...]) -> None:
    """``ValueError`` naming the first of the fields ``names`` of ``config`` below ``minimum``."""
    for name in names:
        if getattr(config, name) < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {getattr(config, name)!r}")


def positive_time_limit(config) -> None:
    if not config.time_limit > 0:
        raise ValueError(f"time_limit must be > 0 seconds, got {config.time_limit!r}")
