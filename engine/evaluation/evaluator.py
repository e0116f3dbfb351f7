"""Evaluate records against a compiled policy: one result per record, in input order.

A record that fails coercion or evaluation becomes a result with status "error" and every
reason; the stream goes on. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kinerja.evaluation.plain import firing, plain_path
from kinerja.expr.functions import EvalError
from kinerja.i18n import _
from kinerja.model import EXCLUDED_KIND, GivenStep, NodeError, Policy, RuleStep, Trace, show_rounded, shown_rounders
from kinerja.records.coerce import Coercer
from kinerja.records.source import Source


@dataclass(slots=True)
class Result:
    row: int
    status: str  # ok | error | excluded (a `dikecualikan` rule took the record out; its action says why)
    nip: str | None = None
    outputs: dict = field(default_factory=dict)
    actions: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # list of dicts: field/value/reason/code, or stage/message
    env: dict | None = None  # every name's value (fields, params, outputs), for explain
    where: str = ""
    raw: Any = None
    explanation: dict | None = None  # filled by `evaluate --explain`
    annual: dict | None = None  # an annual result (`evaluate --annual`): its periods, rows and basis
    trace: Trace | None = None  # what evaluation decided (model/trace.py), with `Evaluator(trace=True)`

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Evaluator:
    """Holds what is built once per policy (coercer, output order) and evaluates records.

    `trace`: each result carries its decision trace (and its env), for explain, test coverage
    and compare's differences; without it nothing of the trace is built."""

    def __init__(self, policy: Policy, *, keep_env: bool = False, trace: bool = False):
        self.policy = policy
        self.coercer = Coercer(policy.fields)
        self.outputs = _declared_order(policy)
        self.keep_env = keep_env or trace
        self.trace = trace
        self.info = policy.info()
        self.exclusions = policy.exclusions
        self.rules = [r for r in policy.rules if r.kind != EXCLUDED_KIND]
        cycle = policy.cycle
        self.months_field = cycle.months_field if cycle is not None and cycle.months_field else None
        self.period_field = cycle.period_field if cycle is not None and cycle.annual_rules else None
        # a period row: the rules that follow from the year's appraisal only do not fire
        self.period_rules = [r for r in self.rules if self.period_field is None or r.id not in cycle.annual_rules]
        self.nodes = policy.nodes
        # each rule with its conditions' compiled closures, run inline by evaluate_coerced
        self.rules_plan = [(rule, [c.fn for c in rule.when]) for rule in self.rules]
        self.period_plan = [(rule, [c.fn for c in rule.when]) for rule in self.period_rules]
        self.fire: Callable[[dict, bool], list] = self._first_fire  # the rule loop written out, on first use
        # evaluate_coerced(source, values, problems, fixed=None): the rest of `evaluate`, for values
        # coerced already (compare coerces once for two policies). `fixed`: outputs given from
        # outside (an annual result's predikat and summed angka kredit); a node whose outputs are all
        # fixed is not computed. With a trace it is `evaluate_traced`; else the plain path written
        # out for the policy on first use (plain.py), which hands `fixed` on to `evaluate_generic`.
        self.evaluate_coerced: Callable[..., Result] = self.evaluate_traced if trace else self._first_plain
        self.plain = self.evaluate_coerced
        self.computes = [node.compute for node in self.nodes]
        self.shown = shown_rounders(policy)  # `rounding.intermediates: exact` only

    def evaluate(self, source: Source) -> Result:
        raw = source.data
        if source.problem or not isinstance(raw, dict):
            reason = source.problem or _("a record must be a mapping of field names to values, got {value}").format(
                value=_kind(raw))
            code = source.code if source.problem else "K407"
            return Result(source.row, "error", _nip_of(raw), errors=[{"code": code, "reason": reason}],
                          where=source.where, raw=raw)
        prepared = raw
        months = self.months_field
        if months is not None:  # `prepare`, without a call for a row that gives its months (most do)
            given = raw.get(months)
            if given.__class__ is not str or not given.strip():
                prepared = self.policy.cycle.fill_months(raw)
        values, problems = self.coercer.coerce(prepared, self.policy.params, source.cells, source.decimal_comma)
        return self.evaluate_coerced(source, values, problems)

    def prepare(self, raw: dict) -> dict:
        """A period row without its months field covers its period's months (`cycle: periods`)."""
        cycle = self.policy.cycle
        return cycle.fill_months(raw) if cycle is not None and cycle.months_field else raw

    def evaluate_generic(self, source: Source, values: dict, problems: list, fixed: dict | None = None) -> Result:
        """The plain path node by node, as plain.py writes it out; with `fixed` outputs too."""
        raw = source.data
        nip = values.get("nip")
        if nip.__class__ is not str:
            nip = _nip_of(raw)
        if self.exclusions:  # decided on the fields alone, so a record left empty for it is no error
            excluded = self.excluded(values)
            if excluded is not None:
                return Result(source.row, "excluded", nip, actions=[excluded],
                              env=values if self.keep_env else None, where=source.where, raw=raw)
        if problems:
            return Result(source.row, "error", nip, errors=[p.as_dict() for p in problems], where=source.where,
                          raw=raw)
        env = values  # the coerced fields on top of the params
        try:
            if fixed:
                for node in self.nodes:
                    if all(name in fixed for name in node.outputs()):
                        env.update((name, fixed[name]) for name in node.outputs())
                    else:
                        node.compute(env)
            else:
                for compute in self.computes:
                    compute(env)
            period = self.period_field
            actions = self.fire(env, period is not None and env.get(period) is not None)
        except EvalError as exc:
            return self.failed(source, nip, env, exc)
        outputs = {name: env.get(name) for name in self.outputs}
        for name, rounder in self.shown.items():  # `intermediates: exact`: round where shown
            if name in outputs:
                outputs[name] = show_rounded(rounder, outputs[name])
        # positional: the keyword form costs more, once per record
        return Result(source.row, "ok", nip, outputs, actions, [], env if self.keep_env else None, source.where, raw)

    def evaluate_traced(self, source: Source, values: dict, problems: list, fixed: dict | None = None, *,
                        rules: Container[str] | None = None) -> Result:
        """`evaluate_coerced` recording every decision: the same nodes decide through
        `traced`, the same rule loop fires the rules, and then each rule's conditions are judged
        one by one for the trace (they decide nothing: a rule fired when its action is there).
        `rules`: record the steps of these rules only (compare explains only the actions that
        differ); by default every rule's."""
        trace = Trace()
        raw = source.data
        nip = values.get("nip") if isinstance(values.get("nip"), str) else _nip_of(raw)
        if self.exclusions:
            excluded = self.excluded(values)
            if excluded is not None:
                trace.rules = [RuleStep(r.id, r.kind, r.id == excluded["id"], r.judge(values))
                               for r in self.exclusions if rules is None or r.id in rules]
                return Result(source.row, "excluded", nip, actions=[excluded], env=values, where=source.where,
                              raw=raw, trace=trace)
        if problems:
            return Result(source.row, "error", nip, errors=[p.as_dict() for p in problems], where=source.where,
                          raw=raw, trace=trace)
        env = values
        try:
            for node in self.nodes:
                if fixed and all(name in fixed for name in node.outputs()):
                    given = {name: fixed[name] for name in node.outputs()}
                    env.update(given)
                    trace.nodes.append(GivenStep(node.name, node.kind, given))
                    continue
                trace.nodes.append(node.traced(env))
            period_row = self.period_field and env.get(self.period_field) is not None
            plan = self.period_plan if period_row else self.rules_plan
            actions = [rule.action(env) for rule, _conditions in plan if rule.fires(env)]
        except NodeError as exc:
            error = {"code": "K406", "stage": exc.kind, "name": exc.name, "reason": exc.detail}
            return Result(source.row, "error", nip, errors=[error], env=env, where=source.where, raw=raw, trace=trace)
        except EvalError as exc:
            return Result(source.row, "error", nip, errors=[{"code": "K406", "reason": str(exc)}],
                          where=source.where, raw=raw, trace=trace)
        fired = {a["id"] for a in actions}
        judged = {rule.id for rule, _conditions in plan}
        trace.rules = [RuleStep(r.id, r.kind, r.id in fired, r.judge(env), r.id in judged or r.kind == EXCLUDED_KIND)
                       for r in self.policy.rules if rules is None or r.id in rules]
        outputs = {name: env.get(name) for name in self.outputs}
        for name, rounder in self.shown.items():
            if name in outputs:
                outputs[name] = show_rounded(rounder, outputs[name])
        return Result(source.row, "ok", nip, outputs, actions, env=env, where=source.where, raw=raw, trace=trace)

    def failed(self, source: Source, nip: str | None, env: dict, exc: EvalError) -> Result:
        """The error result of a record whose node or rule failed (plain path)."""
        if isinstance(exc, NodeError):
            error = {"code": "K406", "stage": exc.kind, "name": exc.name, "reason": exc.detail}
            return Result(source.row, "error", nip, errors=[error], env=env if self.keep_env else None,
                          where=source.where, raw=source.data)
        return Result(source.row, "error", nip, errors=[{"code": "K406", "reason": str(exc)}],
                      where=source.where, raw=source.data)

    def _first_plain(self, source: Source, values: dict, problems: list, fixed: dict | None = None) -> Result:
        """Write the plain path out (once, on first use: an Evaluator that only traces never
        pays for it), then run it."""
        if self.plain == self._first_plain:  # not yet (a caller may hold on to this method)
            self.evaluate_coerced = self.plain = plain_path(self, Result, _nip_of, self.failed)
        return self.plain(source, values, problems, fixed)

    def _first_fire(self, env: dict, period_row: bool) -> list:
        """Write the rule loop out (once, and only for an Evaluator that runs the plain path:
        compiling it costs about half a millisecond), then run it."""
        in_period = {rule.id for rule, _conditions in self.period_plan}
        self.fire = firing(self.rules_plan, {rule.id for rule, _conditions in self.rules_plan} - in_period)
        return self.fire(env, period_row)

    def excluded(self, values: dict) -> dict | None:
        """The action of the first exclusion rule that holds; a condition that cannot be judged
        (a missing or bad field) does not hold, and the record's own problems then show."""
        for rule in self.exclusions:
            try:
                if rule.fires(values):
                    return rule.action(values)
            except EvalError:
                continue
        return None

    def run(self, sources: Iterable[Source]) -> Iterator[Result]:
        for source in sources:
            yield self.evaluate(source)


def _declared_order(policy: Policy) -> list[str]:
    """Outputs in the order they are written: parents' first, then each file top to bottom."""
    computed = set(policy.output_names())
    chain = {doc_id: i for i, doc_id in enumerate(policy.resolved.chain)}
    entries = []
    for section in ("scorecards", "values", "tables", "bands"):
        for name, entry in policy.resolved.sections[section].items():
            node = entry.node()
            rank = (-chain.get(str((entry.doc.data or {}).get("id")), 0), node.line if node else 0)
            entries.append((rank, name, entry))
    names = []
    for _rank, name, entry in sorted(entries, key=lambda t: t[0]):
        if name in computed:
            names.append(name)
        if entry.section == "scorecards":
            names.extend(i for i in (entry.spec.get("indicators") or {}) if i in computed)
    return names


def _nip_of(raw) -> str | None:
    if isinstance(raw, dict):
        v = raw.get("nip")
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)
    return None


def _kind(v) -> str:
    return {type(None): _("nothing"), list: _("a list"), str: _("text")}.get(type(v), type(v).__name__)


def evaluate_record(policy: Policy, raw: dict, row: int = 1, *, keep_env: bool = True) -> Result:
    """Evaluate one plain record (used by tests, `kinerja expr --policy` and explain); with
    `keep_env` (the default) the result carries its env and its decision trace."""
    return Evaluator(policy, keep_env=keep_env, trace=keep_env).evaluate(Source(row, raw))


def result_row(result: Result, info: dict) -> dict:
    """The JSON/JSONL shape of one result (Decimal stays Decimal for the writer)."""
    out: dict[str, Any] = {"row": result.row, "nip": result.nip, "status": result.status}
    if result.annual is not None:
        out["annual"] = result.annual
    if result.ok:
        out["outputs"] = result.outputs
        out["actions"] = result.actions
    elif result.status == "excluded":
        out["reason"] = excluded_reason(result)
        out["actions"] = result.actions
    else:
        out["errors"] = result.errors
    out["policy"] = info
    if result.explanation is not None:
        out["explain"] = result.explanation
    return out


def excluded_reason(result: Result) -> str:
    """Why an excluded record is not appraised (the reason of the exclusion rule that took it out)."""
    return "; ".join(str(a.get("reason", "")) for a in result.actions)


__all__ = ["Evaluator", "Result", "evaluate_record", "excluded_reason", "result_row"]
