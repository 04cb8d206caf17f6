"""Integer codes of the categorical person attributes.

The Numba kernels see persons as compact integer arrays; these enums are the one place where
a code gets its meaning. Every module that reads or writes a categorical attribute imports
its codes from here, so a reader can follow ``status == Status.JOBSEEKER`` to its definition
in one hop.
"""

from __future__ import annotations

from enum import IntEnum


class Sex(IntEnum):
    """Sex as registered by Statbel (``geslacht``)."""

    MEN = 0
    WOMEN = 1


class Education(IntEnum):
    """Highest diploma in three levels (ISCED 0-2 / 3-4 / 5-8).

    Flemish terms: *kortgeschoold* (low), *middengeschoold* (medium), *hooggeschoold* (high).
    """

    LOW = 0
    MEDIUM = 1
    HIGH = 2


class Status(IntEnum):
    """Main socio-economic status in a year (LFS/EAK concepts)."""

    EMPLOYEE_PRIVATE = 0  #: werknemer privésector (also temps, *uitzendkrachten*)
    EMPLOYEE_PUBLIC = 1  #: werknemer openbare sector
    SELF_EMPLOYED = 2  #: zelfstandige in hoofdberoep
    JOBSEEKER = 3  #: werkzoekende zonder werk (WZW, VDAB)
    INACTIVE = 4  #: niet-beroepsactief (long-term sick, homemakers, ...)
    STUDENT = 5  #: student (not working)
    RETIRED = 6  #: gepensioneerd / brugpensioen


EMPLOYED_STATUSES = (Status.EMPLOYEE_PRIVATE, Status.EMPLOYEE_PUBLIC, Status.SELF_EMPLOYED)
EMPLOYEE_STATUSES = (Status.EMPLOYEE_PRIVATE, Status.EMPLOYEE_PUBLIC)


class EmployerSize(IntEnum):
    """Size class of the employer (employees at the firm), as the instruments need it.

    The classes follow the thresholds used by policy: the federal individual training right
    (1 day per FTE in firms of 10-19, 5 days in firms of 20+), the KMO-portefeuille (small
    < 50, medium 50-249) and the VOV user profile (share in firms > 50).
    """

    NONE = 0  #: no employer (self-employed, jobseeker, inactive, student, retired)
    MICRO = 1  #: 1-9 employees
    SMALL_10_19 = 2  #: 10-19 employees
    SMALL_20_49 = 3  #: 20-49 employees
    MEDIUM = 4  #: 50-249 employees
    LARGE = 5  #: 250+ employees


class Sector(IntEnum):
    """Sector groups of employment (NACE sections grouped), 0 when not employed."""

    NONE = 0
    INDUSTRY = 1  #: NACE B-F: mining, manufacturing, utilities, construction
    TRADE_TRANSPORT_HORECA = 2  #: NACE G-I
    BUSINESS_SERVICES = 3  #: NACE J-N: ICT, finance, real estate, professional, support
    PUBLIC_ADMINISTRATION = 4  #: NACE O
    EDUCATION = 5  #: NACE P
    HEALTH_SOCIAL = 6  #: NACE Q
    OTHER = 7  #: NACE A, R-U: agriculture, arts, other services, households


#: Boolean person flags, stored together as bits of one ``uint8`` field ``flags``.
class Flag(IntEnum):
    """Bit positions of the person flags (``flags & (1 << Flag.X)``)."""

    MIGRATION_BACKGROUND = 0  #: *migratieachtergrond* (first or second generation)
    WORK_DISABILITY = 1  #: *arbeidshandicap* (recognised work disability)


def labels(enum: type[IntEnum]) -> list[str]:
    """Lower-case labels of an enum, in code order (for tables and plots)."""
    return [m.name.lower() for m in sorted(enum, key=int)]
