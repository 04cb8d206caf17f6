"""External plausibility of a generic money right — reported, never tuned to.

The behavioural parameters are calibrated to Flemish figures of today's incentives only
(:mod:`llrsim.behaviour.calibrate`). How a *new* generic right would be used is checked
against foreign individual learning accounts, each a different design and context:

- France, CPF: 1.7 % of private-sector employees used it per year before its app (2018,
  DARES via 20 Minutes 2020-02); about 2 M dossiers a year in 2021-22 after the app (Les
  Echos via taipan.fr; Cour des comptes 2023);
- Singapore, SkillsFuture Credit: 20 % of the eligible had used it after about five years
  (end 2019; MOE parliamentary reply 4 Jan 2021);
- Netherlands, STAP-budget: 214,000 grants at about 800 EUR in 2022 (nu.nl 2023-05), for a
  population of about 17.9 M (Flanders 6.8 M).

:func:`plausibility` runs the broad money right (S3) and puts the simulated counterparts
next to these figures.
"""

from __future__ import annotations

import pandas as pd

from llrsim.population.population import Population

#: Population of the Netherlands on 1 Jan 2022 (CBS), to express STAP grants per resident.
NL_POPULATION_2022 = 17_590_672
STAP_GRANTS_2022 = 214_000
STAP_AVERAGE_EUR = 800.0


def plausibility(
    pop: Population, years: range = range(2025, 2030), seed: int = 0, scenario: str = "S3"
) -> pd.DataFrame:
    """Simulated take-up of the generic money right of ``scenario`` next to CPF, SkillsFuture
    and STAP (one row per benchmark; shares in [0, 1], amounts in EUR)."""
    from llrsim.engine.simulate import simulate
    from llrsim.scenarios import load

    sc = load(scenario)
    money = [i.id for i in sc.instruments_in_force() if i.kind == "money_account"]
    new = [i for i in money if i not in {x.id for x in load("S0").instruments_in_force()}]
    if not new:
        raise ValueError(f"scenario {scenario} has no new money right to check")
    iid = new[0]
    res = simulate(pop, [scenario], years=years, seed=seed)
    ds = res.tallies.sel(scenario=sc.id, group="all", instrument=iid)
    eligible = ds["eligible"].astype(float)
    users = ds["users"].astype(float)
    yearly = float((users / eligible).mean())
    cumulative = float(ds["first_users"].sum() / eligible.isel(year=-1))
    per_user = float(ds["public_cents"].sum() / 100.0 / users.sum())
    residents = float(pop.total)
    grants_per_resident = float(users.mean()) / residents
    rows = [
        {
            "benchmark": "CPF yearly take-up before the app (France, 2018)",
            "observed": 0.017,
            "simulated": yearly,
            "measure": f"users / eligible per year, {iid}, mean {years[0]}-{years[-1]}",
        },
        {
            "benchmark": "SkillsFuture cumulative use after ~5 years (Singapore, 2019)",
            "observed": 0.20,
            "simulated": cumulative,
            "measure": f"persons who used {iid} at least once / eligible in {years[-1]}",
        },
        {
            "benchmark": "STAP grants per resident (NL, 2022)",
            "observed": STAP_GRANTS_2022 / NL_POPULATION_2022,
            "simulated": grants_per_resident,
            "measure": "users per year / persons 18-67 in the model (STAP: all residents)",
        },
        {
            "benchmark": "STAP average grant (NL, 2022), EUR",
            "observed": STAP_AVERAGE_EUR,
            "simulated": per_user,
            "measure": f"public payout per user-year of {iid}, EUR (nominal)",
        },
    ]
    return pd.DataFrame(rows)
