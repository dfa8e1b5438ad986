"""Which Lorenz-63 parameters (and which standardisation) a standardised trajectory made elsewhere holds.

For ``u = (X - m) / s`` (per dimension) of a Lorenz-63 orbit ``X``, ``du/dt`` is a quadratic polynomial of
``u`` whose coefficients give the parameters and ``m``, ``s`` back: in ``du_x/dt`` the ``u_x`` term is
``-sigma`` and the ``u_y`` term ``sigma s_y / s_x``; in ``du_y/dt`` the ``u_y`` term is ``-1`` (a check),
``u_x u_z`` is ``-s_x s_z / s_y`` and ``u_x`` is ``s_x (rho - m_z) / s_y``; in ``du_z/dt`` ``u_z`` is ``-beta``,
``u_x u_y`` is ``s_x s_y / s_z``, ``u_x`` is ``s_x m_y / s_z``, ``u_y`` is ``m_x s_y / s_z`` and the constant
``(m_x m_y - beta m_z) / s_z``. The derivatives are fourth-order central differences of the (clean)
trajectory, the coefficients a least-squares fit on the ten quadratic monomials. The largest Lyapunov
exponent is invariant under the affine change of coordinates, so the solver's exponent at the fitted
parameters is the one a reconstruction of ``u`` should have (per unit time, for the given step).

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/lorenz_parameters.py lorenz63_test.npy [--dt 0.01]``
(for example ``alrnn_python/lorenz63_test.npy`` of github.com/DurstewitzLab/ALRNN-DSR). Written 2026-12-03.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from sciml.data.user_trajectory import read_trajectory
from sciml.evaluate.dsr import max_lyapunov_flow
from solvers.systems import Lorenz63


def fitted_lorenz(u: torch.Tensor, dt: float) -> tuple[dict[str, float], float]:
    """``u (T, 3)`` float64 -> ``{sigma, rho, beta, mean_*, std_*, damping_y}`` and the relative rms residual."""
    derivative = (u[:-4] - 8 * u[1:-3] + 8 * u[3:-1] - u[4:]) / (12 * dt)
    x, y, z = u[2:-2].unbind(1)
    names = ["1", "x", "y", "z", "xx", "xy", "xz", "yy", "yz", "zz"]
    library = torch.stack([torch.ones_like(x), x, y, z, x * x, x * y, x * z, y * y, y * z, z * z], 1)
    solution = torch.linalg.lstsq(library, derivative).solution  # (10, 3)
    residual = float((library @ solution - derivative).norm() / derivative.norm())
    cx, cy, cz = ({name: float(solution[k, dim]) for k, name in enumerate(names)} for dim in range(3))
    sigma, beta = -cx["x"], -cz["z"]
    s_x = (-cy["xz"] * cz["xy"]) ** 0.5
    s_y = cx["y"] / sigma * s_x
    s_z = s_x * s_y / cz["xy"]
    m_x, m_y = cz["y"] * s_z / s_y, cz["x"] * s_z / s_x
    m_z = (m_x * m_y - cz["1"] * s_z) / beta
    rho = cy["x"] * s_y / s_x + m_z
    return {"sigma": sigma, "rho": rho, "beta": beta, "damping_y": -cy["y"], "mean_x": m_x, "mean_y": m_y,
            "mean_z": m_z, "std_x": s_x, "std_y": s_y, "std_z": s_z}, residual


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trajectory", type=Path, help="a clean standardised Lorenz-63 trajectory (T, 3)")
    parser.add_argument("--dt", type=float, default=0.01)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    u = torch.as_tensor(read_trajectory(args.trajectory))
    parameters, residual = fitted_lorenz(u, args.dt)
    print(f"{args.trajectory}: " + ", ".join(f"{name} {value:.4g}" for name, value in parameters.items())
          + f" (y damping 1 for Lorenz-63); relative residual of the quadratic fit {residual:.2e}")
    start = torch.tensor([1.0, 1.0, 1.0])
    standard = max_lyapunov_flow(Lorenz63(), start, dt=args.dt, steps=200_000)
    fitted = max_lyapunov_flow(Lorenz63(parameters["sigma"], parameters["rho"], parameters["beta"]), start,
                               dt=args.dt, steps=200_000)
    print(f"solver lambda_max: {standard:.3f} at (10, 28, 8/3), {fitted:.3f} at the fitted parameters")


if __name__ == "__main__":
    main()
