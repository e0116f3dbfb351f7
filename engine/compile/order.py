"""The order computed names are compiled and evaluated in: each after what it reads (a cycle is K209)."""

from __future__ import annotations

import ast
from collections.abc import Callable

from kinerja.expr.language import parse
from kinerja.findings import Finding
from kinerja.i18n import _
from kinerja.policy.resolve import Entry

Computed = dict[str, tuple[str, Entry]]  # primary name → (section, entry)


def expressions_of(section: str, entry: Entry) -> list[str]:
    """The expression texts of one computed entry (values, indicator scores, band and table inputs)."""
    spec = entry.spec
    if section == "values":
        spec = {"expr": spec} if isinstance(spec, str) else spec
        texts = [spec.get("expr"), *_as_list(spec.get("when"))]
    elif section == "scorecards":
        texts = [i.get("score") for i in (spec.get("indicators") or {}).values()] + _as_list(spec.get("when"))
    elif section == "bands":
        texts = [spec.get("input")]
    else:
        texts = list(spec.get("inputs") or [])
    return [t for t in texts if isinstance(t, str)]


def dependency_order(computed: Computed, item_names: Callable[[str], set[str]], findings: list[Finding]) -> list[str]:
    """Computed names, each after the names it reads; `item_names(list_field)` are the names of
    an each-value's item scope, which are not dependencies."""
    owner = {}
    for key, (section, entry) in computed.items():
        owner[key] = key
        if section == "scorecards":
            for ind in entry.spec.get("indicators") or {}:
                owner[ind] = key
    deps: dict[str, list[str]] = {}
    for key, (section, entry) in computed.items():
        names = set()
        for text in expressions_of(section, entry):
            tree, _problems = parse(text)
            if tree is not None:
                names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        each = entry.spec.get("each") if section == "values" and isinstance(entry.spec, dict) else None
        inside = item_names(each) if each else set()
        deps[key] = sorted({owner[n] for n in names - inside  # a name reading itself is a cycle too
                            if n in owner and (owner[n] != key or n == key)})
    order: list[str] = []
    state: dict[str, str] = {}
    for start in computed:
        _visit(start, deps, state, order, [], computed, findings)
    return order


def _visit(key, deps, state, order, stack, computed: Computed, findings: list[Finding]) -> None:
    if state.get(key) == "done":
        return
    if state.get(key) == "active":
        cycle = stack[stack.index(key):] + [key]
        entry = computed[cycle[0]][1]
        findings.append(entry.finding("K209", _("cycle among values: ") + " → ".join(cycle), [],
                                      _("a value cannot depend on itself, directly or through others"), key=True))
        return
    state[key] = "active"
    stack.append(key)
    for dep in deps[key]:
        _visit(dep, deps, state, order, stack, computed, findings)
    stack.pop()
    state[key] = "done"
    order.append(key)


def _as_list(x) -> list:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]
