"""The tidy tables behind ``Results`` equal their plain pandas/xarray definitions.

``person_frame``, ``instrument_frame``, the cost lines and ``canonical`` are built by position
for speed (a Monte Carlo run builds them in every draw); these tests pin them to the
straightforward constructions they replace, to the bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_costing_fixture import make_instruments, make_it_costs, make_tallies

from llrsim.costing.ratios import ratio
from llrsim.costing.tallies import (
    INSTRUMENT_DIMS,
    INSTRUMENT_VARS,
    PERSON_DIMS,
    PERSON_VARS,
    instrument_frame,
    person_frame,
)
from llrsim.montecarlo.outputs import canonical
from llrsim.results import Results


def test_person_and_instrument_frames_equal_xarray_to_dataframe() -> None:
    ds = make_tallies()
    persons = ds[list(PERSON_VARS)].transpose(*PERSON_DIMS).to_dataframe().reset_index()
    pd.testing.assert_frame_equal(
        person_frame(ds), persons[[*PERSON_DIMS, *PERSON_VARS]], check_exact=True
    )
    inst = ds[list(INSTRUMENT_VARS)].transpose(*INSTRUMENT_DIMS).to_dataframe().reset_index()
    inst["unit"] = inst["instrument"].map(pd.Series(ds["unit"].values, ds["instrument"].values))
    pd.testing.assert_frame_equal(
        instrument_frame(ds), inst[[*INSTRUMENT_DIMS, "unit", *INSTRUMENT_VARS]], check_exact=True
    )


@pytest.mark.parametrize("it_costs", [None, make_it_costs()])
@pytest.mark.parametrize(
    "by", [["scenario", "year", "funder"], ["instrument", "item"], ["competence"], []]
)
@pytest.mark.parametrize("prices", ["nominal", "constant"])
def test_cost_without_group_is_the_same_from_all_lines_or_the_group_all_lines(
    it_costs: pd.DataFrame | None, by: list[str], prices: str
) -> None:
    """A fresh ``Results`` builds only the ``all`` lines for a total; one that built every
    line first selects them: both give the same table."""
    lazy = Results(make_tallies(), make_instruments(), it_costs=it_costs)
    full = Results(make_tallies(), make_instruments(), it_costs=it_costs)
    lines = full._lines
    pd.testing.assert_frame_equal(
        lazy.cost(by, prices=prices), full.cost(by, prices=prices), check_exact=True
    )
    all_lines = lines.loc[lines["group"] == "all"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        lazy._lines_all.reset_index(drop=True), all_lines, check_exact=True
    )


def test_canonical_labels_do_not_depend_on_the_string_dtype() -> None:
    """String labels are converted per distinct value; the result equals the row-by-row
    conversion of an object column, missing labels (``"nan"``) included."""
    labels = ["S0", "S1", None, "S0"]
    frame = pd.DataFrame(
        {
            "scenario": pd.array(labels, dtype="str"),
            "year": np.array([2025, 2025, 2026, 2026]),
            "funder": pd.array(["employer"] * 4, dtype="str"),
            "cost_eur": [1.0, 2.0, 3.0, 4.0],
        }
    )
    as_object = frame.astype({"scenario": object, "funder": object})
    by = ["scenario", "year", "funder"]
    out = canonical(frame, "cost", by)
    pd.testing.assert_frame_equal(out, canonical(as_object, "cost", by), check_exact=True)
    assert out["scenario"].tolist() == ["S0", "S1", "nan", "S0"]


def test_ratio_marks_zero_denominators_na_with_the_reason() -> None:
    num = pd.Series([1, 0, 3], index=[5, 6, 7])
    den = pd.Series([2, 0, 0], index=[5, 6, 7])
    value, note = ratio(num, den, "no persons")
    assert str(value.dtype) == "Float64" and list(value.index) == [5, 6, 7]
    assert value.iloc[0] == 0.5 and value.iloc[1:].isna().all()
    assert note.tolist() == ["", "no persons", "no persons"] and note.dtype == "str"
