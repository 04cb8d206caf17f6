"""The table loader refuses malformed tables with the file and the row at fault."""

import pytest

from llrsim.errors import DataError
from llrsim.tables import read_table

META = """
title = "test"
unit = "share"
year = 2022
[source]
publisher = "p"
title = "t"
url = "https://example.org"
[columns]
group = "str"
low = "float64"
high = "float64"
[[checks]]
kind = "shares"
columns = ["low", "high"]
[[checks]]
kind = "nonnegative"
columns = ["low", "high"]
"""


def write(tmp_path, csv, meta=META):
    (tmp_path / "t.csv").write_text(csv)
    (tmp_path / "t.toml").write_text(meta)
    return tmp_path / "t.csv"


def test_good_table_loads(tmp_path):
    t = read_table(write(tmp_path, "group,low,high\na,0.25,0.75\nb,0.5,0.5\n"))
    assert list(t.frame["low"]) == [0.25, 0.5]
    assert t.cite().startswith("p, t (2022)")


def test_shares_not_summing_to_one_name_the_row(tmp_path):
    with pytest.raises(DataError, match=r"t\.csv: row 2 .*sum to 0\.900000"):
        read_table(write(tmp_path, "group,low,high\na,0.25,0.75\nb,0.5,0.4\n"))


def test_negative_value_names_row_and_column(tmp_path):
    meta = META.replace(
        'kind = "shares"\ncolumns = ["low", "high"]', 'kind = "unique"\ncolumns = ["group"]'
    )
    with pytest.raises(DataError, match=r"row 1 .*column 'low': negative"):
        read_table(write(tmp_path, "group,low,high\na,-0.25,1.25\n", meta))


def test_non_numeric_value_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"row 1 .*column 'high'.*not a number"):
        read_table(write(tmp_path, "group,low,high\na,0.25,x\n"))


def test_wrong_columns_are_refused(tmp_path):
    with pytest.raises(DataError, match="do not match the declared columns"):
        read_table(write(tmp_path, "group,low,mid\na,0.25,0.75\n"))


def test_missing_metadata_is_refused(tmp_path):
    (tmp_path / "t.csv").write_text("a\n1\n")
    with pytest.raises(DataError, match="metadata file missing"):
        read_table(tmp_path / "t.csv")


def test_missing_source_url_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"source\.url"):
        read_table(
            write(
                tmp_path,
                "group,low,high\na,0.5,0.5\n",
                META.replace('url = "https://example.org"', ""),
            )
        )
