"""Cost per additional participant: extra budget per person who trains because of the policy.

``(cost(scenario) - cost(baseline)) / (additional(scenario) - additional(baseline))`` per
target group (and optionally year), where *additional* are participants who train only
because of a new right (p0 <= u < p1; deadweight excluded). With the kernel's baseline S0 the
baseline's additional participants are 0. Cost is the total of all components (all funders);
for target groups other than ``all`` it contains only person-level lines (no IT, no fixed
admin). Zero additional participants: ``pd.NA`` with the note "no additional participants",
never NaN or inf.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from llrsim.costing.budget import aggregate_cost
from llrsim.costing.ratios import ratio
from llrsim.errors import DataError


def cost_per_additional_participant(
    lines: pd.DataFrame,
    persons: pd.DataFrame,
    baseline: str,
    by: Sequence[str] = ("scenario", "group"),
) -> pd.DataFrame:
    """Extra cost (EUR, nominal) per additional participant (person-years) vs ``baseline``.

    ``by`` must contain ``scenario``; ``group`` and ``year`` optional. Rows for every
    scenario except the baseline. Columns: ``by``, ``extra_cost_eur``,
    ``additional_participants``, ``cost_per_additional_participant_eur`` (Float64, NA when no
    additional participants) and ``cost_per_additional_participant_eur_note``.
    """
    by = list(by)
    if "scenario" not in by or not set(by) <= {"scenario", "group", "year"}:
        raise ValueError(
            "cost per participant: by must contain 'scenario' and be within "
            f"scenario, group, year; got {by}"
        )
    if baseline not in set(persons["scenario"]):
        raise DataError(
            f"baseline scenario {baseline!r} not in the run {sorted(set(persons['scenario']))}"
        )
    keys = [b for b in by if b != "scenario"]
    cost = aggregate_cost(lines, by)
    pers = persons if "group" in by else persons.loc[persons["group"] == "all"]
    add = pers.groupby(by, sort=False)["additional_participants"].sum().reset_index()
    df = add.merge(cost, on=by, how="left", validate="one_to_one")
    df["cost_cents"] = df["cost_cents"].fillna(0).astype("int64")  # no cost line = zero cost
    base = df.loc[df["scenario"] == baseline].drop(columns="scenario")
    base = base.rename(columns={"cost_cents": "base_cents", "additional_participants": "base_add"})
    df = df.loc[df["scenario"] != baseline]
    df = (
        df.merge(base, on=keys, how="left", validate="many_to_one")
        if keys
        else df.merge(base, how="cross")
    )
    df["extra_cost_eur"] = (df["cost_cents"] - df["base_cents"]).astype("float64") / 100.0
    df["additional_participants"] = (df["additional_participants"] - df["base_add"]).astype("int64")
    col = "cost_per_additional_participant_eur"
    df[col], df[f"{col}_note"] = ratio(
        df["extra_cost_eur"], df["additional_participants"], "no additional participants"
    )
    return df[[*by, "extra_cost_eur", "additional_participants", col, f"{col}_note"]].reset_index(
        drop=True
    )
