"""Triton kernels of the spectral building blocks; import only where :mod:`solvers.spectral.backend`
chose Triton (they need the triton package). Each has its torch reference beside the code that uses it."""
