"""The kernel plan: every scenario's instruments as compact arrays, per simulated year.

A :class:`KernelPlan` is what the policy kernel reads: for ``S`` scenarios, ``Y`` years and
the union of ``I`` instruments, the mechanism of each instrument (``kind``), whether it is in
force (``active[s, y, i]``), its compiled eligibility predicate (``elig[s, y, i, :]``) and its
parameter vector (``q[s, y, i, :]``, layout in :mod:`llrsim.engine.mechanisms`, money in
cents, time in minutes, nominal). Plans are built from scenarios by
:func:`llrsim.engine.build.build_plan`; tests may build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from llrsim.behaviour.episode import TRAINING_TYPES
from llrsim.engine import mechanisms as m
from llrsim.predicates import P_LEN

#: the kernel steps that go through a list of instruments (``KernelPlan.step_idx``); the
#: spending step has its own lists per episode class (``KernelPlan.spend_idx``)
STEP_CONVERT = 0  # in force, and takes over the balance of an instrument no longer in force
STEP_GUIDE = 1  # in force career-guidance vouchers (loopbaancheques)
N_STEPS = 2

#: the spending lists (``KernelPlan.spend_idx``) are kept per class of training episode:
#: ``spend_class(ekind, employee) = SPEND_EMPLOYEE * employee + ekind``, where ``ekind`` is
#: a bit set of the training types (:data:`llrsim.behaviour.episode.TRAINING_TYPES`)
SPEND_EMPLOYEE = 1 << len(TRAINING_TYPES)
N_SPEND_CLASSES = 2 * SPEND_EMPLOYEE
#: mechanisms that pay only for an employee's training (time, leave, employer subsidy and
#: obligation)
EMPLOYEE_ONLY_KINDS = (m.KIND_TIME, m.KIND_LEAVE, m.KIND_SUBSIDY, m.KIND_OBLIGATION)


def spend_class(ekind: int, employee: bool) -> int:
    """Index of the spending list for an episode of training types ``ekind`` (bit set)."""
    if not 0 <= ekind < SPEND_EMPLOYEE:
        raise ValueError(f"training-type bit set {ekind} outside [0, {SPEND_EMPLOYEE})")
    return SPEND_EMPLOYEE * int(employee) + int(ekind)


@dataclass
class KernelPlan:
    """Arrays of the scenarios for the kernel, plus the labels and metadata around them."""

    scenarios: list[str]
    years: list[int]
    instruments: list[str]
    kind: np.ndarray  # (I,) int64, mechanisms.KIND_*
    active: np.ndarray  # (S, Y, I) bool
    elig: np.ndarray  # (S, Y, I, P_LEN) int64
    q: np.ndarray  # (S, Y, I, N_Q) float64
    units: list[str]  # (I,) "cent" | "minute"
    metadata: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per instrument
    it_costs: pd.DataFrame | None = None  # scenario, year, it_one_off_eur, it_yearly_eur
    #: distinct eligibility predicates (U, P_LEN) and, per (s, y, i), the index of the one in
    #: force (-1 when the instrument is not in force): the kernel tests each distinct rule
    #: once per person-year instead of once per scenario and instrument
    unique_elig: np.ndarray = field(init=False)
    elig_id: np.ndarray = field(init=False)
    #: per (s, y): the instruments in force, in plan order (padded; count in act_n)
    act_idx: np.ndarray = field(init=False)
    act_n: np.ndarray = field(init=False)
    #: per s: the accounts (money, time) in force in some year of the scenario (bal_n)
    bal_idx: np.ndarray = field(init=False)
    bal_n: np.ndarray = field(init=False)
    #: per (s, i): a use-it-or-lose-it account (:meth:`_yearly_accounts`) the kernel keeps
    #: no ledger for; ``ledger_idx[s, :ledger_n[s]]`` are the other accounts of ``bal_idx``
    yearly: np.ndarray = field(init=False)
    ledger_idx: np.ndarray = field(init=False)
    ledger_n: np.ndarray = field(init=False)
    #: per (s, y, step): the instruments of each kernel step (STEP_*), in plan order, so the
    #: kernel loops over the instruments a step concerns only (padded; count in step_n)
    step_idx: np.ndarray = field(init=False)
    step_n: np.ndarray = field(init=False)
    #: per (s, y, spend class): the instruments that can pay for an episode of that class
    #: (:func:`spend_class`), in plan order: in force, not guidance or exchange, covering one
    #: of the episode's training types, and, for EMPLOYEE_ONLY_KINDS, only for employees
    spend_idx: np.ndarray = field(init=False)
    spend_n: np.ndarray = field(init=False)
    #: per (s, i): for a career-guidance voucher whose rules are the same in every year as
    #: in an earlier scenario ``s'``, that ``s'`` (else -1). Its use does not depend on
    #: training, so its tallies are those of ``s'``: the kernel skips it (it is left out of
    #: STEP_GUIDE) and :func:`llrsim.engine.run.run_plan` copies them
    guide_alias: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        s, y, i = len(self.scenarios), len(self.years), len(self.instruments)
        checks = {
            "kind": (self.kind, (i,), np.int64),
            "active": (self.active, (s, y, i), np.bool_),
            "elig": (self.elig, (s, y, i, P_LEN), np.int64),
            "q": (self.q, (s, y, i, m.N_Q), np.float64),
        }
        for name, (arr, shape, dtype) in checks.items():
            if arr.shape != shape or arr.dtype != dtype:
                raise ValueError(
                    f"KernelPlan.{name}: shape {arr.shape} dtype {arr.dtype}, expected "
                    f"{shape} {np.dtype(dtype)}"
                )
        if len(self.units) != i:
            raise ValueError("KernelPlan.units: one unit per instrument")
        if not np.isfinite(self.q).all():
            raise ValueError("KernelPlan.q holds a NaN or infinite parameter")
        bad = (self.q[..., m.Q_EXPIRY_YEARS] >= m.MAX_VINTAGES) | (
            self.q[..., m.Q_EXPIRY_YEARS] < 0
        )
        if bad.any():
            raise ValueError(f"expiry_years must lie in [0, {m.MAX_VINTAGES - 1}]")
        for j in range(i):
            if self.kind[j] in m.BALANCE_KINDS:
                e = self.q[:, :, j, m.Q_EXPIRY_YEARS]
                if not (e == e[:, :1]).all():
                    raise ValueError(
                        f"instrument {self.instruments[j]}: expiry_years must be the same in "
                        f"every year of a scenario (vintage slots depend on it)"
                    )
        # conversions and exchanges move balances between accounts only (the kernel keeps
        # ledgers for money and time accounts alone)
        is_account = np.isin(self.kind, m.BALANCE_KINDS)
        for field_ix, what in (
            (m.Q_CONVERT_FROM, "convert_from"),
            (m.Q_EXCHANGE_PARTNER, "exchange partner"),
        ):
            ref = self.q[..., field_ix].astype(np.int64)
            uses = ref >= 0
            if not uses.any():
                continue
            if (ref[uses] >= i).any():
                raise ValueError(f"KernelPlan.q: {what} refers to an instrument beyond {i}")
            holders = np.nonzero(uses)[2]
            if not (is_account[holders].all() and is_account[ref[uses]].all()):
                raise ValueError(f"KernelPlan.q: {what} must link two money or time accounts")
        flat = self.elig[self.active]
        uniq, inverse = (
            np.unique(flat, axis=0, return_inverse=True)
            if len(flat)
            else (np.zeros((0, P_LEN), dtype=np.int64), np.zeros(0, dtype=np.int64))
        )
        self.unique_elig = np.ascontiguousarray(uniq, dtype=np.int64)
        self.elig_id = np.full(self.active.shape, -1, dtype=np.int64)
        self.elig_id[self.active] = inverse.reshape(-1)
        self.act_idx = np.zeros((s, y, max(i, 1)), dtype=np.int64)
        self.act_n = np.zeros((s, y), dtype=np.int64)
        for a in range(s):
            for b in range(y):
                idx = np.flatnonzero(self.active[a, b])
                self.act_idx[a, b, : idx.size] = idx
                self.act_n[a, b] = idx.size
        self.yearly = self._yearly_accounts()
        self.bal_idx = np.zeros((s, max(i, 1)), dtype=np.int64)
        self.bal_n = np.zeros(s, dtype=np.int64)
        self.ledger_idx = np.zeros((s, max(i, 1)), dtype=np.int64)
        self.ledger_n = np.zeros(s, dtype=np.int64)
        for a in range(s):
            accounts = is_account & self.active[a].any(axis=0)
            for lst, n, chosen in (
                (self.bal_idx, self.bal_n, accounts),
                (self.ledger_idx, self.ledger_n, accounts & ~self.yearly[a]),
            ):
                idx = np.flatnonzero(chosen)
                lst[a, : idx.size] = idx
                n[a] = idx.size
        self.step_idx = np.zeros((s, y, N_STEPS, max(i, 1)), dtype=np.int64)
        self.step_n = np.zeros((s, y, N_STEPS), dtype=np.int64)
        source = self.q[..., m.Q_CONVERT_FROM].astype(np.int64)
        self.guide_alias = self._guidance_aliases()
        self.spend_idx, self.spend_n = self._spending_lists()
        for a in range(s):
            for b in range(y):
                act = self.active[a, b]
                src = source[a, b]
                converts = act & (src >= 0) & ~act[np.maximum(src, 0)]
                guides = act & (self.kind == m.KIND_GUIDANCE) & (self.guide_alias[a] < 0)
                for step, chosen in ((STEP_CONVERT, converts), (STEP_GUIDE, guides)):
                    idx = np.flatnonzero(chosen)
                    self.step_idx[a, b, step, : idx.size] = idx
                    self.step_n[a, b, step] = idx.size
        years = np.asarray(self.years)
        if len(years) == 0 or np.any(np.diff(years) != 1):
            raise ValueError(f"years must be consecutive and increasing, got {self.years}")

    def _spending_lists(self) -> tuple[np.ndarray, np.ndarray]:
        """``spend_idx[s, y, c, :spend_n[s, y, c]]``: the spending instruments of class c."""
        s, y, i = self.active.shape
        spends = ~np.isin(self.kind, (m.KIND_GUIDANCE, m.KIND_EXCHANGE))
        c = np.arange(N_SPEND_CLASSES)
        ekind, employee = c % SPEND_EMPLOYEE, c >= SPEND_EMPLOYEE
        types = self.q[..., m.Q_TYPES_MASK].astype(np.int64)  # (S, Y, I)
        covers = (types[:, :, None, :] & ekind[None, None, :, None]) != 0
        for_whom = employee[:, None] | ~np.isin(self.kind, EMPLOYEE_ONLY_KINDS)[None, :]
        ok = covers & for_whom[None, None] & (self.active & spends)[:, :, None, :]
        # the chosen instruments first, in plan order (a stable sort of "not chosen")
        order = np.argsort(~ok, axis=-1, kind="stable")
        n = ok.sum(axis=-1)
        idx = np.where(np.arange(i) < n[..., None], order, 0)
        pad = np.zeros((s, y, N_SPEND_CLASSES, max(i, 1)), dtype=np.int64)
        pad[..., :i] = idx
        return pad, n.astype(np.int64)

    def _yearly_accounts(self) -> np.ndarray:
        """``yearly[s, i]``: account ``i`` of scenario ``s`` is a use-it-or-lose-it right
        whose balance in any year is known without a ledger.

        True for a money or time account whose rights expire at the end of the year of
        accrual (``expiry_years = 1``, as vov's hours), with an accrual not pro rata of fte,
        that is no new right (it does not raise participation) and that no conversion or
        exchange links to another account. Every year then starts at 0 (what was not
        spent expired), nothing can be forfeited or converted, and an eligible person holds
        exactly ``min(accrual, cap)`` until the one course of the year spends from it. The
        kernel pays from that amount directly; accrued and expired rights are tallied
        after the kernel from the eligible persons and the spending
        (:func:`llrsim.engine.kernel.expand_tallies`), with the same integers a ledger
        would give (``tests/test_yearly_accounts.py``, ``tests/test_reference_agreement.py``).
        """
        s, _, i = self.active.shape
        q = self.q
        links = np.zeros((s, i), dtype=np.bool_)
        for field_ix in (m.Q_CONVERT_FROM, m.Q_EXCHANGE_PARTNER):
            ref = q[..., field_ix].astype(np.int64)  # (S, Y, I): -1 or the linked account
            links |= (ref >= 0).any(axis=1)  # links to another account
            for a, b, holder in zip(*np.nonzero(ref >= 0), strict=True):
                links[a, ref[a, b, holder]] = True  # is linked to
        account = np.isin(self.kind, m.BALANCE_KINDS)[None, :]
        every_year = (
            (q[..., m.Q_EXPIRY_YEARS] == 1.0)
            & (q[..., m.Q_PRO_RATA_FTE] == 0.0)
            & (q[..., m.Q_NEW_RIGHT] == 0.0)
        ).all(axis=1)
        return account & every_year & ~links

    def _guidance_aliases(self) -> np.ndarray:
        """``guide_alias[s, i]``: the first earlier scenario with the same guidance rules."""
        s, _, i = self.active.shape
        alias = np.full((s, i), -1, dtype=np.int64)
        for j in np.flatnonzero(self.kind == m.KIND_GUIDANCE):
            for a in np.flatnonzero(self.active[:, :, j].any(axis=1)):
                for b in range(a):
                    if (
                        alias[b, j] < 0
                        and np.array_equal(self.active[a, :, j], self.active[b, :, j])
                        and np.array_equal(self.elig[a, :, j], self.elig[b, :, j])
                        and np.array_equal(self.q[a, :, j], self.q[b, :, j])
                    ):
                        alias[a, j] = b
                        break
        return alias


def empty_q(n_scenarios: int, n_years: int, n_instruments: int) -> np.ndarray:
    """A parameter array with neutral defaults: no cap, no maximum, no exchange or conversion."""
    q = np.zeros((n_scenarios, n_years, n_instruments, m.N_Q), dtype=np.float64)
    q[..., m.Q_CAP] = -1.0
    q[..., m.Q_MAX_PER_USE] = -1.0
    q[..., m.Q_WAGE_CEILING_MONTH] = -1.0
    q[..., m.Q_EXCHANGE_PARTNER] = -1.0
    q[..., m.Q_EXCHANGE_MAX_MINUTES] = -1.0
    q[..., m.Q_CONVERT_FROM] = -1.0
    q[..., m.Q_TRANSFERABLE] = 1.0
    return q
