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
NOT_ROUNDED = frozenset({str, bool, type(None)})  # what a rule's rounder leaves as it is


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
        """The action of a rule that fired: id, kind, label, the params (rounded), the reason
        filled from the params and the record's values (a param hides a name of the record)."""
        plan = self.__dict__.get("_action_plan")
        if plan is None:
            plan = self._action_plan()
        head, params, reason, shown = plan
        out = head.copy()
        for name, fn, expr, where in params:
            try:
                value = fn(env)  # the compiled closure; on any failure `run` says what failed
            except Exception:
                value = run(expr, env, "rule", self.id, where)
            if value.__class__ not in NOT_ROUNDED:  # a rounder leaves these as they are (model/rounding.py)
                try:
                    value = self.round(value)
                except NumberLimit as exc:
                    raise NodeError("rule", self.id, exc, where) from None
            out[name] = value
        if reason is None:
            out["reason"] = self.label or self.id
            return out
        pieces = [reason[0]]
        add = pieces.append
        for name, is_param, text in reason[1]:  # each placeholder, then the text after it
            value = out[name] if is_param else env.get(name)
            if shown:
                value = self.show(name, value)
            add(value if value.__class__ is str else format_value(value))
            add(text)
        text = "".join(pieces)
        if len(text) > MAX_TEXT:
            self.too_long(text)
        out["reason"] = text
        return out

    def too_long(self, text: str) -> None:
        """Raise the error of a reason longer than MAX_TEXT (`text`)."""
        too_long = _("the reason would be {reason} characters long (limit {MAX_TEXT})").format(
            reason=num(len(text), group=True), MAX_TEXT=num(MAX_TEXT, group=True))
        raise NodeError("rule", self.id, EvalError(too_long), "(reason)")

    @property
    def action_plan(self) -> tuple:
        """(head, params, reason, shown), what `action` works from (evaluation/plain.py writes
        `action` out from it too): the fixed head of the action (a dict to copy); each param as
        (name, its compiled closure, its expression, where a failure is reported); the reason as
        None (the label says why) or (its first text, [(placeholder, whether a param gives it,
        the text after it), …]); whether the reason shows values rounded (exact mode)."""
        plan = self.__dict__.get("_action_plan")
        return plan if plan is not None else self._action_plan()

    def _action_plan(self) -> tuple:
        """What `action` needs, worked out once: the fixed head of the action, the params, the
        reason as its first text and (placeholder, whether a param gives it, text after it)."""
        head = {"id": self.id, "kind": self.kind}
        if self.label:
            head["label"] = self.label
        reason = None
        if self.reason:
            parts = self.parts
            reason = (parts[0], [(parts[i], parts[i] in self.params, parts[i + 1]) for i in range(1, len(parts), 2)])
        params = [(name, expr.fn, expr, where) for name, expr, where in self.param_plan]
        plan = (head, params, reason, bool(self.shown))
        self.__dict__["_action_plan"] = plan
        return plan

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
