"""The numerical layer: spectral kernels, time integrators, the NLSE and other equations (the 2D
Navier-Stokes vorticity equation and the 2D NLSE among them), diagnostics. Never imports :mod:`sciml`."""

__version__ = "0.1.0"
