"""The Numba simulation kernel and its keyed random numbers."""
