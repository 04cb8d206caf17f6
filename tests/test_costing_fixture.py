"""A hand-built tally Dataset whose costs can be computed on paper (shared by costing tests).

Scenarios S0, S3, S5; years 2025-2027; groups all, high_educated, low_educated; instruments

- ``vov`` (time, minutes; Flemish government; 10 EUR admin per transaction; 21.30 EUR/h):
  each user takes 60 h = 3,600 min; public cost 60 h x 21.30 = 1,278 EUR per user; employer
  cost 60 h x 10 EUR = 600 EUR per user. Users: S0 200, S3 200, S5 600 (group all).
- ``cheque`` (money; sector fund, sectoral; 2.50 EUR admin per transaction, 2 per user; no
  balance): 125 EUR public + 125 EUR own contribution per user; 100 users everywhere.
- ``account`` (money; Flemish government; 1 EUR per transaction and 0.50 EUR per eligible
  person per year): 500 EUR payout per user; eligible 0 in S0, 8,000 in S3 and S5; users
  S3 800, S5 400.

Instrument tallies of ``high_educated`` are 2/5 and of ``low_educated`` 1/5 of ``all`` (every
``all`` value is divisible by 5, so the ledger identity holds exactly in every group).
Person tallies: persons 10,000 / 4,000 / 4,000; participants_baseline 2000+100t /
1200+60t / 400+20t (t = year index); additional participants 500s / 200s / 300s (s =
scenario index) except low_educated in S5: 0. Training 600 min per participant.
IT: S5 has 1,000,000 EUR one-off in 2025 and 200,000 EUR yearly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

SCENARIOS = ["S0", "S3", "S5"]
YEARS = [2025, 2026, 2027]
GROUPS = ["all", "high_educated", "low_educated"]
INSTRUMENTS = ["vov", "cheque", "account"]
UNITS = ["minute", "cent", "cent"]
GROUP_SHARE = {"all": (5, 5), "high_educated": (2, 5), "low_educated": (1, 5)}

USERS = {"vov": [200, 200, 600], "cheque": [100, 100, 100], "account": [0, 800, 400]}
DEADWEIGHT = {"vov": [200, 200, 300], "cheque": [100, 100, 100], "account": [0, 400, 200]}
ELIGIBLE = {"vov": [5000, 5000, 5000], "cheque": [3000, 3000, 3000], "account": [0, 8000, 8000]}


def _all_group_instrument(s: int, i: str) -> dict[str, list[int]]:
    """Per-year values (3 years) of every instrument variable for group all."""
    u = USERS[i][s]
    years = range(len(YEARS))
    out = {
        "eligible": [ELIGIBLE[i][s]] * 3,
        "users": [u] * 3,
        "deadweight_users": [DEADWEIGHT[i][s]] * 3,
        "transactions": [2 * u if i == "cheque" else u] * 3,
        "public_cents": [{"vov": u * 60 * 2130, "cheque": u * 12500, "account": u * 50000}[i]] * 3,
        "employer_cents": [u * 60 * 1000 if i == "vov" else 0] * 3,
        "own_cents": [u * 12500 if i == "cheque" else 0] * 3,
    }
    zeros = [0, 0, 0]
    if i == "vov":
        accrued, spent, expired, forfeited = [3_000_000] * 3, [u * 3600] * 3, zeros, [6000] * 3
    elif i == "account" and ELIGIBLE[i][s] > 0:
        accrued = [ELIGIBLE[i][s] * 50000] * 3
        spent = [u * 50000] * 3
        expired = [0, 0, 1_000_000]
        forfeited = [100_000] * 3
    else:
        accrued, spent, expired, forfeited = zeros, zeros, zeros, zeros
    opening, closing, bal = [], [], 0
    for t in years:
        opening.append(bal)
        bal = bal + accrued[t] - spent[t] - expired[t] - forfeited[t]
        closing.append(bal)
    out.update(
        opening=opening,
        accrued=accrued,
        exchanged_in=zeros,
        spent=spent,
        expired=expired,
        exchanged_out=zeros,
        forfeited=forfeited,
        closing=closing,
    )
    return out


INSTRUMENT_VARS = [
    "eligible",
    "users",
    "deadweight_users",
    "transactions",
    "opening",
    "accrued",
    "exchanged_in",
    "spent",
    "expired",
    "exchanged_out",
    "forfeited",
    "closing",
    "public_cents",
    "employer_cents",
    "own_cents",
]


def make_tallies() -> xr.Dataset:
    """The tally Dataset described in the module docstring."""
    shape4 = (len(SCENARIOS), len(YEARS), len(GROUPS), len(INSTRUMENTS))
    inst = {v: np.zeros(shape4, dtype="int64") for v in INSTRUMENT_VARS}
    for s in range(len(SCENARIOS)):
        for k, i in enumerate(INSTRUMENTS):
            vals = _all_group_instrument(s, i)
            for g, grp in enumerate(GROUPS):
                num, den = GROUP_SHARE[grp]
                for v in INSTRUMENT_VARS:
                    arr = np.array(vals[v], dtype="int64")
                    assert np.all(arr * num % den == 0)
                    inst[v][s, :, g, k] = arr * num // den
    # every user of the first year uses the instrument for the first time, nobody later
    inst["first_users"] = np.zeros(shape4, dtype="int64")
    inst["first_users"][:, 0] = inst["users"][:, 0]
    shape3 = (len(SCENARIOS), len(YEARS), len(GROUPS))
    persons = np.zeros(shape3, dtype="int64")
    base = np.zeros(shape3, dtype="int64")
    add = np.zeros(shape3, dtype="int64")
    for s in range(len(SCENARIOS)):
        for t in range(len(YEARS)):
            persons[s, t] = [10_000, 4_000, 4_000]
            base[s, t] = [2000 + 100 * t, 1200 + 60 * t, 400 + 20 * t]
            add[s, t] = [500 * s, 200 * s, 300 * s]
    add[2, :, 2] = 0  # S5, low_educated: no additional participants
    participants = base + add
    dims4 = ("scenario", "year", "group", "instrument")
    dims3 = ("scenario", "year", "group")
    data = {v: (dims4, a) for v, a in inst.items()}
    data.update(
        persons=(dims3, persons),
        participants=(dims3, participants),
        participants_baseline=(dims3, base),
        additional_participants=(dims3, add),
        training_minutes=(dims3, participants * 600),
    )
    return xr.Dataset(
        data,
        coords={
            "scenario": SCENARIOS,
            "year": YEARS,
            "group": GROUPS,
            "instrument": INSTRUMENTS,
            "unit": ("instrument", UNITS),
        },
    )


def make_instruments() -> pd.DataFrame:
    """Instrument metadata matching ``make_tallies``."""
    return pd.DataFrame(
        {
            "id": INSTRUMENTS,
            "name": ["Vlaams opleidingsverlof", "opleidingscheque", "LLR money account"],
            "kind": ["time_account", "voucher", "money_account"],
            "funder": ["flemish_government", "sector_fund", "flemish_government"],
            "competence": ["flemish", "sectoral", "flemish"],
            "unit": UNITS,
            "admin_cost_per_transaction_eur": [10.0, 2.5, 1.0],
            "admin_cost_per_year_eur": [0.0, 0.0, 0.5],
            "reimbursement_eur_per_hour": [21.30, 0.0, 0.0],
        }
    )


def make_it_costs() -> pd.DataFrame:
    """S5: 1,000,000 EUR one-off in 2025 and 200,000 EUR per year."""
    return pd.DataFrame(
        {
            "scenario": ["S5", "S5", "S5"],
            "year": YEARS,
            "it_one_off_eur": [1_000_000.0, 0.0, 0.0],
            "it_yearly_eur": [200_000.0, 200_000.0, 200_000.0],
        }
    )


MANIFEST = {
    "llrsim_version": "test",
    "scenario_hashes": {"S0": "abc", "S3": "def", "S5": "0123"},
    "parameters": {"behaviour.x": 1.0},
    "seed": 1,
    "population_size": 10_000,
    "years": YEARS,
}


def make_results():
    """A ``Results`` on the hand-built tallies (default costing assumptions)."""
    from llrsim.results import Results

    return Results(make_tallies(), make_instruments(), make_it_costs(), MANIFEST)


def test_fixture_ledger_balances_in_every_cell():
    ds = make_tallies()
    lhs = (
        ds.opening
        + ds.accrued
        + ds.exchanged_in
        - ds.spent
        - ds.expired
        - ds.exchanged_out
        - ds.forfeited
    )
    assert bool((lhs == ds.closing).all())
    assert bool((ds.closing >= 0).all())


def test_fixture_satisfies_the_kernel_contract():
    from llrsim.costing.tallies import validate_tallies

    validate_tallies(make_tallies())
