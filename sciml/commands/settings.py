"""Settings of a run: ``--config TOML`` tables overridden by ``--set section.key=value``, checked against the
keys a family allows, with the defaults listed in its ``--help``."""

from __future__ import annotations

import dataclasses
import inspect
import tomllib
from pathlib import Path

from ..data.recipe import parse_value
from .errors import Parser, UsageError


def overrides(assignments: list[str]) -> dict[str, str]:
    """``["a.b=1", ...]`` -> ``{"a.b": "1", ...}``."""
    result = {}
    for assignment in assignments:
        key, separator, value = assignment.partition("=")
        if not separator or not key:
            raise UsageError(f"--set takes key=value (e.g. grid.n=256), got {assignment!r}")
        result[key.strip()] = value.strip()
    return result


def config_defaults(kind) -> dict:
    """The fields of the dataclass ``kind`` and their defaults."""
    return {field.name: field.default for field in dataclasses.fields(kind)}


def constructor_defaults(kind, exclude: tuple[str, ...]) -> dict:
    """The constructor arguments of ``kind`` (not ``exclude``) and their defaults."""
    return {name: parameter.default for name, parameter in inspect.signature(kind).parameters.items()
            if name not in exclude}


def describe(allowed: dict[str, dict]) -> str:
    """``section.key=default`` for every key, for a help text."""
    return ", ".join(f"{section}.{key}={default!r}" for section, defaults in allowed.items()
                     for key, default in defaults.items())


def add_common(parser: Parser, sections: tuple[str, ...], keys: str) -> None:
    """``--out``, ``--config``, ``--set`` (``keys``: every key with its default, :func:`describe`), ``--quiet``."""
    parser.add_argument("--out", required=True, help="run folder: last.pt, best.pt; rerun the same command to resume")
    tables = ", ".join(f"[{section}]" for section in sections)
    parser.add_argument("--config", help=f"TOML file with {tables} tables (default: none)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help=f"override a value of the config file (repeatable); keys and defaults: {keys}")
    parser.add_argument("--quiet", action="store_true", help="no progress output (default: progress shown)")


def settings(family: str, config: str | None, assignments: list[str], allowed: dict[str, dict]) -> dict[str, dict]:
    """``{section: {key: value}}`` from the TOML file ``config`` then the ``--set`` assignments, every
    section and key checked against ``allowed``."""
    tables: dict[str, dict] = {section: {} for section in allowed}
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise UsageError(f"--config {config}: no such file")
        try:
            loaded = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as error:
            raise UsageError(f"--config {config}: {error}") from error
        for section, values in loaded.items():
            if not isinstance(values, dict):
                raise UsageError(f"--config {config}: {section!r} is not a table")
            tables.setdefault(section, {}).update(values)
    for key, value in overrides(assignments).items():
        section, _, name = key.partition(".")
        tables.setdefault(section, {})[name] = parse_value(value)
    unknown = sorted(set(tables) - set(allowed))
    if unknown:
        raise UsageError(f"sciml train {family}: unknown config section(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(allowed)}")
    for section, defaults in allowed.items():
        wrong = sorted(set(tables[section]) - set(defaults))
        if wrong:
            raise UsageError(f"sciml train {family}: unknown {section} key(s) {', '.join(wrong)}; "
                             f"allowed: {', '.join(defaults)}")
    return tables


def not_applicable(command: str, given: dict[str, object], allowed: tuple[str, ...], context: str) -> None:
    """A :class:`UsageError` of ``command`` for the options in ``given`` (name -> value, ``None``: not given)
    outside ``allowed``."""
    wrong = [name for name, value in given.items() if value is not None and name not in allowed]
    if wrong:
        options = ", ".join(f"--{name.replace('_', '-')}" for name in wrong)
        raise UsageError(f"{command}: {options} does not apply to {context}")
