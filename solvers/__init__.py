"""The numerical layer: spectral kernels, time integrators, the NLSE and other equations,
diagnostics. Never imports :mod:`sciml`."""

__version__ = "0.1.0"
