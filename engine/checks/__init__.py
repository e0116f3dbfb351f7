"""Semantic checks, one registry (`registry.py`) of small functions that yield issues.

Importing the package registers every check; compile/ runs them with `run(subject, …)` and
locates what they find. One module per kind of thing checked.
"""

from kinerja.checks import bands, cycle, fields, names, population, reasons, rules, tables, weights
from kinerja.checks.registry import REGISTRY, Issue, check, descend, run

__all__ = ["REGISTRY", "Issue", "bands", "check", "cycle", "descend", "fields", "names", "population", "reasons",
           "rules", "run", "tables", "weights"]
