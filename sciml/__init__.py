"""The learning layer: models, training, data I/O, evaluation and the ``sciml`` command line.
Imports :mod:`solvers`, never the other way round."""

__version__ = "0.1.0"
