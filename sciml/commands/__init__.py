"""The command line's parts: user errors and settings, one module per ``sciml train`` family, ``sciml evaluate``."""
