"""Where numba keeps llrsim's compiled machine code, keyed by the source it came from.

numba's own cache (``cache=True``) checks only the modification time of the file that holds
the cached function. Kernels here inline constants and functions from other modules (the
parameter layout of :mod:`llrsim.engine.mechanisms`, the behaviour functions, the
demography step): after an upgrade or an edit of one of those modules, a cache next to an
unchanged file would run stale code — silently wrong numbers, not an error. So before any
kernel is compiled, :func:`configure` points numba's cache at a directory named after a
hash of every Python source file of the package: any change anywhere gives a fresh cache.

The base directory is ``$LLRSIM_CACHE_DIR``, else ``$NUMBA_CACHE_DIR`` (e.g. a fresh temporary
directory to measure cold compilation), else ``$XDG_CACHE_HOME/llrsim`` (``~/.cache/llrsim``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def source_fingerprint() -> str:
    """SHA-256 (first 16 hex digits) of the paths and contents of llrsim's ``.py`` files."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    """The numba cache directory for this exact source tree."""
    leaf = f"numba-{source_fingerprint()}"
    inherited = os.environ.get("NUMBA_CACHE_DIR", "")
    if Path(inherited).name == leaf:  # set by configure() in a parent process
        return Path(inherited)
    base = os.environ.get("LLRSIM_CACHE_DIR") or inherited
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = str(Path(xdg) / "llrsim")
    return Path(base) / leaf


def configure() -> Path:
    """Point numba's cache at :func:`cache_dir` (call before any kernel module is imported).

    Sets ``NUMBA_CACHE_DIR`` when numba is not imported yet (numba reads it on import, and
    worker processes inherit it); otherwise sets numba's configuration directly.
    """
    import sys

    path = cache_dir()
    if "numba" in sys.modules:
        sys.modules["numba"].config.CACHE_DIR = str(path)
    else:
        os.environ["NUMBA_CACHE_DIR"] = str(path)
    return path
