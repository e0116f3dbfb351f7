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

# The subjects, in the order compile/ meets them; each check names one.
SUBJECTS = ("name", "field", "param", "scorecard", "band", "table", "exclusion", "reason", "summary",
            "population", "distribution", "group_action", "cycle")


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
