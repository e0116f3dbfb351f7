"""How a result was reached, in plain Indonesian or English, for the employee it concerns.

Read from the result's decision trace (model/trace.py: `Evaluator(policy, trace=True)`), never
decided again: each indicator's score, weight and contribution; the band entry and the table row
evaluation chose; each value; each rule that fired and why, and each that did not with the
condition that failed, its actual values, and what would change the outcome ("needs +1.60 to
reach Baik (≥ 90)").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kinerja.expr.language import Expression
from kinerja.i18n import N_, _, in_every_language, using
from kinerja.model import Band, BandStep, Policy, RuleStep, Scorecard, Table, TableStep, Value, ValueStep
from kinerja.values import show_value

_TEXTS_EN = {  # English message ids; the Indonesian is in the catalogue
    "header": N_("Explanation of the appraisal result — policy {policy} version {version} (sha256 {sha})"),
    "who": N_("Employee: NIP {nip}, row {row}"),
    "error": N_("The record could not be appraised:"),
    "excluded": N_("The employee is NOT APPRAISED ({id}): {reason}"),
    "annual": N_("Annual appraisal from the periods {periods} (rows {rows}): {basis}"),
    "error_item": N_("  - {field}: {reason}"),
    "scorecard": N_("Scorecard {name} ({label}) = {total}"),
    "scorecard_na": N_("Scorecard {name} does not apply: condition {cond} is not met"),
    "indicator": N_("  - indicator {name} ({label}): score {score} × weight {weight}% = contribution {contrib}"),
    "value": N_("Value {name} = {value}, computed as {expr}{inputs}"),
    "value_na": N_("Value {name} does not apply (empty): condition {cond} is not met{inputs}"),
    "band": N_("Band {name}: {input} = {value} → {label} ({range})"),
    "band_next": N_("  {input} {value} needs +{gap} to reach {label} (≥ {min})"),
    "band_missing": N_("Band {name}: {input} is empty, so {name} is empty"),
    "table": N_("Table {name}: {inputs} → row {row} → {output}"),
    "table_default": N_("Table {name}: {inputs} → no row matches → default {output}"),
    "table_missing": N_("Table {name}: input {inputs} is empty, so {name} is empty"),
    "fired": N_("Action {id} ({kind}) APPLIES: {reason}"),
    "cond_ok": N_("  ✓ {cond}{inputs}"),
    "not_fired": N_("Action {id} ({kind}) does not apply:"),
    "cond_fail": N_("  ✗ {cond} is not met{inputs}"),
    "cond_error": N_("  ! {cond} cannot be evaluated: {reason}"),
    "gap_up": N_("    needs +{gap} to reach {target}"),
    "gap_down": N_("    needs to come down by {gap} to reach {target}"),
    "range_closed": N_("≥ {min} and {upper_op} {upper}"),
    "range_open": N_("≥ {min}"),
    "inputs": N_(" ({values})"),
}
TEXTS = in_every_language(_TEXTS_EN)


@dataclass
class Explanation:
    row: int
    nip: str | None
    status: str
    lang: str
    policy: dict
    steps: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"row": self.row, "nip": self.nip, "status": self.status, "lang": self.lang,
                "policy": self.policy, "steps": self.steps, "text": self.lines()}

    def lines(self) -> list[str]:
        t = TEXTS[self.lang]
        out = [t["header"].format(policy=self.policy["id"], version=self.policy["version"],
                                  sha=self.policy["sha256"][:12]),
               t["who"].format(nip=self.nip or "-", row=self.row)]
        for step in self.steps:
            out.extend(step["lines"])
        return out

    def text(self) -> str:
        return "\n".join(self.lines()) + "\n"


_v = show_value  # a value in the explanation's language: numbers as prose (`88,40` in Indonesian)


def _inputs(expr: Expression | None, env, t, skip=()) -> str:
    if expr is None:
        return ""
    names = [n for n in sorted(expr.names) if n not in skip]
    if not names:
        return ""
    return t["inputs"].format(values=", ".join(f"{n} = {_v(env.get(n))}" for n in names))


def explain(policy: Policy, result, lang: str = "id") -> Explanation:
    """The explanation of one evaluated record, in `lang` (its numbers and the errors of its
    conditions, too). The result must carry its trace (`Evaluator(policy, trace=True)`) unless
    it has nothing to trace (a record that could not be read)."""
    with using(lang):
        return _explain(policy, result, lang)


def _explain(policy: Policy, result, lang: str) -> Explanation:
    t = TEXTS[lang]
    ex = Explanation(result.row, result.nip, result.status, lang, policy.info())
    if result.status == "excluded":
        lines = [t["excluded"].format(id=a["id"], reason=a.get("reason", "")) for a in result.actions]
        ex.steps.append({"kind": "excluded", "actions": result.actions, "lines": lines})
        return ex
    if result.annual is not None:
        a = result.annual
        ex.steps.append({"kind": "annual", **a, "lines": [t["annual"].format(
            periods=", ".join(a.get("periods", [])), rows=", ".join(map(str, a.get("rows", []))),
            basis=a.get("basis", ""))]})
    if result.errors and result.env is None:
        lines = [t["error"]] + [t["error_item"].format(field=e.get("cell") or e.get("field") or e.get("name", "-"),
                                                       reason=e.get("reason", "")) for e in result.errors]
        ex.steps.append({"kind": "errors", "errors": result.errors, "lines": lines})
        return ex
    trace = result.trace
    if trace is None:
        raise ValueError("explain needs a result evaluated with trace=True (Evaluator(policy, trace=True))")
    env = result.env or {}
    nodes = policy.node_by_output()
    for decided in trace.nodes:  # a node given from the periods is said by the annual step above
        step = _node_step(nodes[decided.name], decided, env, t)
        if step:
            ex.steps.append(step)
    if result.errors:
        lines = [t["error"]] + [t["error_item"].format(field=e.get("name", "-"), reason=e.get("reason", ""))
                                for e in result.errors]
        ex.steps.append({"kind": "errors", "errors": result.errors, "lines": lines})
        return ex
    fired = {a["id"]: a for a in result.actions}
    rules = {r.id: r for r in policy.rules}
    for judged in trace.rules:
        ex.steps.append(_rule_step(rules[judged.id], judged, env, fired.get(judged.id), t))
    return ex


def _node_step(node, decided, env, t) -> dict | None:
    if isinstance(node, Scorecard) and isinstance(decided, ValueStep):
        return _scorecard_step(node, decided, env, t)
    if isinstance(node, Band) and isinstance(decided, BandStep):
        return _band_step(node, decided, t)
    if isinstance(node, Table) and isinstance(decided, TableStep):
        return _table_step(decided, t)
    if isinstance(node, Value) and isinstance(decided, ValueStep):
        return _value_step(node, decided, env, t)
    return None  # given, not computed (an annual result's values from its periods)


def _scorecard_step(node: Scorecard, decided: ValueStep, env, t) -> dict:
    total = decided.value
    if decided.unmet is not None:
        cond = node.when[decided.unmet].text
        return {"kind": "scorecard", "name": node.name, "applies": False,
                "lines": [t["scorecard_na"].format(name=node.name, cond=f"`{cond}`")]}
    items, lines = [], [t["scorecard"].format(name=node.name, label=node.label, total=_v(total))]
    for ind in node.indicators:
        score = env.get(ind.name)
        contrib = score * ind.weight / 100 if isinstance(score, Decimal) else None
        items.append({"name": ind.name, "score": score, "weight": ind.weight, "contribution": contrib})
        lines.append(t["indicator"].format(name=ind.name, label=ind.label, score=_v(score), weight=_v(ind.weight),
                                           contrib=_v(contrib)))
    return {"kind": "scorecard", "name": node.name, "value": total, "indicators": items, "lines": lines}


def _value_step(node: Value, decided: ValueStep, env, t) -> dict:
    value = decided.value
    if decided.unmet is not None:
        cond = node.when[decided.unmet]
        return {"kind": "value", "name": node.name, "value": None, "applies": False,
                "lines": [t["value_na"].format(name=node.name, cond=f"`{cond.text}`",
                                               inputs=_inputs(cond, env, t))]}
    return {"kind": "value", "name": node.name, "value": value, "expr": node.expr.text,
            "lines": [t["value"].format(name=node.name, value=_v(value), expr=f"`{node.expr.text}`",
                                        inputs="" if node.each else _inputs(node.expr, env, t))]}


def _band_step(node: Band, hit: BandStep, t) -> dict:
    value, looked = hit.value, hit.looked
    if value is None or looked is None:
        return {"kind": "band", "name": node.name, "value": None,
                "lines": [t["band_missing"].format(name=node.name, input=node.input)]}
    if hit.upper is None:
        rng = t["range_open"].format(min=_v(hit.min))
    else:
        rng = t["range_closed"].format(min=_v(hit.min), upper_op="≤" if hit.inclusive else "<", upper=_v(hit.upper))
    lines = [t["band"].format(name=node.name, input=node.input, value=_v(value), label=hit.label, range=rng)]
    step = {"kind": "band", "name": node.name, "input": node.input, "input_value": value, "value": hit.label,
            "min": hit.min, "lines": lines}
    higher = [b for b in node.bands if hit.min is not None and b.min > hit.min]
    if higher:
        nxt = min(higher, key=lambda b: b.min)
        gap = nxt.min - looked
        step["next"] = {"label": nxt.label, "min": nxt.min, "gap": gap}
        lines.append(t["band_next"].format(input=node.input, value=_v(value), gap=_v(gap), label=nxt.label,
                                           min=_v(nxt.min)))
    return step


def _table_step(hit: TableStep, t) -> dict:
    name, output = hit.name, hit.output
    shown = ", ".join(f"{n} = {_v(v)}" for n, v in zip(hit.inputs, hit.values))
    if hit.empty:  # name only the inputs that are empty: the others are not why
        empty = ", ".join(n for n, v in zip(hit.inputs, hit.values) if v is None) or shown
        return {"kind": "table", "name": name, "value": None,
                "lines": [t["table_missing"].format(name=name, inputs=empty)]}
    if hit.row is None:
        return {"kind": "table", "name": name, "value": output, "row": None,
                "lines": [t["table_default"].format(name=name, inputs=shown, output=_v(output))]}
    row = hit.row + 1
    return {"kind": "table", "name": name, "value": output, "row": row, "inputs": dict(zip(hit.inputs, hit.values)),
            "lines": [t["table"].format(name=name, inputs=shown, row=row, output=_v(output))]}


def _rule_step(rule, judged: RuleStep, env, action, t) -> dict:
    checked = [(rule.conjuncts[c.index], c.held, c.error) for c in judged.conditions]
    step = {"kind": "rule", "id": rule.id, "rule_kind": rule.kind, "fired": action is not None,
            "conditions": [{"condition": c.text, "met": c.held, **({"error": c.error} if c.error else {}),
                            "values": dict(c.values)} for c in judged.conditions]}
    if action is not None:
        lines = [t["fired"].format(id=rule.id, kind=rule.kind, reason=action.get("reason", ""))]
        lines += [t["cond_ok"].format(cond=f"`{c.text}`", inputs=_inputs(c, env, t)) for c, _, _ in checked]
        step["reason"] = action.get("reason", "")
    else:
        lines = [t["not_fired"].format(id=rule.id, kind=rule.kind)]
        for c, ok, err in checked:
            if err:
                lines.append(t["cond_error"].format(cond=f"`{c.text}`", reason=err))
            elif not ok:
                lines.append(t["cond_fail"].format(cond=f"`{c.text}`", inputs=_inputs(c, env, t)))
                lines.extend(_gap_lines(c, env, t))
    step["lines"] = lines
    return step


def _gap_lines(cond: Expression, env, t) -> list[str]:
    """What would change a failed `name OP bound` condition (bound: a number or a param)."""
    th = cond.threshold(env)
    if th is None:
        return []
    name, op, bound = th
    value = env.get(name)
    if not isinstance(value, Decimal) or not isinstance(bound, Decimal):
        return []
    target = f"{op} {_v(bound)}"
    if op in (">=", ">"):
        more = _(" (more)") if op == ">" else ""
        return [t["gap_up"].format(gap=_v(bound - value) + more, target=target)]
    if op in ("<=", "<"):
        return [t["gap_down"].format(gap=_v(value - bound), target=target)]
    return []
