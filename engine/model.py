"""The compiled policy: fields, computed nodes in dependency order, rules. Plain objects.

Each computed node has `compute(env)`, which reads names from `env` and writes its own
output(s) back into it, raising `EvalError` with a message that names the node.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Context, Decimal
from typing import Any, Callable

from kinerja.i18n import _, num
from kinerja.expr.language import ExprError, Expression
from kinerja.expr.functions import EvalError, short
from kinerja.limits import MAX_NUMBER_EXPONENT, MAX_TEXT, shown
from kinerja.values import format_value

_ONE = Decimal(1)
_ZERO = Decimal(0)
EXCLUDED_KIND = "dikecualikan"  # a rule of this kind takes the record out of the appraisal
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}


class NumberLimit(EvalError):
    """A computed number beyond the limits (engine/limits.py); the node that made it is named
    where it is caught, so the happy path pays nothing for the check."""

    def __init__(self, value: Decimal):
        super().__init__(_("the result {value} is too large: kinerja's numbers stay below 10^{value2}").format(value=shown(value), value2=MAX_NUMBER_EXPONENT + 1))


def make_rounder(places: int, mode: str = "half_up", exact: bool = True) -> Callable[[Any], Any]:
    """Round a computed number to `places` decimals. `exact`: always show that many places
    (a value's own `places`); otherwise at most that many, without trailing zeros (the
    policy default: 8 stays 8, 88.00 becomes 88, 3.14159 becomes 3.14)."""
    quantum, rounding = Decimal(1).scaleb(-places), ROUNDING_MODES[mode]
    wide = Context(prec=MAX_NUMBER_EXPONENT + 1 + places + 2)  # any number within the limits, to `places`

    def rounder(value):
        if not isinstance(value, Decimal) or not value.is_finite():
            return value
        if value and value.adjusted() > MAX_NUMBER_EXPONENT:
            raise NumberLimit(value)
        if exact:
            return value.quantize(quantum, rounding=rounding, context=wide)
        if value.as_tuple().exponent < -places:
            value = value.quantize(quantum, rounding=rounding, context=wide)
        if not value:
            return _ZERO  # not -0 or 0E-2
        value = value.normalize()  # 88.00 and 90.0 read as 88 and 90
        return value.quantize(_ONE) if value.as_tuple().exponent > 0 else value  # 2E+1 reads as 20

    return rounder


def keep(value):
    """The rounder of a number carried exactly (`rounding.intermediates: exact`); it still
    holds the number limits, as every rounder does."""
    if value.__class__ is Decimal and value and value.is_finite() and value.adjusted() > MAX_NUMBER_EXPONENT:
        raise NumberLimit(value)
    return value


def shown_rounders(policy) -> dict[str, Callable]:
    """`intermediates: exact`: each output carried unrounded → the rounder that shows it."""
    rounding = policy.resolved.meta.get("rounding") or {}
    show = make_rounder(int(rounding.get("places", 2)), str(rounding.get("mode", "half_up")), exact=False)
    out = {}
    for node in policy.nodes:
        for part in (node, *getattr(node, "indicators", ())):
            if getattr(part, "round", None) is keep:
                out[part.name] = show
    return out


def show_rounded(rounder: Callable, value):
    """Apply a rounder to a value or to each item of an `each` value's tuple."""
    if isinstance(value, tuple):
        return tuple(rounder(v) for v in value)
    return rounder(value)


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


def _run(expr: Expression, env, kind: str, name: str, where: str = ""):
    try:
        return expr.fn(env)  # the compiled closure; on any failure, re-run to say what failed
    except Exception:
        pass
    try:
        return expr(env)
    except EvalError as exc:
        raise NodeError(kind, name, exc, where) from None


def _all(conds: list[Expression], env, kind: str, name: str) -> bool:
    """Every condition holds. Fast path: the compiled closure gives True or False; anything
    else (an exception, a non-boolean) re-runs through the checking path for its message."""
    for condition in conds:
        try:
            result = condition.fn(env)
        except Exception:
            result = None
        if result is False:
            return False
        if result is not True:
            try:
                result = condition(env)
            except EvalError as exc:
                raise NodeError(kind, name, exc, "(when)") from None
            if not result:
                return False
    return True


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
    items: dict[str, "FieldDef"] | None = None
    required_when: list[Expression] = field(default_factory=list)
    only_when: list[Expression] = field(default_factory=list)
    min_items: int | None = None
    max_items: int | None = None
    aliases: tuple[str, ...] = ()  # other column headers for this field
    unit: str | None = None  # "percent": a 98% spreadsheet cell (stored 0.98) reads as 98


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

    def compute(self, env) -> None:
        if self.when and not _all(self.when, env, "scorecard", self.name):
            env[self.name] = None
            for ind in self.indicators:
                env[ind.name] = None
            return
        total = Decimal(0)
        for ind in self.indicators:
            try:
                score = ind.round(_run(ind.score, env, "indicator", ind.name))
            except NumberLimit as exc:
                raise NodeError("indicator", ind.name, exc) from None
            if not isinstance(score, Decimal):
                raise NodeError("indicator", ind.name, EvalError(_("score must be a number, got {value}").format(value=short(score))))
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

    def compute(self, env) -> None:
        if self.each is None:
            if self.when and not _all(self.when, env, "value", self.name):
                env[self.name] = None
                return
            try:
                env[self.name] = self.round(_run(self.expr, env, "value", self.name))
            except NumberLimit as exc:
                raise NodeError("value", self.name, exc) from None
            return
        results = []
        for i, item in enumerate(env.get(self.each) or ()):
            scope = _ItemScope(item, env)
            where = f"({self.each} item {i + 1})"
            if self.when and not all(_run(c, scope, "value", self.name, where) for c in self.when):
                item[self.name] = None  # never fall through to the record-level list of the same name
                results.append(None)
                continue
            try:
                result = self.round(_run(self.expr, scope, "value", self.name, where))
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
        if not isinstance(value, Decimal) or isinstance(value, bool):
            raise NodeError("band", self.name, EvalError(_("`{input}` must be a number, got {value}").format(input=self.input, value=short(value))))
        if self.round:
            try:
                value = self.round(value)
            except NumberLimit as exc:
                raise NodeError("band", self.name, exc) from None
        hit = self.lookup(value)
        if hit is None:
            raise NodeError("band", self.name, EvalError(_("`{input}` = {value} falls outside every band").format(input=self.input, value=num(value))))
        env[self.name] = hit.label


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
        """The output for these input values (None when one is missing), or NodeError."""
        if None in values:
            return None
        for row in self.rows:
            if all(c.matches(v) for c, v in zip(row.cells, values)):
                return row.output
        if self.has_default:
            return self.default
        shown = ", ".join(f"{n} = {short(v)}" for n, v in zip(self.inputs, values))
        raise NodeError("table", self.name, EvalError(_("no row matches {values}").format(values=shown)))


_NO_ROW = object()


def _key_getter(names: list[str]) -> Callable:
    """env → the tuple of these names' values (a table's lookup key)."""
    if len(names) == 1:
        name = names[0]
        return lambda env: (env[name],)
    return operator.itemgetter(*names)


@dataclass
class Rule:
    id: str
    kind: str
    label: str
    when: list[Expression]
    params: dict[str, Expression]
    reason: str
    round: Callable
    shown: dict = field(default_factory=dict)  # exact mode: name → rounder for the reason text

    def fires(self, env) -> bool:
        return _all(self.when, env, "rule", self.id)

    def action(self, env) -> dict:
        out = {"id": self.id, "kind": self.kind}
        if self.label:
            out["label"] = self.label
        params = {}
        for name, expr, where in self.param_plan:
            try:
                params[name] = self.round(_run(expr, env, "rule", self.id, where))
            except NumberLimit as exc:
                raise NodeError("rule", self.id, exc, where) from None
        out.update(params)
        if self.reason:
            parts, shown = self.parts, self.shown  # text, name, text, …, text: split once
            pieces = []
            for i in range(0, len(parts) - 1, 2):
                pieces.append(parts[i])
                name = parts[i + 1]
                value = params[name] if name in params else env.get(name)  # a param hides a name
                pieces.append(format_value(self.show(name, value) if shown else value))
            pieces.append(parts[-1])
            reason = "".join(pieces)
            if len(reason) > MAX_TEXT:
                raise NodeError("rule", self.id, EvalError(_("the reason would be {reason} characters long (limit {MAX_TEXT})").format(reason=num(len(reason), group=True), MAX_TEXT=num(MAX_TEXT, group=True))), "(reason)")
            out["reason"] = reason
        else:
            out["reason"] = self.label or self.id
        return out

    def show(self, name: str, value):
        """A value as the reason shows it: rounded here when the policy carries it exactly."""
        rounder = self.shown.get(name)
        return show_rounded(rounder, value) if rounder else value

    @property
    def param_plan(self) -> list[tuple[str, Expression, str]]:
        """(name, expression, where a failure is reported) of each param (computed once)."""
        cached = self.__dict__.get("_param_plan")
        if cached is None:
            cached = self.__dict__["_param_plan"] = [(n, e, f"(param {n})") for n, e in self.params.items()]
        return cached

    @property
    def parts(self) -> list[str]:
        """The reason split into text and placeholder names, alternately (computed once)."""
        cached = self.__dict__.get("_parts")
        if cached is None:
            cached = self.__dict__["_parts"] = _split_template(self.reason)
        return cached


def render_template(template: str, env) -> str:
    """Fill `{name}` placeholders; only plain names, never attribute or index access."""
    return "".join(part if i % 2 == 0 else format_value(env.get(part))
                   for i, part in enumerate(_split_template(template)))


def _split_template(template: str) -> list[str]:
    """Text and placeholder names, alternately: "a {x} b" → ["a ", "x", " b"]."""
    parts, i = [], 0
    while True:
        j = template.find("{", i)
        k = template.find("}", j + 1) if j >= 0 else -1
        if j < 0 or k < 0:
            parts.append(template[i:])
            return parts
        parts.extend([template[i:j], template[j + 1:k].strip()])
        i = k + 1


def template_names(template: str) -> list[str]:
    return _split_template(template)[1::2]


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
