"""The shortcuts that make a record cheaper change nothing: a remembered coercion gives what
the converter gave, a failing text fails every time, the decimal-comma modes stay apart; the
inline JSON encoding writes what the general one writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kinerja.model import FieldDef
from kinerja.records.coerce import Coercer
from kinerja.report.results import _compact, _slow

FIELDS = {"jam": FieldDef("jam", "number", min=Decimal(0), max=Decimal(100)),
          "unit": FieldDef("unit", "string"),
          "asn": FieldDef("asn", "enum", values=("PNS", "PPPK")),
          "nip": FieldDef("nip", "nip")}
NIP = "199001012015031001"


def _coerce(coercer, **raw):
    values, problems = coercer.coerce(raw, {})
    return values, [(p.field, p.code, p.reason) for p in problems]


@pytest.mark.parametrize("raw,values,problems", [
    pytest.param({"jam": "12.5", "unit": " Dinas A ", "asn": "pns"},
                 {"jam": Decimal("12.5"), "unit": "Dinas A", "asn": "PNS"}, [], id="converted"),
    pytest.param({"jam": "120"}, {"jam": Decimal("120")}, [("jam", "K404", "above the maximum 100")], id="above-max"),
    pytest.param({"jam": "-1"}, {"jam": Decimal("-1")}, [("jam", "K404", "below the minimum 0")], id="below-min"),
    pytest.param({"asn": "Honorer"}, {"asn": None}, [("asn", "K403", "not one of: PNS, PPPK")], id="bad-enum"),
    pytest.param({"jam": "1.500,5"}, {"jam": None}, [("jam", "K402", "expected a number")], id="dot-and-comma"),
    pytest.param({"unit": "  ", "asn": ""}, {"unit": None, "asn": None}, [], id="blank"),
])
def test_a_remembered_text_coerces_as_the_first_time(raw, values, problems):
    coercer = Coercer(FIELDS)
    first = _coerce(coercer, nip=NIP, **raw)
    for _ in range(3):  # the second and later records meet the memo
        assert _coerce(coercer, nip=NIP, **raw) == first
    got = {k: v for k, v in first[0].items() if k in raw}
    assert got == values and first[1] == problems


def test_decimal_comma_modes_are_remembered_apart():
    coercer = Coercer(FIELDS)
    record = {"nip": NIP, "jam": "1.500,5"}
    for _ in range(2):
        assert coercer.coerce(record, {}, comma=True)[0]["jam"] == Decimal("1500.5")  # a ;-separated CSV
        assert coercer.coerce(record, {})[1][0].reason == "expected a number"


def test_memory_stays_bounded(monkeypatch):
    monkeypatch.setattr("kinerja.records.coerce.MEMO_SIZE", 3)
    coercer = Coercer(FIELDS)
    for i in range(10):
        assert coercer.coerce({"nip": NIP, "jam": f"{i}.5"}, {})[0]["jam"] == Decimal(f"{i}.5")
    jam_memo = coercer.memos[False][list(FIELDS).index("jam")]
    assert len(jam_memo) == 3
    assert coercer.memos[False][list(FIELDS).index("nip")] is None  # NIPs never repeat
    assert coercer.memos[False][list(FIELDS).index("unit")] is None  # a text is taken as it is


@pytest.mark.parametrize("value,text", [
    pytest.param({"a": "x", "b": None, "c": Decimal("1.50"), "d": True, "e": 3}, '{"a": "x", "b": null, "c": 1.50, '
                 '"d": true, "e": 3}', id="flat"),
    pytest.param([{"id": "kp", "n": [Decimal("2E+1"), dt.date(2024, 1, 2)]}, "é\n"],
                 '[{"id": "kp", "n": [20, "2024-01-02"]}, "é\\n"]', id="nested"),
    pytest.param({1: "y", 2: "z"}, '{"1": "y", "2": "z"}', id="non-text-keys"),
    pytest.param(({"k": (1, 2)},), '[{"k": [1, 2]}]', id="tuples"),
])
def test_inline_encoding_equals_the_general_one(value, text):
    assert _compact(value) == text == _slow(value, None, 0)


def test_a_required_field_left_empty_is_reported_every_time():
    coercer = Coercer({"nip": FieldDef("nip", "nip", required=True), "n": FieldDef("n", "number", default=Decimal(3))})
    for _ in range(3):
        values, problems = coercer.coerce({"nip": " ", "n": ""}, {})
        assert [(p.field, p.code) for p in problems] == [("nip", "K401")] and values["n"] == Decimal(3)


TABLE_POLICY = """\
kinerja: 1
id: tabel
name: Tabel
version: "1"
fields:
  nip: {type: nip, required: true}
  kelas: {type: enum, values: [Tinggi, Sedang, Rendah]}
  unit: {type: string}
tables:
  saran:
    inputs: [kelas, unit]
    hit: first
    rows:
      - [Tinggi, "-", Promosi]
      - [Sedang, Dinas A, Pelatihan]
      - ["-", "-", Lain]
"""


@pytest.mark.parametrize("kelas,unit,expected", [
    pytest.param("Tinggi", "Dinas B", ("ok", "Promosi"), id="row"),
    pytest.param("Sedang", "Dinas A", ("ok", "Pelatihan"), id="second-row"),
    pytest.param("", "Dinas A", ("ok", None), id="missing-input"),
    pytest.param("Sedang", "Dinas B", ("ok", "Lain"), id="last-row"),
])
def test_a_remembered_table_lookup_gives_what_matching_gives(kelas, unit, expected):
    from kinerja.compile.compiler import compile_policy
    from kinerja.evaluation.evaluator import evaluate_record
    from kinerja.policy.documents import read_document, resolve

    policy, findings = compile_policy(resolve(read_document("tabel.yaml", text=TABLE_POLICY)))
    assert findings == []
    for _ in range(3):  # the first time matches rows, later times meet the memo
        r = evaluate_record(policy, {"nip": NIP, "kelas": kelas, "unit": unit})
        got = (r.status, r.outputs["saran"] if r.ok else r.errors[0]["reason"])
        assert got == expected


RULE_POLICY = """\
kinerja: 1
id: aturan
name: Aturan
version: "1"
fields:
  nip: {type: nip, required: true}
  jam: {type: number}
  unit: {type: string}
rules:
  banyak:
    kind: catatan
    when: ["unit == 'A'", "jam > 10"]
    reason: "jam {jam}"
  sedikit:
    kind: catatan
    when: "jam <= 10"
    reason: "jam {jam}"
"""


@pytest.mark.parametrize("unit,jam,expected", [
    pytest.param("A", "12", ("ok", ["banyak"]), id="all-conditions-hold"),
    pytest.param("A", "4", ("ok", ["sedikit"]), id="second-condition-false"),
    pytest.param("B", "", ("error", "K406"), id="missing-value-takes-the-checking-path"),
    pytest.param("B", "12", ("ok", []), id="first-condition-false"),
])
def test_the_written_out_rule_loop_fires_as_the_checking_path(unit, jam, expected):
    """The rule loop written out per policy (evaluator._firing) gives what `Rule.fires` gives:
    a condition that cannot be judged (a missing value) is an error naming the rule, never a
    silent "does not fire"; a condition after a False one is never run."""
    from kinerja.compile.compiler import compile_policy
    from kinerja.evaluation.evaluator import Evaluator
    from kinerja.records.read import Source

    policy, findings = compile_policy(resolve_text(RULE_POLICY))
    assert findings == []
    for trace in (False, True):  # the traced path judges through Rule.fires
        r = Evaluator(policy, trace=trace).evaluate(Source(1, {"nip": NIP, "unit": unit, "jam": jam}))
        got = (r.status, [a["id"] for a in r.actions] if r.ok else r.errors[0]["code"])
        assert got == expected


def resolve_text(text):
    from kinerja.policy.documents import read_document, resolve

    return resolve(read_document("aturan.yaml", text=text))
