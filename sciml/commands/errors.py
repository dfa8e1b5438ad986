"""User errors of the command line: printed as one line with exit code 2; every other exception keeps its traceback."""

from __future__ import annotations

import argparse


class UsageError(Exception):
    """Something the user asked for that cannot be done: an option that does not apply, a bad value."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are :class:`UsageError`, and whose sub-commands are parsers like it."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


def constructed(kind, what: str, **values):
    """``kind(**values)`` built from the user's values: its ``ValueError`` or ``TypeError`` becomes a
    :class:`UsageError` naming ``what``."""
    try:
        return kind(**values)
    except (ValueError, TypeError) as error:
        raise UsageError(f"{what}: {error}") from error
