"""Compact storage of the per-draw outputs: one label block per output, values per draw.

Every draw of a run yields the same rows (the same scenarios, years, groups, instruments,
funders, in run order); only the values differ. So each output is kept as one label table
(categorical columns, ``R`` rows) and, per value column, an ``n_draws x R`` array. For the
default outputs of 7 scenarios x 10 years this is about 0.25 MB per draw (take-up by group
and instrument dominates), i.e. about 250 MB for 1,000 draws; ``outputs=`` can cut it.
A draw whose rows differ from the first draw's is refused (it would be an engine bug).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from llrsim.montecarlo.outputs import SPECS, OutputError


class Store:
    """Collects each draw's tables (:func:`llrsim.montecarlo.outputs.canonical` form)."""

    def __init__(self, outputs: Mapping[str, tuple[str, ...]], n_draws: int) -> None:
        self.outputs = dict(outputs)
        self.n_draws = int(n_draws)
        self._raw_labels: dict[str, pd.DataFrame] = {}
        self.labels: dict[str, pd.DataFrame] = {}
        self.values: dict[str, dict[str, np.ndarray]] = {}
        self.filled = np.zeros(self.n_draws, dtype=bool)

    def __contains__(self, draw: object) -> bool:
        return isinstance(draw, int | np.integer) and bool(self.filled[int(draw)])

    def __len__(self) -> int:
        return int(self.filled.sum())

    def add(self, draw: int, frames: Mapping[str, pd.DataFrame]) -> None:
        """Keep draw ``draw``'s values (refuses a second copy or rows unlike draw 0's)."""
        if self.filled[draw]:
            raise OutputError(f"internal: draw {draw} stored twice")
        if set(frames) != set(self.outputs):
            raise OutputError(
                f"draw {draw}: outputs {sorted(frames)}, expected {sorted(self.outputs)}"
            )
        for name, by in self.outputs.items():
            frame = frames[name]
            labels = frame[list(by)]
            if name not in self._raw_labels:
                self._raw_labels[name] = labels.reset_index(drop=True)
                block = labels.reset_index(drop=True).copy()
                for col in by:
                    if block[col].dtype.kind not in "iu":
                        block[col] = pd.Categorical(
                            block[col].to_numpy(), categories=pd.unique(block[col].to_numpy())
                        )
                self.labels[name] = block
                self.values[name] = {
                    col: np.zeros((self.n_draws, len(frame)), dtype=frame[col].dtype)
                    for col in SPECS[name].values
                }
            elif not labels.reset_index(drop=True).equals(self._raw_labels[name]):
                raise OutputError(
                    f"draw {draw}: the rows of output {name!r} differ from draw 0's "
                    "(every draw must report the same labels in the same order)"
                )
            for col, arr in self.values[name].items():
                arr[draw] = frame[col].to_numpy(dtype=arr.dtype)
        self.filled[draw] = True

    def check_complete(self) -> None:
        """Refuse to summarise a run with a draw missing."""
        missing = np.flatnonzero(~self.filled)
        if missing.size:
            raise OutputError(f"internal: draws {missing[:10].tolist()} have no result")
