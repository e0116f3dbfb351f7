"""Decision tables: cells, rows and the table node, which decides by the first row that matches
its inputs (hit `unique` and `first` alike; the checks refuse overlapping `unique` rows where
they can see them), else by its default.

`compute(env)` answers from caches of earlier answers (a table's output is a pure function of
its inputs); `traced(env)` says which row decided (model/trace.py). Both decide through `decide`
or its plain-path copy `_match`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kinerja.expr.functions import EvalError, short
from kinerja.i18n import _
from kinerja.model.nodes import NodeError
from kinerja.model.trace import TableStep


@dataclass
class Cell:
    """One decision-table cell: matches any, one of several values, or a comparison."""

    kind: str  # any | eq | in | cmp
    value: Any = None
    op: str = ""

    def matches(self, x) -> bool:
        if self.kind == "any":
            return True
        if self.kind == "eq":
            return x == self.value
        if self.kind == "in":
            return x in self.value
        if x is None or not isinstance(x, Decimal):
            return False
        v = self.value
        return {"<": x < v, "<=": x <= v, ">": x > v, ">=": x >= v, "!=": x != v, "==": x == v}[self.op]

    def __str__(self) -> str:
        if self.kind == "any":
            return "-"
        if self.kind == "in":
            return " / ".join(map(str, self.value))
        if self.kind == "cmp":
            return f"{self.op} {self.value}"
        return str(self.value)


@dataclass
class Row:
    cells: list[Cell]
    output: Any
    index: int  # 0-based row number in the table


@dataclass
class Table:
    name: str
    label: str
    inputs: list[str]
    rows: list[Row]
    hit: str
    default: Any
    has_default: bool
    kind = "table"

    def outputs(self) -> list[str]:
        return [self.name]

    def match(self, values: list) -> list[Row]:
        return [r for r in self.rows if all(c.matches(v) for c, v in zip(r.cells, values))]

    lookup: dict | None = None  # every input combination → output, when the domains are finite

    def compute(self, env) -> None:
        getter = self.__dict__.get("_key")
        if getter is None:
            getter = self.__dict__["_key"] = _key_getter(self.inputs)
            self.__dict__["_seen"] = {}
        try:  # every input is set by now (fields, params, earlier outputs)
            key = getter(env)
        except KeyError:
            key = tuple([env.get(n) for n in self.inputs])
        if self.lookup is not None:
            hit = self.lookup.get(key, _NO_ROW)
            if hit is not _NO_ROW:
                env[self.name] = hit
                return
        seen = self.__dict__["_seen"]  # inputs of text or nothing met before → their output
        try:
            hit = seen.get(key, _NO_ROW)
        except TypeError:  # an unhashable input (never remembered)
            hit = _NO_ROW
        if hit is not _NO_ROW:
            env[self.name] = hit
            return
        output = self._match(key)
        if len(seen) < 4096 and all(v is None or v.__class__ is str for v in key):
            seen[key] = output  # matching is a pure function of the inputs; text compares only by ==
        env[self.name] = output

    def _match(self, values) -> Any:
        """The output for these input values (None when one is missing), or NodeError:
        `decide`, written out for the plain path."""
        if None in values:
            return None
        for row in self.rows:
            if all(c.matches(v) for c, v in zip(row.cells, values)):
                return row.output
        if self.has_default:
            return self.default
        return self.decide(values)  # raises: no row matches

    def decide(self, values) -> Row | object | None:
        """The row that decides for these input values under the hit policy (`unique` and
        `first` both take the first row that matches; `checks` refuses overlapping `unique` rows
        where it can see them), `_DEFAULT` for the default, None when an input is empty;
        NodeError when nothing matches and there is no default."""
        if None in values:
            return None
        for row in self.rows:
            if all(c.matches(v) for c, v in zip(row.cells, values)):
                return row
        if self.has_default:
            return _DEFAULT
        shown = ", ".join(f"{n} = {short(v)}" for n, v in zip(self.inputs, values))
        raise NodeError("table", self.name, EvalError(_("no row matches {values}").format(values=shown)))

    def traced(self, env) -> TableStep:
        values = tuple([env.get(n) for n in self.inputs])
        rows = self.__dict__.setdefault("_rows_seen", {})  # inputs of text or nothing → the row that decided
        row = rows.get(values, _NO_ROW) if all(v is None or v.__class__ is str for v in values) else _NO_ROW
        if row is _NO_ROW:
            row = self.decide(values)
            if len(rows) < 4096 and all(v is None or v.__class__ is str for v in values):
                rows[values] = row  # deciding is a pure function of the inputs; text compares only by ==
        if row is None:
            output, index = None, None
        elif row is _DEFAULT:
            output, index = self.default, None
        else:
            output, index = row.output, row.index  # type: ignore[union-attr]  # a Row here
        env[self.name] = output
        return TableStep(self.name, tuple(self.inputs), values, self.hit, index, row is _DEFAULT, output)


_NO_ROW = object()
_DEFAULT = object()  # Table.decide: no row matched, the default decides


def _key_getter(names: list[str]) -> Callable:
    """env → the tuple of these names' values (a table's lookup key)."""
    if len(names) == 1:
        name = names[0]
        return lambda env: (env[name],)
    return operator.itemgetter(*names)
