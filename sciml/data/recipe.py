"""Dataset recipes: TOML files in ``datasets/`` parsed into typed, validated objects.

A recipe names the system, its parameters, the initial-condition family and the distributions of
its parameters, the grid, the output times, the solver and its tolerances, the sample count,
observation noise and the seed. Values of ``[initial_condition]`` are numbers or distributions
``{uniform = [a, b]}``, ``{log_uniform = [a, b]}``, ``{normal = [mean, std]}``, ``{choice = [...]}``.
See ``datasets/README.md`` for every key.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import torch

from solvers import pdes
from solvers import systems as ode_systems

_DISTRIBUTIONS = ("uniform", "log_uniform", "normal", "choice")
_SECTIONS = {
    "name": None, "description": None, "system": None, "samples": None, "seed": None, "noise": None,
    "parameters": None, "initial_condition": None,
    "grid": ("L", "n", "solve_n"),
    "time": ("start", "end", "snapshots", "transient"),
    "solver": ("method", "rtol", "atol", "dt", "clip"),
}
ODE_SYSTEMS = tuple(ode_systems.SYSTEMS)  # the registries are the one source of the names
PLANE_SYSTEMS = ("navier_stokes", "nlse2d")
"""Systems of fields on a plane: stored ``(sample, time, x, y)`` on an ``n x n`` grid."""
NLSE_SYSTEMS = ("nlse", "nlse2d")
"""Systems whose field is an NLSE envelope, conserving the mass ``int |psi|^2``."""
SYSTEMS = ("nlse", *pdes.EQUATIONS, *PLANE_SYSTEMS, *ODE_SYSTEMS)


class RecipeError(ValueError):
    """A recipe that cannot be used: unknown recipe or key, a value out of range."""


@dataclass(frozen=True)
class Distribution:
    """A number or a distribution over numbers; ``sample(generator)`` draws one float."""

    kind: str
    arguments: tuple[float, ...]

    @classmethod
    def parse(cls, key: str, value) -> Distribution:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return cls("constant", (float(value),))
        if isinstance(value, dict) and len(value) == 1:
            (kind, arguments), = value.items()
            if kind not in _DISTRIBUTIONS:
                raise RecipeError(f"{key}: unknown distribution {kind!r}; allowed: {', '.join(_DISTRIBUTIONS)}")
            arguments = tuple(float(a) for a in arguments)
            if kind != "choice" and len(arguments) != 2:
                raise RecipeError(f"{key}: {kind} takes two numbers, got {list(arguments)}")
            if kind in ("uniform", "log_uniform") and not arguments[0] <= arguments[1]:
                raise RecipeError(f"{key}: {kind} bounds must be increasing, got {list(arguments)}")
            if kind == "log_uniform" and not arguments[0] > 0:
                raise RecipeError(f"{key}: log_uniform bounds must be > 0, got {list(arguments)}")
            if kind == "normal" and not arguments[1] >= 0:
                raise RecipeError(f"{key}: normal standard deviation must be >= 0, got {arguments[1]}")
            if kind == "choice" and not arguments:
                raise RecipeError(f"{key}: choice needs at least one value")
            return cls(kind, arguments)
        raise RecipeError(f"{key}: expected a number or one of {{{', '.join(_DISTRIBUTIONS)} = [...]}}, got {value!r}")

    def sample(self, generator: torch.Generator) -> float:
        if self.kind == "constant":
            return self.arguments[0]
        if self.kind == "choice":
            return self.arguments[int(torch.randint(len(self.arguments), (), generator=generator))]
        draw = float(torch.rand((), generator=generator, dtype=torch.float64))
        low, high = self.arguments
        if self.kind == "uniform":
            return low + (high - low) * draw
        if self.kind == "log_uniform":
            return math.exp(math.log(low) + (math.log(high) - math.log(low)) * draw)
        return low + high * float(torch.randn((), generator=generator, dtype=torch.float64))


@dataclass(frozen=True)
class Recipe:
    """A validated recipe; ``text`` is its TOML (overrides applied), stored with the data."""

    name: str
    system: str
    samples: int
    seed: int
    parameters: dict[str, float | int | str]
    family: str
    initial_condition: dict[str, Distribution]
    time: dict[str, float]
    solver: dict[str, float | str]
    grid: dict[str, float] | None = None
    noise: float = 0.0
    description: str = ""
    text: str = field(default="", repr=False)

    @property
    def times(self) -> torch.Tensor:
        """The ``snapshots`` output times from ``time.start`` to ``time.end``, float64."""
        return torch.linspace(self.time["start"], self.time["end"], int(self.time["snapshots"]), dtype=torch.float64)


def recipe_directory() -> Path:
    """The folder of the recipes: ``datasets/`` of the repository, shipped in wheels as ``sciml/recipes``."""
    packaged = Path(__file__).resolve().parents[1] / "recipes"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "datasets"


def available() -> list[str]:
    return sorted(path.stem for path in recipe_directory().glob("*.toml"))


def load(name_or_path: str | Path, overrides: dict[str, str] | None = None) -> Recipe:
    """A recipe by name (``nlse-soliton``) or TOML path, with ``section.key=value`` overrides applied."""
    path = Path(name_or_path)
    if not path.suffix == ".toml":
        if str(name_or_path) not in available():
            raise RecipeError(f"unknown recipe {str(name_or_path)!r}; available: {', '.join(available())}")
        path = recipe_directory() / f"{name_or_path}.toml"
    if not path.is_file():
        raise RecipeError(f"recipe file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(f"recipe {str(path)!r} is not valid TOML: {error}") from None
    for assignment, value in (overrides or {}).items():
        _override(data, assignment, value)
    return parse(data)


def parse_value(text: str):
    """A command-line value as TOML (``256``, ``1e-3``, ``"etdrk4"``, ``{uniform = [1, 2]}``), else the string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _override(data: dict, key: str, value: str) -> None:
    parsed = parse_value(value)
    *sections, last = key.split(".")
    target = data
    for section in sections:
        target = target.setdefault(section, {})
        if not isinstance(target, dict):
            raise RecipeError(f"override {key!r}: {section!r} is not a section")
    target[last] = parsed


def _require(data: dict, key: str, kind: type, where: str = ""):
    if key not in data:
        raise RecipeError(f"recipe is missing {where}{key}")
    value = data[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RecipeError(f"{where}{key} must be a {kind.__name__}, got {value!r}")
    return value


def parse(data: dict) -> Recipe:
    """Validate a recipe dictionary (as read from TOML) and build a :class:`Recipe`."""
    unknown = set(data) - set(_SECTIONS)
    if unknown:
        raise RecipeError(f"unknown recipe key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(_SECTIONS)}")
    for section, keys in _SECTIONS.items():
        if keys and section in data:
            extra = set(data[section]) - set(keys)
            if extra:
                raise RecipeError(f"unknown key(s) {', '.join(sorted(extra))} in [{section}]; allowed: {', '.join(keys)}")
    system = _require(data, "system", str)
    if system not in SYSTEMS:
        raise RecipeError(f"unknown system {system!r}; allowed: {', '.join(SYSTEMS)}")
    samples = _require(data, "samples", int)
    if samples < 1:
        raise RecipeError(f"samples must be >= 1, got {samples}")
    seed = _require(data, "seed", int)
    if seed < 0:
        raise RecipeError(f"seed must be >= 0, got {seed}")
    noise = float(data.get("noise", 0.0))
    if not 0 <= noise < 1:
        raise RecipeError(f"noise must lie in [0, 1), got {noise}")
    condition = dict(_require(data, "initial_condition", dict))
    family = condition.pop("family", None)
    if not isinstance(family, str):
        raise RecipeError("[initial_condition] needs a family (a string)")
    time = dict(_require(data, "time", dict))
    time.setdefault("start", 0.0)
    time.setdefault("transient", 0.0)
    for key in ("end", "snapshots"):
        _require(time, key, float if key == "end" else int, "time.")
    if not (time["snapshots"] >= 2 and time["end"] > time["start"] and time["transient"] >= 0):
        raise RecipeError("time needs snapshots >= 2, end > start and transient >= 0")
    solver = dict(_require(data, "solver", dict))
    _require(solver, "method", str, "solver.")
    for key in ("rtol", "atol", "dt"):
        if key in solver and not (isinstance(solver[key], (int, float)) and solver[key] > 0):
            raise RecipeError(f"solver.{key} must be > 0, got {solver[key]!r}")
    if "clip" in solver and not isinstance(solver["clip"], bool):
        raise RecipeError(f"solver.clip must be true or false, got {solver['clip']!r}")
    grid = None
    if system not in ODE_SYSTEMS:
        grid = dict(_require(data, "grid", dict))
        length, n = _require(grid, "L", float, "grid."), _require(grid, "n", int, "grid.")
        if not (length > 0 and n >= 4 and n % 2 == 0):
            raise RecipeError(f"grid needs L > 0 and an even n >= 4, got L={length}, n={n}")
        grid = {"L": length, "n": n}
        if "solve_n" in data["grid"]:
            if system not in PLANE_SYSTEMS:
                raise RecipeError(f"grid.solve_n applies to the 2D systems ({', '.join(PLANE_SYSTEMS)}), not {system}")
            solve_n = _require(data["grid"], "solve_n", int, "grid.")
            if not (solve_n >= n and solve_n % n == 0):
                raise RecipeError(f"grid.solve_n must be a multiple of grid.n = {n} (the stored points are every "
                                  f"solve_n/n-th point of the solver's grid), got {solve_n}")
            grid["solve_n"] = solve_n
    parameters = dict(data.get("parameters", {}))
    for key, value in parameters.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise RecipeError(f"parameters.{key} must be a number or a string, got {value!r}")
    distributions = {key: Distribution.parse(f"initial_condition.{key}", value) for key, value in condition.items()}
    return Recipe(
        name=str(data.get("name", system)), system=system, samples=samples, seed=seed, parameters=parameters,
        family=family, initial_condition=distributions, time=time, solver=solver, grid=grid, noise=noise,
        description=str(data.get("description", "")), text=dumps(data),
    )


def _format(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_format(v)}" for k, v in value.items()) + "}"
    raise RecipeError(f"cannot write {value!r} to TOML")


def dumps(data: dict) -> str:
    """TOML text of a recipe dictionary (top-level values, then one table per section)."""
    lines = [f"{key} = {_format(value)}" for key, value in data.items() if not isinstance(value, dict)]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]"] + [f"{k} = {_format(v)}" for k, v in value.items()]
    return "\n".join(lines) + "\n"
