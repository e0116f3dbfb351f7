"""Population checks: grouped by a field or output, a distribution over an output with fixed
labels, limits that name its labels and can all hold at once (K219, K302, K603)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from kinerja.checks.registry import Issue, check
from kinerja.i18n import _, num
from kinerja.values import format_value

MEASURES = ("max_pct", "min_pct", "min_count", "max_count")


@dataclass
class Limit:
    """One constraint of a distribution: labels (one, or any of several) and a bound."""

    labels: tuple[str, ...]
    measure: str  # one of MEASURES
    bound: Decimal

    @classmethod
    def of(cls, item: dict) -> Limit:
        """The limit an item of `limits` states (one that `limit_problems` passed)."""
        names = [item["label"]] if "label" in item else list(item.get("any_of") or [])
        measure = next(m for m in MEASURES if m in item)
        return cls(tuple(names), measure, Decimal(str(item[measure])))

    def holds(self, count: int, n: int) -> bool:
        # exact integer arithmetic: "at most 70%" is count × 100 ≤ 70 × n
        if self.measure == "max_pct":
            return count * 100 <= self.bound * n
        if self.measure == "min_pct":
            return count * 100 >= self.bound * n
        if self.measure == "min_count":
            return count >= self.bound
        return count <= self.bound

    def text(self) -> str:
        who = _(" or ").join(self.labels)
        if len(self.labels) > 1 and self.measure.endswith("pct"):
            who += _(" together")
        bound = num(self.bound)
        if self.measure == "max_pct":
            return _("{who} at most {bound}%").format(who=who, bound=bound)
        if self.measure == "min_pct":
            return _("{who} at least {bound}%").format(who=who, bound=bound)
        if self.measure == "min_count":
            return _("at least {bound} {who}").format(bound=bound, who=who)
        if self.bound == 0:
            return _("no {who}").format(who=who)
        return _("at most {bound} {who}").format(bound=bound, who=who)

    def as_dict(self) -> dict:
        key = {"label": self.labels[0]} if len(self.labels) == 1 else {"any_of": list(self.labels)}
        return {**key, self.measure: self.bound}


@check("population")
def group_by_known(spec: dict, names: dict, fields: dict, params: dict) -> Iterator[Issue]:
    """A check groups by a field or output of the policy, never a param (K219)."""
    group_by = spec.get("group_by")
    if group_by not in names or group_by in params:
        known = list(fields) + [n for n in names if n not in fields and n not in params]
        close = difflib.get_close_matches(str(group_by), known, n=1, cutoff=0.6)
        yield Issue("K219", _("population check groups by `{group_by}`, which is not a field or output of this "
                              "policy").format(group_by=group_by), ("group_by",),
                    _('did you mean "{close}"?').format(close=close[0]) if close else None)


@check("distribution")
def countable(spec: dict, names: dict) -> Iterator[Issue]:
    """The output is known and has fixed labels, and its limits make sense (K302, K603)."""
    output = spec.get("output")
    if output not in names:
        close = difflib.get_close_matches(str(output), list(names), n=1, cutoff=0.6)
        yield Issue("K302", _("unknown name `{output}` as the output of a distribution").format(output=output),
                    ("output",), _("did you mean \"{close}\"?").format(close=close[0]) if close else None)
        return
    labels = names[output].labels
    if labels is None:
        yield Issue("K603", _("`{output}` has no fixed list of labels, so its distribution cannot be checked")
                    .format(output=output), ("output",), _("use a table or band output with labels"))
        return
    ok = True
    for org, items in (spec.get("limits") or {}).items():
        parsed: list[Limit | None] = []
        for i, item in enumerate(items or []):
            problem = limit_problem(item, labels)
            if problem is not None:
                yield Issue(problem.code, problem.message, ("limits", org, i, *problem.at), problem.hint)
            ok = ok and problem is None
            parsed.append(None if problem else Limit.of(item))
        if ok:  # once a limit is wrong, later groups are not judged as a whole
            contradiction = contradicts(parsed)
            if contradiction is not None:
                yield Issue("K603", contradiction, ("limits", org), key=True)
                ok = False


def limit_problem(item: dict, labels) -> Issue | None:
    """What is wrong with one limit item, below it: both `label` and `any_of`, not exactly one
    measure, a label the output does not have."""
    if "label" in item and "any_of" in item:
        return Issue("K603", _("a limit names either `label` or `any_of`, not both"))
    measures = [m for m in MEASURES if m in item]
    if len(measures) != 1:
        return Issue("K603", _("a limit has exactly one of ") + ", ".join(MEASURES)
                     + (_(" (this one has {value})").format(value=', '.join(measures)) if measures else ""))
    names = [item["label"]] if "label" in item else list(item.get("any_of") or [])
    key = "label" if "label" in item else "any_of"
    for j, name in enumerate(names):
        if name not in labels:
            close = difflib.get_close_matches(str(name), labels, n=1, cutoff=0.4)
            return Issue("K603", _('"{name}" is not a label of the output').format(name=name),
                         (key,) if key == "label" else (key, j),
                         _("did you mean \"{close}\"?").format(close=close[0]) if close else
                         _("allowed: ") + ", ".join(labels))
    return None


def contradicts(limits: list[Limit | None]) -> str | None:
    """Minimum shares that cannot all hold at once (60% + 60% of different labels), or a minimum
    above the maximum of the same labels."""
    mins = [lim for lim in limits if lim is not None and lim.measure == "min_pct" and len(lim.labels) == 1]
    total = sum((lim.bound for lim in mins), Decimal(0))
    if total > 100:
        return _("minimum shares add up to {total}%, more than 100%").format(total=format_value(total))
    for lo in limits:
        for hi in limits:
            if lo is not None and hi is not None and lo.labels == hi.labels and \
                    (lo.measure, hi.measure) in (("min_pct", "max_pct"), ("min_count", "max_count")) \
                    and lo.bound > hi.bound:
                return _("{value} contradicts {value2}").format(value=lo.text(), value2=hi.text())
    return None
