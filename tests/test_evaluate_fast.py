"""The plain path written out per policy (evaluation/plain.py) gives exactly what the generic
node-by-node path gives: status, NIP, outputs (their order and every Decimal's exponent),
actions, errors with their messages, and the env that is kept. Checked on every shipped policy
over its sample and test records and variants of them (numbers on and around every threshold,
labels changed, fields emptied or broken), and on a small policy built to reach every fallback:
a band outside its range, a table with no row for its input, a value that divides by zero, a
condition on an empty field, a rule param that fails, exclusions, scorecards and `each` values,
with hypothesis drawing the records.
"""

from __future__ import annotations

import ast
import copy
import random
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.evaluator import Evaluator, Result
from kinerja.evaluation.plain import plain_path
from kinerja.expr.language import Expression
from kinerja.model import Band, Policy, Table, template_names
from kinerja.policy.documents import read_document, resolve
from kinerja.records.read import read_records
from kinerja.records.source import Source
from kinerja.testing.suite import collect

ROOT = Path(__file__).parents[1]
POLICY_FILES = sorted(p for p in (ROOT / "policies").rglob("*.yaml")  # every shipped policy (not its tests or samples)
                      if re.search(r"^kinerja\s*:", p.read_text(encoding="utf-8"), re.M) and ".test." not in p.name)
VARIANTS = 60  # generated records per shipped policy, beside its sample and test records

FAST = """\
kinerja: 1
id: cepat
name: Cepat
version: "1"
params: {batas: 90}
fields:
  nip: {type: nip, required: true}
  unit: {type: enum, values: [A, B]}
  status: {type: enum, values: [aktif, cltn], default: aktif}
  kota: {type: string}
  pimpinan: {type: boolean}
  nilai: {type: number}
  target: {type: number}
  realisasi: {type: number}
  kegiatan:
    type: list
    items: {target: {type: number, required: true}, realisasi: {type: number, required: true}}
scorecards:
  skor:
    when: unit == "A"
    indicators:
      capaian_utama: {weight: 60, score: "capaian(realisasi, target)"}
      kegiatan_rata: {weight: 40, score: "avg(capaian_kegiatan) if count(kegiatan) > 0 else 0"}
values:
  capaian_kegiatan: {each: kegiatan, expr: "capaian(realisasi, target)"}
  bagi: "100 / (realisasi - 7)"
  campur: "kota if pimpinan else nilai"
  ganda: "pimpinan if unit == 'B' else realisasi"
  sepertiga: {expr: "coalesce(nilai, 0) / 3", places: 4}
  besar: {when: "nilai > 10", expr: "nilai * 2"}
  kepala: {when: [pimpinan, "unit == 'A'"], expr: "'ya'"}
bands:
  kelas:
    input: nilai
    range: {min: 0, max: 100}
    bands:
      - {min: 90, label: Tinggi, max: 100}
      - {min: 50, label: Sedang}
      - {min: 0, label: "Rendah'] = 0; import os; e['x"}  # text that would be code if it were spliced
tables:
  saran:
    inputs: [kelas, unit]
    hit: first
    rows:
      - [Tinggi, "-", Promosi]
      - [Sedang, A, Pelatihan]
    default: Tidak ada
  tingkat:
    inputs: [target]
    rows:
      - [">= 90", atas]
      - ["< 90", bawah]
  wilayah:
    inputs: [kota, pimpinan]
    rows:
      - [Solo, true, kepala solo]
      - [Solo, false, staf solo]
      - [Medan, "-", medan]
    default: lain
  jenis:
    inputs: [ganda]
    rows:
      - [">= 1", satu]
      - [true, ya]
      - ["-", lain]
  pilih:
    inputs: [campur]
    rows:
      - [Solo, solo]
      - [">= 5", lima]
rules:
  cuti:
    kind: dikecualikan
    when: status == "cltn"
    reason: cuti
  aneh:
    kind: dikecualikan
    when: "nilai > 1000"
    reason: terlalu besar {nilai}
  usul:
    kind: promosi
    when: ["saran == 'Promosi'", "nilai >= batas"]
    params: {lebih: "nilai - batas", rasio: "target / (nilai - 95)"}
    reason: "nilai {nilai} di atas {batas} sebesar {lebih}; unit {unit}"
  catat:
    kind: catatan
    when: pimpinan
    reason: pimpinan {kota}
"""
EXACT = FAST.replace('params: {batas: 90}', 'params: {batas: 90}\nrounding: {places: 2, intermediates: exact}')


def compiled(path: Path | None = None, text: str | None = None) -> Policy:
    doc = read_document(str(path)) if path is not None else read_document("cepat.yaml", text=text)
    policy, findings = compile_policy(resolve(doc))
    assert policy is not None, findings
    return policy


def shape(result: Result) -> tuple:
    """Everything a result says, Decimal exponents and key order included (repr shows both)."""
    return (result.row, result.status, result.nip, repr(result.outputs), repr(result.actions), repr(result.errors),
            repr(result.env), result.where, result.explanation, result.annual, result.trace)


def agree(evaluator: Evaluator, source: Source) -> str:
    """The status both paths give this record, after checking that they give the same result."""
    values, problems = evaluator.coercer.coerce(evaluator.prepare(source.data), evaluator.policy.params,
                                                source.cells, source.decimal_comma)
    generic = evaluator.evaluate_generic(source, copy.deepcopy(values), problems)
    plain = evaluator.evaluate_coerced(source, copy.deepcopy(values), problems)
    assert evaluator.plain.__name__ == "plain"  # the written-out path ran
    assert shape(plain) == shape(generic), source.data
    assert plain.raw is source.data and generic.raw is source.data
    return plain.status


# --- every shipped policy ------------------------------------------------------------------

def _thresholds(policy: Policy) -> list[Decimal]:
    points: set[Decimal] = set()
    for node in policy.nodes:
        if isinstance(node, Band):
            for b in node.bands:
                points.update(x for x in (b.min, b.upper) if x is not None)
        elif isinstance(node, Table):
            points.update(c.value for r in node.rows for c in r.cells if c.kind == "cmp")
    step = Decimal("0.01")
    return sorted({p + d for p in points for d in (-step, 0, step)} | {Decimal(-1), Decimal("1E+30")})


def _vary(policy: Policy, base: dict, rng: random.Random, points: list[Decimal]) -> dict:
    """A record changed in some fields: a number on or around a threshold, another label,
    an empty field, a value of the wrong kind."""
    record = dict(base)
    for name, f in policy.fields.items():
        roll = rng.random()
        if roll > 0.4:
            continue
        if roll < 0.04:
            record[name] = rng.choice(["", "???", "12abc", None])
        elif f.type in ("number", "integer"):
            record[name] = str(rng.choice(points)) if points else str(rng.randint(-5, 200))
        elif f.type == "enum" and f.values:
            record[name] = rng.choice(list(f.values))
        elif f.type == "boolean":
            record[name] = rng.choice([True, False, "ya", "tidak"])
    return record


def _records(path: Path, policy: Policy) -> list[Source]:
    bases: list[dict] = []
    for sample in sorted(path.parent.glob(path.stem + ".*")):
        if sample.suffix in (".csv", ".yaml") and (".sample." in sample.name or ".triwulan." in sample.name):
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


@pytest.mark.parametrize("keep_env", [True, False], ids=["env", "no-env"])
@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.stem)
def test_every_shipped_policy_gives_the_generic_result(path, keep_env):
    policy = compiled(path)
    evaluator = Evaluator(policy, keep_env=keep_env)
    statuses = {agree(evaluator, source) for source in _records(path, policy)}
    assert "ok" in statuses and "error" in statuses


# --- a policy built to reach every fallback --------------------------------------------------

def rec(**changes) -> dict:
    base = {"nip": "198609262015051001", "unit": "A", "status": "aktif", "kota": "Solo", "pimpinan": "true",
            "nilai": "92", "target": "100", "realisasi": "95",
            "kegiatan": [{"target": "10", "realisasi": "12"}, {"target": "4", "realisasi": "3"}]}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture(scope="module", params=[FAST, EXACT], ids=["rounded", "exact"])
def fast_policy(request) -> Policy:
    return compiled(text=request.param)


def _k406(stage: str, name: str, reason: str) -> dict:
    return {"code": "K406", "stage": stage, "name": name, "reason": reason}


@pytest.mark.parametrize("changes,status,error", [
    ({}, "ok", None),
    ({"status": "cltn"}, "excluded", None),
    ({"nilai": "1001"}, "excluded", None),  # the second exclusion rule
    ({"nilai": "101"}, "error", _k406("band", "kelas", "`nilai` = 101 falls outside every band")),
    ({"realisasi": "7"}, "error", _k406("value", "bagi", "division by zero in `100 / (realisasi - 7)` (column 8)")),
    ({"nilai": ""}, "error", _k406("value", "besar", "`nilai` is missing (empty) in this record in `nilai > 10` "
                                                     "(column 1)")),
    ({"nilai": "95", "target": "5"}, "error",
     _k406("rule", "usul", "division by zero in `target / (nilai - 95)` (column 11)")),
    ({"pimpinan": "false", "nilai": "3"}, "error", _k406("table", "pilih", "no row matches campur = 3")),
    ({"kota": "Medan"}, "error", _k406("table", "pilih", "no row matches campur = 'Medan'")),
    ({"pimpinan": None}, "error", _k406("value", "kepala", "condition gave missing value None, not true/false "
                                                           "in `pimpinan` (column 1)")),
    ({"target": "0"}, "error", _k406("indicator", "capaian_utama", "capaian(): target is 0, so capaian cannot be "
                                     "computed in `capaian(realisasi, target)` (column 1)")),
], ids=["ok", "excluded", "excluded-second", "band-outside", "value-div-zero", "value-missing", "param-fails",
        "no-row-number", "no-row-text", "condition-empty", "indicator"])
def test_each_fallback_gives_the_generic_result(fast_policy, changes, status, error):
    evaluator = Evaluator(fast_policy, keep_env=True)
    for _ in range(2):  # the second time, from whatever the first one remembered
        assert agree(evaluator, Source(1, rec(**changes), "line 2")) == status
    result = evaluator.evaluate(Source(1, rec(**changes), "line 2"))
    assert result.status == status
    assert result.errors == ([error] if error else [])


NUMBERS = st.sampled_from(["", " ", "0", "-1", "4.999", "5", "10", "10.5", "49.99", "50", "89.995", "90", "95",
                           "99.999", "100", "100.001", "101", "1000", "1001", "1e30", "abc", "1,5", "0.0000001"]) \
    | st.decimals(min_value=-200, max_value=2000, places=3, allow_nan=False).map(str)
FIELDS = {
    "unit": st.sampled_from(["A", "B", "C", "", "a"]),
    "status": st.sampled_from(["aktif", "cltn", "", "x"]),
    "kota": st.sampled_from(["Solo", "Medan", "Bandung", "", "solo", "Solo "]),
    "pimpinan": st.sampled_from(["true", "false", "ya", "tidak", "", "x", True, False]),
    "nilai": NUMBERS,
    "target": NUMBERS,
    "realisasi": NUMBERS,
    "kegiatan": st.lists(st.fixed_dictionaries({"target": NUMBERS, "realisasi": NUMBERS}), max_size=3)
    | st.sampled_from(["", "x", None]),
}
RECORDS = st.lists(st.fixed_dictionaries({"nip": st.sampled_from(["198609262015051001", "", "123", None])},
                                         optional=FIELDS), min_size=1, max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=RECORDS, keep_env=st.booleans())
def test_drawn_records_give_the_generic_result(fast_policy, records, keep_env):
    evaluator = Evaluator(fast_policy, keep_env=keep_env)  # one evaluator: what it remembers carries over
    for i, record in enumerate(records, 1):
        agree(evaluator, Source(i, {k: v for k, v in record.items() if v is not None}, f"line {i + 1}"))


def test_a_remembered_answer_is_never_given_to_an_equal_value_of_another_kind(fast_policy):
    """`true == 1` in Python: a table answer remembered for true must not answer the number 1
    (the plain path remembers answers only for inputs of text or nothing)."""
    evaluator = Evaluator(fast_policy)
    records = [rec(unit="B"), rec(realisasi="1"), rec(unit="B"), rec(realisasi="1")]
    got = [evaluator.evaluate(Source(i, r)).outputs["jenis"] for i, r in enumerate(records, 1)]
    assert got == ["ya", "satu", "ya", "satu"]
    for i, record in enumerate(records, 1):
        assert agree(evaluator, Source(i, record)) == "ok"


# --- what the generated code may hold --------------------------------------------------------

FIXED_TEXT = {"nip", "ok", "error", "excluded", "rule", "reason", "E", ""}  # the fixed text of the code itself


def _constants(code) -> set:
    found = set()
    for const in code.co_consts:
        if hasattr(const, "co_consts"):
            found |= _constants(const)
        elif isinstance(const, tuple):
            found |= set(const)
        else:
            found.add(const)
    return found


def _expressions(obj, seen: set) -> set:
    """The text constants of every compiled expression of a policy's nodes and rules."""
    if id(obj) in seen:
        return set()
    seen.add(id(obj))
    if isinstance(obj, Expression):
        return {c for c in _constants(obj.fn.__code__) if isinstance(c, str)}
    items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else \
        vars(obj).values() if hasattr(obj, "__dict__") else ()
    return set().union(*(_expressions(item, seen) for item in items)) if items else set()


@pytest.mark.parametrize("path", POLICY_FILES + [None], ids=lambda p: p.stem if p else "cepat")
def test_the_generated_code_holds_only_names_as_text(path):
    """Labels, reasons and table outputs reach the generated function as objects in its
    namespace, never as text in its code: its only text constants are names and the constants
    of the policy's own compiled expressions (inlined as their checked, compiled tree)."""
    policy = compiled(path) if path else compiled(text=FAST)
    evaluator = Evaluator(policy)
    plain = plain_path(evaluator, Result, lambda raw: None, evaluator.failed)
    names = set(policy.fields) | set(policy.output_names()) | set(policy.params) | FIXED_TEXT
    names |= {name for rule in policy.rules for name in [*rule.params, *template_names(rule.reason or "")]}
    if evaluator.period_field:
        names.add(evaluator.period_field)
    texts = {c for c in _constants(plain.__code__) if isinstance(c, str)}
    assert texts <= names | _expressions([policy.nodes, policy.rules], set()), texts - names


def test_text_that_looks_like_code_stays_text(fast_policy):
    result = Evaluator(fast_policy).evaluate(Source(1, rec(nilai="20")))
    assert result.outputs["kelas"] == "Rendah'] = 0; import os; e['x"


def test_a_name_is_a_literal_only_when_it_is_exactly_text():
    from kinerja.evaluation.plain import _Code
    code = _Code()
    assert code.name("predikat") == "'predikat'"
    sly = type("Sly", (str,), {"__repr__": lambda self: "__import__('os')"})("x")
    symbol = code.name(sly)
    assert symbol.isidentifier() and code.namespace[symbol] is sly


class _Odd:
    """An expression whose rewritten body holds a node the inliner does not take."""

    fn = staticmethod(lambda e: 42)

    def inline(self):
        return ast.Lambda(ast.arguments([], [], None, [], [], None, []), ast.Constant(1)), {}


def test_an_expression_is_inlined_only_when_its_tree_is_plain():
    from kinerja.evaluation.plain import _Code
    from kinerja.expr.language import compile_expression
    from kinerja.expr.types import NUMBER
    expression, problems = compile_expression("x * 2 + 1", {"x": NUMBER})
    assert problems == [] and expression is not None
    for condition, calls, expected in [(expression, False, Decimal(7)), (_Odd(), True, 42)]:
        code = _Code()
        code.expr("C0", condition)  # type: ignore[arg-type]  # _Odd stands in for an Expression
        code.add(0, "def run(e):", "    return C0(e)")
        run = code.compile("run")
        assert run({"x": Decimal(3)}) == expected
        assert ("C0" in run.__code__.co_names) is calls
