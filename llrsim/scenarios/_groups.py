"""Target-group names the scenario files may use in ``eligibility.any_of_groups``.

The names come from the target-group registry (*kansengroepen*),
:mod:`llrsim.population.groups` (``data/population/target_groups.toml``); this module only
adapts it for the scenario validators, so there is one list of groups in the project.
"""

from __future__ import annotations

from llrsim.population import groups


def known_group_names() -> tuple[str, ...]:
    """Target-group names of the registry, in registry order."""
    return tuple(groups.names())
