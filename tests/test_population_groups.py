"""Target-group registry: names, compiled predicates, membership on hand-made records."""

import numpy as np
import pytest

from llrsim.errors import DataError
from llrsim.population import SCHEMA, Population, groups
from llrsim.population.codes import EmployerSize, Flag, Sector, Status
from llrsim.predicates import P_LEN, Predicate

REQUIRED = [
    "all",
    "low_educated",
    "medium_educated",
    "high_educated",
    "age_55_plus",
    "jobseeker",
    "long_term_jobseeker",
    "migration_background",
    "work_disability",
    "self_employed",
    "sme_employee",
    "public_employee",
    "private_employee",
]


def make_pop(records: list[dict]) -> Population:
    """A population from hand-made records (defaults: a 40-year-old private employee)."""
    default = {
        "weight": 1,
        "age": 40,
        "sex": 0,
        "education": 1,
        "status": Status.EMPLOYEE_PRIVATE,
        "sector": Sector.INDUSTRY,
        "employer_size": EmployerSize.LARGE,
        "wage": 40_000.0,
        "fte": 1.0,
        "experience": 15,
        "unemployment_months": 0,
        "flags": 0,
    }
    rows = [{**default, **r} for r in records]
    cols = {"person_id": np.arange(len(rows), dtype=np.int64)}
    for name, (dtype, _) in SCHEMA.items():
        if name != "person_id":
            cols[name] = np.array([r[name] for r in rows], dtype=dtype)
    return Population(year=2024, **cols)


def test_registry_has_the_required_groups_in_bit_order():
    names = groups.names()
    assert names[0] == "all"
    assert set(REQUIRED) <= set(names)
    assert len(names) <= 63
    assert groups.group_index() == {n: i for i, n in enumerate(names)}
    for n in names:
        assert isinstance(groups.get(n), Predicate)
        assert groups.description(n).strip()
        assert not groups.get(n).any_of_groups
    table = groups.compiled()
    assert table.shape == (len(names), P_LEN) and table.dtype == np.int64
    assert np.array_equal(
        table[groups.group_index()["jobseeker"]], groups.get("jobseeker").compile()
    )


def test_unknown_group_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown target group 'nope'"):
        groups.get("nope")


def test_membership_on_hand_made_records():
    mb, wd = 1 << Flag.MIGRATION_BACKGROUND, 1 << Flag.WORK_DISABILITY
    pop = make_pop(
        [
            {},  # 0: private employee, large firm
            {"education": 0, "age": 56, "employer_size": EmployerSize.MICRO},  # 1
            {
                "status": Status.JOBSEEKER,
                "sector": 0,
                "employer_size": 0,
                "wage": 0.0,
                "fte": 0.0,
                "unemployment_months": 25,
                "flags": mb,
            },  # 2: long-term jobseeker
            {
                "status": Status.JOBSEEKER,
                "sector": 0,
                "employer_size": 0,
                "wage": 0.0,
                "fte": 0.0,
                "unemployment_months": 24,
                "flags": wd,
            },  # 3: two years exactly: not long-term (VDAB: more than two years)
            {"status": Status.EMPLOYEE_PUBLIC, "employer_size": EmployerSize.MEDIUM},  # 4
            {"status": Status.SELF_EMPLOYED, "employer_size": 0, "education": 2, "age": 55},  # 5
        ]
    )
    m = groups.membership(pop)
    expect = {
        "all": [1, 1, 1, 1, 1, 1],
        "low_educated": [0, 1, 0, 0, 0, 0],
        "medium_educated": [1, 0, 1, 1, 1, 0],
        "high_educated": [0, 0, 0, 0, 0, 1],
        "age_55_plus": [0, 1, 0, 0, 0, 1],
        "jobseeker": [0, 0, 1, 1, 0, 0],
        "long_term_jobseeker": [0, 0, 1, 0, 0, 0],
        "migration_background": [0, 0, 1, 0, 0, 0],
        "work_disability": [0, 0, 0, 1, 0, 0],
        "self_employed": [0, 0, 0, 0, 0, 1],
        "sme_employee": [0, 1, 0, 0, 1, 0],
        "public_employee": [0, 0, 0, 0, 1, 0],
        "private_employee": [1, 1, 0, 0, 0, 0],
    }
    for name, want in expect.items():
        assert m[name].tolist() == [bool(x) for x in want], name
        assert pop.in_group(name).tolist() == m[name].tolist()
    masks = groups.masks(pop)
    idx = groups.group_index()
    assert masks[2] >> idx["long_term_jobseeker"] & 1 == 1
    assert masks[3] >> idx["long_term_jobseeker"] & 1 == 0


def test_registry_refuses_groups_of_groups(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[all]\ndescription = "x"\n[a]\ndescription = "y"\nany_of_groups = ["all"]\n')
    with pytest.raises(DataError, match="may not refer to other groups"):
        groups.read_registry(path)


def test_registry_refuses_bad_files(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[a]\ndescription = "y"\n')
    with pytest.raises(DataError, match="first group must be 'all'"):
        groups.read_registry(path)
    path.write_text('[all]\ndescription = ""\n')
    with pytest.raises(DataError, match="'description' missing"):
        groups.read_registry(path)
    path.write_text('[all]\ndescription = "x"\n[b]\ndescription = "y"\nstatuses = ["boss"]\n')
    with pytest.raises(DataError, match=r"(?s)g\.toml: group 'b'.*unknown value 'boss'"):
        groups.read_registry(path)
    many = "".join(f'[g{i}]\ndescription = "d"\n' for i in range(63))
    path.write_text('[all]\ndescription = "x"\n' + many)
    with pytest.raises(DataError, match="at most 63"):
        groups.read_registry(path)
