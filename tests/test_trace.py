"""The decision trace of one result: exactly what evaluation decided, and nothing of it when no
one asks (the plain `evaluate` path builds no trace object)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import Evaluator
from kinerja.model import BandStep, Condition, GivenStep, RuleStep, TableStep, ValueStep, nodes, tables, trace
from kinerja.policy.documents import read_document, resolve
from kinerja.records.read import read_records
from kinerja.records.source import Source

ROOT = Path(__file__).parents[1]

POLICY = """\
kinerja: 1
id: jejak
name: Jejak
version: "1"
params: {batas: 90}
fields:
  nip: {type: nip, required: true}
  unit: {type: enum, values: [A, B]}
  status: {type: enum, values: [aktif, cltn]}
  nilai: {type: number}
values:
  bonus: {expr: "nilai / 10", when: "unit == 'A'"}
bands:
  kelas:
    input: nilai
    range: {min: 0, max: 100}
    bands:
      - {min: 90, label: Tinggi, max: 100}
      - {min: 50, label: Sedang}
      - {min: 0, label: Rendah}
tables:
  saran:
    inputs: [kelas, unit]
    hit: first
    rows:
      - [Tinggi, "-", Promosi]
      - ["-", A, Pelatihan]
      - [Tinggi, A, Tidak terpakai]
    default: Tidak ada
rules:
  cuti:
    kind: dikecualikan
    when: "status == 'cltn'"
    reason: "sedang CLTN"
  usul:
    kind: promosi
    when: ["saran == 'Promosi' and nilai >= batas", "unit == 'B'"]
    reason: "nilai {nilai}"
"""

NIP = "199001012015031001"


@pytest.fixture(scope="module")
def policy():
    compiled, findings = compile_policy(resolve(read_document("jejak.yaml", text=POLICY)))
    assert compiled is not None, findings
    return compiled


def traced(policy, **record):
    return Evaluator(policy, trace=True).evaluate(Source(1, {"nip": NIP, "status": "aktif", **record}))


def test_each_node_leaves_what_it_decided(policy):
    result = traced(policy, unit="B", nilai="95")
    assert result.trace.nodes == [
        ValueStep("value", "bonus", None, unmet=0),
        BandStep("kelas", "nilai", Decimal("95"), Decimal("95"), 0, "Tinggi", Decimal("90"), Decimal("100"), True),
        TableStep("saran", ("kelas", "unit"), ("Tinggi", "B"), "first", 0, False, "Promosi"),
    ]


def test_a_first_hit_table_records_the_first_row_that_matches(policy):
    # (Tinggi, A) matches rows 1, 2 and 3: `hit: first` takes row 1; (Sedang, A) matches row 2 only
    step = traced(policy, unit="A", nilai="95").trace.node("saran")
    assert (step.hit, step.row, step.default, step.output) == ("first", 0, False, "Promosi")
    step = traced(policy, unit="A", nilai="60").trace.node("saran")
    assert (step.row, step.output) == (1, "Pelatihan")


def test_a_table_default_and_an_empty_input_are_told_apart(policy):
    default = traced(policy, unit="B", nilai="60").trace.node("saran")
    assert (default.row, default.default, default.output, default.empty) == (None, True, "Tidak ada", False)
    empty = traced(policy, unit="B").trace.node("saran")
    assert (empty.values, empty.row, empty.default, empty.output, empty.empty) == ((None, "B"), None, False, None, True)
    assert traced(policy, unit="B").trace.node("kelas") == BandStep("kelas", "nilai", None)


def test_every_rule_is_judged_condition_by_condition_with_its_operands(policy):
    result = traced(policy, unit="B", nilai="95")
    assert [a["id"] for a in result.actions] == ["usul"]
    assert result.trace.rules == [
        RuleStep("cuti", "dikecualikan", False, (Condition(0, "status == 'cltn'", False, {"status": "aktif"}),)),
        RuleStep("usul", "promosi", True, (
            Condition(0, "saran == 'Promosi'", True, {"saran": "Promosi"}),
            Condition(1, "nilai >= batas", True, {"batas": Decimal("90"), "nilai": Decimal("95")}),
            Condition(2, "unit == 'B'", True, {"unit": "B"}))),
    ]
    missed = traced(policy, unit="A", nilai="95").trace.rule("usul")
    assert (missed.fired, [c.held for c in missed.conditions]) == (False, [True, True, False])


def test_an_exclusion_is_in_the_trace(policy):
    result = traced(policy, unit="B", nilai="95", status="cltn")
    assert result.status == "excluded"
    assert result.trace.nodes == []
    assert result.trace.rules == [RuleStep("cuti", "dikecualikan", True,
                                           (Condition(0, "status == 'cltn'", True, {"status": "cltn"}),))]


def test_a_node_given_from_outside_is_given_not_decided(policy):
    ev = Evaluator(policy, trace=True)
    values, problems = ev.coercer.coerce({"nip": NIP, "status": "aktif", "unit": "B", "nilai": "40"}, policy.params)
    result = ev.evaluate_coerced(Source(1, {}), values, problems, fixed={"kelas": "Tinggi"})
    assert result.trace.node("kelas") == GivenStep("kelas", "band", {"kelas": "Tinggi"})
    assert result.trace.node("saran").values == ("Tinggi", "B")


def test_an_error_keeps_the_steps_decided_before_it(policy):
    result = traced(policy, unit="B", nilai="150")  # above the top band's max
    assert result.status == "error"
    assert [s.name for s in result.trace.nodes] == ["bonus"]


def test_the_plain_path_builds_no_trace(monkeypatch):
    """Evaluation without `trace=True` never calls a node's `traced`, never judges a rule
    condition by condition and creates no step: the national sample, every record."""
    def refuse(*args, **kwargs):
        raise AssertionError("a trace object was built on the plain path")

    for cls in (nodes.Scorecard, nodes.Value, nodes.Band, tables.Table):
        monkeypatch.setattr(cls, "traced", refuse)
    from kinerja.model import rules
    monkeypatch.setattr(rules.Rule, "judge", refuse)
    for cls in (trace.Trace, trace.ValueStep, trace.BandStep, trace.TableStep, trace.RuleStep, trace.Condition):
        monkeypatch.setattr(cls, "__init__", refuse)
    policy_file = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
    compiled, _findings = compile_policy(resolve(read_document(str(policy_file))))
    evaluator = Evaluator(compiled)
    results = [evaluator.evaluate(s) for s in read_records(str(policy_file.with_suffix(".sample.csv")))]
    assert len(results) == 208 and {r.status for r in results} >= {"ok"}
    assert all(r.trace is None for r in results)
