"""Synthetic population of the Flemish Region and its yearly dynamics."""

from llrsim.population.population import SCHEMA, Population

__all__ = ["SCHEMA", "Population"]
