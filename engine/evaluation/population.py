"""Population checks run: rules over all evaluated records of a run, grouped by a field.

The checks are compiled by compile/population.py (the kurva distribusi of SE MenPANRB 3/2023,
count checks with a group action). `PopulationRun` keeps counters per group only, never the
records; `finish` judges each group.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from kinerja.compile.population import CountCheck, DistributionCheck
from kinerja.expr.functions import EvalError
from kinerja.findings import Finding, Reportable
from kinerja.i18n import N_, _, num
from kinerja.model import render_template
from kinerja.values import format_value

NO_GROUP = "(kosong)"


def _holds(conditions: list, env) -> bool:
    """A skip condition holds; one that cannot be judged (a missing value) does not. Each runs
    its compiled closure first; on any failure the checking call decides (as `cond(env)` alone)."""
    for cond in conditions:
        try:
            held = cond.fn(env)
        except Exception:
            try:
                held = cond(env)
            except EvalError:
                return False
        if held is not True:
            return False
    return True


def _count(tally: _Tally, result, status: str, env, check, distribution: bool, skip: list, output) -> None:
    """Count one result in one group's tally."""
    if status != "ok":
        if status == "excluded":
            tally.excluded += 1
        else:
            tally.invalid += 1
    elif not distribution:
        tally.valid += 1
        if env is not None:
            _match(check, tally, env)
    elif skip and env is not None and _holds(skip, env):
        tally.skipped += 1
    else:
        tally.valid += 1
        label = result.outputs.get(output)
        counts = tally.counts
        counts[label] = counts.get(label, 0) + 1


def _match(check: CountCheck, tally: _Tally, env) -> None:
    """A count check: the record matches when all its conditions hold."""
    try:
        if all(cond(env) for cond in check.when):
            tally.matched += 1
    except EvalError as exc:
        tally.errors += 1
        tally.first_error = tally.first_error or str(exc)


def _unit_groups(units, check, group: str) -> list[str]:
    """A unit of the units file by its own name, however a record spells it; with `rollup`, its
    parent units too."""
    unit = units.find(group)
    groups = [unit.name] if unit is not None else [group]
    if getattr(check, "rollup", False):
        groups += units.ancestors(group)
    return groups


_MISSING = object()


def group_value(result, name: str):
    """The value a result has for a field or output (from its env when kept, else outputs, else raw)."""
    env = result.env
    value = _MISSING if env is None else env.get(name, _MISSING)
    if value is _MISSING:
        if name in result.outputs:
            value = result.outputs[name]
        elif isinstance(result.raw, dict):
            value = result.raw.get(name)
            value = value.strip() if isinstance(value, str) else value
        else:
            value = None
    if value.__class__ is str:  # the common case, by exact class
        return value or NO_GROUP
    return NO_GROUP if value is None or value == "" else format_value(value)


@dataclass
class _Tally:
    valid: int = 0
    invalid: int = 0
    excluded: int = 0  # not appraised (status excluded): never in a count
    skipped: int = 0  # appraised, but the check's skip_when holds (an SKP as Plt/Plh)
    counts: dict = field(default_factory=dict)  # distribution: label → count; count check: matches
    matched: int = 0
    errors: int = 0
    first_error: str = ""


class PopulationRun:
    """Accumulates the checks over a stream of results; memory grows with groups, not records."""

    needs_env = True  # count conditions read every name; the CLI keeps each result's env

    def __init__(self, checks: list, units=None, period_field: str | None = None):
        """`units`: a units.Units (each unit's predikat per period, and the tree for `rollup`);
        `period_field`: with periods, each period of a unit is judged on its own."""
        self.checks = checks
        self.units, self.period_field = units, period_field
        self.tallies: list[dict[tuple[str, str], _Tally]] = [{} for _ in checks]  # (periode, group) → tally
        # what `add` reads of each check, once: (check, its tallies, group field, a distribution?, skip, output)
        self.plan = [(check, tallies, check.group_by, check.kind == "distribution",
                      check.skip if check.kind == "distribution" else [], getattr(check, "output", None))
                     for check, tallies in zip(checks, self.tallies)]

    def add(self, result) -> None:
        """Count one result in each check's group (its period's, with periods): constant work per
        record, the group values read from the env first (group_value, inline for the common case)."""
        env = result.env
        periode = ""
        if self.period_field and result.annual is None:
            value = _MISSING if env is None else env.get(self.period_field, _MISSING)
            if value.__class__ is str and value:
                periode = value
            elif value is not None:
                periode = group_value(result, self.period_field)
                periode = "" if periode == NO_GROUP else periode
        status, units = result.status, self.units
        for check, tallies, name, distribution, skip, output in self.plan:
            value = _MISSING if env is None else env.get(name, _MISSING)
            group = value if value.__class__ is str and value else group_value(result, name)
            if units is None:
                tally = tallies.get(key := (periode, group)) or tallies.setdefault(key, _Tally())
                _count(tally, result, status, env, check, distribution, skip, output)
            else:
                for g in _unit_groups(units, check, group):
                    tally = tallies.get(key := (periode, g)) or tallies.setdefault(key, _Tally())
                    _count(tally, result, status, env, check, distribution, skip, output)

    def merge(self, tallies: list[dict[tuple[str, str], _Tally]]) -> None:
        """Add the tallies of another run of the same checks over later records (a block
        evaluated elsewhere): counts add up, groups keep their first-seen order."""
        for mine, theirs in zip(self.tallies, tallies):
            for group, t in theirs.items():
                tally = mine.get(group)
                if tally is None:
                    mine[group] = t
                    continue
                for f in fields(_Tally):  # every count adds up; the first error seen stays
                    mine_v, theirs_v = getattr(tally, f.name), getattr(t, f.name)
                    if isinstance(mine_v, dict):
                        for label, n in theirs_v.items():
                            mine_v[label] = mine_v.get(label, 0) + n
                    elif isinstance(mine_v, str):
                        setattr(tally, f.name, mine_v or theirs_v)
                    else:
                        setattr(tally, f.name, mine_v + theirs_v)

    def finish(self, org_predikat: dict[str, str] | None = None) -> list[Outcome]:
        """One outcome per (check, group) in first-seen order, plus groups given a predikat but no records.
        With units, each unit's predikat for the period (else its annual one) comes from the units file."""
        org_predikat = org_predikat or {}
        units = self.units
        out = []
        for check, tallies in zip(self.checks, self.tallies):
            if check.kind == "distribution":
                for (periode, group), tally in tallies.items():
                    org = units.predikat(group, periode) if units is not None else None
                    org = org or org_predikat.get(group)
                    out.append(_judge(check, group, tally, org, periode))
                if units is None:
                    for group, org in org_predikat.items():
                        if ("", group) not in tallies:
                            out.append(_judge(check, group, _Tally(), org))
            else:
                for (periode, group), tally in tallies.items():
                    if tally.matched >= check.at_least:
                        action = _group_action(check, group, tally)
                        action.periode = periode
                        out.append(action)
                    if tally.errors:
                        message = _("{id}: {group}: {errors} record(s) not counted (condition failed: {first_error})")
                        out.append(Outcome(check.id, "count", check.group_by, group, "not_checked", tally.valid,
                                           tally.invalid, message.format(id=check.id, group=group, errors=tally.errors,
                                                                         first_error=tally.first_error)))
        return out


@dataclass
class Outcome(Reportable):
    """The result of one check for one group: a distribution verdict or a group action."""

    check: str
    kind: str
    group_by: str
    group: str
    status: str  # pass | fail | not_checked | action
    valid: int
    invalid: int
    message: str
    severity: str = ""
    code: str | None = None
    org_predikat: str | None = None
    counts: dict = field(default_factory=dict)
    periode: str = ""
    excluded: int = 0
    skipped: int = 0
    limits: list = field(default_factory=list)
    action: dict | None = None
    finding: Finding | None = None

    @property
    def failed_error(self) -> bool:
        return self.status == "fail" and self.severity == "error"

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"check": self.check, "kind": self.kind, "group_by": self.group_by,
                               "group": self.group, "status": self.status, "valid": self.valid,
                               "invalid": self.invalid}
        if self.periode:
            out["periode"] = self.periode
        if self.excluded or self.skipped:
            out.update(excluded=self.excluded, skipped=self.skipped)
        if self.kind == "distribution":
            out.update(severity=self.severity, code=self.code, org_predikat=self.org_predikat,
                       counts=self.counts, limits=self.limits)
        else:
            out["action"] = self.action
        out["message"] = self.message
        return out


def _pct(count: int, n: int) -> Decimal:
    """A share in percent, at most 2 places and no trailing zeros (exact input, rounded half-even)."""
    if not n:
        return Decimal(0)
    return Decimal(format((Decimal(count * 100) / n).quantize(Decimal("0.01")).normalize(), "f"))


def _judge(check: DistributionCheck, group: str, tally: _Tally, org: str | None, periode: str = "") -> Outcome:
    counts = {label: tally.counts.get(label, 0) for label in check.labels}
    base: dict[str, Any] = dict(check=check.id, kind="distribution", group_by=check.group_by, group=group,
                                valid=tally.valid, invalid=tally.invalid, severity=check.severity, org_predikat=org,
                                counts=counts, periode=periode, excluded=tally.excluded, skipped=tally.skipped)
    if periode:
        group = f"{group} [{periode}]"
    if org is None or org not in check.limits:
        why = _("no organisation predikat given") if org is None else _("no limits for \"{org}\"").format(org=org)
        return Outcome(status="not_checked", **base,
                       message=_("{id}: {group}: not checked ({why})").format(id=check.id, group=group, why=why))
    if tally.valid == 0:
        return Outcome(status="not_checked", **base,
                       message=_("{id}: {group}: not checked (no valid records)").format(id=check.id, group=group))
    n, limits, broken, first = tally.valid, [], [], None
    for i, lim in enumerate(check.limits[org]):
        count = sum(counts.get(label, 0) for label in lim.labels)
        ok = lim.holds(count, n)
        limits.append({**lim.as_dict(), "text": lim.text(), "count": count, "pct": _pct(count, n), "ok": ok})
        if not ok:
            first = i if first is None else first
            broken.append(_("{value}, but {value2} = {count} of {n} ({value3}%)").format(
                value=lim.text(), value2=' + '.join(lim.labels), count=count, n=n, value3=num(_pct(count, n))))
    aside = "".join(_(", {what} {n} not counted").format(n=v, what=_(k)) for k, v in
                    ((N_("excluded"), tally.excluded), (N_("Plt/Plh or skipped"), tally.skipped)) if v)
    head = _("{id}: {group} (predikat organisasi {org}, {n} records{aside})").format(
        id=check.id, group=group, org=org, n=n, aside=aside)
    if not broken:
        return Outcome(status="pass", message=_("{head}: kurva met").format(head=head), limits=limits, **base)
    message = f"{head}: " + "; ".join(broken)
    finding = check.entry.finding(check.code, message, ["limits", org, first])
    return Outcome(status="fail", code=check.code, message=message, limits=limits, finding=finding, **base)


def _group_action(check: CountCheck, group: str, tally: _Tally) -> Outcome:
    spec = check.action
    values = {"count": tally.matched, "group": group, "group_by": check.group_by, "at_least": check.at_least}
    action = {"id": spec.get("id", check.id), "kind": spec.get("kind", "")}
    label = spec.get("label") or (check.label if check.label != check.id else "")
    if label:
        action["label"] = label
    action.update(group_by=check.group_by, group=group, count=tally.matched)
    action["reason"] = render_template(spec["reason"], values) if spec.get("reason") else \
        _("{matched} records in {group} satisfy {id}").format(matched=tally.matched, group=group, id=check.id)
    return Outcome(check=check.id, kind="count", group_by=check.group_by, group=group, status="action",
                   valid=tally.valid, invalid=tally.invalid, message=f"{check.id}: {group}: {action['reason']}",
                   action=action)
