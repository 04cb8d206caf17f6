"""Today's incentives and the LLR scenarios S0-S6 as validated data."""
