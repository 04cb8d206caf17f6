"""Take-up and impact indicators: eligibility, use, deadweight, participation, Matthew effect.

Counts are persons (weighted) per year. Summed over years they become person-years (a person
using an instrument in two years counts twice). Target groups overlap: without ``group`` in
``by`` the ``all`` group is used, never a sum over groups. Ratios follow ``ratios``: NA with a
note when undefined, never NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from llrsim.costing.ratios import ratio
from llrsim.costing.tallies import ALL_GROUP
from llrsim.errors import DataError

HIGH_EDUCATED = "high_educated"
LOW_EDUCATED = "low_educated"


def _select(
    frame: pd.DataFrame, by: Sequence[str], allowed: Sequence[str], what: str
) -> tuple[list[str], pd.DataFrame]:
    by = list(by)
    unknown = [b for b in by if b not in allowed]
    if unknown:
        raise ValueError(f"{what}: unknown 'by' columns {unknown}; allowed {list(allowed)}")
    sel = frame if "group" in by else frame.loc[frame["group"] == ALL_GROUP]
    return by, sel


def _sum(sel: pd.DataFrame, by: list[str], cols: list[str]) -> pd.DataFrame:
    if not by:
        return sel[cols].sum().to_frame().T.astype("int64")
    out = sel.groupby(by, sort=False, observed=True)[cols].sum().reset_index()
    return out


def instrument_takeup(
    instruments: pd.DataFrame, by: Sequence[str] = ("scenario", "year", "group", "instrument")
) -> pd.DataFrame:
    """Per instrument: ``eligible``, ``users``, ``takeup_rate`` (users / eligible),
    ``deadweight_users`` (users who would have trained anyway), ``deadweight_share``
    (deadweight / users), ``additional_users`` (users - deadweight) and ``transactions``."""
    by, sel = _select(instruments, by, ("scenario", "year", "group", "instrument"), "takeup")
    cols = ["eligible", "users", "deadweight_users", "transactions"]
    out = _sum(sel, by, cols)
    out["additional_users"] = out["users"] - out["deadweight_users"]
    out["takeup_rate"], out["takeup_rate_note"] = ratio(
        out["users"], out["eligible"], "no eligible persons"
    )
    out["deadweight_share"], out["deadweight_share_note"] = ratio(
        out["deadweight_users"], out["users"], "no users"
    )
    order = [
        *by,
        "eligible",
        "users",
        "takeup_rate",
        "deadweight_users",
        "deadweight_share",
        "additional_users",
        "transactions",
        "takeup_rate_note",
        "deadweight_share_note",
    ]
    return out[order]


def participation(
    persons: pd.DataFrame, by: Sequence[str] = ("scenario", "year", "group")
) -> pd.DataFrame:
    """Training participation over all instruments: ``persons``, ``participants``,
    ``participation_rate`` (participants / persons), ``participants_baseline`` (would have
    trained without any new right, i.e. deadweight at person level), ``additional_participants``
    and ``training_hours`` (training minutes / 60)."""
    by, sel = _select(persons, by, ("scenario", "year", "group"), "participation")
    cols = ["persons", "participants", "participants_baseline", "additional_participants"]
    out = _sum(sel, by, [*cols, "training_minutes"])
    out["training_hours"] = out["training_minutes"].astype("float64") / 60.0
    out["participation_rate"], out["participation_rate_note"] = ratio(
        out["participants"], out["persons"], "no persons"
    )
    order = [
        *by,
        "persons",
        "participants",
        "participation_rate",
        "participants_baseline",
        "additional_participants",
        "training_hours",
        "participation_rate_note",
    ]
    return out[order]


def matthew_effect(
    persons: pd.DataFrame,
    instruments: pd.DataFrame | None = None,
    by: Sequence[str] = ("scenario", "year"),
) -> pd.DataFrame:
    """Matthew-effect ratio: participation of the high-educated over the low-educated.

    Without ``instrument`` in ``by``: training participation rates (participants / persons)
    of groups ``high_educated`` and ``low_educated``. With ``instrument``: each instrument's
    take-up rates (users / eligible). A ratio above 1 means the instrument or scenario
    favours those who already train most. ``by`` is a subset of scenario, year, instrument.
    """
    by = list(by)
    unknown = [b for b in by if b not in ("scenario", "year", "instrument")]
    if unknown:
        raise ValueError(f"matthew: unknown 'by' columns {unknown}")
    if "instrument" in by:
        if instruments is None:
            raise ValueError("matthew: 'instrument' in by needs the instrument tallies")
        frame, num, den, label = instruments, "users", "eligible", "takeup_rate"
    else:
        frame, num, den, label = persons, "participants", "persons", "participation_rate"
    groups = set(frame["group"])
    for g in (HIGH_EDUCATED, LOW_EDUCATED):
        if g not in groups:
            raise DataError(f"matthew: target group '{g}' missing; groups are {sorted(groups)}")
    rates = {}
    for g in (HIGH_EDUCATED, LOW_EDUCATED):
        sel = frame.loc[frame["group"] == g]
        s = _sum(sel, by, [num, den])
        s = s.rename(columns={num: f"{num}_{g}", den: f"{den}_{g}"})
        rates[g] = s
    out = (
        rates[HIGH_EDUCATED].merge(rates[LOW_EDUCATED], on=by)
        if by
        else pd.concat([rates[HIGH_EDUCATED], rates[LOW_EDUCATED]], axis=1)
    )
    hi, lo = f"{label}_{HIGH_EDUCATED}", f"{label}_{LOW_EDUCATED}"
    out[hi], out[f"{hi}_note"] = ratio(
        out[f"{num}_{HIGH_EDUCATED}"], out[f"{den}_{HIGH_EDUCATED}"], f"no {den} in {HIGH_EDUCATED}"
    )
    out[lo], out[f"{lo}_note"] = ratio(
        out[f"{num}_{LOW_EDUCATED}"], out[f"{den}_{LOW_EDUCATED}"], f"no {den} in {LOW_EDUCATED}"
    )
    lo_num = out[f"{num}_{LOW_EDUCATED}"].astype("float64") * out[f"{den}_{HIGH_EDUCATED}"]
    hi_num = out[f"{num}_{HIGH_EDUCATED}"].astype("float64") * out[f"{den}_{LOW_EDUCATED}"]
    # ratio of rates = (n_hi / d_hi) / (n_lo / d_lo) = (n_hi * d_lo) / (n_lo * d_hi)
    out["matthew_ratio"], note = ratio(hi_num, lo_num, f"no {num} among {LOW_EDUCATED}")
    undefined_hi = out[f"{den}_{HIGH_EDUCATED}"] == 0
    note = note.where(~undefined_hi, f"no {den} in {HIGH_EDUCATED}")
    out.loc[undefined_hi, "matthew_ratio"] = pd.NA
    out["matthew_ratio_note"] = note
    return out.reset_index(drop=True)
