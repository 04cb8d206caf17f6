"""Named random streams: one integer per kind of decision.

A draw is keyed by ``(seed, stream, person_id, year, index)`` (:mod:`llrsim.engine.rng`).
Giving every decision its own stream keeps decisions independent and lets a module add a
new decision without shifting the numbers of any other one: adding a stream never changes
an existing person's life. Values are fixed forever once released (changing one changes
results); they must be distinct and lie in ``[0, 2**32)``. Within a stream, ``index``
numbers the draws of one person-year (0 for the first, 1 for the second, ...).

Demography (``llrsim.population.dynamics``) uses 1-99; the policy engine uses 100 and up.
"""

from __future__ import annotations

# --- demography -------------------------------------------------------------------------

#: Death during the year (compared with the life-table q_x of sex and age).
MORTALITY = 1
#: Retirement: early-retirement hazard from age 60 (statutory retirement needs no draw).
RETIREMENT = 2
#: Annual labour-status transition (one draw through the Markov row's cumulative shares).
LABOUR_TRANSITION = 3
#: Job-to-job move of an employee who stays an employee (change of employer).
JOB_CHANGE = 4
#: Sector of a new job (index 0) and of a new self-employment spell.
SECTOR = 5
#: Employer size class of a new employee job.
EMPLOYER_SIZE = 6
#: Wage of a new job: index 0 and 1 feed a Box-Muller normal for the log-wage; index 2 fte.
WAGE = 7
#: Entrant records: choice of the donor record (cohorts of 18-year-olds and immigrants).
ENTRY = 8
#: Migration: age of a net immigrant (index 0) and emigration hazard (index 1).
MIGRATION = 9
#: Alignment of a binary event to an external total (sort key / sidewalk draw).
ALIGNMENT = 10
#: Highest diploma reached when a student leaves study (education upgrade).
EDUCATION = 11

# --- policy engine ----------------------------------------------------------------------

#: Whether a person trains in a year (coupled draw: trains if u < p; same u in every scenario).
PARTICIPATION = 100
#: Type of training chosen by a participant (generic, job-specific, qualifying, ...).
TRAINING_TYPE = 101
#: Training hours of a participant.
TRAINING_HOURS = 102
#: Spending of a money right by a participant (amount drawn relative to course cost).
SPENDING = 103
#: Exchange of time for money or back (S6).
EXCHANGE = 104
#: Take-up of instrument k uses stream ``TAKEUP_BASE + k`` (k = instrument position, < 10,000).
TAKEUP_BASE = 1000

#: Largest instrument offset supported by :data:`TAKEUP_BASE`.
MAX_INSTRUMENTS = 10_000

__all__ = [
    "ALIGNMENT",
    "EDUCATION",
    "EMPLOYER_SIZE",
    "ENTRY",
    "EXCHANGE",
    "JOB_CHANGE",
    "LABOUR_TRANSITION",
    "MAX_INSTRUMENTS",
    "MIGRATION",
    "MORTALITY",
    "PARTICIPATION",
    "RETIREMENT",
    "SECTOR",
    "SPENDING",
    "TAKEUP_BASE",
    "TRAINING_HOURS",
    "TRAINING_TYPE",
    "WAGE",
]


def takeup_stream(instrument: int) -> int:
    """Stream of the take-up draw of instrument number ``instrument`` (0-based)."""
    if not 0 <= instrument < MAX_INSTRUMENTS:
        raise ValueError(f"instrument index {instrument} outside [0, {MAX_INSTRUMENTS})")
    return TAKEUP_BASE + instrument
