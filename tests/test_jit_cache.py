"""Compiled kernels are cached per exact source tree, so an edit or upgrade never runs stale
machine code (numba's own check looks only at the cached function's file)."""

import shutil
from pathlib import Path

import llrsim
from llrsim import _jit_cache


def test_kernels_cache_under_the_source_fingerprint_directory():
    from llrsim.engine import kernel

    leaf = f"numba-{_jit_cache.source_fingerprint()}"
    assert Path(llrsim.JIT_CACHE_DIR).name == leaf
    assert str(kernel.policy_kernel._cache._cache_path).startswith(str(llrsim.JIT_CACHE_DIR))


def test_fingerprint_changes_with_any_source_file(tmp_path, monkeypatch):
    copy = tmp_path / "llrsim"
    shutil.copytree(
        Path(_jit_cache.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__", "data")
    )
    monkeypatch.setattr(_jit_cache, "_PACKAGE", copy)
    before = _jit_cache.source_fingerprint()
    coef = copy / "behaviour" / "coefficients.py"
    coef.write_text(coef.read_text() + "\n# a layout change elsewhere\n")
    assert _jit_cache.source_fingerprint() != before


def test_a_parent_processes_directory_is_inherited(monkeypatch):
    leaf = f"numba-{_jit_cache.source_fingerprint()}"
    monkeypatch.setenv("NUMBA_CACHE_DIR", f"/somewhere/{leaf}")
    assert _jit_cache.cache_dir() == Path(f"/somewhere/{leaf}")
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/fresh")
    monkeypatch.delenv("LLRSIM_CACHE_DIR", raising=False)
    assert _jit_cache.cache_dir() == Path("/fresh") / leaf
