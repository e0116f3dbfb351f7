"""The computed nodes of a policy: scorecards, values and bands (decision tables: tables.py).

Each node has `compute(env)`, which reads names from `env` and writes its own output(s) back
into it, raising `NodeError` with a message that names the node; and `traced(env)`, which does
the same through the same decisions and returns what it decided (model/trace.py), for the
evaluations that record a trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kinerja.expr.functions import EvalError, short
from kinerja.expr.language import ExprError, Expression
from kinerja.i18n import _, num
from kinerja.model.rounding import NumberLimit
from kinerja.model.trace import BandStep, ValueStep


class NodeError(EvalError):
    """Evaluation failed in a named node; says which node, which expression, which column."""

    def __init__(self, kind: str, name: str, error: Exception, where: str = ""):
        self.kind, self.name, self.where = kind, name, where
        if isinstance(error, ExprError):
            detail = f"{error.message} in `{error.expression}` (column {error.column})"
        else:
            detail = str(error)
        self.detail = detail
        super().__init__(f"{kind} `{name}`{(' ' + where) if where else ''}: {detail}")


def run(expr: Expression, env, kind: str, name: str, where: str = ""):
    try:
        return expr.fn(env)  # the compiled closure; on any failure, re-run to say what failed
    except Exception:
        pass
    try:
        return expr(env)
    except EvalError as exc:
        raise NodeError(kind, name, exc, where) from None


def all_hold(conds: list[Expression], env, kind: str, name: str) -> bool:
    """Every condition holds."""
    return unmet(conds, env, kind, name) is None


def unmet(conds: list[Expression], env, kind: str, name: str) -> int | None:
    """The index of the first condition that does not hold, or None when every one holds.
    Fast path: the compiled closure gives True or False; anything else (an exception, a
    non-boolean) re-runs through the checking path for its message."""
    for i, condition in enumerate(conds):
        try:
            result = condition.fn(env)
        except Exception:
            result = None
        if result is False:
            return i
        if result is not True:
            try:
                result = condition(env)
            except EvalError as exc:
                raise NodeError(kind, name, exc, "(when)") from None
            if not result:
                return i
    return None


@dataclass
class Indicator:
    name: str
    label: str
    weight: Decimal
    score: Expression
    round: Callable


@dataclass
class Scorecard:
    name: str
    label: str
    indicators: list[Indicator]
    when: list[Expression]
    round: Callable
    kind = "scorecard"

    def outputs(self) -> list[str]:
        return [self.name] + [i.name for i in self.indicators]

    def traced(self, env) -> ValueStep:
        failed = unmet(self.when, env, "scorecard", self.name) if self.when else None
        self.compute(env, failed is None)
        return ValueStep("scorecard", self.name, env[self.name], failed)

    def compute(self, env, applies: bool | None = None) -> None:
        """`applies`: the `when` conditions judged already (by `traced`)."""
        if applies is False or (applies is None and self.when and not all_hold(self.when, env, "scorecard", self.name)):
            env[self.name] = None
            for ind in self.indicators:
                env[ind.name] = None
            return
        total = Decimal(0)
        for ind in self.indicators:
            try:
                score = ind.round(run(ind.score, env, "indicator", ind.name))
            except NumberLimit as exc:
                raise NodeError("indicator", ind.name, exc) from None
            if not isinstance(score, Decimal):
                raise NodeError("indicator", ind.name,
                                EvalError(_("score must be a number, got {value}").format(value=short(score))))
            env[ind.name] = score
            total += score * ind.weight / 100
        try:
            env[self.name] = self.round(total)
        except NumberLimit as exc:
            raise NodeError("scorecard", self.name, exc) from None


@dataclass
class Value:
    name: str
    label: str
    expr: Expression
    when: list[Expression]
    round: Callable
    each: str | None = None
    kind = "value"

    def outputs(self) -> list[str]:
        return [self.name]

    def traced(self, env) -> ValueStep:
        failed = None
        if self.each is None and self.when:
            failed = unmet(self.when, env, "value", self.name)
            if failed is not None:
                env[self.name] = None
                return ValueStep("value", self.name, None, failed)
        self.compute(env, checked=True)
        return ValueStep("value", self.name, env[self.name])

    def compute(self, env, checked: bool = False) -> None:
        """`checked`: the `when` conditions judged already, and they hold (by `traced`)."""
        if self.each is None:
            if self.when and not checked and not all_hold(self.when, env, "value", self.name):
                env[self.name] = None
                return
            try:
                env[self.name] = self.round(run(self.expr, env, "value", self.name))
            except NumberLimit as exc:
                raise NodeError("value", self.name, exc) from None
            return
        results: list[Any] = []
        for i, item in enumerate(env.get(self.each) or ()):
            scope = _ItemScope(item, env)
            where = f"({self.each} item {i + 1})"
            if self.when and not all(run(c, scope, "value", self.name, where) for c in self.when):
                item[self.name] = None  # never fall through to the record-level list of the same name
                results.append(None)
                continue
            try:
                result = self.round(run(self.expr, scope, "value", self.name, where))
            except NumberLimit as exc:
                raise NodeError("value", self.name, exc, where) from None
            item[self.name] = result
            results.append(result)
        env[self.name] = tuple(results)


class _ItemScope(dict):
    """Names inside an `each` value: the item's own fields first, then the record's."""

    __slots__ = ("outer",)

    def __init__(self, item, outer):
        super().__init__(item)
        self.outer = outer

    def __missing__(self, key):
        return self.outer[key]

    def get(self, key, default=None):
        return self[key] if key in self or key in self.outer else default


@dataclass
class BandDef:
    label: Any
    min: Decimal
    upper: Decimal | None  # None: open (up to the next band, or without end)
    inclusive: bool


@dataclass
class Band:
    name: str
    label: str
    input: str
    bands: list[BandDef]  # sorted by min, descending
    range_min: Decimal | None
    range_max: Decimal | None
    round: Callable | None
    kind = "band"

    def outputs(self) -> list[str]:
        return [self.name]

    def lookup(self, value) -> BandDef | None:
        for b in self.bands:
            if value < b.min:
                continue
            if b.upper is not None and (value > b.upper if b.inclusive else value >= b.upper):
                return None
            return b
        return None

    def compute(self, env) -> None:
        value = env.get(self.input)
        if value is None:
            env[self.name] = None
            return
        if self.round is None and value.__class__ is Decimal:  # the common case, inline (every record)
            hit = self.lookup(value)
            if hit is not None:
                env[self.name] = hit.label
                return
        env[self.name] = self._entry(value)[1].label

    def traced(self, env) -> BandStep:
        value = env.get(self.input)
        looked, hit = self.decide(env)
        if hit is None:
            env[self.name] = None
            return BandStep(self.name, self.input, None)
        env[self.name] = hit.label
        entry = next(i for i, b in enumerate(self.bands) if b is hit)
        return BandStep(self.name, self.input, value, looked, entry, hit.label, hit.min, hit.upper, hit.inclusive)

    def decide(self, env) -> tuple[Decimal | None, BandDef | None]:
        """(the number looked up, the entry it falls in); (None, None) when the input is empty."""
        value = env.get(self.input)
        if value is None:
            return None, None
        return self._entry(value)

    def _entry(self, value) -> tuple[Decimal, BandDef]:
        """(the number looked up, the entry it falls in) for a value given; NodeError outside them."""
        if not isinstance(value, Decimal) or isinstance(value, bool):
            raise NodeError("band", self.name,
                            EvalError(_("`{input}` must be a number, got {value}").format(input=self.input,
                                                                                          value=short(value))))
        if self.round:
            try:
                value = self.round(value)
            except NumberLimit as exc:
                raise NodeError("band", self.name, exc) from None
        hit = self.lookup(value)
        if hit is None:
            raise NodeError("band", self.name,
                            EvalError(_("`{input}` = {value} falls outside every band").format(input=self.input,
                                                                                               value=num(value))))
        return value, hit
