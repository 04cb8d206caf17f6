"""llrsim: microsimulation of the Flemish leer- en loopbaanrekening (LLR).

Data flows one way: population -> engine -> scenarios -> costing -> results.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llrsim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from llrsim.population.synthesize import synthesize

__all__ = ["__version__", "synthesize"]
