"""Compare two policies on the same records in one pass: what changes, for whom, and why.

Each record is read once and evaluated by both policies. Valid records (valid under both)
feed the transition matrix of one output, the action gains and losses, the per-group
breakdowns, the fairness rates and the population checks of each variant; a record whose
outputs or actions differ is listed with the reason for every difference. Records invalid
under either policy are counted and listed, never dropped. Plain data out, for reporters.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from kinerja.compare.difference import Differ
from kinerja.compare.policy_diff import diff_policies
from kinerja.evaluate.evaluator import Evaluator, Result, excluded_reason
from kinerja.evaluate.fairness import DERIVED, FairnessTally, Favourable, compare_rates, grouper, parse_favourable
from kinerja.evaluate.population import PopulationRun
from kinerja.expr.language import Expression
from kinerja.i18n import _
from kinerja.model import Band, Policy, Table
from kinerja.records.source import Source
from kinerja.spill import SpillList
from kinerja.values import format_value

_SKIP = ("label", "reason")


@dataclass
class Options:
    by_output: str = "predikat"
    group_by: tuple[str, ...] = ()
    favourable: Favourable = field(default_factory=lambda: parse_favourable(None))
    org_predikat: dict | None = None
    min_group: int = 1
    units: object = None  # units.Units from --units: each unit's predikat (per period) and the tree


def check_options(a: Policy, b: Policy, options: Options) -> list[str]:
    """Usage problems: an output or group field neither policy knows."""
    problems = []
    outs_a, outs_b = set(a.output_names()), set(b.output_names())
    if options.by_output not in outs_a or options.by_output not in outs_b:
        known = sorted(outs_a & outs_b)
        close = difflib.get_close_matches(options.by_output, known, n=1, cutoff=0.6)
        problems.append(_("--by-output {name}: not an output of both policies").format(name=options.by_output)
                        + (_(' (did you mean "{close}"?)').format(close=close[0]) if close else
                           _(" (outputs: {names})").format(names=", ".join(known))))
    names = set(a.fields) | set(b.fields) | outs_a | outs_b | set(DERIVED)
    for name in options.group_by:
        if name not in names:
            close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
            problems.append(_("--group-by {name}: not a field or output of either policy").format(name=name)
                            + (_(' (did you mean "{close}"?)').format(close=close[0]) if close else ""))
    fav = options.favourable
    if fav.kind == "output" and fav.name not in outs_a | outs_b:
        problems.append(_("--favourable {name}=…: not an output of either policy").format(name=fav.name))
    if fav.kind == "action" and fav.name not in {r.id for r in a.rules} | {r.id for r in b.rules}:
        problems.append(_("--favourable {name}: not a rule of either policy").format(name=fav.name))
    return problems


def node_reads(node) -> set[str]:
    """The names a computed node or a rule reads: a band's input, a table's inputs, or the names
    of every expression it holds (conditions, scores, params)."""
    if isinstance(getattr(node, "inputs", None), list):
        return set(node.inputs)
    if isinstance(getattr(node, "input", None), str):
        return {node.input}
    names: set[str] = set()
    stack = list(vars(node).values())
    while stack:
        item = stack.pop()
        if isinstance(item, Expression):
            names |= item.names
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(vars(item).values())
    return names


def affected_actions(a: Policy, b: Policy) -> list[str]:
    """The rules whose outcome the variant can change: a rule that differs, or one that reads
    (through any chain of values, bands and tables) a name whose definition differs. Static, from
    the two policies alone, so fairness can look at them while the records stream past."""
    diff = diff_policies(a.resolved, b.resolved)
    if diff["meta"]:  # rounding changed: every number may move
        return []
    changed = {n for section, d in diff["sections"].items() if section != "rules"
               for n in (*d["added"], *d["removed"], *d["changed"])}
    ids = set((diff["sections"].get("rules") or {}).get("changed") or {})
    ids |= set((diff["sections"].get("rules") or {}).get("added") or [])
    ids |= set((diff["sections"].get("rules") or {}).get("removed") or [])
    for policy in (a, b):
        moved = set(changed)
        for node in policy.nodes:
            if node_reads(node) & moved:
                moved.update(node.outputs())
        ids |= {r.id for r in policy.rules if node_reads(r) & moved}
    order = [r.id for r in a.rules] + [r.id for r in b.rules if r.id not in {x.id for x in a.rules}]
    return [i for i in order if i in ids]


def output_labels(policy: Policy, name: str) -> list[str]:
    """The labels an output can take, in the order the policy writes them."""
    node = policy.node_by_output().get(name)
    if isinstance(node, Table):
        return list(dict.fromkeys(format_value(r.output) for r in node.rows))
    if isinstance(node, Band):
        return list(dict.fromkeys(format_value(d.label) for d in node.bands))
    return []


def shared_coercion(a: Policy, b: Policy) -> bool:
    """Whether a record coerces the same under both policies, so it is coerced once: the same
    fields, and the same values for the params their required_when/only_when conditions read."""
    fa = {n: e.spec for n, e in a.resolved.sections["fields"].items()}
    fb = {n: e.spec for n, e in b.resolved.sections["fields"].items()}
    if fa != fb:
        return False
    names: set[str] = set()
    stack = list(a.fields.values())
    while stack:
        f = stack.pop()
        for cond in (*f.required_when, *f.only_when):
            names |= cond.names
        stack.extend((f.items or {}).values())
    return all(a.params.get(n) == b.params.get(n) for n in names if n in a.params or n in b.params)


def _signature(actions: list[dict]) -> dict:
    return {a["id"]: {k: v for k, v in a.items() if k not in _SKIP} for a in actions}


class _Group:
    __slots__ = ("a", "b", "changed", "invalid", "records", "valid")

    def __init__(self) -> None:
        self.records = self.valid = self.invalid = self.changed = 0
        self.a: dict = {}
        self.b: dict = {}

    def as_dict(self) -> dict:
        return {"records": self.records, "valid": self.valid, "invalid": self.invalid, "changed": self.changed,
                "a": self.a, "b": self.b}


class Comparison:
    """Accumulates a comparison record by record; `report()` gives the plain-data result."""

    def __init__(self, a: Policy, b: Policy, options: Options | None = None):
        self.a, self.b = a, b
        self.options = options = options or Options()
        # a record that changes is evaluated again with the decision trace (`evaluate_traced`), which
        # its differences read: most records do not change, and they pay nothing for it
        self.ea, self.eb = Evaluator(a, keep_env=True), Evaluator(b, keep_env=True)
        self.out = options.by_output
        set_b = set(self.eb.outputs)
        self.common = [n for n in self.ea.outputs if n in set_b]
        self.same_outputs = self.ea.outputs == self.eb.outputs
        common = set(self.common)  # differences are listed causes first: A's dependency order
        self.diff_order = [n for n in a.output_names() if n in common]
        self.differ = Differ(a, b)
        self.shared = shared_coercion(a, b)
        self.list_fields = [n for n, f in a.fields.items() if f.type == "list"]
        derived = frozenset(n for n in options.group_by if n in DERIVED and n not in a.fields and n not in b.fields)
        self.groupers = [(n, grouper(n, n in derived)) for n in options.group_by]
        self.derived = derived
        self.start()

    def start(self, spill: bool = True) -> None:
        """Empty counters (a worker starts each block of `compare --jobs N` afresh). The lists
        of changed and invalid records keep their head in memory and spill the rest to a
        temporary file, so memory does not grow with how many employees change (a worker's
        block is short: `spill=False` keeps its lists in memory)."""
        options = self.options
        self.fair = tuple(FairnessTally(list(options.group_by), options.favourable, self.derived,
                                        min_group=options.min_group) for _ in range(2))
        self.population = tuple(PopulationRun(p.population, options.units,
                                              p.cycle.period_field if p.cycle is not None else None)
                                for p in (self.a, self.b))
        self.excluded = 0  # not appraised under either policy
        self.records = self.valid = 0
        self.outputs_changed = self.actions_changed = 0
        self.transitions: dict[str, dict[str, int]] = {}
        self.actions: dict[str, dict[str, int]] = {}
        self.changed: SpillList | list = SpillList() if spill else []
        self.invalid: SpillList | list = SpillList() if spill else []
        self.groups: dict[str, dict] = {n: {} for n in options.group_by}

    def state(self) -> dict:
        """The counters and lists so far, as plain picklable data (for `merge`)."""
        return {"records": self.records, "valid": self.valid, "excluded": self.excluded,
                "outputs_changed": self.outputs_changed,
                "actions_changed": self.actions_changed, "transitions": self.transitions, "actions": self.actions,
                "changed": list(self.changed), "invalid": list(self.invalid), "groups": self.groups,
                "fair": [f.counts for f in self.fair], "population": [p.tallies for p in self.population]}

    def merge(self, state: dict) -> None:
        """Add the `state` of the same comparison over the records that come next: every
        count adds up, lists append in order, groups keep their first-seen order."""
        for name in ("records", "valid", "excluded", "outputs_changed", "actions_changed"):
            setattr(self, name, getattr(self, name) + state[name])
        for x, row in state["transitions"].items():
            mine = self.transitions.setdefault(x, {})
            for y, n in row.items():
                mine[y] = mine.get(y, 0) + n
        for rid, t in state["actions"].items():
            mine = self.actions.setdefault(rid, {k: 0 for k in t})
            for k, n in t.items():
                mine[k] += n
        for name in ("changed", "invalid"):
            items = state[name]
            if isinstance(items, tuple):  # (count, a pickled list) from a worker process
                getattr(self, name).extend_pickled(items[1], items[0])
            else:
                getattr(self, name).extend(items)
        for name, groups in state["groups"].items():
            mine = self.groups[name]
            for key, g in groups.items():
                m = mine.get(key)
                if m is None:
                    mine[key] = g
                    continue
                for k in ("records", "valid", "invalid", "changed"):
                    setattr(m, k, getattr(m, k) + getattr(g, k))
                for side in ("a", "b"):
                    counts = getattr(m, side)
                    for label, n in getattr(g, side).items():
                        counts[label] = counts.get(label, 0) + n
        for fair, counts in zip(self.fair, state["fair"]):
            fair.merge(counts)
        for run, tallies in zip(self.population, state["population"]):
            run.merge(tallies)

    def run(self, sources: Iterable[Source]) -> Comparison:
        for source in sources:
            self.add(source)
        return self

    def _evaluate(self, source: Source, traced: bool = False, rules: set | None = None) -> tuple[Result, Result]:
        """Both policies' results; `traced`: with their decision traces (of `rules` only)."""
        ea, eb = self.ea, self.eb
        raw = source.data
        if not isinstance(raw, dict) or source.problem or (not self.shared and not traced):
            return ea.evaluate(source), eb.evaluate(source)
        if not self.shared:
            ca = ea.coercer.coerce(ea.prepare(raw), self.a.params, source.cells, source.decimal_comma)
            cb = eb.coercer.coerce(eb.prepare(raw), self.b.params, source.cells, source.decimal_comma)
            return ea.evaluate_traced(source, *ca, rules=rules), eb.evaluate_traced(source, *cb, rules=rules)
        values, problems = ea.coercer.coerce(ea.prepare(raw), self.a.params, source.cells, source.decimal_comma)
        values_b = dict(values)
        values_b.update(self.b.params)  # A's params unknown to B stay, unread: B's names were checked at load
        for name in self.list_fields:  # `each` values write into the items: B gets its own
            if values_b.get(name):
                values_b[name] = tuple(dict(item) for item in values_b[name])
        if traced:
            return (ea.evaluate_traced(source, values, problems, rules=rules),
                    eb.evaluate_traced(source, values_b, problems, rules=rules))
        return ea.evaluate_coerced(source, values, problems), eb.evaluate_coerced(source, values_b, problems)

    def add(self, source: Source) -> None:
        ra, rb = self._evaluate(source)
        self.records += 1
        for run, r in zip(self.population, (ra, rb)):
            if run.checks:
                run.add(r)
        self.fair[0].add(ra)
        self.fair[1].add(rb)
        if ra.status == rb.status == "excluded":
            self.excluded += 1
            return
        ok = ra.ok and rb.ok
        changed = ok and self._compare(ra, rb, source)
        groups = self.groups
        for name, get in self.groupers:
            key = get(ra if ra.ok or not rb.ok else rb)
            g = groups[name].get(key)
            if g is None:
                g = groups[name][key] = _Group()
            g.records += 1
            if ok:
                g.valid += 1
                g.changed += changed
                x, y = format_value(ra.outputs.get(self.out)), format_value(rb.outputs.get(self.out))
                g.a[x] = g.a.get(x, 0) + 1
                g.b[y] = g.b.get(y, 0) + 1
            else:
                g.invalid += 1
        if not ok:
            self.invalid.append({"row": ra.row, "nip": ra.nip or rb.nip, "where": ra.where,
                                 "a": None if ra.ok else _errors(ra), "b": None if rb.ok else _errors(rb)})

    def _compare(self, ra: Result, rb: Result, source: Source) -> bool:
        self.valid += 1
        oa, ob = ra.outputs, rb.outputs
        x, y = format_value(oa.get(self.out)), format_value(ob.get(self.out))
        row = self.transitions.get(x)
        if row is None:
            row = self.transitions[x] = {}
        row[y] = row.get(y, 0) + 1
        totals = self.actions
        for act, side in ((ra.actions, "a"), (rb.actions, "b")):
            for action in act:
                t = totals.get(action["id"])
                if t is None:
                    t = totals[action["id"]] = {"a": 0, "b": 0, "gained": 0, "lost": 0, "changed": 0}
                t[side] += 1
        if self.same_outputs:
            outputs_same = oa == ob
        else:
            outputs_same = all(oa.get(n) == ob.get(n) for n in self.common)
        actions_same = ra.actions == rb.actions
        if not actions_same:
            sa, sb = _signature(ra.actions), _signature(rb.actions)
            actions_same = sa == sb
        if outputs_same and actions_same:
            return False
        self.outputs_changed += not outputs_same
        self.actions_changed += not actions_same
        self.changed.append(self._entry(ra, rb, outputs_same, actions_same, source))
        return True

    def _entry(self, ra: Result, rb: Result, outputs_same: bool, actions_same: bool, source: Source) -> dict:
        sa, sb = _signature(ra.actions), _signature(rb.actions)
        differing = {rid for rid in {*sa, *sb} if sa.get(rid) != sb.get(rid)}
        ta, tb = self._evaluate(source, traced=True, rules=differing)  # the same decisions, recorded this time
        ea, eb = ta.env or {}, tb.env or {}
        diffs = []
        if not outputs_same:
            for name in self.diff_order:
                va, vb = ra.outputs.get(name), rb.outputs.get(name)
                if va != vb:
                    diffs.append({"name": name, "kind": "output", "a": va, "b": vb,
                                  "reason": self.differ.output_reason(name, ea, eb, ta.trace, tb.trace)})
        if not actions_same:
            full_a = {a["id"]: a for a in ra.actions}
            full_b = {a["id"]: a for a in rb.actions}
            for rid in dict.fromkeys([*sa, *sb]):
                x, y = sa.get(rid), sb.get(rid)
                if x == y:
                    continue
                t = self.actions[rid]
                t["gained" if x is None else "lost" if y is None else "changed"] += 1
                diffs.append({"name": rid, "kind": "action", "a": x is not None, "b": y is not None,
                              "reason": self.differ.action_reason(rid, ea, eb, full_a, full_b,
                                                                  ta.trace, tb.trace)})
        groups = {name: get(ra) for name, get in self.groupers}
        raw = ra.raw if isinstance(ra.raw, dict) else {}
        nama = raw.get("nama")
        return {"row": ra.row, "nip": ra.nip, "name": nama.strip() if isinstance(nama, str) else None,
                "groups": groups,
                "output": {"a": ra.outputs.get(self.out), "b": rb.outputs.get(self.out)},
                "actions": {"a": [a["id"] for a in ra.actions], "b": [a["id"] for a in rb.actions]},
                "differences": diffs}

    def report(self) -> dict:
        labels = output_labels(self.a, self.out)
        for lab in output_labels(self.b, self.out):
            if lab not in labels:
                labels.append(lab)
        seen = {x for row in self.transitions.values() for x in row} | set(self.transitions)
        labels += sorted(x for x in seen if x not in labels)
        transitions = {x: {y: self.transitions.get(x, {}).get(y, 0) for y in labels} for x in labels}
        org = self.options.org_predikat
        population = {side: [o.as_dict() for o in run.finish(org)] for side, run in zip("ab", self.population)
                      if run.checks}
        fair_a, fair_b = self.fair[0].table(), self.fair[1].table()
        return {
            "policies": {"a": _info(self.a), "b": _info(self.b)},
            "by_output": self.out,
            "labels": labels,
            "summary": {"records": self.records, "valid": self.valid, "invalid": len(self.invalid),
                        "excluded": self.excluded,
                        "changed": len(self.changed), "unchanged": self.valid - len(self.changed),
                        "outputs_changed": self.outputs_changed, "actions_changed": self.actions_changed,
                        "outputs_only_a": [n for n in self.ea.outputs if n not in self.common],
                        "outputs_only_b": [n for n in self.eb.outputs if n not in self.common]},
            "transitions": transitions,
            "actions": dict(sorted(self.actions.items())),
            "action_labels": {r.id: r.label or r.id for r in (*self.b.rules, *self.a.rules)},
            "changed": self.changed,
            "invalid": self.invalid,
            "policy_diff": diff_policies(self.a.resolved, self.b.resolved),
            "groups": {n: {k: g.as_dict() for k, g in sorted(gs.items(), key=lambda kv: str(kv[0]))}
                       for n, gs in self.groups.items()},
            "fairness": {"favourable": self.options.favourable.text(),
                         "fields": compare_rates(fair_a, fair_b)},
            "population": population,
            "org_predikat": org or {},
        }


def _errors(result: Result) -> list:
    """An error result's errors; an excluded one says why it was not appraised."""
    if result.status == "excluded":
        return [{"field": "status", "reason": _("not appraised: ") + excluded_reason(result)}]
    return result.errors


def _info(policy: Policy) -> dict:
    return {**policy.info(), "name": policy.name, "file": policy.resolved.doc.file}


def compare(a: Policy, b: Policy, sources: Iterable[Source], options: Options | None = None) -> dict:
    """Evaluate both policies on each record once and return the comparison as plain data."""
    return Comparison(a, b, options).run(sources).report()
