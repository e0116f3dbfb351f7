"""Evaluation semantics on a small policy: scorecards, each-values, bands, tables, rules,
rounding and the errors that name their node."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import evaluate_record
from kinerja.policy.documents import read_document, resolve

POLICY = """\
kinerja: 1
id: semantik
name: Semantik
version: "1"
params: {batas: 90}
fields:
  nip: {type: nip, required: true}
  unit: {type: enum, values: [A, B]}
  realisasi: {type: number}
  target: {type: number}
  nilai: {type: number}
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
  bagi: "nilai / 10"
  sepertiga: {expr: "nilai / 3", places: 4}
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
      - [Sedang, A, Pelatihan]
    default: Tidak ada
rules:
  usul:
    kind: promosi
    when: ["saran == 'Promosi'", "nilai >= batas"]
    params: {lebih: "nilai - batas"}
    reason: "nilai {nilai} di atas {batas} sebesar {lebih}; unit {unit}"
"""


@pytest.fixture(scope="module")
def policy():
    compiled, findings = compile_policy(resolve(read_document("semantik.yaml", text=POLICY)))
    assert findings == []
    return compiled


def rec(**kw):
    base = {"nip": "198609262015051001", "unit": "A", "realisasi": "95", "target": "100", "nilai": "200",
            "kegiatan": [{"target": "10", "realisasi": "12"}, {"target": "4", "realisasi": "3"}]}
    base.update(kw)
    return base


def test_scorecard_each_values_and_rounding(policy):
    out = evaluate_record(policy, rec(nilai="95")).outputs
    assert out["capaian_kegiatan"] == (Decimal("120"), Decimal("75"))
    assert out["capaian_utama"] == Decimal("95") and out["kegiatan_rata"] == Decimal("97.5")
    assert out["skor"] == Decimal("96")          # 95 × 0.6 + 97.5 × 0.4
    assert str(out["sepertiga"]) == "31.6667"    # its own places: exactly 4
    assert str(out["bagi"]) == "9.5"             # policy default: at most 2 places, not padded


def test_scorecard_when_false_leaves_it_empty(policy):
    out = evaluate_record(policy, rec(unit="B", nilai="95")).outputs
    assert out["skor"] is None and out["capaian_utama"] is None


def test_no_exponent_notation_anywhere(policy, tmp_path):
    # 200 / 10 is Decimal("2E+1") in Python; people must see 20
    result = evaluate_record(policy, rec(nilai="100"))
    assert str(result.outputs["bagi"]) == "10"
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(rec(nilai="100")) + "\n")
    res = CliRunner().invoke(main, ["evaluate", _write(tmp_path), str(path), "--format", "csv"])
    assert "E+" not in res.stdout and ",10," in res.stdout


def _write(tmp_path) -> str:
    p = tmp_path / "semantik.yaml"
    p.write_text(POLICY)
    return str(p)


def test_table_default_when_no_row_matches(policy):
    assert evaluate_record(policy, rec(nilai="60", unit="B")).outputs["saran"] == "Tidak ada"


def test_rule_params_and_reason(policy):
    [action] = evaluate_record(policy, rec(nilai="95")).actions
    assert action == {"id": "usul", "kind": "promosi", "lebih": Decimal("5"),
                      "reason": "nilai 95 di atas 90 sebesar 5; unit A"}


@pytest.mark.parametrize("changes,stage,name,reason", [
    ({"nilai": "101"}, "band", "kelas", "`nilai` = 101 falls outside every band"),
    ({"target": "0"}, "indicator", "capaian_utama",
     "capaian(): target is 0, so capaian cannot be computed in `capaian(realisasi, target)` (column 1)"),
    ({"realisasi": ""}, "indicator", "capaian_utama",
     "capaian(): realisasi is missing (`realisasi` is empty in this record) in `capaian(realisasi, target)` "
     "(column 1)"),
])
def test_evaluation_errors_name_the_node(policy, changes, stage, name, reason):
    result = evaluate_record(policy, rec(**changes))
    assert result.status == "error"
    assert result.errors == [{"code": "K406", "stage": stage, "name": name, "reason": reason}]


def test_nested_list_errors_are_all_reported(policy):
    result = evaluate_record(policy, rec(kegiatan=[{"target": "x"}, {"realisasi": "1", "target": "2"}]))
    assert [(e["field"], e["code"]) for e in result.errors] == [("kegiatan[1].target", "K402"),
                                                                ("kegiatan[1].realisasi", "K401")]


def test_fast_jsonl_line_is_exactly_the_documented_row(policy):
    """JsonlWriter builds rows without a dict, for speed; it must equal result_row's shape."""
    import io

    from kinerja.evaluate.evaluator import Evaluator, result_row
    from kinerja.records.source import Source
    from kinerja.report.results import JsonlWriter, dumps

    evaluator = Evaluator(policy)
    writer = JsonlWriter(io.StringIO(), evaluator.outputs, evaluator.info)
    for raw in (rec(nilai="95"), rec(nip="1"), rec(target="0")):
        result = evaluator.evaluate(Source(1, raw))
        assert writer.line(result) == dumps(result_row(result, evaluator.info))
        result.explanation = {"text": ["x"]}
        assert writer.line(result) == dumps(result_row(result, evaluator.info))
