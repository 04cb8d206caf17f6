"""Running the policy kernel on a population and a plan: arrays in, labelled tallies out.

This is the thin layer between readable Python and the Numba kernel: it lays the person
attributes out as the kernel expects them (one compact ``int8`` block plus wage, fte and
unemployment duration), checks shapes, and labels the integer tallies it gets back.
"""

from __future__ import annotations

import numba
import numpy as np
import xarray as xr

from llrsim.behaviour.response import odds_growth_max
from llrsim.engine.kernel import (
    N_PTAB,
    N_QH,
    N_QI_ROW,
    QI_YEARLY,
    expand_tallies,
    guidance_gate,
    hot_fields,
    integer_fields,
    mask_order,
    new_right_awareness_max,
    policy_kernel,
    predicate_classes,
    takeup_table,
)
from llrsim.engine.mechanisms import I_VARS, KIND_GUIDANCE, KIND_LEAVE, P_VARS
from llrsim.engine.plan import KernelPlan
from llrsim.engine.tallies import tallies_dataset
from llrsim.population.dynamics import DemographyTables
from llrsim.population.population import Population
from llrsim.population.project import check_codes

#: Number of person chunks the kernel splits the population into: ``None`` means one per
#: numba thread. Chunks are the unit of parallel work (records are interleaved over them, so
#: each gets its share of entrants); results do not depend on it (integer sums).
DEFAULT_CHUNKS: int | None = None

#: First capacity of a chunk's table of distinct target-group masks. A run that meets more
#: masks in one chunk is repeated with a four times larger table (same results, it only
#: costs time); 13 groups make about 200 distinct masks on the default population.
MASK_SLOTS = 512


def cache_line_rows(table: np.ndarray, width: int) -> np.ndarray:
    """``table`` (rows × at most ``width`` 8-byte fields) copied so that every row starts on
    a 64-byte cache line: rows of 8 or 16 fields then span exactly one or two lines.
    Columns beyond the table's are zero and never read."""
    rows, cols = table.shape
    if cols > width or table.itemsize != 8:
        raise ValueError(f"cache_line_rows: {cols} fields of {table.itemsize} bytes > {width}")
    buf = np.zeros(rows * width + 8, dtype=table.dtype)
    start = (-buf.ctypes.data % 64) // 8
    out = buf[start : start + rows * width].reshape(rows, width)
    out[:, :cols] = table
    return out


def state_block(pop: Population) -> np.ndarray:
    """The person's small integer attributes as one ``int8`` array of shape (n, 8).

    Columns: age, sex, education, status, sector, employer_size, experience, flags. Keeping
    them together lets the kernel read one cache line per person.
    """
    return np.stack(
        [
            pop.age,
            pop.sex,
            pop.education,
            pop.status,
            pop.sector,
            pop.employer_size,
            pop.experience,
            pop.flags.view(np.int8),
        ],
        axis=1,
    ).astype(np.int8, copy=False)


def counted_rows(kind: np.ndarray, n_scenarios: int) -> np.ndarray:
    """The flat ``(scenario, instrument)`` rows ``s * I + i`` of the kernel's per-person
    use counts: guidance vouchers (uses in the current period) and leave (months taken).
    The kernel sets them to zero at the start of every record."""
    uses = np.flatnonzero((kind == KIND_GUIDANCE) | (kind == KIND_LEAVE))
    return (np.arange(n_scenarios)[:, None] * kind.shape[0] + uses[None, :]).reshape(-1)


def run_plan(
    pop: Population,
    entry_year: np.ndarray,
    plan: KernelPlan,
    tables: DemographyTables,
    group_predicates: np.ndarray,
    group_names: list[str],
    coef: np.ndarray,
    seed: int,
    n_chunks: int | None = DEFAULT_CHUNKS,
) -> xr.Dataset:
    """Simulate ``plan`` on ``pop`` and return the tally Dataset of the contract.

    ``entry_year[i]`` is the first year record ``i`` is in the model (``pop.year`` for the
    base population, later years for entrants). The first simulated year must be
    ``pop.year + 1`` (the kernel's first demography step moves from ``pop.year``).
    """
    if plan.years[0] != pop.year + 1:
        raise ValueError(
            f"years start in {plan.years[0]}, but the population is for {pop.year}: the first "
            f"simulated year must be {pop.year + 1}"
        )
    if entry_year.shape != (pop.n,):
        raise ValueError(f"entry_year has shape {entry_year.shape}, expected ({pop.n},)")
    if group_predicates.shape[0] > 63 or group_predicates.shape[0] != len(group_names):
        raise ValueError("one compiled predicate per group name, at most 63 groups")
    if n_chunks is not None and n_chunks < 1:
        raise ValueError(f"n_chunks must be >= 1, got {n_chunks}")
    n_c = numba.get_num_threads() if n_chunks is None else n_chunks
    n_c = int(min(n_c, max(pop.n, 1)))
    check_codes(pop)  # the kernel indexes tables by these codes and does no bounds checks
    if not np.all(np.isfinite(coef)):
        raise ValueError("behaviour coefficients: NaN or infinite values")
    preds = np.ascontiguousarray(group_predicates, dtype=np.int64)
    block = state_block(pop)
    n_s, n_y, n_i = plan.active.shape
    n_syi = n_s * n_y * n_i
    order, init_mask = mask_order(preds, block, pop.unemployment_months)
    ptab = takeup_table(plan.q)
    qi = integer_fields(plan.q, plan.yearly)
    gate_idx, gate_key, gate_p = guidance_gate(plan.step_idx, plan.step_n, qi, ptab)
    args = (
        order,
        init_mask,
        np.int64(seed),
        np.int64(plan.years[0]),
        np.int64(len(plan.years)),
        pop.person_id,
        pop.weight,
        entry_year.astype(np.int64, copy=False),
        block,
        pop.wage,
        pop.fte,
        pop.unemployment_months,
        tables,
        preds,
        plan.kind,
        plan.active.reshape(-1),
        plan.elig_id.reshape(-1),
        plan.unique_elig,
        plan.step_idx.reshape(-1),
        plan.step_n.reshape(-1),
        plan.spend_idx.reshape(-1),
        plan.spend_n.reshape(-1),
        # the accounts with a ledger (use-it-or-lose-it accounts need none: KernelPlan.yearly)
        plan.ledger_idx.reshape(-1),
        plan.ledger_n,
        # flat rows of constant width (kernel.N_QI_ROW etc.): see the kernel module
        plan.q.reshape(-1),
        cache_line_rows(qi.reshape(n_syi, -1), N_QI_ROW).reshape(-1),
        cache_line_rows(hot_fields(plan.q).reshape(n_syi, -1), N_QH).reshape(-1),
        cache_line_rows(ptab.reshape(n_syi, -1), N_PTAB).reshape(-1),
        np.ascontiguousarray(coef, dtype=np.float64),
        odds_growth_max(coef, new_right_awareness_max(plan.q)),
        *predicate_classes(preds, plan.unique_elig),
        gate_idx,
        gate_key,
        cache_line_rows(gate_p, N_PTAB).reshape(-1),
        counted_rows(plan.kind, n_s),
    )
    n_u = max(plan.unique_elig.shape[0], 1)
    slots = min(MASK_SLOTS, 1 << preds.shape[0])
    while True:
        # np.zeros maps zero pages lazily: only the slots a chunk uses cost memory
        acc = (
            np.zeros((n_c, slots * n_s * n_y * len(P_VARS)), dtype=np.int64),
            np.zeros((n_c, slots * n_syi * len(I_VARS)), dtype=np.int64),
            np.zeros((n_c, slots * n_y), dtype=np.int64),
            np.zeros((n_c, slots * n_y * n_u), dtype=np.int64),
            np.full((n_c, 2 * slots), -1, dtype=np.int64),
            np.zeros((n_c, 2 * slots), dtype=np.int64),
            np.zeros((n_c, slots), dtype=np.int64),
            np.zeros((n_c, 2), dtype=np.int64),
        )
        policy_kernel(*args, *acc)
        if not acc[-1][:, 1].any():
            break
        # a chunk met more distinct group masks than the table holds; there are at most
        # 2**groups of them, so the retries end
        slots = min(slots * 4, 1 << preds.shape[0])
    acc_p, acc_i, pers, elig_t, _, _, slot_mask, n_used = acc
    tp, ti = expand_tallies(
        acc_p.reshape(n_c, slots, n_s, n_y, -1),
        acc_i.reshape(n_c, slots, n_s, n_y, n_i, -1),
        pers.reshape(n_c, slots, n_y), elig_t.reshape(n_c, slots, n_y, n_u),
        slot_mask, n_used, np.int64(preds.shape[0]),
        plan.elig_id, plan.act_idx, plan.act_n, qi[..., QI_YEARLY],
    )  # fmt: skip
    # career-guidance vouchers the kernel skipped: their tallies are those of the scenario
    # with the same rules (KernelPlan.guide_alias)
    for s, j in zip(*np.nonzero(plan.guide_alias >= 0), strict=True):
        ti[s, :, :, j, :] = ti[plan.guide_alias[s, j], :, :, j, :]
    return tallies_dataset(
        tp, ti, plan.scenarios, plan.years, group_names, plan.instruments, plan.units
    )
