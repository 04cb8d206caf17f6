"""Write the tutorial notebooks of ``notebooks/`` (nbformat v4, stored without outputs).

The notebooks are generated from the cell texts below so that they stay reviewable as code
and carry no outputs (every number is computed when the notebook runs, never typed in).
``tests/test_notebooks.py`` executes every notebook and checks that the committed files are
what this script writes.

Usage::

    python notebooks/_build.py            # (re)write the notebooks next to this file
    python notebooks/_build.py --check    # exit 1 when a committed notebook is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

Cells = list[tuple[str, str]]  # ("md" | "code", source)

SETUP = """\
import pandas as pd

import llrsim

pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 30)
pd.set_option("display.max_colwidth", 90)
print("llrsim", llrsim.__version__)"""

# --------------------------------------------------------------------------------------------
QUICKSTART: Cells = [
    (
        "md",
        """\
# Quick start: the cost and take-up of a selective learning account (S4)

*For policy analysts.* In a few minutes this notebook

1. builds a weighted synthetic population of the Flemish Region (18-67) and checks it
   against the sourced targets,
2. simulates today's incentives (**S0**) and a selective *leer- en loopbaanrekening* in money
   for vulnerable groups (**S4**) over five years,
3. reads the budget cost by funder and the take-up by target group, and draws one plot.

The sample is small (20,000 records) so that the notebook runs in seconds; every table is
computed from the library when the notebook runs. Scale up with a larger `n` (the full
population is `n=None`).""",
    ),
    ("code", SETUP),
    (
        "md",
        """\
## 1. A synthetic population

`synthesize` draws `n` records; each record has an integer weight (the number of residents
it stands for) and the weights add up exactly to the population 18-67 of the reference
year (1 January).""",
    ),
    (
        "code",
        """\
pop = llrsim.synthesize(year=2024, n=20_000, seed=0)
print(f"{pop.n:,} records standing for {pop.total:,} residents aged 18-67 on 1 January {pop.year}")
pop.to_pandas().head()""",
    ),
    (
        "md",
        """\
`validate()` compares the population with every target of `data/population` (sourced figure,
derived figure or labelled assumption, see the `basis` column). `calibrated` targets are
imposed by the synthesis; the others are checks.""",
    ),
    (
        "code",
        """\
validation = pop.validate()
print(f"{int(validation['within_tolerance'].sum())} of {len(validation)} targets within tolerance")
validation[["target", "kind", "value", "synthetic", "tolerance", "within_tolerance", "basis"]]""",
    ),
    (
        "md",
        """\
Results are reported by **target group** (*doelgroep*). Groups overlap (a person can be
low-educated and a jobseeker) and `all` is everybody, so never add groups up.""",
    ),
    (
        "code",
        """\
from llrsim.population import groups

pd.DataFrame(
    {
        "group": groups.names(),
        "persons": [int(pop.weight[pop.in_group(g)].sum()) for g in groups.names()],
        "description": [groups.description(g) for g in groups.names()],
    }
)""",
    ),
    (
        "md",
        """\
## 2. Simulate S0 and S4

The same random numbers serve every scenario (*common random numbers*), so the difference
between S4 and S0 is policy, not noise.""",
    ),
    (
        "code",
        """\
s4 = llrsim.scenarios.load("S4")
print(s4.title)
s4.describe()[["target_group", "financing", "mechanism"]]""",
    ),
    (
        "code",
        """\
res = llrsim.simulate(pop, ["S0", "S4"], years=range(2025, 2030), seed=0)
res""",
    ),
    (
        "md",
        """\
## 3. Budget cost by funder

`cost` returns a tidy table (`cost_eur`, nominal EUR); a pivot puts the years in columns.""",
    ),
    (
        "code",
        """\
cost = res.cost(by=["scenario", "year", "funder"])
budget = cost.pivot_table(
    index=["scenario", "funder"], columns="year", values="cost_eur", sort=False
)
(budget / 1e6).round(1)  # million EUR, nominal""",
    ),
    (
        "code",
        """\
comparison = res.compare(baseline="S0")
comparison[
    [
        "scenario",
        "year",
        "extra_cost_eur",
        "additional_participants",
        "cost_per_additional_participant_eur",
    ]
]""",
    ),
    (
        "md",
        """\
## 4. Take-up by target group

Without `instrument` in `by`, `takeup` reports person-level training participation:
`participants_baseline` would have trained anyway (deadweight), `additional_participants`
train because of the new right. Summed over the five years, counts are person-years.

With `instrument` in `by` it reports each instrument's eligible persons, users, take-up rate
and deadweight; below for the new account of S4 in the last simulated year.""",
    ),
    (
        "code",
        """\
takeup = res.takeup(by=["scenario", "group"])
takeup.pivot_table(
    index="group", columns="scenario", values="participation_rate", sort=False
).round(3)""",
    ),
    (
        "code",
        """\
per_instrument = res.takeup(by=["scenario", "year", "group", "instrument"])
last_year = res.years[-1]
llr = per_instrument[
    (per_instrument["scenario"] == "S4")
    & (per_instrument["year"] == last_year)
    & (per_instrument["instrument"] == "llr_money_selective")
]
llr[["group", "eligible", "users", "takeup_rate", "deadweight_share", "additional_users"]]""",
    ),
    (
        "code",
        """\
res.matthew()  # participation high / low educated; > 1 favours the high-educated""",
    ),
    (
        "md",
        """\
## 5. One plot

Every plot method returns a matplotlib `Figure`; `fig.savefig(...)` writes it to a file.""",
    ),
    (
        "code",
        """\
fig = res.plot.cost()
fig.savefig("cost_by_funder.png", dpi=100)
fig""",
    ),
    (
        "md",
        """\
Next: `02_scenarios_and_growth_path.ipynb` (all scenarios and a growth path),
`04_budget.ipynb` (constant prices, present value, liability, Excel),
`05_incentives_today.ipynb` (the inventory of today's incentives).""",
    ),
]

# --------------------------------------------------------------------------------------------
SCENARIOS: Cells = [
    (
        "md",
        """\
# The seven scenarios side by side, and a growth path

*For policy analysts.* The VIONA study described an LLR through scenarios **S0-S6** and asked
five questions of each: **target group**, **eligible training**, **financing**, **relation to
the policy competences** (Flemish, federal, sectoral, employer) and **impact**. This notebook
answers the first four from the scenario files (`describe()`) and the fifth by simulation,
for each scenario and for a growth path (*groeipad*) that starts with the digital overview and
harmonisation (S1+S2), adds a money pillar (S4) and then time and money (S6).""",
    ),
    ("code", SETUP),
    (
        "code",
        """\
names = llrsim.scenarios.names()
pd.DataFrame(
    [
        {"scenario": s, "name": sc.name, "title": sc.title, "base": sc.base,
         "instruments in force": len(sc.instruments_in_force())}
        for s in names
        for sc in [llrsim.scenarios.load(s)]
    ]
)""",
    ),
    (
        "md",
        """\
## Questions 1-4: who, which training, who pays, which competence

`describe()` has one row per instrument in force. The table below keeps the instruments each
scenario adds or changes with respect to S0 (S0 itself is shown in full). S1 and S2 change
no instrument: they act through scenario-level effects (next table).""",
    ),
    (
        "code",
        """\
s0 = llrsim.scenarios.load("S0").describe()
rows = [s0.assign(scenario="S0")]
for s in names[1:]:
    d = llrsim.scenarios.load(s).describe()
    changed = [i for i in d.index if i not in s0.index or not d.loc[i].equals(s0.loc[i])]
    rows.append(d.loc[changed].assign(scenario=s))
five = pd.concat(rows).reset_index().set_index(["scenario", "instrument"])
five[["name", "target_group", "training_types", "financing", "competence", "mechanism"]]""",
    ),
    (
        "md",
        """\
Scenario-level effects (S1: awareness through a digital overview; S2: less friction and
administration through harmonised rules) and IT costs are in `describe().attrs["effects"]`;
instruments a scenario removes are in `replaces` / `absorbs`.""",
    ),
    (
        "code",
        """\
effects = pd.DataFrame(
    {s: llrsim.scenarios.load(s).describe().attrs["effects"] for s in names}
).T
removed = {s: llrsim.scenarios.load(s).replaces + llrsim.scenarios.load(s).absorbs for s in names}
effects.assign(removes=pd.Series(removed))""",
    ),
    (
        "md",
        """\
## Combining scenarios and a growth path

`"S1+S2+S4"` combines scenarios (the later one wins for the same instrument; effects take the
maximum; IT costs add up; every conflict is noted). `phase` builds a growth path; it is
cumulative by default, so each step is combined with the ones before it.""",
    ),
    (
        "code",
        """\
combined = llrsim.scenarios.load("S1+S2+S4")
print(combined.id, "-", combined.title)
for note in combined.notes:
    print(" note:", note)""",
    ),
    (
        "code",
        """\
years = range(2025, 2032)
path = llrsim.scenarios.phase({2026: "S1+S2", 2028: "S4", 2030: "S6"})
print(path.id)
path.to_frame(years)""",
    ),
    (
        "md",
        """\
## Question 5: impact, by simulation

All seven scenarios and the growth path in one run (one population, one set of random
numbers). A small sample keeps it fast; use a larger `n` for results you report.""",
    ),
    (
        "code",
        """\
pop = llrsim.synthesize(year=2024, n=5_000, seed=0)
res = llrsim.simulate(pop, [*names, path], years=years, seed=0)
res""",
    ),
    (
        "code",
        """\
impact = res.compare(baseline="S0", by=["scenario"])
matthew = res.matthew(by=["scenario", "year"])
last = matthew[matthew["year"] == years[-1]].set_index("scenario")["matthew_ratio"]
impact = impact.set_index("scenario")
impact["matthew_ratio_last_year"] = last
impact[
    [
        "cost_eur",
        "extra_cost_eur",
        "additional_participants",
        "participation_rate",
        "cost_per_additional_participant_eur",
        "matthew_ratio_last_year",
    ]
]""",
    ),
    (
        "md",
        """\
Counts are person-years summed over the simulated years; `participation_rate` is over
person-years too. In the model only *new* rights (accounts absent from S0) move training
participation; the effects of S1 and S2 raise the take-up of today's instruments among
those who train, so they change cost and take-up but not the number of participants (see
`docs/model.md`, Behaviour). Who gains: additional participants by target group over the
whole period.""",
    ),
    (
        "code",
        """\
by_group = res.compare(baseline="S0", by=["scenario", "group"])
by_group.pivot_table(
    index="group", columns="scenario", values="additional_participants", sort=False
)""",
    ),
    (
        "code",
        """\
cost_path = res.cost(by=["scenario", "year"])
wide = cost_path.pivot_table(index="year", columns="scenario", values="cost_eur", sort=False)
(wide / 1e6).round(1)  # million EUR, nominal""",
    ),
    (
        "code",
        """\
fig = res.plot.cost()
fig""",
    ),
    (
        "code",
        """\
fig = res.plot.matthew()
fig""",
    ),
]

# --------------------------------------------------------------------------------------------
BUDGET: Cells = [
    (
        "md",
        """\
# The budget view: funders, prices, present value, outstanding rights, Excel

*For budget officers.* What does a scenario cost each funder, year by year, in nominal and in
constant prices; what is the present value of the multi-year cost; how large are the rights
people hold but have not used yet (a liability for the funder); and how to hand it all over as
one Excel workbook. Assumptions (health-index growth, price base year, discount rate,
redemption rate) come from `data/parameters/costing.toml` and are shown below.""",
    ),
    ("code", SETUP),
    (
        "code",
        """\
pop = llrsim.synthesize(year=2024, n=10_000, seed=0)
res = llrsim.simulate(pop, ["S0", "S4", "S6"], years=range(2025, 2030), seed=0)
res.assumptions""",
    ),
    (
        "md",
        """\
## Cost by funder, nominal

Nominal EUR of each year. Amounts flagged `indexed` in the scenario files follow the health
index (*gezondheidsindex*).""",
    ),
    (
        "code",
        """\
nominal = res.cost(by=["scenario", "year", "funder"])
wide = nominal.pivot_table(
    index=["scenario", "funder"], columns="year", values="cost_eur", sort=False
)
(wide / 1e6).round(2)  # million EUR, nominal""",
    ),
    (
        "md",
        """\
By component (payout to persons or providers, employer cost, own contribution, admin, IT) and
by policy competence (who sets the rules):""",
    ),
    (
        "code",
        """\
by_component = res.cost(by=["scenario", "component"])
wide = by_component.pivot_table(
    index="component", columns="scenario", values="cost_eur", sort=False
)
(wide / 1e6).round(2)  # million EUR, nominal, all years""",
    ),
    (
        "code",
        """\
by_competence = res.cost(by=["scenario", "competence"])
wide = by_competence.pivot_table(
    index="competence", columns="scenario", values="cost_eur", sort=False
)
(wide / 1e6).round(2)  # million EUR, nominal, all years""",
    ),
    (
        "md",
        """\
## Constant prices

`prices="constant"` deflates with the health-index path to prices of the base year.""",
    ),
    (
        "code",
        """\
print("price base year:", res.base_year)
res.health_index()""",
    ),
    (
        "code",
        """\
constant = res.cost(by=["scenario", "year"], prices="constant")
both = res.cost(by=["scenario", "year"]).merge(
    constant, on=["scenario", "year"], suffixes=("_nominal", "_constant")
)
both""",
    ),
    (
        "md",
        """\
## Present value

Default: the real discount rate of the assumptions applied to constant prices. A nominal rate
goes with nominal prices. Sensitivity to the rate is one line.""",
    ),
    (
        "code",
        """\
pv = [res.present_value()]
for rate in (0.01, 0.05):
    pv.append(res.present_value(rate=rate))
pd.concat(pv, ignore_index=True)""",
    ),
    (
        "code",
        """\
res.present_value(by=["scenario", "funder"])""",
    ),
    (
        "md",
        """\
## Outstanding rights (liability)

At each year end people hold unused balances: money at face value, time valued at the
employer reimbursement rate. `expected_redemption_eur` applies the redemption-rate assumption
(the share eventually used).""",
    ),
    (
        "code",
        """\
liability = res.liability(by=["scenario", "year", "instrument"])
liability[liability["outstanding_eur"] > 0]""",
    ),
    (
        "code",
        """\
ledger = res.ledger()
print("every ledger balances to the cent:", bool(ledger["balanced"].all()))
ledger[(ledger["scenario"] == "S6") & (ledger["accrued"] > 0)]""",
    ),
    (
        "md",
        """\
## Excel for the budget

One workbook with a README sheet (every sheet described), the run manifest, budgets with
years as columns (nominal and constant), by instrument and competence, take-up, Matthew
effect and liability.""",
    ),
    (
        "code",
        """\
from openpyxl import load_workbook

path = res.to_excel("llr_budget.xlsx")
workbook = load_workbook(path, read_only=True)
print(path, workbook.sheetnames)
pd.read_excel(path, sheet_name="budget totals")""",
    ),
    (
        "code",
        """\
fig = res.plot.cost(prices="constant")
fig""",
    ),
]

# --------------------------------------------------------------------------------------------
INCENTIVES: Cells = [
    (
        "md",
        """\
# Today's incentives: which, how much, for whom

Part 1 of the VIONA study was an inventory of the existing training and career incentives
across policy levels. llrsim ships it as sourced data (`data/scenarios/inventory*.csv`) and
uses it as the baseline scenario S0. Users and budgets are shown **where published** (or
derived from published numbers, with the derivation in a note); an unpublished figure is
marked as such, never invented.""",
    ),
    ("code", SETUP),
    (
        "code",
        """\
inv = llrsim.scenarios.inventory()
inv[["id", "name", "level", "kind", "paying_authority", "users_per_year", "users_unit",
     "users_year", "users_status", "budget_meur_per_year", "budget_year", "budget_status"]]""",
    ),
    (
        "md",
        """\
## How much

Budget per year (million EUR) and users per year, coloured by policy level; hatched bars are
derived figures.""",
    ),
    (
        "code",
        """\
fig = llrsim.scenarios.plot_inventory()
fig""",
    ),
    (
        "code",
        """\
inv.groupby("level").agg(
    instruments=("id", "size"),
    budget_published_meur=("budget_meur_per_year", "sum"),
    budgets_not_published=("budget_status", lambda s: int((s == "not published").sum())),
)""",
    ),
    (
        "code",
        """\
notes = inv[["id", "users_status", "users_note", "budget_status", "budget_note"]]
notes[(notes["users_status"] != "published") | (notes["budget_status"] != "published")]""",
    ),
    (
        "md",
        """\
## For whom

The inventory's description of beneficiaries and eligibility, next to the eligibility rule
the model applies to the same instrument in S0.""",
    ),
    (
        "code",
        """\
s0 = llrsim.scenarios.load("S0").describe()
for_whom = inv.set_index("id")[["beneficiary", "target_group", "eligibility", "amounts"]]
model = s0[["target_group", "mechanism"]].add_suffix(" (model)")
for_whom.join(model)""",
    ),
    (
        "md",
        """\
## The model's S0 against the inventory

Simulated users of each instrument in the first simulated year against the users in the
inventory. The ratio is shown only where the inventory counts persons (not cheques or
training actions). Behaviour is calibrated so
that S0 reproduces the latest observed use; see `docs/validation.md`.""",
    ),
    (
        "code",
        """\
pop = llrsim.synthesize(year=2024, n=20_000, seed=0)
res = llrsim.simulate(pop, ["S0"], years=range(2025, 2026), seed=0)
sim = res.takeup(by=["scenario", "year", "group", "instrument"])
sim = sim[sim["group"] == "all"].set_index("instrument")[["eligible", "users", "takeup_rate"]]
observed = inv.set_index("id")[["users_per_year", "users_unit", "users_year", "users_status"]]
table = sim.join(observed, how="left")
same_unit = table["users_unit"] == "persons"
table["simulated / inventory"] = (table["users"] / table["users_per_year"]).where(same_unit)
table""",
    ),
    (
        "code",
        """\
spend = res.cost(by=["instrument", "funder"])
spend = spend[spend["funder"].isin(["flemish_government", "federal_government", "sector_fund"])]
spend = spend.groupby("instrument", sort=False)["cost_eur"].sum() / 1e6
spend.to_frame("simulated public cost 2025 (M EUR)").join(
    inv.set_index("id")[["budget_meur_per_year", "budget_year", "budget_status"]], how="left"
)""",
    ),
    (
        "code",
        """\
fig = res.plot.takeup(instrument="opleidingscheques")
fig""",
    ),
]

MONTECARLO: Cells = [
    (
        "md",
        """\
# Uncertainty and sensitivity: Monte Carlo, fan charts, Sobol indices, Dask

*For researchers.* Many behavioural numbers have no Flemish source; the data files label them
as assumptions and give each a plausible range and a distribution
([`docs/parameters.md`](../docs/parameters.md)). `llrsim.montecarlo` draws these parameters,
runs `simulate` once per draw on the same population and scenarios, and summarises the
draws: quantiles and fan charts for uncertainty, paired scenario differences, and Sobol
indices for which input matters. Results do not depend on where the draws ran (serial,
local processes or a Dask cluster).

The run below is deliberately tiny (5,000 records, 3 years, a handful of draws) so that it
finishes in seconds; intervals from so few draws are rough. For results you report, use a
larger population and `n` in the hundreds.""",
    ),
    ("code", SETUP),
    (
        "md",
        """\
## Which parameters are uncertain

By default every ranged parameter of `data/parameters/behaviour.toml` varies
(`default_names()`); `uncertain="all"` adds the ranged demography and costing parameters,
and a list or dict chooses and overrides (see `llrsim.montecarlo.uncertain`). Ranged values
of the scenario files (awareness, friction, IT cost, listed by `Scenario.uncertain()`) vary
only when named with a colon: `"*:vov.awareness"` draws one value shared by every scenario,
`"S4:it_cost_oneoff_eur"` varies it in S4 only.""",
    ),
    (
        "code",
        """\
from llrsim.parameters import load_parameters

behaviour = load_parameters("behaviour").to_frame().set_index("name")
names = llrsim.montecarlo.default_names()
behaviour.loc[names, ["value", "low", "high", "distribution", "unit"]]""",
    ),
    (
        "md",
        """\
## Monte Carlo over the behavioural parameters

Latin hypercube sampling (`sampler="lhs"`, the default); `backend="serial"` runs in this
process. Each draw is a full simulation of both scenarios with the same random numbers.""",
    ),
    (
        "code",
        """\
pop = llrsim.synthesize(year=2024, n=5_000, seed=0)
years = range(2025, 2028)
mc = llrsim.montecarlo(
    pop, ["S0", "S4"], n=16, years=years, seed=0, backend="serial", progress=False
)
mc""",
    ),
    (
        "code",
        """\
mc.samples.head()  # the parameter values of each draw""",
    ),
    (
        "code",
        """\
mc.quantiles("cost", by=["scenario", "year"])  # budget cost, nominal EUR: 5 / 50 / 95 %""",
    ),
    (
        "md",
        """\
The **paired difference** compares the scenarios draw by draw (same parameters, same random
numbers), so its interval is narrower than the difference of two intervals.""",
    ),
    (
        "code",
        """\
mc.difference("cost", baseline="S0", by=["scenario"])  # extra cost over the period""",
    ),
    (
        "code",
        """\
ax = mc.plot_fan("cost")
ax.figure""",
    ),
    (
        "md",
        """\
## Sobol indices: which input drives the cost of S4

Sobol indices need the Saltelli design (`sampler="saltelli"`): `n` base samples give
`n * (2D + 2)` draws for `D` inputs. `S1` is the share of the output variance due to an input
alone, `ST` including its interactions; `*_conf` are bootstrap half-widths (large here,
with so few draws).""",
    ),
    (
        "code",
        """\
inputs = [
    "participation.intercept",
    "response.beta_money",
    "takeup.new_right.intercept",
    "episode.cost_per_hour_eur",
    "S4:llr_money_selective.awareness",  # a ranged value of the scenario file
]
sa = llrsim.montecarlo(
    pop,
    ["S4"],
    n=8,
    years=years,
    seed=0,
    uncertain=inputs,
    sampler="saltelli",
    backend="serial",
    progress=False,
)
print(sa.n_draws, "draws")
sa.sobol("cost", by=["scenario"])""",
    ),
    (
        "code",
        """\
ax = sa.plot_sobol("cost")
ax.figure""",
    ),
    (
        "md",
        """\
## The same run on a Dask cluster

`backend="dask"` sends the draws to a Dask cluster. Without a `client`, llrsim starts a
local cluster of `workers` processes and closes it afterwards, as below; on a real cluster,
pass a client connected to its scheduler:

```python
from dask.distributed import Client

client = Client("tcp://scheduler-address:8786")
mc = llrsim.montecarlo(pop, ["S0", "S4"], n=500, seed=0, backend="dask", client=client)
```

Every draw is keyed by the run's seed and the draw number, so the results are identical
bit for bit to a serial run. A long run can write every finished draw at once and resume
after an interruption with `checkpoint="mc_run/"`.""",
    ),
    (
        "code",
        """\
small = dict(n=4, years=years, seed=0, progress=False)
on_dask = llrsim.montecarlo(pop, ["S0", "S4"], backend="dask", workers=2, **small)
serial = llrsim.montecarlo(pop, ["S0", "S4"], backend="serial", **small)
same = on_dask.per_draw("cost").equals(serial.per_draw("cost"))
print("Dask and serial runs identical:", same)
on_dask.per_draw("cost").head()""",
    ),
]

NOTEBOOKS: dict[str, Cells] = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_scenarios_and_growth_path.ipynb": SCENARIOS,
    "03_montecarlo_sensitivity.ipynb": MONTECARLO,
    "04_budget.ipynb": BUDGET,
    "05_incentives_today.ipynb": INCENTIVES,
}


def build(name: str, cells: Cells) -> nbformat.NotebookNode:
    """One notebook without outputs; cell ids are stable so rebuilding changes nothing."""
    stem = name.removesuffix(".ipynb")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for k, (kind, source) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        cell = make(source)
        cell["id"] = f"{stem[:2]}-{k:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(name: str, cells: Cells) -> str:
    """The file text of notebook ``name``."""
    return nbformat.writes(build(name, cells), version=4) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    parser.add_argument("--out", type=Path, default=HERE, help="directory (default: here)")
    args = parser.parse_args(argv)
    stale = []
    for name, cells in NOTEBOOKS.items():
        text = render(name, cells)
        target = args.out / name
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            target.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run python notebooks/_build.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
