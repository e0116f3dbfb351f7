"""The rules of a policy: conditions that, when they all hold, give an action with its params
and a reason filled from the record's values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kinerja.expr.functions import EvalError
from kinerja.expr.language import Expression
from kinerja.i18n import _, num
from kinerja.limits import MAX_TEXT
from kinerja.model.nodes import NodeError, all_hold, run
from kinerja.model.rounding import NumberLimit, show_rounded
from kinerja.model.trace import Condition
from kinerja.values import format_value

EXCLUDED_KIND = "dikecualikan"  # a rule of this kind takes the record out of the appraisal


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
        return all_hold(self.when, env, "rule", self.id)

    @property
    def conjuncts(self) -> list[Expression]:
        """The top-level parts of the conditions (`a and b` is two), each judged on its own in a
        trace (computed once)."""
        cached = self.__dict__.get("_conjuncts")
        if cached is None:
            cached = self.__dict__["_conjuncts"] = [part for c in self.when for part in c.conjuncts()]
        return cached

    @property
    def judge_plan(self) -> list[tuple[int, Expression, str, list[str]]]:
        """(index, conjunct, its text, the names it reads, sorted) of each conjunct (computed once)."""
        cached = self.__dict__.get("_judge_plan")
        if cached is None:
            plan = [(i, c, c.text, sorted(c.names)) for i, c in enumerate(self.conjuncts)]
            cached = self.__dict__["_judge_plan"] = plan
        return cached

    def judge(self, env) -> tuple[Condition, ...]:
        """Each top-level condition's truth and operands, for a trace; a condition that cannot be
        evaluated does not hold and says why."""
        out = []
        for i, c, text, names in self.judge_plan:
            error = None
            try:
                held = c.fn(env)  # the compiled closure; anything but True/False takes the checking path
            except Exception:
                held = None
            if held is not True and held is not False:
                try:
                    held = bool(c(env))
                except EvalError as exc:
                    held, error = False, str(exc)
            out.append(Condition(i, text, held, {n: env.get(n) for n in names}, error))
        return tuple(out)

    def action(self, env) -> dict:
        out = {"id": self.id, "kind": self.kind}
        if self.label:
            out["label"] = self.label
        params = {}
        for name, expr, where in self.param_plan:
            try:
                params[name] = self.round(run(expr, env, "rule", self.id, where))
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
                too_long = _("the reason would be {reason} characters long (limit {MAX_TEXT})").format(
                    reason=num(len(reason), group=True), MAX_TEXT=num(MAX_TEXT, group=True))
                raise NodeError("rule", self.id, EvalError(too_long), "(reason)")
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
