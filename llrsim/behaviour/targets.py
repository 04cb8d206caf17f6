"""Calibration targets of the behavioural model, with their sources.

Each target is a published figure (or a ratio of two) that the baseline S0 must reproduce in
the first simulated year. :mod:`llrsim.behaviour.calibrate` fits the parameters marked
``calibrated = true`` in ``data/parameters/behaviour.toml`` to these targets; the test suite
checks that the shipped parameters still hit them within ``tolerance``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A calibration target: its value, the relative tolerance, and where it comes from."""

    name: str
    value: float
    unit: str
    tolerance: float
    source: str


_AES = "Statbel, Adult Education Survey 2022, https://statbel.fgov.be/en/themes/work-training/training-and-education/adult-education-survey"
_LFS_BE = "Statbel LFS 2022 via Metro 2023-04 (flanders_data.md §4.1)"
_VOV = "Statistiek Vlaanderen, Gebruik van Vlaams opleidingsverlof (22 Mar 2024), https://www.vlaanderen.be/statistiek-vlaanderen/arbeid/gebruik-van-vlaams-opleidingsverlof"

#: Participation of the base population (shares, or ratios of shares).
PARTICIPATION_TARGETS: tuple[Target, ...] = (
    Target(
        "participation_25_64",
        0.224,
        "share of persons 25-64 training in 12 months",
        0.05,
        "Vlaams Indicatorenboek 6.2.5 (LFS 2022, Flanders), https://www.vlaamsindicatorenboek.be/6.2.5",
    ),
    Target("ratio_low_high", 18.0 / 61.1, "ratio of participation shares", 0.05, _AES),
    Target("ratio_medium_high", 39.7 / 61.1, "ratio of participation shares", 0.05, _AES),
    Target("ratio_women_men", 46.0 / 40.0, "ratio of participation shares", 0.05, _AES),
    Target("ratio_55_64_to_25_34", 12.9 / 27.8, "ratio of participation shares", 0.05, _LFS_BE),
    Target("ratio_jobseeker_employed", 17.2 / 24.0, "ratio of participation shares", 0.05, _LFS_BE),
    Target("ratio_inactive_employed", 10.3 / 24.0, "ratio of participation shares", 0.05, _LFS_BE),
)

#: Opleidingscheques 2019 re-based with the published changes: -37 % (2020-21 vs 2019-20) and
#: +6.5 % (2021-22 vs 2020-21) (DWSE Jaarrapport Vlaamse opleidingsincentives 2021-2022).
#: No later figure is published; the 2021-22 level is used for the simulated years.
OPLEIDINGSCHEQUES_REBASED = 20_746 * (1 - 0.37) * (1 + 0.065)

#: Use of today's instruments in S0, first simulated year.
TAKEUP_TARGETS: tuple[Target, ...] = (
    Target("vov_users", 55_793, "unique employees per school year", 0.05, _VOV + " (2022-23)"),
    Target("vov_share_men", 0.62, "share of VOV users", 0.05, _VOV + " (2022-23)"),
    Target("vov_share_firms_50_plus", 0.84, "share of VOV users in firms > 50", 0.05, _VOV),
    Target(
        "opleidingscheques_users",
        OPLEIDINGSCHEQUES_REBASED,
        "persons using cheques per year (one batch a year)",
        0.05,
        "CD&V / R. Bothuyne parliamentary answer (20,746 cheques in 2019), re-based with DWSE "
        "Jaarrapport 2021-2022 changes (-37 %, +6.5 %): DERIVED",
    ),
    Target(
        "loopbaancheques_first",
        18_353,
        "first career-guidance cheques per year",
        0.05,
        "CD&V / R. Bothuyne, https://www.cdenv.be/kopstuk/robrecht-bothuyne/nieuws/"
        "budget-voor-loopbaanbegeleiding-geraakt-niet-opgebruikt/ (2021)",
    ),
    Target(
        "loopbaancheques_share_women",
        0.70,
        "share of users",
        0.07,
        "VRT 2020-01 (VDAB report): about 70 % women and high-educated",
    ),
    Target(
        "loopbaancheques_share_high",
        0.70,
        "share of users",
        0.07,
        "VRT 2020-01 (VDAB report): about 70 % women and high-educated",
    ),
)
