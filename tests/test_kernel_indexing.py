"""The policy kernel is compiled without negative-index wraparound (llrsim/engine/indexing.py).

That is only sound if the kernel module never indexes with a negative value. Run with
``NUMBA_BOUNDSCHECK=1`` (numba then checks every index against its axis after the fix-up,
so a negative index raises ``IndexError``), in a fresh process with an empty cache, the
kernel must run through S0-S6 on a small population and give the same tallies as the normal
build in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

import llrsim
from llrsim.engine import indexing

ALL7 = ["S0", "S1", "S2", "S3", "S4", "S5", "S6"]
YEARS = range(2025, 2035)

_CHILD = textwrap.dedent(
    """
    import json, sys
    import numba
    import llrsim
    from llrsim.engine import indexing
    assert numba.config.BOUNDSCHECK == 1, numba.config.BOUNDSCHECK
    pop = llrsim.synthesize(n=2500, seed=11)
    res = llrsim.simulate(pop, {scenarios}, years=range(2025, 2035), seed=5)
    t = res.tallies
    json.dump({{"installed": indexing.installed(),
               "sums": {{v: int(t[v].values.sum()) for v in t.data_vars}},
               "public": t["public_cents"].values.ravel().tolist()}}, sys.stdout)
    """
)


def test_the_wrapper_is_installed_and_scoped_to_the_kernel_module():
    import llrsim.engine.kernel  # noqa: F401  (installs the wrapper on import)

    assert indexing.installed()
    assert indexing.applies_to("_ZN6llrsim6engine6kernel10_run_chunkB3v89")
    assert not indexing.applies_to("_ZN6llrsim10population8dynamics15demography_step")
    assert not indexing.applies_to("_ZN5numba2np8arraymath")


def test_bounds_checked_kernel_gives_the_same_tallies(tmp_path):
    """Every index of the kernel module is in bounds (no negative one), S0-S6, ten years."""
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", LLRSIM_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(scenarios=ALL7)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    child = json.loads(out.stdout)
    assert child["installed"]
    pop = llrsim.synthesize(n=2500, seed=11)
    t = llrsim.simulate(pop, ALL7, years=YEARS, seed=5).tallies
    assert child["sums"] == {v: int(t[v].values.sum()) for v in t.data_vars}
    np.testing.assert_array_equal(np.array(child["public"]), t["public_cents"].values.ravel())
    assert child["sums"]["users"] > 0


def test_install_warns_and_leaves_numba_alone_when_its_internals_change(monkeypatch):
    """A numba without the expected fix-up function: no wrapper, a warning, same results."""
    import pytest
    from numba.np import arrayobj

    def changed(context, builder, idxty, idx):  # one parameter fewer
        raise AssertionError("must not be called")

    monkeypatch.setattr(indexing, "_installed", False)
    monkeypatch.setattr(arrayobj, "fix_integer_index", changed)
    with pytest.warns(RuntimeWarning, match="negative-index checks"):
        assert indexing.install() is False
    assert arrayobj.fix_integer_index is changed
    assert not indexing.installed()
