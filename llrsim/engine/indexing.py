"""Array indices in the policy kernel are never negative: compile them without wraparound.

numba gives an array index of a signed integer type Python's meaning: a negative index counts
from the end of the axis. Every such access therefore carries ``if i < 0: i += n`` (a shift,
an ``and`` with the axis length loaded from the stack, an add), which LLVM can drop only when
it can prove ``i >= 0`` — never for a row offset read from a plan array or summed from
several. The policy kernel indexes with row offsets, loop counters and codes only, never a
negative number, at ~360 index sites in the chunk loop; the wraparound code is ~15 % of its
run time (``benchmarks/PROFILE.md``: 33.5 → 28.7 ns per person-scenario-year, tallies
bit-identical).

numba has no per-function option for it, so :func:`install` wraps numba's
``numba.np.arrayobj.fix_integer_index`` (the one place where an integer index is fixed
up before use): for a function defined in :mod:`llrsim.engine.kernel` — matched by the
mangled LLVM name numba gives it — and an index that is not a compile-time constant, the
index is used as it is. Every other function of every other module, and a constant index
such as ``a[-1]`` anywhere, keeps numba's semantics.

What this rests on, and how it is checked:

- the kernel module never indexes with a negative value (it would read out of bounds, as a
  too-large index already does: numba checks no bounds by default). Running the kernel with
  ``NUMBA_BOUNDSCHECK=1`` turns any such index into an ``IndexError``;
  ``tests/test_kernel_indexing.py`` does that on a small population in a fresh process and
  compares the tallies with a normal run.
- numba's internals: if a numba version no longer has ``fix_integer_index`` with these
  parameters, :func:`install` leaves numba alone and warns once (the kernels are then
  correct and ~15 % slower), rather than fail.
- compiled code is cached: the cache directory is keyed by llrsim's sources
  (:mod:`llrsim._jit_cache`), and code compiled with or without this wrapper gives the
  same results.
"""

from __future__ import annotations

import inspect
import warnings

#: prefix of the mangled LLVM name of every function defined in llrsim/engine/kernel.py
KERNEL_PREFIX = "_ZN6llrsim6engine6kernel"

_EXPECTED_PARAMETERS = ["context", "builder", "idxty", "idx", "size"]
_installed = False

__all__ = ["KERNEL_PREFIX", "applies_to", "install", "installed"]


def applies_to(llvm_function_name: str) -> bool:
    """Whether indices of the function with this LLVM name are compiled without wraparound."""
    return llvm_function_name.startswith(KERNEL_PREFIX)


def installed() -> bool:
    """Whether :func:`install` has wrapped numba's index fix-up in this process."""
    return _installed


def install() -> bool:
    """Wrap ``numba.np.arrayobj.fix_integer_index`` once (idempotent); see the module text.

    Returns whether the wrapper is in place. Must run before the kernel module's functions
    are compiled (``llrsim.engine.kernel`` calls it on import).
    """
    global _installed
    if _installed:
        return True
    try:
        from llvmlite import ir
        from numba.core import types
        from numba.np import arrayobj
    except ImportError as exc:  # numba moved the module: kernels keep wraparound
        _warn(f"cannot import numba's array lowering ({exc})")
        return False
    original = getattr(arrayobj, "fix_integer_index", None)
    if original is None or list(inspect.signature(original).parameters) != _EXPECTED_PARAMETERS:
        _warn("numba.np.arrayobj.fix_integer_index is missing or has changed")
        return False

    def fix_integer_index(context, builder, idxty, idx, size):
        if idxty.signed and not isinstance(idx, ir.Constant) and applies_to(builder.function.name):
            return context.cast(builder, idx, idxty, types.intp)
        return original(context, builder, idxty, idx, size)

    fix_integer_index.__wrapped__ = original
    arrayobj.fix_integer_index = fix_integer_index
    _installed = True
    return True


def _warn(why: str) -> None:
    warnings.warn(
        f"llrsim: {why}; the policy kernel is compiled with numba's negative-index checks "
        "(results are the same, the kernel is ~15 % slower)",
        RuntimeWarning,
        stacklevel=3,
    )
