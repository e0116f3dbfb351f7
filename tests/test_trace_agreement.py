"""Explain, test coverage and compare's differences say what evaluation decided.

Over generated records for every shipped policy (its sample, its tests' records, and variants
of them with numbers moved onto and around every threshold and labels changed), each result is
evaluated with the decision trace on and off, and:

- the trace decides nothing of its own: outputs, actions and errors are those of the plain path;
- every band entry, table row and rule verdict in the trace holds when checked against the
  policy directly (the value lies inside the entry's bounds; the row's cells match and no row
  before it does; a rule fired exactly when its action is in the result);
- the explanation names the entry, the row and the verdicts of the trace;
- coverage counts exactly the trace's hits;
- a difference `compare` reports names exactly the trace entries that differ.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

import pytest

from kinerja.compare.run import Comparison
from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import Evaluator
from kinerja.explain.explanation import explain
from kinerja.model import Band, BandStep, Policy, Table, TableStep, ValueStep
from kinerja.policy.documents import read_document, resolve
from kinerja.records.read import read_records
from kinerja.records.source import Source
from kinerja.testing.coverage import Tracker
from kinerja.testing.suite import collect

ROOT = Path(__file__).parents[1]
POLICY_FILES = sorted(p for p in (ROOT / "policies").rglob("*.yaml")  # every shipped policy (not its tests or samples)
                      if re.search(r"^kinerja\s*:", p.read_text(encoding="utf-8"), re.M) and ".test." not in p.name)
VARIANTS = 40  # generated records per policy, beside its sample and test records


def compiled(path: Path) -> Policy:
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert policy is not None, findings
    return policy


def _thresholds(policy: Policy) -> list[Decimal]:
    """Every number a band or a table compares with, and its neighbours."""
    points: set[Decimal] = set()
    for node in policy.nodes:
        if isinstance(node, Band):
            for b in node.bands:
                points.update(x for x in (b.min, b.upper) if x is not None)
        elif isinstance(node, Table):
            points.update(c.value for r in node.rows for c in r.cells if c.kind == "cmp")
    step = Decimal("0.01")
    return sorted({p + d for p in points for d in (-step, 0, step)})


def _vary(policy: Policy, base: dict, rng: random.Random, points: list[Decimal]) -> dict:
    record = dict(base)
    for name, f in policy.fields.items():
        if rng.random() > 0.35:
            continue
        if f.type in ("number", "integer"):
            choices = [p for p in points if (f.min is None or p >= f.min) and (f.max is None or p <= f.max)]
            if f.type == "integer":
                choices = [p for p in choices if p == p.to_integral_value()]
            if f.min is not None and f.max is not None:
                choices += [f.min, f.max]
            if choices:
                record[name] = rng.choice(choices)
        elif f.type == "enum" and f.values:
            record[name] = rng.choice(list(f.values))
        elif f.type == "boolean":
            record[name] = rng.choice([True, False])
    return record


_RECORDS: dict[Path, list[Source]] = {}


def records_for(path: Path, policy: Policy) -> list[Source]:
    if path not in _RECORDS:
        _RECORDS[path] = _generate(path, policy)
    return _RECORDS[path]


def _generate(path: Path, policy: Policy) -> list[Source]:
    bases: list[dict] = []
    for sample in sorted(path.parent.glob(path.stem + ".sample.*")):
        bases += [s.data for s in read_records(str(sample)) if isinstance(s.data, dict)]
    for suite in collect([str(path)]).suites:
        for test in suite.tests:
            for case in test.cases:
                raw = case.raw.data if isinstance(case.raw, Source) else case.raw
                if isinstance(raw, dict):
                    bases.append(raw)
    assert bases, f"no records for {path.name}"
    rng = random.Random(path.stem)
    points = _thresholds(policy)
    records = bases + [_vary(policy, rng.choice(bases), rng, points) for _ in range(VARIANTS)]
    return [Source(i, r, f"record {i}") for i, r in enumerate(records, 1)]


def _fresh(source: Source) -> Source:
    """The same record again (evaluation writes `each` values into list items)."""
    data = source.data
    if isinstance(data, dict):
        data = {k: tuple(dict(i) if isinstance(i, dict) else i for i in v) if isinstance(v, (list, tuple)) else v
                for k, v in data.items()}
    return Source(source.row, data, source.where)


@pytest.fixture(scope="module", params=POLICY_FILES, ids=lambda p: p.stem)
def evaluated(request):
    path = request.param
    policy = compiled(path)
    traced, plain = Evaluator(policy, trace=True), Evaluator(policy)
    pairs = [(traced.evaluate(_fresh(s)), plain.evaluate(_fresh(s))) for s in records_for(path, policy)]
    return path, policy, pairs


def test_the_trace_decides_nothing_of_its_own(evaluated):
    _path, _policy, pairs = evaluated
    statuses = set()
    for traced, plain in pairs:
        statuses.add(traced.status)
        assert (traced.status, traced.outputs, traced.actions, traced.errors) == \
            (plain.status, plain.outputs, plain.actions, plain.errors), traced.row
        assert plain.trace is None
    assert "ok" in statuses


def test_every_decision_in_the_trace_holds_against_the_policy(evaluated):
    _path, policy, pairs = evaluated
    nodes = policy.node_by_output()
    rules = {r.id: r for r in policy.rules}
    for result, _plain in pairs:
        if result.status != "ok":
            continue
        env = result.env
        for step in result.trace.nodes:
            assert env[step.name] == (step.output if isinstance(step, TableStep) else
                                      step.label if isinstance(step, BandStep) else step.value)
            if isinstance(step, BandStep) and step.entry is not None:
                entry = nodes[step.name].bands[step.entry]
                assert (entry.label, entry.min, entry.upper) == (step.label, step.min, step.upper)
                assert step.looked >= entry.min
                if entry.upper is not None:
                    assert step.looked <= entry.upper if entry.inclusive else step.looked < entry.upper
                assert all(step.looked < b.min for b in nodes[step.name].bands[:step.entry])
            if isinstance(step, TableStep):
                table = nodes[step.name]
                assert step.hit == table.hit
                matching = [r.index for r in table.rows if all(c.matches(v) for c, v in zip(r.cells, step.values))]
                if step.row is not None:
                    assert matching[0] == step.row and table.rows[step.row].output == step.output
                elif step.default:
                    assert not matching and step.output == table.default
                else:
                    assert None in step.values
        fired = {a["id"] for a in result.actions}
        assert [r.id for r in result.trace.rules] == [r.id for r in policy.rules]
        for judged in result.trace.rules:
            assert judged.fired == (judged.id in fired)
            assert len(judged.conditions) == len(rules[judged.id].conjuncts)
            if judged.fired:
                assert all(c.held for c in judged.conditions), judged.id


def test_the_explanation_names_what_the_trace_holds(evaluated):
    _path, policy, pairs = evaluated
    for result, _plain in pairs:
        if result.status == "error" and result.env is None:
            continue
        steps = explain(policy, result, "en").steps
        decided = {s.name: s for s in result.trace.nodes}
        for step in steps:
            if step["kind"] == "band" and step.get("value") is not None:
                assert (step["value"], step["min"]) == (decided[step["name"]].label, decided[step["name"]].min)
            elif step["kind"] == "table" and "row" in step:
                hit = decided[step["name"]]
                assert step["row"] == (None if hit.row is None else hit.row + 1) and step["value"] == hit.output
            elif step["kind"] in ("value", "scorecard") and step.get("applies") is False:
                assert decided[step["name"]].unmet is not None
        if result.status != "ok":
            continue
        said = {s["id"]: s for s in steps if s["kind"] == "rule"}
        assert list(said) == [r.id for r in result.trace.rules]
        for judged in result.trace.rules:
            assert said[judged.id]["fired"] == judged.fired
            assert [c["met"] for c in said[judged.id]["conditions"]] == [c.held for c in judged.conditions]


def test_coverage_counts_exactly_the_trace_hits(evaluated):
    _path, policy, pairs = evaluated
    tracker = Tracker(policy)
    bands, rows, rules = set(), set(), set()
    for result, _plain in pairs:
        tracker.add(result)
        if result.status not in ("ok", "excluded"):
            continue
        rules |= {a["id"] for a in result.actions}
        for name, node in policy.node_by_output().items():  # what the outputs show, read independently
            if isinstance(node, Band) and result.status == "ok" and result.env.get(name) is not None:
                bands.add((name, str(result.env[name])))
        rows |= {(s.name, s.row) for s in result.trace.nodes if isinstance(s, TableStep) and s.row is not None}
    covered = {(i.kind, i.name, i.message) for i in tracker.items if i.covered}
    assert {n for k, n, _m in covered if k == "rule"} == rules
    assert {(n, m) for k, n, m in covered if k == "band"} == {
        (n, tracker.band_items[(n, k)].message) for n, band in
        ((b.name, b) for b in policy.nodes if isinstance(b, Band))
        for k, d in enumerate(band.bands) if (n, str(d.label)) in bands}
    assert {(n, m) for k, n, m in covered if k == "row"} == {(n, tracker.row_items[(n, r)].message) for n, r in rows}


# --- differences ------------------------------------------------------------------------------


def _shifted(path: Path) -> tuple[Policy, bool]:
    """The policy with every band entry but the lowest starting lower (halfway to the next), and every
    `first` table's rows in reverse order: the same inputs now decide differently. Also says
    whether there was anything to change."""
    policy, changed = compiled(path), False
    for node in policy.nodes:
        if isinstance(node, Band):
            for entry, lower in zip(node.bands, node.bands[1:]):
                entry.min = (entry.min + lower.min) / 2
                changed = True
        elif isinstance(node, Table) and node.hit == "first":
            node.rows.reverse()
            for i, row in enumerate(node.rows):
                row.index = i
            node.lookup = None
            changed = True
    return policy, changed


def _parent(path: Path) -> Path | None:
    text = path.read_text(encoding="utf-8")
    found = re.search(r"^extends:\s*(\S+)", text, re.M)
    if not found:
        return None
    return next((p for p in POLICY_FILES if p.stem == found.group(1)), None)


PAIRS = [(p, "shifted") for p in POLICY_FILES] + [(p, "parent") for p in POLICY_FILES if _parent(p)]


@pytest.mark.parametrize("path,against", PAIRS, ids=[f"{p.stem}-{k}" for p, k in PAIRS])
def test_a_difference_names_exactly_the_trace_entries_that_differ(path, against):
    b = compiled(path)
    a, changed = _shifted(path) if against == "shifted" else (compiled(_parent(path)), True)
    sources = records_for(path, b)
    report = Comparison(a, b).run(_fresh(s) for s in sources).report()
    if not changed:  # nothing to shift (no band, no `first` table): the same policy changes nobody
        assert not report["changed"]
        return
    assert report["changed"], "the variant changes nobody: the test would check nothing"
    by_row = {s.row: s for s in sources}
    ta, tb = Evaluator(a, trace=True), Evaluator(b, trace=True)
    checked = 0
    for entry in report["changed"]:
        ra, rb = ta.evaluate(_fresh(by_row[entry["row"]])), tb.evaluate(_fresh(by_row[entry["row"]]))
        for diff in entry["differences"]:
            reason = diff["reason"]
            if diff["kind"] == "output":
                sa, sb = ra.trace.node(diff["name"]), rb.trace.node(diff["name"])
                if reason.startswith("follows from"):
                    continue
                if isinstance(sa, BandStep) and isinstance(sb, BandStep):
                    assert f"is {sa.label} under A" in reason and f"and {sb.label} under B" in reason, reason
                    checked += 1
                elif isinstance(sa, TableStep) and isinstance(sb, TableStep):
                    for side, step in (("A", sa), ("B", sb)):
                        said = re.search(rf"{side} matches (row (\d+)|default|no row)", reason)
                        assert said, reason
                        assert said.group(2) == (None if step.row is None else str(step.row + 1)), reason
                    checked += 1
                elif isinstance(sa, ValueStep) and isinstance(sb, ValueStep) and (sa.unmet, sb.unmet) != (None, None):
                    assert "does not hold" in reason, reason
            elif diff["kind"] == "action":
                ja, jb = ra.trace.rule(diff["name"]), rb.trace.rule(diff["name"])
                if ja is None or jb is None:
                    continue
                truth_a = {c.text: (c.held, c.error) for c in ja.conditions}
                truth_b = {c.text: (c.held, c.error) for c in jb.conditions}
                differ = {t for t in {*truth_a, *truth_b} if truth_a.get(t) != truth_b.get(t)}
                named = set(re.findall(r"`([^`]+)` is (?:true|false|absent|error)", reason))
                assert named == differ, reason
                checked += 1
    assert checked or against == "parent"
