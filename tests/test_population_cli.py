"""``llrsim population``: writes the file, prints the validation table, checks arguments."""

import pytest

from llrsim.cli import main
from llrsim.population import Population, synthesize


def test_cli_writes_parquet_and_prints_validation(tmp_path, capsys):
    out = tmp_path / "pop.parquet"
    status = main(
        ["population", "--year", "2024", "--n", "30000", "--seed", "2", "--out", str(out)]
    )
    text = capsys.readouterr().out
    assert status == 0
    assert "employment_rate_men_20_64" in text and "0 calibrated target(s) outside" in text
    assert Population.read_parquet(out).equals(synthesize(2024, n=30000, seed=2))


@pytest.mark.parametrize("n", ["0", "-3", "abc"])
def test_cli_refuses_bad_n(n, capsys):
    with pytest.raises(SystemExit):
        main(["population", "--n", n])
    assert "--n must be 'full' or a positive integer" in capsys.readouterr().err


def test_cli_reports_bad_year(capsys):
    assert main(["population", "--year", "2050", "--n", "10"]) == 2
    assert "year must be in [2021, 2033]" in capsys.readouterr().err
