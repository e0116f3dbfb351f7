"""The decision trace: what evaluation decided for one record, as plain data.

Recorded only when asked (`Evaluator(policy, trace=True)`): the plain path builds none of it.
Each computed node leaves one step in evaluation order — a value or scorecard with the first
`when` condition that did not hold, a band with the entry it hit and that entry's bounds, a
table with the row it matched under its hit policy (or its default) — and every rule of the
policy leaves a `RuleStep` with each top-level condition, its operands and its truth.
`explain`, test coverage and `compare`'s differences read these steps; none of them decides
anything again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(slots=True)
class ValueStep:
    """A value or a scorecard: its result, or the `when` condition that did not hold."""

    kind: str  # "value" | "scorecard"
    name: str
    value: Any
    unmet: int | None = None  # index in the node's `when` of the first condition that did not hold


@dataclass(slots=True)
class BandStep:
    """A band: the input, the number looked up (rounded when the band rounds) and the entry hit."""

    name: str
    input: str
    value: Any  # the input's value; None: empty, so the band is empty
    looked: Decimal | None = None
    entry: int | None = None  # index in Band.bands (highest entry first) of the entry hit
    label: Any = None
    min: Decimal | None = None
    upper: Decimal | None = None  # None: open upwards
    inclusive: bool = False
    kind = "band"


@dataclass(slots=True)
class TableStep:
    """A decision table: its inputs and the row that decided, under the table's hit policy."""

    name: str
    inputs: tuple[str, ...]
    values: tuple
    hit: str  # the table's hit policy: "unique" or "first" (both give the first row that matches)
    row: int | None  # 0-based index of the row that decided; None: the default, or an empty input
    default: bool  # no row matched and the table's default was taken
    output: Any
    kind = "table"

    @property
    def empty(self) -> bool:
        """An input was empty, so the table's output is empty (no row was looked at)."""
        return self.row is None and not self.default


@dataclass(slots=True)
class GivenStep:
    """A node not computed: its outputs were given (an annual result's values from its periods)."""

    name: str
    kind: str
    values: dict


@dataclass(slots=True)
class Condition:
    """One top-level condition (`a and b` is two) of a rule: its truth and the values it read."""

    index: int  # position in Rule.conjuncts
    text: str
    held: bool
    values: dict  # name → value, for each name the condition reads
    error: str | None = None  # it could not be evaluated (then it did not hold)


@dataclass(slots=True)
class RuleStep:
    """A rule: whether it fired (its action is in the result) and each of its conditions."""

    id: str
    kind: str
    fired: bool
    conditions: tuple[Condition, ...]
    judged: bool = True  # False: not judged for this record (an annual rule on a period row)


@dataclass(slots=True)
class Trace:
    """Every decision for one record, in the order evaluation made them."""

    nodes: list = field(default_factory=list)  # ValueStep | BandStep | TableStep | GivenStep
    rules: list[RuleStep] = field(default_factory=list)  # every rule of the policy, in policy order

    def node(self, name: str):
        """The step of the node named `name` (None when it was not reached)."""
        for step in self.nodes:
            if step.name == name:
                return step
        return None

    def rule(self, rule_id: str) -> RuleStep | None:
        for step in self.rules:
            if step.id == rule_id:
                return step
        return None


__all__ = ["BandStep", "Condition", "GivenStep", "RuleStep", "TableStep", "Trace", "ValueStep"]
