"""Exceptions raised by llrsim, so callers can catch the library's own errors precisely."""

from __future__ import annotations


class LlrsimError(Exception):
    """Base class of every error raised on purpose by llrsim."""


class DataError(LlrsimError, ValueError):
    """A shipped or user-supplied data table is malformed (names the file and the row)."""


class ScenarioError(LlrsimError, ValueError):
    """A scenario file or object is invalid (names the file, the field path and allowed values)."""


class ParameterError(LlrsimError, ValueError):
    """A model parameter is missing or outside its allowed range."""
