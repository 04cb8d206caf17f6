"""Ratios with an explicit missing marker instead of NaN.

A ratio with a zero denominator (no eligible persons, no additional participants, no low-
educated participants) has no value. NaN in an output is a bug in llrsim, so such a ratio is
``pandas.NA`` in a nullable ``Float64`` column, and a companion ``*_note`` column says why.
Every NA in an output has a non-empty note; every defined value has an empty note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ratio(numerator: pd.Series, denominator: pd.Series, reason: str) -> tuple[pd.Series, pd.Series]:
    """``numerator / denominator`` as ``Float64`` with ``pd.NA`` where the denominator is 0.

    Returns the ratio and a string note (``reason`` where NA, ``""`` elsewhere).
    """
    num = numerator.astype("float64").to_numpy()
    den = denominator.astype("float64").to_numpy()
    zero = den == 0
    if not (np.all(np.isfinite(num)) and np.all(np.isfinite(den))):
        raise ValueError("ratio: numerator and denominator must be finite")
    values = np.divide(num, den, out=np.zeros_like(num), where=~zero)
    out = pd.arrays.FloatingArray(values, zero.copy())  # masked (NA) where den == 0
    # the note has two values: take them by position instead of converting every row
    note = pd.array(["", reason], dtype="str").take(zero.astype(np.intp))
    return pd.Series(out, index=numerator.index), pd.Series(note, index=numerator.index)


def assert_no_nan(frame: pd.DataFrame, what: str) -> None:
    """Raise ``ValueError`` if ``frame`` has NaN/inf floats, an NA without a note (see the
    module docstring) or a missing label; run on every table ``Results`` returns."""
    for col in frame.columns:
        s = frame[col]
        if s.dtype == "float64":
            if not np.all(np.isfinite(s.to_numpy())):
                raise ValueError(f"{what}: column '{col}' has NaN or inf (a bug)")
        elif isinstance(s.dtype, pd.Float64Dtype):
            na = s.isna().to_numpy()
            note_col = f"{col}_note"
            if na.any():
                if note_col not in frame.columns:
                    raise ValueError(f"{what}: column '{col}' has NA without '{note_col}'")
                if (frame.loc[na, note_col].astype("str") == "").any():
                    raise ValueError(f"{what}: column '{col}' has NA with an empty note")
            vals = s.dropna().to_numpy(dtype="float64")
            if not np.all(np.isfinite(vals)):
                raise ValueError(f"{what}: column '{col}' has NaN or inf (a bug)")
        elif s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            if s.isna().any():
                raise ValueError(f"{what}: column '{col}' has missing labels")
