"""TFNO learning speed against the initial scale of its factorized Fourier weights, on ``ns2d`` (issue 16).

Three models race as in ``ns2d_operators.py --part budget`` (1000 training trajectories of the file, 100
held out, ``BUDGET`` seconds of each model's own steps, test error at each third): our TFNO (Tucker, 10.7x
fewer parameters than the FNO) as initialised (the reconstructed weight at the Glorot-like rms
``sqrt(2 / (C_in + C_out))``, neuraloperator's scale), the same initialised at the
dense FNO reference scale ``1 / (C_in C_out)`` (``init_scale``) (our factorized default before 2026-12-03), and
neuraloperator's TFNO (Tucker 0.1).
Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/tfno_init.py 600 [MODEL ...]`` (default the three
TFNOs; ``FNO-ours`` is the dense reference; the ``ns2d`` file of
``ns2d_operators.py``'s RESULTS entry at /tmp/ns16/ns2d.h5). Written 2026-12-03.
"""

import os
import sys
from pathlib import Path

import torch
from ns2d_operators import WIDTH, Windows, load_data, ours, race, rank_for, step_closure, theirs
from operators_vs_neuralop import parameter_count, step_times

torch.set_num_threads(1)
budget = float(sys.argv[1])


small = rank_for(parameter_count(ours("FNO")) // 11)
dense_scale = 1 / (WIDTH * WIDTH)  # the FNO reference initialisation for C_in = C_out = WIDTH
builders = {"FNO-ours": lambda: ours("FNO"), "TFNO-ours": lambda: ours("TFNO", small),
            "TFNO-ours-dense-scale": lambda: ours("TFNO", small, init_scale=dense_scale),
            "TFNO-theirs": lambda: theirs("TFNO")}
builders = {name: builders[name] for name in (sys.argv[2:] or list(builders)[1:])}
u = load_data(Path("/tmp/ns16/ns2d.h5"), 1100, [])
windows, u_test = Windows(u[:1000]), u[1000:]
x, y = windows[torch.arange(20)]
timing = step_times({n: step_closure(b()) for n, b in builders.items()}, x, y, 2, 3)
print(f"budget {budget} s, load {os.getloadavg()[0]:.2f}", flush=True)
curves, _ = race(builders, windows, u_test, budget, timing, checks=3 if len(builders) > 2 else 1)
for name, curve in curves.items():
    print(name, parameter_count(builders[name]()), [(round(s), n, round(e, 4)) for s, n, e in curve], flush=True)
print(f"load {os.getloadavg()[0]:.2f}")
