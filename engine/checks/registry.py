"""The registry of semantic checks: small functions that yield `Issue`s.

A check looks at one thing of a policy (a field's spec, a compiled band, a decision table, a
reason text, …) and yields what is wrong with it: a code, a message, and where below the
entry it was written in. It never knows the file, line or column; the driver in compile/
turns each issue into a located `Finding` (as jsonschema's keyword functions yield errors
and `descend()` adds the path). Adding a check is one function with `@check("subject")`
in a module of this package, plus its case file under tests/cases/validate/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

# The subjects, in the order compile/ meets them, with the arguments every check of one gets.
SUBJECTS = {
    "name": "(name, entry, sub, declared) — a name being declared, the names declared so far",
    "field": "(spec, name) — a field's declaration",
    "param": "(spec, name) — a param's value as written",
    "scorecard": "(weights) — (indicator, weight) pairs",
    "band": "(spec, band, resolution, field) — the entry, the compiled Band, the input's step, its field's spec",
    "table": "(table, domains) — the compiled Table, representative values of each input",
    "exclusion": "(spec, names, inputs) — a rule of kind dikecualikan, every name, the fields and params",
    "reason": "(reason, known) — a rule's reason text, the names it may show",
    "summary": "(names, outputs, fields) — the `summary` list, the outputs, the field entries",
    "population": "(spec, names, fields, params) — a population check",
    "distribution": "(spec, names) — a distribution check",
    "group_action": "(action) — a count check's group action",
    "cycle": "(spec, fields, types, rules, own) — the cycle section; own: written in this policy, not inherited",
}


@dataclass(frozen=True)
class Issue:
    """What a check found, located only relative to the entry it was given."""

    code: str
    message: str
    at: tuple = ()  # path below the entry (or document), e.g. ("bands", 2, "min")
    hint: str | None = None
    key: bool = False  # point at the key of `at`, not its value
    inside: tuple[int, int] | None = None  # 1-based line, column inside the text at `at`


Check = Callable[..., Iterator[Issue]]
REGISTRY: dict[str, list[Check]] = {subject: [] for subject in SUBJECTS}


def check(subject: str) -> Callable[[Check], Check]:
    """Register a check for `subject`; checks of one subject run in the order they are defined."""
    if subject not in REGISTRY:
        raise ValueError(f"unknown check subject {subject!r}; add it to SUBJECTS")

    def register(fn: Check) -> Check:
        REGISTRY[subject].append(fn)
        return fn
    return register


def run(subject: str, *args, **kwargs) -> Iterator[Issue]:
    """Every issue the checks of `subject` find, check by check."""
    for fn in REGISTRY[subject]:
        yield from fn(*args, **kwargs)


def descend(issues: Iterable[Issue], *path) -> Iterator[Issue]:
    """The issues of a part, located below `path` (a list field's items, one row of a table)."""
    for issue in issues:
        yield replace(issue, at=(*path, *issue.at))
