"""Measures read the store and return DataFrames; they never collect data.

Each measure is an estimator-like object: settings in the constructor, data in ``compute``.
Definitions, formulas and caveats: ``docs/measures.md``.
"""

from crossforge.measures.intensity import CollaborationIntensity, summarize

__all__ = ["CollaborationIntensity", "summarize"]
