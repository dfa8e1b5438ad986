"""Our ETDRK4 against exponax's (JAX) on the same problems, grids, steps and batches, in one process.

Problems (float64 on both sides, batch ``--batch`` of random initial fields drawn by our generators):

- ``burgers``: 1D viscous Burgers ``u_t + (u^2/2)_x = nu u_xx``, nu = 0.1, 1024 points on ``[0, 1)``,
  the FNO Burgers initial fields (``N(0, 625 (-lap + 25)^-2)``), dt 1e-3, to t = 1, ``u^2`` dealiased by
  the 2/3 rule on both sides (ours ``pdes.burgers(dealiasing="truncate")``, exponax's fraction set to keep
  the modes ours keeps, ``m <= n // 3``): the same ODE system. ``burgers-padded``: ours with its default
  3/2 zero padding (every mode kept, transforms of 1536 points), exponax as before; the semi-discrete
  systems then differ by the modes near the cut, which this resolved problem leaves far below the
  step's error.
- ``kolmogorov``: 2D Navier-Stokes vorticity with exponax's Kolmogorov forcing (``KolmogorovFlowVorticity``:
  mode 4, scale 1, drag 0.1, nu 1e-2) on ``[0, 2 pi)^2`` at 128 x 128, dt 5e-3, to t = 0.5, from
  ``N(0, 343 (-lap + 49)^-2.5)`` vorticity scaled to an rms of 2. Our ``solvers.navier_stokes`` gets
  exponax's forcing array as its ``forcing``; exponax's dealiasing fraction is set to keep the modes
  ours keeps (``|m| < n/3`` on each axis), so both discretise the same ODE system. The conventions
  agree: exponax's ``u = (d_1 Lap^-1 w, -d_0 Lap^-1 w)`` is ours ``(psi_y, -psi_x)`` with ``lap psi = -w``
  on axes ``(y, x)``; its ``drag`` is ``-alpha``; its diffusivity is ``nu``.

Both take fixed ETDRK4 steps (Cox & Matthews; phi functions by contour integrals: ours 64 points,
exponax 16, radius 1). Exponax runs ``jax.jit(jax.vmap(exponax.repeat(stepper.step_fourier, K)))`` on
the spectra (its fastest path: no transforms between steps); ours ``solvers.integrators.solve`` (through
``pdes.solve`` / ``navier_stokes.solve``). Reported: time per step after compilation (the fastest of
``--repeats`` runs of each, alternating), and exponax's first call (compilation included) spread over
the run; error (relative L2 at the final time, worst sample) of each against our solve with a quarter
of the step, and the two references' difference. One thread each (``torch.set_num_threads``; XLA's
CPU client with ``intra_op_parallelism_threads=1``).

Run: ``pip install -e .[exponax]`` then ``PYTHONPATH=. python benchmarks/solvers_vs_exponax.py``
(about 10 minutes on one loaded core); ``--problems burgers`` for one problem, ``--profile`` for a
torch.profiler table of our step.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import torch  # noqa: E402

from solvers import navier_stokes, pdes  # noqa: E402
from solvers.random_fields import gaussian_random_field  # noqa: E402
from solvers.spectral import PeriodicGrid  # noqa: E402


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    dims = tuple(range(1, a.ndim))
    return float((torch.linalg.vector_norm(a - b, dim=dims) / torch.linalg.vector_norm(b, dim=dims)).max())


def _timed(function, repeats: int = 1):
    start = time.perf_counter()
    for _ in range(repeats):
        result = function()
    return result, (time.perf_counter() - start) / repeats


def _exponax_run(stepper, u0: torch.Tensor, steps: int, spatial_dims: int):
    """``(final values (batch, *space), seconds of the first call, a function timing one later call)``."""
    import exponax
    import jax
    import jax.numpy as jnp

    axes = tuple(range(-spatial_dims, 0))
    repeated = exponax.repeat(stepper.step_fourier, steps)
    run = jax.jit(jax.vmap(lambda u: jnp.fft.irfftn(repeated(jnp.fft.rfftn(u, axes=axes)), s=u.shape[-spatial_dims:],
                                                    axes=axes)))
    u = jnp.asarray(u0.unsqueeze(1).numpy())  # (batch, channel 1, *space)
    result, first = _timed(lambda: run(u).block_until_ready())
    again = lambda: _timed(lambda: run(u).block_until_ready())[1]  # noqa: E731
    return torch.from_numpy(jax.device_get(result)[:, 0].copy()), first, again


def _problem(name: str, batch: int):
    """``(description, u0 values, ours(u0, dt, steps), exponax stepper factory(dt), dt, steps, spatial dims)``."""
    import exponax

    if name.startswith("burgers"):
        n, length, nu, dt, steps = 1024, 1.0, 0.1, 1e-3, 1000
        grid = PeriodicGrid(length, n)
        u0 = torch.stack([gaussian_random_field(grid, torch.Generator().manual_seed(i)) for i in range(batch)])
        rule = "pad" if name == "burgers-padded" else "truncate"
        term = pdes.burgers(grid, nu, rule)

        def ours(u, h, count):
            return pdes.solve(term, u, grid, [0.0, h * count], method="etdrk4", dt=h).u[:, -1]

        def theirs(h):
            return exponax.stepper.Burgers(1, length, n, h, diffusivity=nu, order=4,
                                           dealiasing_fraction=(n // 3 + 1) / (n // 2))

        return f"1D Burgers nu {nu}, {n} points, ours {rule}", u0, ours, theirs, dt, steps, 1
    n, length, nu, drag, dt, steps = 128, 2 * torch.pi, 1e-2, 0.1, 5e-3, 100
    fraction = (n // 3 + 1) / (n // 2)  # exponax keeps |m| <= fraction * n/2 - 1 = n // 3, as ours
    grid = navier_stokes.box(n, length)

    def theirs(h):
        return exponax.stepper.KolmogorovFlowVorticity(2, length, n, h, diffusivity=nu, drag=-drag, injection_mode=4,
                                                       injection_scale=1.0, order=4, dealiasing_fraction=fraction)

    import jax.numpy as jnp

    injection = theirs(dt)._integrator._nonlinear_fun.injection[0]  # exponax's forcing spectrum (unnormalised)
    forcing = torch.from_numpy(jnp.fft.irfftn(injection, s=(n, n)).__array__().copy())
    w0 = torch.stack([gaussian_random_field(grid, torch.Generator().manual_seed(i), 343.0, 49.0, 2.5)
                      for i in range(batch)])
    w0 = 2.0 * w0 / w0.std(dim=(-2, -1), keepdim=True)

    def ours(w, h, count):
        return navier_stokes.solve(w, grid, [0.0, h * count], nu, forcing, drag, method="etdrk4", dt=h).w[:, -1]

    return f"2D Kolmogorov vorticity nu {nu}, drag {drag}, {n} x {n}", w0, ours, theirs, dt, steps, 2


def _profile(ours, u0, dt: float) -> None:
    from torch.profiler import ProfilerActivity, profile

    ours(u0, dt, 5)
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        ours(u0, dt, 20)
    print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", nargs="+", default=["burgers", "kolmogorov"],
                        choices=["burgers", "burgers-padded", "kolmogorov"])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each, alternating; the fastest counts")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import exponax
    import jax

    jax.config.update("jax_enable_x64", True)
    print(f"torch {torch.__version__}, jax {jax.__version__}, exponax {exponax.__version__}, threads {args.threads}, "
          f"batch {args.batch}, float64")
    rows = []
    for name in args.problems:
        title, u0, ours, theirs, dt, steps, dims = _problem(name, args.batch)
        reference = ours(u0, dt / 4, 4 * steps)
        their_reference = _exponax_run(theirs(dt / 4), u0, 4 * steps, dims)[0]
        ours(u0, dt, 2)  # warm-up: coefficients, buffers
        other, first, again = _exponax_run(theirs(dt), u0, steps, dims)
        seconds, later = [], []
        for _ in range(args.repeats):  # alternating, the fastest of each: the machine's load varies
            mine, elapsed = _timed(lambda: ours(u0, dt, steps))
            seconds.append(elapsed)
            later.append(again())
        seconds, later = min(seconds), min(later)
        rows.append((title, dt, steps, seconds / steps, later / steps, first / steps, _relative(mine, reference),
                     _relative(other, reference), _relative(their_reference, reference)))
        print(f"{title}: done", flush=True)
        if args.profile:
            _profile(ours, u0, dt)
    print("\n| problem | dt, steps | ours ms/step | exponax ms/step | ratio | exponax incl. compile | ratio | "
          "error ours | error exponax | references differ |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for title, dt, steps, mine, other, first, error, their_error, gap in rows:
        print(f"| {title} | {dt:g}, {steps} | {1e3 * mine:.2f} | {1e3 * other:.2f} | {other / mine:.2f}x | "
              f"{1e3 * first:.2f} | {first / mine:.2f}x | {error:.1e} | {their_error:.1e} | {gap:.1e} |")
    print("ratio: exponax time / ours (above 1: ours faster); errors: relative L2 at the end against ours at dt/4")


if __name__ == "__main__":
    main()
