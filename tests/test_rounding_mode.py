"""`rounding.intermediates`: a policy states whether a computed number is rounded where it is
computed (`rounded`, the default) or carried exactly and rounded only where it is shown."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.evaluator import evaluate_record
from kinerja.policy.documents import read_document, resolve
from kinerja.validation import validate_paths

D = Decimal
POLICIES = Path(__file__).parents[1] / "policies"
NIP = "198609262015051001"

POLICY = """kinerja: 1
id: pembulatan
name: Pembulatan
version: "1"
rounding: {{places: 2, mode: half_up{mode}}}
fields:
  nip: {{type: nip, required: true}}
  x: {{type: number}}
values:
  pertiga: x / 3
  kali_tiga: pertiga * 3
  bulat: {{expr: pertiga * 3, places: 2}}
  per_item: {{expr: x / 3, each: daftar}}
bands:
  kelas:
    input: kali_tiga
    bands:
      - {{min: 1, label: satu}}
      - {{min: 0, label: nol}}
rules:
  catat:
    kind: catatan
    when: kelas == "nol"
    params: {{selisih: 1 - kali_tiga}}
    reason: pertiga {{pertiga}}, kali tiga {{kali_tiga}}
"""


def compiled(tmp_path, mode: str):
    path = tmp_path / "p.yaml"
    text = POLICY.format(mode=f", intermediates: {mode}" if mode else "").replace(
        "  per_item: {expr: x / 3, each: daftar}\n", "")
    path.write_text(text, "utf-8")
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert findings == [], [f.message for f in findings]
    return policy


@pytest.mark.parametrize("mode", ["", "rounded"], ids=["default", "rounded"])
def test_rounded_uses_the_shown_value_in_the_next_step(tmp_path, mode):
    result = evaluate_record(compiled(tmp_path, mode), {"nip": NIP, "x": 1})
    # 1/3 → 0.33 where computed; 0.33 × 3 = 0.99 → band "nol"
    assert result.outputs == {"pertiga": D("0.33"), "kali_tiga": D("0.99"), "bulat": D("0.99"), "kelas": "nol"}
    assert result.actions == [{"id": "catat", "kind": "catatan", "selisih": D("0.01"),
                               "reason": "pertiga 0.33, kali tiga 0.99"}]


def test_exact_carries_the_value_and_rounds_only_where_shown(tmp_path):
    result = evaluate_record(compiled(tmp_path, "exact"), {"nip": NIP, "x": 1})
    # 1/3 carried at full precision (0.333…, 28 digits); × 3 = 0.999…9, shown as 1; the band
    # compares the carried value, which is below 1 (a non-terminating division is not exact)
    assert result.outputs == {"pertiga": D("0.33"), "kali_tiga": D("1"), "bulat": D("1.00"), "kelas": "nol"}
    assert result.env["kali_tiga"] == D("0.9999999999999999999999999999")
    [action] = result.actions
    assert action["reason"] == "pertiga 0.33, kali tiga 1"
    assert action["selisih"] == D("0")  # 1E-28, rounded where shown


def test_exact_where_it_matters(tmp_path):
    # x = 2.5: rounded 2.5/3 = 0.83 → × 3 = 2.49; exact 0.8333… × 3 = 2.5 (shown 2.5)
    rounded = evaluate_record(compiled(tmp_path, "rounded"), {"nip": NIP, "x": D("2.5")}).outputs
    exact = evaluate_record(compiled(tmp_path, "exact"), {"nip": NIP, "x": D("2.5")}).outputs
    assert (rounded["kali_tiga"], exact["kali_tiga"]) == (D("2.49"), D("2.5"))


def test_unknown_statement_is_a_schema_finding(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(POLICY.format(mode=", intermediates: kira-kira").replace(
        "  per_item: {expr: x / 3, each: daftar}\n", ""), "utf-8")
    result = validate_paths([str(path)])
    assert [(f.code, f.line) for f in result.findings] == [("K104", 5)]


def test_each_values_are_rounded_item_by_item_where_shown(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(POLICY.format(mode=", intermediates: exact").replace(
        "  x: {type: number}\n", "  x: {type: number}\n  daftar: {type: list, items: {x: {type: number}}}\n"),
        "utf-8")
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert findings == []
    result = evaluate_record(policy, {"nip": NIP, "x": 1, "daftar": [{"x": 1}, {"x": 2}]})
    assert result.outputs["per_item"] == (D("0.33"), D("0.67"))


def test_pp46_child_with_exact_intermediates(tmp_path):
    # PP 46/2011 states `rounded` (the form shows 2 decimals); an agency whose spreadsheet
    # carried exact values says `exact`, and a nilai SKP can differ by 0.01.
    child = tmp_path / "pp46-tepat.yaml"
    child.write_text("kinerja: 1\nid: pp46-tepat\nname: PP 46 tanpa pembulatan antara\nversion: '1'\n"
                     "extends: pp-46-2011\nrounding: {places: 2, mode: half_up, intermediates: exact}\n", "utf-8")
    keg = {"kegiatan": "Verifikasi", "target_kuantitas": 240, "realisasi_kuantitas": 240, "target_kualitas": 100,
           "target_waktu": 12}
    record = {"nip": "197806122003121003", "golongan": "III/c", "jenis_jabatan": "Fungsional Umum",
              "unit_kerja": "Bagian Keuangan", "orientasi_pelayanan": 90, "integritas": 90, "komitmen": 90,
              "disiplin": 90, "kerjasama": 90,
              "skp": [{**keg, "realisasi_kualitas": 89, "realisasi_waktu": D("9.11")},
                      {**keg, "realisasi_kualitas": 100, "realisasi_waktu": 12}]}
    base, findings = compile_policy(resolve(read_document(str(POLICIES / "nasional/pp-46-2011.yaml"))))
    exact, findings2 = compile_policy(resolve(read_document(str(child))))
    assert findings == findings2 == []
    r = evaluate_record(base, record).outputs
    e = evaluate_record(exact, record).outputs
    # waktu 76 − ((21.12 − 9.11)/12 × 100 − 100) = 75.91666…, shown 75.92 in both
    assert r["skor_waktu"] == e["skor_waktu"] == (D("75.92"), D("76"))
    # rounded: (100 + 89 + 75.92)/3 = 88.3066… → 88.31; exact 88.30555…, also shown 88.31
    assert r["nilai_capaian_kegiatan"] == e["nilai_capaian_kegiatan"] == (D("88.31"), D("92"))
    # rounded: (88.31 + 92)/2 = 90.155 → 90.16; exact: (88.30555… + 92)/2 = 90.15277… → 90.15
    assert (r["nilai_skp"], e["nilai_skp"]) == (D("90.16"), D("90.15"))


def test_every_shipped_policy_states_its_rounding():
    for path in sorted(POLICIES.rglob("*.yaml")):
        if path.name.endswith((".test.yaml", ".sample.yaml", ".map.yaml")):
            continue
        doc = read_document(str(path))
        rounding = (doc.data or {}).get("rounding") or {}
        assert rounding.get("intermediates") in ("rounded", "exact"), path.name


SCORECARD = """kinerja: 1
id: kartu
name: Kartu
version: "1"
rounding: {{places: 2, mode: half_up, intermediates: {mode}}}
fields:
  nip: {{type: nip, required: true}}
  x: {{type: number}}
scorecards:
  total:
    indicators:
      a: {{weight: 50, score: x / 3}}
      b: {{weight: 50, score: x / 3}}
bands:
  kelas:
    input: total
    bands:
      - {{min: 0.67, label: tinggi}}
      - {{min: 0, label: rendah}}
"""


@pytest.mark.parametrize("mode,a,total,kelas", [
    ("rounded", D("0.67"), D("0.67"), "tinggi"),   # 2/3 → 0.67 per indicator, total 0.67
    ("exact", D("0.67"), D("0.67"), "rendah"),     # 0.666… carried: shown 0.67, below the band's 0.67
])
def test_scorecard_indicators_follow_the_statement(tmp_path, mode, a, total, kelas):
    path = tmp_path / "kartu.yaml"
    path.write_text(SCORECARD.format(mode=mode), "utf-8")
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert findings == []
    out = evaluate_record(policy, {"nip": NIP, "x": 2}).outputs
    assert (out["a"], out["b"], out["total"], out["kelas"]) == (a, a, total, kelas)


def test_a_rounder_remembers_numbers_by_their_written_form(monkeypatch):
    # make_rounder keeps what it rounded, keyed by str(value): -0 and 0 are equal Decimals but
    # round to -0.00 and 0.00 (exact places), so a key that merged them would give the wrong one.
    from kinerja.model import rounding

    r = rounding.make_rounder(2, "half_up", exact=True)
    assert [str(r(Decimal(s))) for s in ("0", "-0", "0", "1.005", "1.0050", "-0")] == \
        ["0.00", "-0.00", "0.00", "1.01", "1.01", "-0.00"]
    monkeypatch.setattr(rounding, "ROUNDED_KEPT", 3)
    r = rounding.make_rounder(1, "half_even", exact=False)
    got = [str(r(Decimal(f"0.{i}5"))) for i in range(10)] * 2  # ten numbers, twice
    assert got == ["0", "0.2", "0.2", "0.4", "0.4", "0.6", "0.6", "0.8", "0.8", "1"] * 2
    seen = r.__closure__[r.__code__.co_freevars.index("seen")].cell_contents
    assert len(seen) == 3  # bounded: a file of ever new numbers stops adding at the limit
