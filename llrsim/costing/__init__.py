"""Budget cost by funder and year, indexation, discounting, liabilities and indicators.

One concept per module:

- ``metadata``: funder / competence / component codes; instrument and IT table checks;
- ``tallies``: the kernel's tally Dataset contract and tidy views;
- ``budget``: cost lines (payout, employer, own contribution, admin, IT) and aggregation;
- ``admin`` and ``it``: administrative and IT cost;
- ``indexation``: health-index path, constant prices;
- ``discounting``: present value;
- ``liability``: outstanding rights valued in EUR, expected redemption;
- ``effectiveness``: cost per additional participant;
- ``indicators``: take-up, deadweight, participation, Matthew effect;
- ``ledger``: the exact balance identity;
- ``ratios``: ratios with an explicit missing marker (never NaN);
- ``assumptions``: the costing parameters and their defaults.
"""

from llrsim.costing.assumptions import CostingAssumptions
from llrsim.costing.discounting import discount_factors, present_value
from llrsim.costing.indexation import health_index_path, to_constant_prices
from llrsim.costing.liability import balance_value_eur
from llrsim.costing.metadata import COMPETENCES, COMPONENTS, FUNDERS, IT_INSTRUMENT

__all__ = [
    "COMPETENCES",
    "COMPONENTS",
    "FUNDERS",
    "IT_INSTRUMENT",
    "CostingAssumptions",
    "balance_value_eur",
    "discount_factors",
    "health_index_path",
    "present_value",
    "to_constant_prices",
]
