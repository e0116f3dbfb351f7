"""The compiled policy: fields, computed nodes in dependency order, rules. Plain objects.

nodes.py and tables.py hold the computed nodes (each with `compute(env)` and a `traced(env)`
that also says what it decided), rules.py the rules, rounding.py the rounders, trace.py the decision trace.
Everything is importable from `kinerja.model` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kinerja.expr.language import Expression
from kinerja.model.nodes import Band, BandDef, Indicator, NodeError, Scorecard, Value, run, unmet
from kinerja.model.rounding import ROUNDING_MODES, NumberLimit, keep, make_rounder, show_rounded, shown_rounders
from kinerja.model.rules import EXCLUDED_KIND, Rule, render_template, template_names
from kinerja.model.tables import Cell, Row, Table
from kinerja.model.trace import BandStep, Condition, GivenStep, RuleStep, TableStep, Trace, ValueStep


@dataclass
class FieldDef:
    name: str
    type: str
    label: str = ""
    required: bool = False
    default: Any = None
    min: Decimal | None = None
    max: Decimal | None = None
    values: tuple[str, ...] | None = None
    items: dict[str, FieldDef] | None = None
    required_when: list[Expression] = field(default_factory=list)
    only_when: list[Expression] = field(default_factory=list)
    min_items: int | None = None
    max_items: int | None = None
    aliases: tuple[str, ...] = ()  # other column headers for this field
    unit: str | None = None  # "percent": a 98% spreadsheet cell (stored 0.98) reads as 98



@dataclass
class Policy:
    """What `evaluate` runs: a resolved, checked, compiled policy."""

    id: str
    name: str
    version: str
    sha256: str
    fields: dict[str, FieldDef]
    params: dict[str, Any]
    nodes: list  # Scorecard | Value | Band | Table, in dependency order
    rules: list[Rule]
    resolved: Any  # policy.Resolved, for explain / show / compare
    population: list = field(default_factory=list)
    cycle: Any = None  # cycle.Cycle: the `cycle` section (periods, annual rule), when declared
    labels: dict = field(default_factory=dict)  # computed value → the labels it can take, where known
    summary: list = field(default_factory=list)  # outputs for the table view (`summary:`), checked

    @property
    def exclusions(self) -> list[Rule]:
        """Rules of kind `dikecualikan`: judged before anything is computed; one that holds takes
        the record out of the appraisal (status "excluded")."""
        return [r for r in self.rules if r.kind == EXCLUDED_KIND]

    def output_names(self) -> list[str]:
        return [name for node in self.nodes for name in node.outputs()]

    def node_by_output(self) -> dict[str, Any]:
        return {name: node for node in self.nodes for name in node.outputs()}

    def info(self) -> dict:
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


__all__ = ["EXCLUDED_KIND", "ROUNDING_MODES", "Band", "BandDef", "BandStep", "Cell", "Condition", "FieldDef",
           "GivenStep", "Indicator", "NodeError", "NumberLimit", "Policy", "Row", "Rule", "RuleStep", "Scorecard",
           "Table", "TableStep", "Trace", "Value", "ValueStep", "keep", "make_rounder", "render_template", "run",
           "show_rounded", "shown_rounders", "template_names", "unmet"]
