"""Population <-> pandas / Parquet round trips, and refusal of bad files."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llrsim.errors import DataError
from llrsim.population import SCHEMA, Population, synthesize


@pytest.fixture(scope="module")
def pop() -> Population:
    return synthesize(year=2025, n=3_000, seed=5)


def test_parquet_round_trip_is_exact(pop, tmp_path):
    path = pop.to_parquet(tmp_path / "pop.parquet")
    back = Population.read_parquet(path)
    assert back.year == 2025
    assert back.equals(pop)
    assert pq.read_schema(path).metadata[b"llrsim.year"] == b"2025"


def test_to_pandas_keeps_columns_and_dtypes(pop):
    frame = pop.to_pandas()
    assert list(frame.columns) == list(SCHEMA)
    assert frame.attrs["year"] == 2025
    for name, (dtype, _) in SCHEMA.items():
        assert frame[name].dtype == np.dtype(dtype)
        assert np.array_equal(frame[name].to_numpy(), getattr(pop, name))


def test_pandas_round_trip_and_checks(pop):
    frame = pop.to_pandas()
    assert Population.from_pandas(frame).equals(pop)
    wide = frame.astype({"age": "int64", "weight": "int64"})
    assert Population.from_pandas(wide, year=2025).equals(pop)
    frame.loc[0, "weight"] = -1
    with pytest.raises(DataError, match="negative weight"):
        Population.from_pandas(frame)


def test_unknown_column_is_refused(pop, tmp_path):
    path = _write(pop, tmp_path / "extra.parquet", income=np.zeros(pop.n))
    with pytest.raises(DataError, match=r"unknown column\(s\) \['income'\]"):
        Population.read_parquet(path)


def _write(pop, path, **changes):
    cols = {k: v.copy() for k, v in pop.columns().items()}
    drop = changes.pop("drop", None)
    cols.update(changes)
    if drop:
        del cols[drop]
    table = pa.table({k: pa.array(v) for k, v in cols.items()})
    table = table.replace_schema_metadata({b"llrsim.year": b"2025"})
    pq.write_table(table, path)
    return path


def test_missing_column_is_refused(pop, tmp_path):
    path = _write(pop, tmp_path / "missing.parquet", drop="wage")
    with pytest.raises(DataError, match=r"missing\.parquet: missing column\(s\) \['wage'\]"):
        Population.read_parquet(path)


def test_negative_weight_is_refused(pop, tmp_path):
    w = pop.weight.copy()
    w[7] = -3
    path = _write(pop, tmp_path / "negw.parquet", weight=w)
    with pytest.raises(DataError, match=r"negw\.parquet: column 'weight', record 7: negative"):
        Population.read_parquet(path)


def test_age_200_is_refused(pop, tmp_path):
    age = pop.age.astype(np.int64)
    age[0] = 200
    path = _write(pop, tmp_path / "age.parquet", age=age)
    with pytest.raises(DataError, match=r"age\.parquet: column 'age'"):
        Population.read_parquet(path)


def test_age_outside_model_range_is_refused(pop, tmp_path):
    age = pop.age.copy()
    age[3] = 90
    path = _write(pop, tmp_path / "old.parquet", age=age)
    with pytest.raises(DataError, match=r"record 3: age outside \[18, 67\]"):
        Population.read_parquet(path)


def test_unknown_status_code_is_refused(pop, tmp_path):
    status = pop.status.copy()
    status[1] = 9
    path = _write(pop, tmp_path / "st.parquet", status=status)
    with pytest.raises(DataError, match="unknown Status code"):
        Population.read_parquet(path)


def test_missing_year_metadata_is_refused(pop, tmp_path):
    path = tmp_path / "nometa.parquet"
    pq.write_table(pa.table({k: pa.array(v) for k, v in pop.columns().items()}), path)
    with pytest.raises(DataError, match=r"llrsim\.year"):
        Population.read_parquet(path)


def test_not_a_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        Population.read_parquet(tmp_path / "nope.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        Population.read_parquet(bad)
