"""Keyed (counter-based) random numbers: every draw is a pure function of its key.

A draw is ``uniform(seed, stream, person_id, year, index)``: a float64 in ``[0, 1)`` that
depends on nothing else, so a person lives the same life whatever the number of threads,
the chunking of the population, the order of the records or the scenario being simulated
(common random numbers). There is no generator state to carry or split.

Construction (a chain of splitmix64 steps, one per key component)::

    h0 = fmix64(seed * GAMMA + C_SEED)
    h1 = fmix64(h0 + (person_id + 1) * GAMMA)          # per person
    h2 = fmix64(h1 + (year + 1) * GAMMA)               # per person-year
    h3 = fmix64(h2 + (((stream << 32) | index) + 1) * GAMMA)
    u  = (h3 >> 11) * 2**-53                           # top 53 bits -> [0, 1)

``fmix64`` is the splitmix64 output finaliser (Stafford's "mix13", a bijection of 64-bit
words with full avalanche). Each step is a bijection of the component for a fixed prefix,
so two keys that differ in exactly one component never collide, and the stream and draw
index are packed injectively into one word (``stream`` and ``index`` must be in
``[0, 2**32)``). Within a person-year, consecutive indices walk the splitmix64 sequence
``h2 + k * GAMMA``, which passes BigCrush. Collisions between keys differing in several
components happen with probability ~2**-64.

The per-person and per-person-year prefixes (:func:`person_key`, :func:`person_year_key`)
let a kernel hash the person once and the year once and pay one ``fmix64`` per draw
(:func:`uniform_from_key`); ``uniform`` is exactly the composition of the three, so both
routes give identical numbers.

Measured cost in a numba loop on the project machine: see ``benchmarks/bench_project.py``
and ``../shared/PERFORMANCE.md`` (~0.7 ns for one inline splitmix64-style hash).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd (splitmix64 increment)
_C_SEED = np.uint64(0x243F6A8885A308D3)  # pi fraction bits: separates seed 0 from zero state
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_MASK32 = np.uint64(0xFFFFFFFF)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True)
def fmix64(z: np.uint64) -> np.uint64:
    """splitmix64 output finaliser: a bijective 64-bit mixer (Stafford mix13)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def person_key(seed: int, person_id: int) -> np.uint64:
    """Hash prefix of (seed, person id); constant over a person's whole simulated life."""
    h0 = fmix64(np.uint64(seed) * _GAMMA + _C_SEED)
    return fmix64(h0 + (np.uint64(person_id) + _ONE) * _GAMMA)


@njit(cache=True)
def person_year_key(pkey: np.uint64, year: int) -> np.uint64:
    """Hash prefix of (seed, person id, year) from the person prefix."""
    return fmix64(pkey + (np.uint64(year) + _ONE) * _GAMMA)


@njit(cache=True)
def uniform_from_key(pykey: np.uint64, stream: int, index: int) -> float:
    """Uniform in [0, 1) for draw ``index`` of ``stream`` under a person-year prefix."""
    packed = (np.uint64(stream) << _S32) | (np.uint64(index) & _MASK32)
    h = fmix64(pykey + (packed + _ONE) * _GAMMA)
    return float(h >> _S11) * _TO_UNIT


@njit(cache=True)
def uniform(seed: int, stream: int, person_id: int, year: int, index: int) -> float:
    """The keyed uniform in [0, 1): a pure function of (seed, stream, person_id, year, index).

    ``seed``, ``person_id`` and ``year`` are taken modulo 2**64; ``stream`` and ``index``
    must lie in ``[0, 2**32)``. Callable from ``@njit`` code.
    """
    return uniform_from_key(person_year_key(person_key(seed, person_id), year), stream, index)


@njit(cache=True, parallel=True)
def _uniform_array(
    seed: int, stream: int, person_id: np.ndarray, year: np.ndarray, index: np.ndarray
) -> np.ndarray:
    n = person_id.shape[0]
    out = np.empty(n, dtype=np.float64)
    for i in prange(n):
        out[i] = uniform(seed, stream, person_id[i], year[i], index[i])
    return out


def uniform_array(
    seed: int,
    stream: int,
    person_id: np.ndarray | int,
    year: np.ndarray | int,
    index: np.ndarray | int = 0,
) -> np.ndarray:
    """Vectorised :func:`uniform` over broadcast arrays of person ids, years and indices.

    The same njit scalar function computes every element, so the numbers equal those drawn
    inside kernels. Returns float64 of the broadcast shape (flattened to 1-d if needed).
    """
    pid, yr, idx = np.broadcast_arrays(
        np.asarray(person_id, dtype=np.int64),
        np.asarray(year, dtype=np.int64),
        np.asarray(index, dtype=np.int64),
    )
    shape = pid.shape
    if np.any(idx < 0) or np.any(idx >= 2**32) or not 0 <= stream < 2**32:
        raise ValueError("stream and index must lie in [0, 2**32)")
    out = _uniform_array(
        int(seed),
        int(stream),
        np.ascontiguousarray(pid).ravel(),
        np.ascontiguousarray(yr).ravel(),
        np.ascontiguousarray(idx).ravel(),
    )
    return out.reshape(shape)
