"""Symbolic dynamics of piecewise-linear RNNs (Brenner et al., NeurIPS 2024): each linear subregion a
trajectory visits is a symbol; the occupancy of the symbols and the transitions between consecutive ones
form the symbolic transition graph, a Markov chain on subregions that summarises the attractor's topology
(on Lorenz-63: one subregion per lobe and the switching between them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def symbol(pattern: torch.Tensor) -> str:
    """A subregion's 0/1 switch pattern ``(K,)`` as a string of bits, unit 0 first."""
    return "".join(str(int(bit)) for bit in pattern)


@dataclass(frozen=True)
class SymbolicGraph:
    """``patterns (S, K)``: the 0/1 switch patterns of the ``S`` visited subregions, most occupied first;
    ``occupancy (S,)``: the fraction of time in each; ``counts (S, S)``: transitions ``i -> j`` between
    consecutive states, staying put included."""

    patterns: torch.Tensor
    occupancy: torch.Tensor
    counts: torch.Tensor

    @property
    def symbols(self) -> list[str]:
        """Each pattern as its :func:`symbol`."""
        return [symbol(row) for row in self.patterns]

    @property
    def transitions(self) -> torch.Tensor:
        """Row-stochastic transition probabilities ``(S, S)``; a row with no departures is zero."""
        return self.counts / self.counts.sum(1, keepdim=True).clamp_min(1)


def symbolic_graph(patterns: torch.Tensor) -> SymbolicGraph:
    """The graph of a trajectory's subregion patterns ``(T, K)`` (``model.region(orbit)``)."""
    if patterns.ndim != 2 or patterns.shape[0] < 2:
        raise ValueError(f"need subregion patterns of shape (time >= 2, switches), got {tuple(patterns.shape)}")
    unique, inverse, visits = torch.unique(patterns, dim=0, return_inverse=True, return_counts=True)
    order = visits.argsort(descending=True, stable=True)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel())
    symbols = rank[inverse]
    counts = torch.zeros(order.numel(), order.numel(), dtype=torch.float64)
    counts.index_put_((symbols[:-1], symbols[1:]), torch.ones(symbols.numel() - 1, dtype=torch.float64),
                      accumulate=True)
    return SymbolicGraph(unique[order], visits[order].double() / symbols.numel(), counts)


def draw_symbolic_graph(graph: SymbolicGraph, axes, largest: int = 16) -> None:
    """Draw the ``largest`` most occupied subregions on a circle on matplotlib ``axes``: node area by
    occupancy, labelled with the symbol and the probability of staying; arrows by transition probability."""
    shown = min(largest, len(graph.symbols))
    angle = 2 * math.pi * torch.arange(shown, dtype=torch.float64) / shown + math.pi / 2
    x, y = angle.cos().numpy(), angle.sin().numpy()
    probability = graph.transitions
    for i in range(shown):
        for j in range(shown):
            if i != j and probability[i, j] > 0:
                axes.annotate("", xy=(x[j], y[j]), xytext=(x[i], y[i]), arrowprops=dict(
                    arrowstyle="-|>", shrinkA=14, shrinkB=14, connectionstyle="arc3,rad=0.15", color="tab:gray",
                    linewidth=0.5 + 6 * float(probability[i, j]) ** 0.5))
    axes.scatter(x, y, s=(3000 * graph.occupancy[:shown]).numpy() + 60, color="tab:blue", alpha=0.6, zorder=3)
    for i, symbol in enumerate(graph.symbols[:shown]):
        axes.text(1.55 * x[i], 1.45 * y[i], f"{symbol}\n{100 * graph.occupancy[i]:.1f}% of time\n"
                  f"stays {probability[i, i]:.3f}", ha="center", va="center", fontsize=8)
    hidden = len(graph.symbols) - shown
    axes.set_title("symbolic transition graph" + (f" ({hidden} rarer subregions not shown)" if hidden else ""))
    axes.set_xlim(-2.1, 2.1)
    axes.set_ylim(-1.8, 1.8)
    axes.set_aspect("equal")
    axes.axis("off")
