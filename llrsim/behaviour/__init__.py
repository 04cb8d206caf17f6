"""Training participation, take-up of rights and spending: calibrated behaviour."""
