"""The `population` section compiled: distribution and count checks over all records of a run.

Two kinds. `distribution` compares the spread of an output (the predikat) inside each group
with limits that depend on the organisation's own predikat, given at run time: the kurva
distribusi of SE MenPANRB 3/2023. `count` emits a group action once at least N records of a
group satisfy a condition. Running them over a record stream is evaluate/population.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kinerja.checks import run as run_checks
from kinerja.checks.population import Limit
from kinerja.compile.positions import Locator
from kinerja.expr.language import Expression
from kinerja.findings import Finding
from kinerja.policy.resolve import Entry, Resolved


@dataclass
class DistributionCheck:
    id: str
    label: str
    output: str
    group_by: str
    input: str | None
    severity: str  # advisory | error
    labels: tuple[str, ...]  # the output's labels, in declared order
    limits: dict[str, list[Limit]]  # organisation predikat → constraints
    entry: Entry = field(repr=False)
    skip: list = field(default_factory=list)  # records for which these hold are not counted (Plt/Plh)
    rollup: bool = False  # also judge each parent unit of --units on the records below it
    kind = "distribution"

    @property
    def code(self) -> str:
        return "K602" if self.severity == "error" else "K601"


@dataclass
class CountCheck:
    id: str
    label: str
    group_by: str
    when: list[Expression]
    at_least: int
    action: dict
    entry: Entry = field(repr=False)
    kind = "count"


# compile_expr(entry, sub, text, names, condition=...) and conditions(entry, key, names) of the compiler
CompileExpr = Callable[..., Expression | None]
Conditions = Callable[[Entry, str, dict], list]


def compile_checks(resolved: Resolved, names: dict, compile_expr: CompileExpr, conditions: Conditions,
                   locator: Locator, findings: list[Finding]) -> list:
    """Check and compile the `population` section against the policy's names and types."""
    fields, params = resolved.sections["fields"], resolved.sections["params"]
    compiled: list = []
    for cid, entry in resolved.sections["population"].items():
        spec = entry.spec if isinstance(entry.spec, dict) else {}
        grouped = locator.all(entry, run_checks("population", spec, names, fields, params))
        findings.extend(grouped)
        check: DistributionCheck | CountCheck | None
        if spec.get("kind") == "distribution":
            problems = locator.all(entry, run_checks("distribution", spec, names))
            findings.extend(problems)
            check = None if problems else _distribution(cid, entry, spec, names)
            if check is not None:
                check.skip = conditions(entry, "skip_when", names)
                check.rollup = bool(spec.get("rollup"))
        else:
            check = _count(cid, entry, spec, names, compile_expr, locator, findings)
        if check is not None and not grouped:
            compiled.append(check)
    return compiled


def _distribution(cid: str, entry: Entry, spec: dict, names: dict) -> DistributionCheck:
    limits = {str(org): [Limit.of(item) for item in items or []] for org, items in (spec.get("limits") or {}).items()}
    return DistributionCheck(cid, spec.get("label", cid), spec["output"], spec.get("group_by", ""), spec.get("input"),
                             spec.get("severity", "advisory"), tuple(names[spec["output"]].labels), limits, entry)


def _count(cid: str, entry: Entry, spec: dict, names: dict, compile_expr: CompileExpr, locator: Locator,
           findings: list[Finding]) -> CountCheck | None:
    raw = spec.get("when")
    items = raw if isinstance(raw, list) else [raw]
    when = []
    for i, text in enumerate(items):
        sub = ["when", i] if isinstance(raw, list) else ["when"]
        expr = compile_expr(entry, sub, text, names, condition=True)
        if expr is not None:
            when.append(expr)
    action = dict(spec.get("action") or {})
    problems = locator.all(entry, run_checks("group_action", action))
    findings.extend(problems)
    if problems or len(when) != len(items):
        return None
    return CountCheck(cid, spec.get("label", cid), spec.get("group_by", ""), when, int(spec.get("at_least", 1)),
                      action, entry)
