"""The inventory of existing training and career incentives (part 1 of the VIONA study).

Two sourced tables in ``data/scenarios/`` (checked by :mod:`llrsim.tables`):

- ``inventory.csv``: one row per instrument: level (policy competence), paying authority,
  kind (money | time | voucher | service | employer_obligation), beneficiary, target group,
  eligibility, amounts and ceilings as published, source URL;
- ``inventory_figures.csv``: users per year and budget per year **where published**, or
  derived from sourced numbers (status ``derived``, e.g. VOV ≈ 63 M EUR/yr = 55,793 users ×
  53 h × 21.30 EUR/h). A figure without a row is not published; :func:`inventory` says so
  in the status columns instead of inventing a number.

The ids are the instrument ids of scenario S0 (``llrsim/scenarios/files/S0.toml``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llrsim.errors import DataError
from llrsim.tables import load_table

LEVELS = ("flemish", "federal", "sectoral")
KINDS = ("money", "time", "voucher", "service", "employer_obligation")
STATUSES = ("published", "derived", "proxy")
NOT_PUBLISHED = "not published"
NO_ESTIMATE = "not published; no sourced basis for an estimate in the compiled sources"
LEVEL_COLOURS = {"flemish": "#f2c500", "federal": "#1f4e9c", "sectoral": "#3a9d5d"}


def inventory() -> pd.DataFrame:
    """The inventory as one row per instrument, with users and budget per year.

    Columns: the descriptive columns of ``inventory.csv`` plus ``users_per_year``,
    ``users_unit``, ``users_year``, ``users_status``, ``users_note``, ``budget_meur_per_year``
    (M EUR per year), ``budget_year``, ``budget_status``, ``budget_note``. Missing figures are
    NaN with status ``"not published"`` and a note saying no estimate could be sourced;
    derived estimates carry status ``"derived"`` and their calculation in the note.
    """
    inv = load_table("scenarios/inventory").frame.copy()
    fig = load_table("scenarios/inventory_figures").frame
    for col, allowed in (("level", LEVELS), ("kind", KINDS)):
        bad = inv.loc[~inv[col].isin(allowed)]
        if len(bad):
            raise DataError(
                f"data/scenarios/inventory.csv: {col} {bad[col].iloc[0]!r} for "
                f"{bad['id'].iloc[0]!r} not one of {allowed}"
            )
    unknown = sorted(set(fig["id"]) - set(inv["id"]))
    if unknown:
        raise DataError(f"data/scenarios/inventory_figures.csv: ids {unknown} not in inventory")
    bad = fig.loc[~fig["status"].isin(STATUSES) | ~fig["measure"].isin(("users", "budget"))]
    if len(bad):
        raise DataError(
            f"data/scenarios/inventory_figures.csv: row for {bad['id'].iloc[0]!r}: status must be "
            f"one of {STATUSES}, measure users or budget"
        )
    if (fig.loc[fig["measure"] == "budget", "unit"] != "M EUR").any():
        raise DataError("data/scenarios/inventory_figures.csv: budgets must be in 'M EUR'")
    users = fig[fig["measure"] == "users"].set_index("id")
    budget = fig[fig["measure"] == "budget"].set_index("id")
    out = inv.set_index("id")
    out["users_per_year"] = users["value"].reindex(out.index)
    out["users_unit"] = users["unit"].reindex(out.index)
    out["users_year"] = users["year"].reindex(out.index)
    out["users_status"] = users["status"].reindex(out.index).fillna(NOT_PUBLISHED)
    out["budget_meur_per_year"] = budget["value"].reindex(out.index)
    out["budget_year"] = budget["year"].reindex(out.index)
    out["budget_status"] = budget["status"].reindex(out.index).fillna(NOT_PUBLISHED)
    out["users_note"] = users["note"].reindex(out.index).fillna(NO_ESTIMATE)
    out["budget_note"] = budget["note"].reindex(out.index).fillna(NO_ESTIMATE)
    return out.reset_index()


def plot_inventory(frame: pd.DataFrame | None = None):  # -> matplotlib.figure.Figure
    """Budget (M EUR/yr) and users per year by instrument, coloured by level; one call.

    Derived figures are hatched, unpublished ones are marked "not published". Users are in
    their own units (persons, cheques, training actions), written next to each bar.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    inv = inventory() if frame is None else frame
    inv = inv.sort_values(["level", "id"]).reset_index(drop=True)
    fig, (ax_b, ax_u) = plt.subplots(1, 2, figsize=(13, 0.45 * len(inv) + 2), sharey=True)
    ypos = np.arange(len(inv))
    colours = [LEVEL_COLOURS[lv] for lv in inv["level"]]
    for ax, col, status_col, xlabel in (
        (ax_b, "budget_meur_per_year", "budget_status", "public budget (M EUR per year)"),
        (ax_u, "users_per_year", "users_status", "users per year (unit next to bar)"),
    ):
        values = inv[col].fillna(0.0).to_numpy(dtype=float)
        bars = ax.barh(ypos, values, color=colours, edgecolor="black", linewidth=0.5)
        top = float(np.nanmax(values)) if np.nanmax(values) > 0 else 1.0
        for k, (bar, status) in enumerate(zip(bars, inv[status_col], strict=True)):
            if status == "derived":
                bar.set_hatch("//")
            fmt = "{:,.0f}" if col == "users_per_year" else "{:,.1f}"
            label = NOT_PUBLISHED if status == NOT_PUBLISHED else fmt.format(values[k])
            if col == "users_per_year" and status != NOT_PUBLISHED:
                label += f" {inv['users_unit'].iloc[k]}"
            if status == "derived":
                label += " (derived)"
            ax.text(values[k] + 0.01 * top, k, label, va="center", fontsize=8)
        ax.set_xlabel(xlabel)
        ax.set_xlim(0, top * 1.45)
        ax.grid(axis="x", alpha=0.3)
    ax_b.set_yticks(ypos, [f"{n} ({lv})" for n, lv in zip(inv["id"], inv["level"], strict=True)])
    ax_b.invert_yaxis()
    ax_b.set_ylabel("instrument (policy level)")
    handles = [Patch(color=c, label=lv) for lv, c in LEVEL_COLOURS.items()]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="//", label="derived"))
    ax_u.legend(handles=handles, loc="lower right", fontsize=8)
    fig.suptitle("Existing training incentives in Flanders: budget and users (latest year)")
    fig.tight_layout()
    return fig
