"""``MonteCarloResults``: the compact outputs of every draw, with intervals and indices.

Tables are tidy: one row per draw and label combination, a ``draw`` column first (draw ``i``
ran with parameter values ``samples.iloc[i]`` and simulation seed ``seeds[i]``). Labels are
categorical in run order (scenarios as asked, years increasing, ...). Conventions of every
summary:

- values are summed over the labels not in ``by``, except ``group``: without ``group`` in
  ``by`` the rows of group ``all`` are used (groups overlap);
- ratios (``takeup_rate``, ``participation_rate``) are formed after summing numerator and
  denominator within each draw; where a denominator is zero in some draw the ratio is
  undefined: ``pandas.NA`` and a ``note`` saying in how many draws;
- quantiles are over draws (``numpy.quantile``, linear interpolation), columns ``q5``,
  ``q50``, ``q95`` for ``q=(0.05, 0.5, 0.95)``;
- NaN never appears.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llrsim.montecarlo.outputs import SPECS, OutputError
from llrsim.montecarlo.sampling import Design, SamplingError, sobol_indices

QUANTILES = (0.05, 0.5, 0.95)
ALL_GROUP = "all"


def qname(q: float) -> str:
    """Column name of quantile ``q``: ``0.05 -> "q5"``, ``0.025 -> "q2.5"``."""
    return f"q{round(100.0 * float(q), 6):g}"


def _check_q(q: Iterable[float]) -> list[float]:
    qs = [float(x) for x in q]
    if not qs or any(not 0.0 <= x <= 1.0 for x in qs):
        raise OutputError(f"q: expected quantiles in [0, 1], got {qs}")
    return qs


class MonteCarloResults:
    """The outputs of a Monte Carlo run, one set of compact tables per draw.

    Attributes
    ----------
    labels:
        Output name -> label table (one row per cell, categorical columns in run order);
        the same for every draw.
    values:
        Output name -> value column -> ``n_draws x cells`` array (row ``i`` is draw ``i``).
    design:
        The sample design (unit-cube rows and parameter values per draw).
    seeds:
        Simulation seed of each draw (``llrsim.montecarlo.sampling.draw_seed``).
    manifest:
        The run's specification and hash, backend, timing and resume information.
    """

    def __init__(
        self,
        labels: Mapping[str, pd.DataFrame],
        values: Mapping[str, Mapping[str, np.ndarray]],
        design: Design,
        seeds: Sequence[int],
        manifest: Mapping[str, Any],
    ) -> None:
        self.labels = dict(labels)
        self.values = {k: dict(v) for k, v in values.items()}
        self.design = design
        self.seeds = np.asarray(seeds, dtype=np.int64)
        self.manifest = json.loads(json.dumps(dict(manifest)))
        for name, cols in self.values.items():
            for col, arr in cols.items():
                if arr.shape != (design.n_draws, len(self.labels[name])):
                    raise OutputError(f"{name}.{col}: shape {arr.shape} does not fit the run")

    # ------------------------------------------------------------------ basics
    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return self.design.n_draws

    @property
    def samples(self) -> pd.DataFrame:
        """Parameter values per draw (``draw`` and one column per uncertain input)."""
        return self.design.frame()

    @property
    def outputs(self) -> list[str]:
        """Names of the outputs kept by the run."""
        return list(self.labels)

    @property
    def scenarios(self) -> list[str]:
        """Scenario labels in run order."""
        first = next(iter(self.labels.values()))
        return [str(s) for s in first["scenario"].cat.categories]

    def data(self, output: str) -> pd.DataFrame:
        """The tidy per-draw table of ``output``: ``draw``, the labels, the values.

        Built on demand (``n_draws x cells`` rows; large for take-up by group and instrument
        over many draws); summaries aggregate without building it.
        """
        self._check_output(output)
        lab = self.labels[output]
        n, r = self.n_draws, len(lab)
        out = pd.DataFrame({"draw": np.repeat(np.arange(n, dtype=np.int64), r)})
        for col in lab.columns:
            v = lab[col]
            if isinstance(v.dtype, pd.CategoricalDtype):
                out[col] = pd.Categorical.from_codes(
                    np.tile(v.cat.codes.to_numpy(), n), v.cat.categories
                )
            else:
                out[col] = np.tile(v.to_numpy(), n)
        for col, arr in self.values[output].items():
            out[col] = arr.reshape(-1)
        return out

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every output's tidy per-draw table (:meth:`data`); built on each access."""
        return {k: self.data(k) for k in self.labels}

    def _check_output(self, output: str) -> None:
        if output not in self.labels:
            raise OutputError(
                f"output {output!r} not kept by this run; kept: {sorted(self.labels)}"
            )

    def _labels(self, output: str) -> list[str]:
        self._check_output(output)
        return list(self.labels[output].columns)

    def _value(self, output: str, value: str | None) -> tuple[str, tuple[str, str] | None]:
        spec = SPECS[output]
        value = spec.default if value is None else value
        ratios = {r[0]: (r[1], r[2]) for r in spec.ratios}
        if value in spec.values:
            return value, None
        if value in ratios:
            return value, ratios[value]
        raise OutputError(
            f"output {output!r}: value {value!r} unknown; known: {[*spec.values, *ratios]}"
        )

    def per_draw(
        self, output: str, by: Sequence[str] | None = None, value: str | None = None
    ) -> pd.DataFrame:
        """``value`` of ``output`` per draw and ``by`` (columns ``draw, *by, value``).

        Sums over the labels not in ``by`` (group ``all`` only, without ``group`` in ``by``).
        A ratio adds its numerator and denominator columns and is ``pandas.NA`` where the
        denominator is zero. Rows are ordered by draw, then ``by`` in run order.
        """
        labels = self._labels(output)
        by = list(labels if by is None else by)
        bad = [b for b in by if b not in labels]
        if bad:
            raise OutputError(
                f"output {output!r}: by {bad} not kept; kept labels: {labels} (choose them "
                "with outputs= in llrsim.montecarlo)"
            )
        if len(set(by)) != len(by):
            raise OutputError(f"by: duplicate labels in {by}")
        value, ratio = self._value(output, value)
        lab = self.labels[output]
        keep = np.ones(len(lab), dtype=bool)
        if "group" in labels and "group" not in by:
            keep = (lab["group"] == ALL_GROUP).to_numpy()
        sub = lab[keep]
        if by:
            ids = sub.groupby(by, observed=True, sort=False).ngroup().to_numpy()
            keys = sub[by].drop_duplicates().reset_index(drop=True)
        else:
            ids = np.zeros(len(sub), dtype=np.int64)
            keys = pd.DataFrame(index=pd.RangeIndex(1))
        g, n = len(keys), self.n_draws
        out = pd.DataFrame({"draw": np.repeat(np.arange(n, dtype=np.int64), g)})
        for col in by:
            v = keys[col]
            if isinstance(v.dtype, pd.CategoricalDtype):
                out[col] = pd.Categorical.from_codes(
                    np.tile(v.cat.codes.to_numpy(), n), v.cat.categories
                )
            else:
                out[col] = np.tile(v.to_numpy(), n)
        cols = [value] if ratio is None else list(ratio)
        for col in cols:
            arr = self.values[output][col][:, keep]
            acc = np.zeros((g, n), dtype=arr.dtype)
            np.add.at(acc, ids, arr.T)
            out[col] = acc.T.reshape(-1)
        if ratio is not None:
            num, den = ratio
            d = out[den].to_numpy(dtype=np.float64)
            r = np.divide(out[num].to_numpy(dtype=np.float64), d, out=np.zeros_like(d), where=d > 0)
            out[value] = pd.array(r, dtype="Float64")
            out.loc[d <= 0, value] = pd.NA
        return out

    # ------------------------------------------------------------------ summaries
    def _summarise(
        self, frame: pd.DataFrame, by: list[str], value: str, fn: Any, names: list[str]
    ) -> pd.DataFrame:
        rows = []
        n = self.n_draws
        for key, grp in frame.groupby(by, observed=True, sort=False) if by else [((), frame)]:
            key = key if isinstance(key, tuple) else (key,)
            v = grp[value]
            missing = int(v.isna().sum()) + (n - len(v))
            row = dict(zip(by, key, strict=True))
            if missing:
                row.update(dict.fromkeys(names, pd.NA))
                row["note"] = f"undefined in {missing} of {n} draws (zero denominator)"
            else:
                row.update(zip(names, fn(v.to_numpy(dtype=np.float64)), strict=True))
                row["note"] = ""
            rows.append(row)
        out = pd.DataFrame(rows, columns=[*by, *names, "note"])
        for c in names:
            out[c] = pd.array(out[c].to_numpy(dtype=np.float64, na_value=np.nan), "Float64")
        if (out["note"] == "").all():
            out = out.drop(columns="note")
        return out

    def quantiles(
        self,
        output: str = "cost",
        q: Iterable[float] = QUANTILES,
        by: Sequence[str] = ("scenario", "year"),
        value: str | None = None,
    ) -> pd.DataFrame:
        """Quantiles over draws of ``value`` of ``output`` by ``by`` (columns ``q5`` ...).

        E.g. ``quantiles("cost", by=["scenario", "year"])`` gives the 90 % interval and the
        median of the yearly budget cost (nominal EUR) of each scenario.
        """
        qs = _check_q(q)
        value, _ = self._value(output, value)
        frame = self.per_draw(output, by, value)
        return self._summarise(
            frame, list(by), value, lambda v: np.quantile(v, qs), [qname(x) for x in qs]
        )

    def mean(
        self,
        output: str = "cost",
        by: Sequence[str] = ("scenario", "year"),
        value: str | None = None,
    ) -> pd.DataFrame:
        """Mean and standard deviation (``ddof=1``; 0 for one draw) over draws."""
        value, _ = self._value(output, value)
        frame = self.per_draw(output, by, value)

        def fn(v: np.ndarray) -> list[float]:
            return [float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0]

        return self._summarise(frame, list(by), value, fn, ["mean", "sd"])

    def paired_differences(
        self,
        output: str = "cost",
        baseline: str = "S0",
        by: Sequence[str] = ("scenario", "year"),
        value: str | None = None,
    ) -> pd.DataFrame:
        """Per draw, ``value`` of each scenario minus the baseline's in the same draw.

        Columns ``draw, *by, difference``; the baseline's own rows are left out. Both terms
        of a difference come from one simulation with common random numbers, so the
        difference is policy, not noise.
        """
        by = list(by)
        if "scenario" not in by:
            raise OutputError("difference: 'scenario' must be in by")
        value, _ = self._value(output, value)
        if baseline not in self.scenarios:
            raise OutputError(f"baseline {baseline!r} not in the run's scenarios {self.scenarios}")
        frame = self.per_draw(output, by, value)
        keys = ["draw", *(b for b in by if b != "scenario")]
        base = frame[frame["scenario"] == baseline][[*keys, value]].rename(columns={value: "_base"})
        other = frame[frame["scenario"] != baseline]
        merged = other.merge(base, on=keys, how="left", validate="many_to_one")
        diff = merged[value].astype("Float64") - merged["_base"].astype("Float64")
        out = merged[["draw", *by]].copy()
        out["difference"] = diff.to_numpy(dtype=np.float64, na_value=np.nan)
        out["difference"] = pd.array(out["difference"], dtype="Float64")
        out.loc[diff.isna().to_numpy(), "difference"] = pd.NA
        if "scenario" in out:
            out["scenario"] = out["scenario"].cat.remove_unused_categories()
        return out.reset_index(drop=True)

    def difference(
        self,
        output: str = "cost",
        baseline: str = "S0",
        q: Iterable[float] = QUANTILES,
        by: Sequence[str] = ("scenario", "year"),
        value: str | None = None,
    ) -> pd.DataFrame:
        """Mean, sd and quantiles over draws of the paired difference against ``baseline``.

        E.g. ``difference("cost", baseline="S0", by=["scenario"])``: the additional budget
        of each scenario over the whole period, with its interval.
        """
        qs = _check_q(q)
        frame = self.paired_differences(output, baseline, by, value)

        def fn(v: np.ndarray) -> list[float]:
            sd = float(v.std(ddof=1)) if v.size > 1 else 0.0
            return [float(v.mean()), sd, *np.quantile(v, qs)]

        return self._summarise(
            frame, list(by), "difference", fn, ["mean", "sd", *(qname(x) for x in qs)]
        )

    def sobol(
        self,
        output: str = "cost",
        by: Sequence[str] = ("scenario",),
        value: str | None = None,
        *,
        num_resamples: int = 100,
        conf_level: float = 0.95,
    ) -> pd.DataFrame:
        """First-order (``S1``) and total-order (``ST``) Sobol' indices per ``by`` group.

        Only for a run with ``sampler="saltelli"``. The output is ``value`` summed over the
        labels not in ``by`` in each draw (e.g. the total cost of each scenario over all
        years); indices are computed by SALib on the Saltelli design with bootstrap
        confidence half-widths (``*_conf``, resampling seeded by the run's seed).
        """
        if self.design.sampler != "saltelli":
            raise SamplingError(
                "sobol: Sobol' indices need a run with sampler='saltelli' "
                f"(this run used {self.design.sampler!r}); rerun llrsim.montecarlo(..., "
                "sampler='saltelli', n=N) which makes N * (2D + 2) draws"
            )
        value, _ = self._value(output, value)
        by = list(by)
        frame = self.per_draw(output, by, value)
        seed = int(self.manifest.get("spec", {}).get("seed", 0))
        parts = []
        groups = frame.groupby(by, observed=True, sort=False) if by else [((), frame)]
        for key, grp in groups:
            key = key if isinstance(key, tuple) else (key,)
            grp = grp.sort_values("draw")
            if len(grp) != self.n_draws or grp[value].isna().any():
                raise OutputError(
                    f"sobol: {dict(zip(by, key, strict=True))}: {value!r} is not defined in "
                    "every draw"
                )
            idx = sobol_indices(
                self.design,
                grp[value].to_numpy(dtype=np.float64),
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=seed,
            )
            for b, k in zip(by, key, strict=True):
                idx.insert(by.index(b), b, k)
            parts.append(idx)
        out = pd.concat(parts, ignore_index=True)
        if (out["note"] == "").all():
            out = out.drop(columns="note")
        return out

    # ------------------------------------------------------------------ exports
    def to_xarray(self, output: str) -> Any:
        """``output`` as an ``xarray.Dataset`` with dimensions ``draw`` and the labels.

        Refused when the labels are not a full grid (e.g. instruments not in every
        scenario), since the holes would be NaN; use :meth:`data` then.
        """
        frame = self.data(output)
        labels = ["draw", *self._labels(output)]
        size = int(np.prod([frame[c].nunique() for c in labels]))
        if size != len(frame):
            raise OutputError(
                f"to_xarray: {output!r} is not a full grid over {labels} ({len(frame)} rows, "
                f"{size} cells); use .data({output!r})"
            )
        order = {}
        for c in labels[1:]:
            if isinstance(frame[c].dtype, pd.CategoricalDtype):
                order[c] = [str(x) for x in frame[c].cat.categories]
                frame[c] = frame[c].astype(str)
        ds = frame.set_index(labels).to_xarray().reindex(order)  # labels in run order
        ds.attrs["manifest"] = json.dumps(self.manifest)
        return ds

    def summary_tables(
        self, q: Iterable[float] = QUANTILES, baseline: str | None = None
    ) -> dict[str, pd.DataFrame]:
        """The quantile tables the CLI writes: every output by its kept labels, the cost by
        scenario and year, paired cost differences against ``baseline`` (default ``S0`` when
        run, else the first scenario), the samples, and Sobol' indices for ``saltelli``."""
        qs = _check_q(q)
        out: dict[str, pd.DataFrame] = {}
        for name in self.labels:
            out[f"{name}_quantiles"] = self.quantiles(name, qs, by=self._labels(name))
        if "cost" in self.labels:
            out["cost_total_quantiles"] = self.quantiles("cost", qs, by=["scenario", "year"])
            base = baseline or ("S0" if "S0" in self.scenarios else self.scenarios[0])
            if len(self.scenarios) > 1:
                out["cost_difference"] = self.difference("cost", base, qs, by=["scenario", "year"])
                out["cost_difference_total"] = self.difference("cost", base, qs, by=["scenario"])
            if self.design.sampler == "saltelli":
                out["cost_sobol"] = self.sobol("cost", by=["scenario"])
        out["samples"] = self.samples
        return out

    def write(
        self, directory: str | Path, fmt: str = "csv", q: Iterable[float] = QUANTILES
    ) -> list[Path]:
        """Write :meth:`summary_tables` (``fmt`` ``"csv"`` or ``"parquet"``) and
        ``manifest.json`` to ``directory``; returns the paths written."""
        if fmt not in ("csv", "parquet"):
            raise OutputError(f"format: {fmt!r} not one of ('csv', 'parquet')")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, table in self.summary_tables(q).items():
            path = directory / f"{name}.{fmt}"
            if fmt == "csv":
                table.to_csv(path, index=False)
            else:
                table.to_parquet(path, index=False)
            paths.append(path)
        path = directory / "manifest.json"
        path.write_text(json.dumps(self.manifest, indent=2, sort_keys=True), encoding="utf-8")
        paths.append(path)
        return paths

    # ------------------------------------------------------------------ plots
    def plot_fan(self, output: str = "cost", **kwargs: Any) -> Any:
        """Fan chart of ``output`` by year per scenario (see :func:`plots.fan`)."""
        from llrsim.montecarlo.plots import fan

        return fan(self, output, **kwargs)

    def plot_sobol(self, output: str = "cost", **kwargs: Any) -> Any:
        """Bar chart of Sobol' indices (see :func:`plots.sobol_bars`)."""
        from llrsim.montecarlo.plots import sobol_bars

        return sobol_bars(self, output, **kwargs)

    def __repr__(self) -> str:
        spec = self.manifest.get("spec", {})
        return (
            f"MonteCarloResults({self.n_draws} draws, sampler={self.design.sampler!r}, "
            f"scenarios={self.scenarios}, years={spec.get('years')}, "
            f"uncertain={len(self.design.names)} inputs, outputs={self.outputs})"
        )
