"""PINNs on convection and Burgers: the failure mode, the Lagrangian fix, and DeepXDE side by side.

Part ``convection`` (Krishnapriyan et al. 2021): ``u_t + beta u_x = 0`` on ``[0, 2 pi) x [0, 1]``,
``u0 = sin x``, for each ``--betas``; three networks, each 4 x 50 tanh, float64, ``--points`` LHS
collocation points, the same schedule (``--adam`` Adam steps at 1e-3, then up to ``--lbfgs`` L-BFGS
iterations) and the same ``--time-limit``:

- vanilla PINN: scaled ``(x, t)`` inputs, soft initial and periodic conditions (weight 1 each);
- PINN with the exact periodic embedding and the initial condition built in;
- LPINN: characteristic and state branches, both built in.

Part ``burgers``: ``u_t + u u_x = (0.01 / pi) u_xx`` on ``[-1, 1] x [0, 0.99]``, ``u0 = -sin(pi x)``,
``u(+-1) = 0``: DeepXDE 1.15's example (3 x 20 tanh, Glorot normal, 2540 / 80 / 160 points) against
our PINN with the same network and interior points, float64 (``--dtype``), ``--burgers-adam`` Adam steps then up
to ``--burgers-lbfgs`` L-BFGS iterations for both; ours with the conditions built in and, to
compare like with like, soft. Errors: relative L2 against our spectral solver on 256 x 100 points.
Then the time of an Adam step of each, measured in alternating rounds (robust to the machine's load).

Every run uses ``--threads`` threads (1 by default: these networks are too small to gain from more,
and a loaded machine makes more threads slower). Prints the tables with time ratios and writes
``--out`` (JSON).

Run: ``PYTHONPATH=. python benchmarks/pinns.py`` (about 40 minutes on one core); parts alone with
``--part convection`` or ``--part burgers``. Needs ``pip install deepxde==1.15.0`` for the Burgers
part. Written 2026-11-23.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import statistics
import time

import numpy as np
import torch

from sciml.models import LPINN, PINN
from sciml.train import PINNConfig, make_problem, predict, train_pinn
from sciml.train.pinn import PINNLoss


def relative_l2(prediction: torch.Tensor, reference: torch.Tensor) -> float:
    return float((prediction.double() - reference).norm() / reference.norm())


def ours(kind: str, problem, config: PINNConfig, width: int, depth: int, periodic: bool, reference) -> dict:
    x, t, u = reference
    network = (LPINN if kind == "lpinn" else PINN)(x_range=problem.x_range, t_range=(0.0, problem.t_max),
                                                     periodic=periodic, width=width, depth=depth)
    history = train_pinn(network, problem, config, progress=False)
    return {"error": relative_l2(predict(network, problem, x, t, config), u), "seconds": history.seconds,
            "adam_steps": len(history.adam_loss), "lbfgs": history.lbfgs}


def convection(args) -> list[dict]:
    rows = []
    shared = dict(points=args.points, initial_points=256, boundary_points=256, adam_steps=args.adam,
                  lbfgs_iterations=args.lbfgs, time_limit=args.time_limit, dtype="float64")
    variants = {"vanilla PINN": ("pinn", False, PINNConfig(hard_initial=False, **shared)),
                "PINN, embedding + hard IC": ("pinn", True, PINNConfig(**shared)),
                "LPINN": ("lpinn", True, PINNConfig(**shared))}
    for beta in args.betas:
        problem = make_problem("convection", beta=beta)
        reference = problem.reference(256, 101)
        for name, (kind, periodic, config) in variants.items():
            result = ours(kind, problem, config, 50, 4, periodic, reference)
            rows.append({"beta": beta, "model": name, **result})
            print(f"beta {beta:4.0f}  {name:26s} rel. L2 {result['error']:.3e}  {result['seconds']:6.1f} s  "
                  f"L-BFGS {result['lbfgs'].get('iterations', 0)} it ({result['lbfgs'].get('reason', '-')})",
                  flush=True)
    return rows


def deepxde_model(dtype: str):
    """DeepXDE 1.15's Burgers example, compiled for Adam at 1e-3."""
    os.environ.setdefault("DDE_BACKEND", "pytorch")
    import deepxde as dde

    dde.config.set_default_float(dtype)
    dde.config.set_random_seed(0)
    nu = 0.01 / math.pi

    def pde(z, u):
        u_x = dde.grad.jacobian(u, z, i=0, j=0)
        u_t = dde.grad.jacobian(u, z, i=0, j=1)
        u_xx = dde.grad.hessian(u, z, i=0, j=0)
        return u_t + u * u_x - nu * u_xx

    domain = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 0.99))
    boundary = dde.icbc.DirichletBC(domain, lambda z: 0, lambda _, on_boundary: on_boundary)
    initial = dde.icbc.IC(domain, lambda z: -np.sin(np.pi * z[:, 0:1]), lambda _, on_initial: on_initial)
    data = dde.data.TimePDE(domain, pde, [boundary, initial], num_domain=2540, num_boundary=80, num_initial=160)
    model = dde.Model(data, dde.nn.FNN([2] + [20] * 3 + [1], "tanh", "Glorot normal"))
    model.compile("adam", lr=1e-3)
    return dde, model


def deepxde_burgers(adam: int, lbfgs: int, reference, dtype: str) -> dict:
    start = time.perf_counter()
    dde, model = deepxde_model(dtype)
    model.train(iterations=adam, display_every=max(1, adam), verbose=0)
    dde.optimizers.config.set_LBFGS_options(maxiter=lbfgs)
    model.compile("L-BFGS")
    before = model.train_state.step
    model.train(display_every=1000, verbose=0)
    seconds = time.perf_counter() - start
    x, t, u = reference
    grid = np.stack(np.meshgrid(x.numpy(), t.numpy(), indexing="xy"), -1).reshape(-1, 2)
    prediction = torch.as_tensor(model.predict(grid)).reshape(len(t), len(x))
    return {"error": relative_l2(prediction, u), "seconds": seconds, "adam_steps": adam,
            "lbfgs": {"iterations": model.train_state.step - before, "reason": ""}}


def step_times(problem, dtype: str, rounds: int = 5, steps: int = 100) -> tuple[float, float]:
    """Milliseconds per Adam step, ours (conditions built in) and DeepXDE's, measured alternately in
    ``rounds`` of ``steps`` so that both see the same machine load."""
    _, model = deepxde_model(dtype)
    network = PINN(x_range=problem.x_range, t_range=(0.0, problem.t_max), periodic=False, width=20, depth=3)
    network.to(torch.float64 if dtype == "float64" else torch.float32)
    config = PINNConfig(points=2540, sampler="sobol", dtype=dtype)
    losses = PINNLoss(network, problem, config, next(network.parameters()).dtype)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)

    def ours() -> None:
        optimizer.zero_grad()
        losses().backward()
        optimizer.step()

    timings: dict[str, list[float]] = {"ours": [], "deepxde": []}
    for _ in range(rounds):
        for name, run in (("ours", lambda: [ours() for _ in range(steps)]),
                          ("deepxde", lambda: model.train(iterations=steps, display_every=10**9, verbose=0))):
            start = time.perf_counter()
            run()
            timings[name].append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(timings["ours"]), statistics.median(timings["deepxde"])


def burgers(args) -> list[dict]:
    problem = dataclasses.replace(make_problem("burgers"), t_max=0.99)
    reference = problem.reference(256, 100)
    shared = dict(points=2540, initial_points=160, boundary_points=40, sampler="sobol", adam_steps=args.burgers_adam,
                  lbfgs_iterations=args.burgers_lbfgs, time_limit=math.inf, dtype=args.dtype)
    rows = []
    for name, config in (("ours, conditions built in", PINNConfig(**shared)),
                         ("ours, soft conditions", PINNConfig(hard_initial=False, hard_boundary=False, **shared))):
        rows.append({"model": name, **ours("pinn", problem, config, 20, 3, False, reference)})
    try:
        rows.append({"model": "DeepXDE 1.15",
                     **deepxde_burgers(args.burgers_adam, args.burgers_lbfgs, reference, args.dtype)})
    except ImportError:
        print("DeepXDE is not installed (pip install deepxde==1.15.0): no side-by-side run")
    peer = rows[-1] if rows[-1]["model"].startswith("DeepXDE") else None
    if peer:
        ours_ms, peer_ms = step_times(problem, args.dtype)
        print(f"Burgers  Adam step, alternating rounds: ours {ours_ms:.1f} ms, DeepXDE {peer_ms:.1f} ms "
              f"(ours / DeepXDE {ours_ms / peer_ms:.2f})")
        peer["step ms"], rows[0]["step ms"] = peer_ms, ours_ms
    for row in rows:
        ratio = f"  time / DeepXDE's {row['seconds'] / peer['seconds']:.2f}" if peer else ""
        print(f"Burgers  {row['model']:28s} rel. L2 {row['error']:.3e}  {row['seconds']:6.1f} s  "
              f"L-BFGS {row['lbfgs'].get('iterations', 0)} it {row['lbfgs'].get('reason', '')}{ratio}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("convection", "burgers", "all"), default="all")
    parser.add_argument("--betas", type=float, nargs="+", default=[10, 20, 30, 40, 50])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--adam", type=int, default=1000)
    parser.add_argument("--lbfgs", type=int, default=5000)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per convection run")
    parser.add_argument("--burgers-adam", type=int, default=5000)
    parser.add_argument("--burgers-lbfgs", type=int, default=5000)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64", help="Burgers part, both")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="/tmp/pinns.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {}
    if args.part in ("convection", "all"):
        results["convection"] = convection(args)
    if args.part in ("burgers", "all"):
        results["burgers"] = burgers(args)
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
