"""Budget cost by funder and year, indexation, discounting, liabilities and indicators."""
