"""Today's incentives and the LLR scenarios S0-S6 as validated data that combine and phase in.

- :func:`inventory` / :func:`plot_inventory`: the sourced inventory of existing incentives
  (``data/scenarios/inventory*.csv``);
- :mod:`~llrsim.scenarios.instruments`: the mechanisms (money account, time account, voucher,
  guidance voucher, employer subsidy, employer obligation, exchange, leave allowance);
- :func:`load`, :func:`names`, :func:`combine`: scenario files (``S0`` ... ``S6``, shipped in
  ``llrsim/scenarios/files``), combinations (``"S1+S2+S4"``);
- :func:`phase`: growth paths (which scenario is in force in which year);
- :func:`compile_scenarios`: compact arrays for the simulation kernel.
"""

from llrsim.scenarios.compiled import CompiledScenarios, compile_scenarios
from llrsim.scenarios.growth import GrowthPath, phase
from llrsim.scenarios.inventory import inventory, plot_inventory
from llrsim.scenarios.scenario import Scenario, combine, load, names, parse, read

__all__ = [
    "CompiledScenarios",
    "GrowthPath",
    "Scenario",
    "combine",
    "compile_scenarios",
    "inventory",
    "load",
    "names",
    "parse",
    "phase",
    "plot_inventory",
    "read",
]
