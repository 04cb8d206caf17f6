"""Target-group names the scenario files may use in ``eligibility.any_of_groups``.

The registry of target groups (*kansengroepen*) is :mod:`llrsim.population.groups`. Until that
module exists, the names are checked against the list agreed for it (:data:`INTERIM_NAMES`);
as soon as the module is importable, its ``names()`` is used instead and the interim list is
ignored. This is a deliberate, documented switch, not a fallback on error: a failing import
of an existing registry module propagates.
"""

from __future__ import annotations

import importlib
import importlib.util

#: Names agreed for the registry (``data/population/target_groups.toml``), used until it lands.
INTERIM_NAMES = (
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
)

_REGISTRY = "llrsim.population.groups"


def known_group_names() -> tuple[str, ...]:
    """Target-group names: from the registry when it exists, else :data:`INTERIM_NAMES`."""
    if importlib.util.find_spec(_REGISTRY) is None:
        return INTERIM_NAMES
    return tuple(importlib.import_module(_REGISTRY).names())
