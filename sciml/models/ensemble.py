"""K piecewise-linear RNNs of one architecture trained as one model (many seeds for the price of one).

The members' parameters are stacked along a leading dimension ``K`` (``torch.func.stack_module_state``).
Teacher forcing and free runs call the members' own code once, through ``torch.func.functional_call``,
with the stacked parameters in place (vectors viewed as ``(K, 1, d)``) and states ``(K, batch, M)``: every
product broadcasts over ``K`` (one batched matrix product per step instead of ``K`` small ones), so on a
CPU, where a step of one model is dispatch rather than arithmetic, ``K`` models cost little more than one.
Other methods (``map``) go through ``torch.func.vmap``. A member's gradient depends on its own loss only,
and element-wise optimisers (Adam, RAdam) treat a stacked parameter as ``K`` independent ones, so training
the ensemble equals training the members one by one. ``member(k)`` returns member ``k`` as a stand-alone
model; checkpoints rebuild the whole ensemble.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from .rnn import ALRNN, PLRNN, ShallowPLRNN

RNN_MODELS: dict[str, type[nn.Module]] = {"PLRNN": PLRNN, "ShallowPLRNN": ShallowPLRNN, "ALRNN": ALRNN}


class _Call(nn.Module):
    """``forward(name, *args)`` calls ``model.name(*args)``: a method for ``functional_call``."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, name: str, *args):
        return getattr(self.model, name)(*args)


def _key(name: str) -> str:  # parameter names may not contain dots
    return name.replace(".", "__")


class RNNEnsemble(nn.Module):
    """``members`` models ``model(**config)`` (``model`` one of ``PLRNN``, ``ShallowPLRNN``, ``ALRNN``),
    each initialised as that class does, their parameters stacked: ``(members, *shape)``."""

    def __init__(self, model: str, config: dict, members: int):
        super().__init__()
        if model not in RNN_MODELS:
            raise ValueError(f"model must be one of {', '.join(RNN_MODELS)}, got {model!r}")
        if not isinstance(members, int) or members < 1:
            raise ValueError(f"members must be an integer >= 1, got {members!r}")
        built = [RNN_MODELS[model](**config) for _ in range(members)]
        self.config = dict(model=model, config=dict(config), members=members)
        self.members = members
        self.__dict__["_call"] = _Call(built[0])  # the template, not a submodule: its weights are never used
        stacked, _ = torch.func.stack_module_state(built)
        self.stacked = nn.ParameterDict({_key(name): nn.Parameter(value) for name, value in stacked.items()})
        persistent = set(built[0].state_dict())
        for name, value in built[0].named_buffers():
            self.register_buffer(_key(name), value.clone(), persistent=name in persistent)
        self._buffer_names = [name for name, _ in built[0].named_buffers()]

    @classmethod
    def stack(cls, models: list[nn.Module]) -> RNNEnsemble:
        """The ensemble of ``models`` (one class and configuration), their current weights copied."""
        if not models:
            raise ValueError("models must hold at least one model")
        kinds = {(type(model).__name__, repr(model.config)) for model in models}
        if len(kinds) > 1:
            raise ValueError(f"models must share one class and configuration, got {sorted(kinds)}")
        with torch.random.fork_rng():  # the members' own initialisation is overwritten: spend no random numbers
            ensemble = cls(type(models[0]).__name__, models[0].config, len(models))
        stacked, _ = torch.func.stack_module_state(models)
        with torch.no_grad():
            for name, value in stacked.items():
                ensemble.stacked[_key(name)] = nn.Parameter(value.detach().clone())
        return ensemble.to(next(models[0].parameters()).dtype)

    @property
    def observed(self) -> int:
        return self._call.model.observed

    def member(self, k: int) -> nn.Module:
        """Member ``k`` as a stand-alone model (a copy: training the ensemble further leaves it alone)."""
        if not 0 <= k < self.members:
            raise ValueError(f"member must lie in [0, {self.members - 1}], got {k}")
        model = copy.deepcopy(self._call.model).to(self._dtype())
        model.load_state_dict(self.member_state(k))
        return model

    def member_state(self, k: int) -> dict[str, torch.Tensor]:
        """The ``state_dict`` of member ``k``."""
        state = {name: value.detach()[k].clone() for name, value in self._parameters_by_name().items()}
        own = self._call.model.state_dict()
        return state | {name: getattr(self, _key(name)).clone() for name in self._buffer_names if name in own}

    def load_member_state(self, k: int, state: dict[str, torch.Tensor]) -> None:
        """Put ``state`` (a member's ``state_dict``) into member ``k``."""
        with torch.no_grad():
            for name, value in self._parameters_by_name().items():
                value[k] = state[name]

    def map(self, method: str, *args: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """``member_k.method(*args_k)`` for every ``k``, stacked: each argument and result carries the
        member dimension first (non-tensor arguments are passed unchanged to every member)."""
        buffers = {f"model.{name}": getattr(self, _key(name)) for name in self._buffer_names}
        tensors = [index for index, value in enumerate(args) if isinstance(value, torch.Tensor)]
        for index in tensors:
            if args[index].shape[0] != self.members:
                raise ValueError(f"argument {index} of {method} must have {self.members} members first, got shape "
                                 f"{tuple(args[index].shape)}")

        def call(parameters, *batched):
            full = list(args)
            for index, value in zip(tensors, batched):
                full[index] = value
            return torch.func.functional_call(self._call, parameters | buffers, (method, *full))

        parameters = {f"model.{name}": value for name, value in self._parameters_by_name().items()}
        return torch.func.vmap(call)(parameters, *(args[index] for index in tensors))

    def teacher_forced(self, x: torch.Tensor, alpha: torch.Tensor, interval: int = 1):
        """``x (K, batch, T, N)``, ``alpha (K,)`` in [0, 1] -> predictions ``(K, batch, T - 1, N)``, states
        ``(K, batch, T, M)``: each member's ``teacher_forced``."""
        if x.ndim != 4 or x.shape[0] != self.members:
            raise ValueError(f"x must be ({self.members}, batch, time, {self.observed}), got {tuple(x.shape)}")
        if alpha.shape != (self.members,) or not bool(((alpha >= 0) & (alpha <= 1)).all()):
            raise ValueError(f"alpha must be {self.members} values in [0, 1], got {alpha.tolist()}")
        return self._broadcast("teacher_forced", x, alpha.to(x.dtype).view(-1, 1, 1), interval)

    def generate(self, x0: torch.Tensor, steps: int) -> torch.Tensor:
        """Free runs: ``x0 (K, batch, N)`` -> observations ``(K, batch, steps + 1, N)``."""
        return self.orbit(x0, steps)[1]

    def orbit(self, x0: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Free runs from ``x0 (K, batch, N)``: latent states ``(K, batch, steps + 1, M)`` and their observations."""
        if x0.ndim != 3 or x0.shape[0] != self.members:
            raise ValueError(f"x0 must be ({self.members}, batch, {self.observed}), got {tuple(x0.shape)}")
        latent = self._broadcast("run", self._broadcast("initial_state", x0), steps)
        return latent, self._broadcast("observe", latent)

    def compile_segments(self) -> None:
        """Compile the members' forcing segment (``torch.compile``), shared by all members."""
        self._call.model.compile_segments()

    def _broadcast(self, method: str, *args):
        """``method`` of the template with the stacked parameters in place, vectors viewed as ``(K, 1, d)``."""
        parameters = {f"model.{name}": value.unsqueeze(1) if value.ndim == 2 else value
                      for name, value in self._parameters_by_name().items()}
        buffers = {f"model.{name}": getattr(self, _key(name)) for name in self._buffer_names}
        return torch.func.functional_call(self._call, parameters | buffers, (method, *args))

    def _parameters_by_name(self) -> dict[str, torch.Tensor]:
        return {name.replace("__", "."): value for name, value in self.stacked.items()}

    def _dtype(self) -> torch.dtype:
        return next(iter(self.stacked.values())).dtype
