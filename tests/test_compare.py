"""`kinerja compare`: two policies, one pass over the records; transitions, changed employees with
the reason for each difference, structural policy diff, fairness view, formats and exit codes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.compare.run import Comparison, Options, compare
from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import Evaluator
from kinerja.evaluate.fairness import FairnessTally, jenis_kelamin, parse_favourable
from kinerja.policy.documents import read_document, resolve
from kinerja.records.source import Source
from kinerja.report.compare_out import render_markdown

POLICY = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
TINGGI_85 = dict(name="varian", tinggi_from=85, band_label="Kategori potensial")  # Tinggi from 85, not 90


def load(path):
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert policy is not None, [f.as_dict() for f in findings]
    return policy


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def national():
    return load(POLICY)


@pytest.fixture()
def tinggi85(tmp_path, policy_variant):
    return load(write(tmp_path, "tinggi85.yaml", policy_variant("potensial-85", **TINGGI_85)))


def sources(records):
    return [Source(i, r) for i, r in enumerate(records, 1)]


@pytest.fixture(scope="module")
def records(national_record):
    return [national_record(i) for i in range(240)]


def test_a_policy_against_itself_changes_nothing(national, records):
    data = compare(national, national, sources(records), Options(group_by=("unit_kerja",)))
    assert data["summary"]["records"] == 240 and data["summary"]["valid"] == 240
    assert (data["summary"]["changed"], data["changed"], data["invalid"]) == (0, [], [])
    assert all(v == 0 for x, row in data["transitions"].items() for y, v in row.items() if x != y)
    assert all(v["gained"] == v["lost"] == v["changed"] == 0 for v in data["actions"].values())
    assert data["policy_diff"] == {"same": True, "meta": [], "sections": {}}


def test_one_threshold_changes_exactly_the_records_in_between(national, tinggi85, records):
    data = compare(national, tinggi85, sources(records))
    expected = [i + 1 for i, r in enumerate(records) if Decimal(85) <= Decimal(r["potensial"]) < 90]
    assert len(expected) == 40
    assert [e["row"] for e in data["changed"]] == expected
    assert data["summary"]["changed"] == 40 and data["summary"]["outputs_changed"] == 40
    first = data["changed"][0]
    potensial = records[first["row"] - 1]["potensial"]
    band = [d for d in first["differences"] if d["name"] == "kategori_potensial"]
    assert band == [{"name": "kategori_potensial", "kind": "output", "a": "Menengah", "b": "Tinggi",
                     "reason": f"potensial = {potensial} is Menengah under A (78 ≤ potensial < 90) and Tinggi "
                               "under B (potensial ≥ 85)"}]
    kotak = [d for d in first["differences"] if d["name"] == "kotak_talenta"]
    assert kotak[0]["reason"] == 'follows from kategori_potensial ("Menengah" → "Tinggi")'
    assert first["differences"][0]["name"] == "kategori_potensial"  # the cause comes first
    assert data["policy_diff"]["sections"]["bands"]["changed"]["kategori_potensial"][0] == \
        {"what": "band Tinggi: min", "a": 90, "b": 85}


def test_transition_totals_equal_valid_records_and_invalid_are_listed(national, tinggi85, records, national_record):
    batch = records[:30] + [national_record(900, rating_hasil_kerja="Luar Biasa"), national_record(901, nip="12")]
    data = compare(national, tinggi85, sources(batch))
    s = data["summary"]
    assert (s["records"], s["valid"], s["invalid"]) == (32, 30, 2)
    assert sum(n for row in data["transitions"].values() for n in row.values()) == s["valid"]
    assert [(e["row"], e["a"] is not None, e["b"] is not None) for e in data["invalid"]] == \
        [(31, True, True), (32, True, True)]
    assert data["invalid"][0]["a"][0]["field"] == "rating_hasil_kerja"


def test_changed_list_equals_two_separate_runs(national, tinggi85, tmp_path, records, policy_variant):
    policy_b = load(write(tmp_path, "kp5.yaml", policy_variant("potensial-85", kp_after=5, **TINGGI_85)))
    data = compare(national, policy_b, sources(records))
    run_a = list(Evaluator(national).run(sources(records)))
    run_b = list(Evaluator(policy_b).run(sources(records)))

    def key(r):
        return r.outputs, {a["id"]: {k: v for k, v in a.items() if k not in ("label", "reason")} for a in r.actions}

    expected = [a.row for a, b in zip(run_a, run_b) if a.ok and b.ok and key(a) != key(b)]
    assert [e["row"] for e in data["changed"]] == expected
    lost = sum(1 for a, b in zip(run_a, run_b)
               if any(x["id"] == "kenaikan-pangkat-reguler" for x in a.actions)
               and not any(x["id"] == "kenaikan-pangkat-reguler" for x in b.actions))
    assert data["actions"]["kenaikan-pangkat-reguler"]["lost"] == lost > 0


def test_rule_reason_names_the_condition_and_values(national, tmp_path, national_record, policy_variant):
    policy_b = load(write(tmp_path, "kp5.yaml", policy_variant("kp5", name="varian", kp_after=5)))
    rec = national_record(0, tahun_dalam_pangkat="4", predikat_tahun_lalu="Baik", jenis_jabatan="Pelaksana")
    [entry] = compare(national, policy_b, sources([rec]))["changed"]
    assert entry["differences"] == [{
        "name": "kenaikan-pangkat-reguler", "kind": "action", "a": True, "b": False,
        "reason": "`tahun_dalam_pangkat >= kp_min_tahun_dalam_pangkat` is true under A and false under B "
                  "(kp_min_tahun_dalam_pangkat = 4 → 5; tahun_dalam_pangkat = 4)"}]


def test_table_reason_names_the_rows(national, tmp_path, national_record, policy_variant):
    text = policy_variant("kuadran", name="varian") + """\
tables:
  predikat:
    inputs: [rating_hasil_kerja_akhir, rating_perilaku_kerja]
    rows:
      - [Di Atas Ekspektasi,  [Di Atas Ekspektasi, Sesuai Ekspektasi], Sangat Baik]
      - [Sesuai Ekspektasi,   [Di Atas Ekspektasi, Sesuai Ekspektasi], Baik]
      - [[Di Atas Ekspektasi, Sesuai Ekspektasi], Di Bawah Ekspektasi, Kurang/Misconduct]
      - [Di Bawah Ekspektasi, [Di Atas Ekspektasi, Sesuai Ekspektasi], Butuh Perbaikan]
      - [Di Bawah Ekspektasi, Di Bawah Ekspektasi,    Sangat Kurang]
"""
    policy_b = load(write(tmp_path, "kuadran.yaml", text))
    rec = national_record(0, rating_hasil_kerja=DA, rating_perilaku_kerja=SE)
    [entry] = compare(national, policy_b, sources([rec]))["changed"]
    first = entry["differences"][0]
    assert (first["name"], first["a"], first["b"]) == ("predikat", "Baik", "Sangat Baik")
    assert first["reason"] == (f'rating_hasil_kerja_akhir = "{DA}", rating_perilaku_kerja = "{SE}": A matches row 2 '
                               f"[{DA} | {SE} → Baik], B matches row 1 [{DA} | {DA} / {SE} → Sangat Baik]")
    diff = {c["what"] for c in compare(national, policy_b, [])["policy_diff"]["sections"]["tables"]["changed"]
            ["predikat"]}
    assert {"row removed", "row added"} <= diff


def test_structural_diff_of_rules_and_params(national, tmp_path, policy_variant):
    text = policy_variant("aturan", name="varian") + """\
params:
  jp_minimal: 24
disable: [sanksi-kinerja]
rules:
  pembinaan-kinerja:
    kind: pembinaan
    when:
      - predikat in ("Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang")
      - jenis_asn == "PNS"
  penghargaan:
    kind: penghargaan
    when: predikat == "Sangat Baik"
"""
    data = compare(national, load(write(tmp_path, "aturan.yaml", text)), [])
    sections = data["policy_diff"]["sections"]
    assert sections["params"]["changed"] == {"jp_minimal": [{"what": "value", "a": 20, "b": 24}]}
    assert sections["rules"]["added"] == ["penghargaan"]
    assert sections["rules"]["removed"] == ["sanksi-kinerja"]
    changes = sections["rules"]["changed"]["pembinaan-kinerja"]
    assert {"what": "condition added", "a": None, "b": 'jenis_asn == "PNS"'} in changes
    assert {"what": "condition removed", "a": 'predikat in ("Butuh Perbaikan", "Kurang/Misconduct", '
                                               '"Sangat Kurang")', "b": None} not in changes


def test_group_breakdown_and_derived_jenis_kelamin(national, tinggi85, records):
    data = compare(national, tinggi85, sources(records), Options(group_by=("unit_kerja", "jenis_kelamin")))
    units = data["groups"]["unit_kerja"]
    assert sum(g["records"] for g in units.values()) == 240
    assert sum(g["changed"] for g in units.values()) == data["summary"]["changed"]
    sexes = data["groups"]["jenis_kelamin"]
    assert sorted(sexes) == ["L", "P"]
    assert sexes["L"]["records"] == sum(1 for r in records if r["nip"][14] == "1")
    assert sum(sexes["P"]["a"].values()) == sexes["P"]["valid"]


# --- fairness -----------------------------------------------------------------------------------


class _R:
    def __init__(self, unit, fav, nip="198609262015051001"):
        self.ok, self.nip, self.env, self.raw = True, nip, {"unit_kerja": unit}, None
        self.outputs = {"predikat": "Baik" if fav else "Butuh Perbaikan"}
        self.actions = [{"id": "kenaikan-pangkat-reguler"}] if fav else []


@pytest.mark.parametrize("fav_b,flag", [(8, False), (7, True)], ids=["exactly-0.8", "below-0.8"])
def test_four_fifths_rule_is_exact(fav_b, flag):
    tally = FairnessTally(["unit_kerja"], parse_favourable(None))
    for unit, fav in (("A", 10), ("B", fav_b)):
        for i in range(10):
            tally.add(_R(unit, i < fav))
    table = tally.table()["unit_kerja"]
    assert table["best"] == "A"
    [a, b] = table["groups"]
    assert (a["rate"], a["ratio"], a["flag"]) == (Decimal("1.0000"), Decimal("1.0000"), False)
    assert (b["ratio"], b["flag"]) == (Decimal(fav_b) / 10, flag)
    assert table["flagged"] == (["B"] if flag else [])


def test_favourable_by_output_and_jenis_kelamin():
    fav = parse_favourable("predikat=Sangat Baik,Baik")
    assert (fav.kind, fav.name, fav.values) == ("output", "predikat", ("Sangat Baik", "Baik"))
    assert fav.test(_R("A", True)) and not fav.test(_R("A", False))
    assert [jenis_kelamin(n) for n in ("198609262015051001", "198609262015052001", "19860926201505", None)] == \
        ["L", "P", "(kosong)", "(kosong)"]
    with pytest.raises(ValueError):
        parse_favourable("predikat=")


def test_compare_fairness_shows_both_ratios_and_the_change(national, tmp_path, records, policy_variant):
    policy_b = load(write(tmp_path, "kp5.yaml", policy_variant("kp5", name="varian", kp_after=5)))
    data = compare(national, policy_b, sources(records), Options(group_by=("unit_kerja",)))
    fair = data["fairness"]["fields"]["unit_kerja"]
    for g in fair["groups"]:
        if g["a"]["ratio"] is not None and g["b"]["ratio"] is not None:
            assert g["ratio_change"] == g["b"]["ratio"] - g["a"]["ratio"]
    assert data["fairness"]["favourable"] == "action kenaikan-pangkat-reguler"


# --- CLI ----------------------------------------------------------------------------------------


@pytest.fixture()
def files(tmp_path, records, national_record, policy_variant):
    recs = write(tmp_path, "records.json", json.dumps(records + [national_record(999, jenis_asn="Honorer")]))
    return str(POLICY), str(write(tmp_path, "tinggi85.yaml", policy_variant("potensial-85", **TINGGI_85))), str(recs)


def invoke(*args):
    return CliRunner().invoke(main, ["compare", *args])


def test_cli_json_has_the_documented_shape(files):
    result = invoke(*files, "--format", "json", "--group-by", "unit_kerja")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"summary", "transitions", "actions", "changed", "invalid", "policy_diff", "groups", "fairness"} <= \
        set(data)
    assert {k: data["summary"][k] for k in ("records", "valid", "invalid", "changed")} == \
        {"records": 241, "valid": 240, "invalid": 1, "changed": 40}
    assert sum(sum(r.values()) for r in data["transitions"].values()) == 240
    entry = data["changed"][0]
    assert set(entry) >= {"row", "nip", "differences"}
    assert set(entry["differences"][0]) >= {"name", "a", "b", "reason"}
    assert data["invalid"][0]["row"] == 241 and data["invalid"][0]["a"][0]["field"] == "jenis_asn"


def test_cli_exit_codes(files, tmp_path):
    assert invoke(*files).exit_code == 0
    assert invoke(*files, "--fail-on-change").exit_code == 1
    same = invoke(files[0], files[0], files[2], "--fail-on-change")
    assert same.exit_code == 0, same.output
    bad = invoke(*files, "--by-output", "predikatt")
    assert (bad.exit_code, bad.stderr.strip()) == (2, 'kinerja: --by-output predikatt: not an output of both '
                                                      'policies (did you mean "predikat"?)')
    bad = invoke(*files, "--group-by", "unit")
    assert bad.exit_code == 2 and "--group-by unit: not a field or output of either policy" in bad.stderr
    assert invoke(files[0], files[1], str(tmp_path / "missing.csv")).exit_code == 2
    assert invoke(*files, "--favourable", "tidak-ada").exit_code == 2
    assert invoke(*files, "--org-predikat", "Dinas A=Hebat").exit_code == 2


def test_cli_text_report(files):
    result = invoke(*files)
    assert result.exit_code == 0
    out = result.stdout
    assert "records: 241, valid: 240, invalid: 1, changed: 40 (outputs 40, actions " in out
    assert "predikat transitions (rows: A, columns: B):" in out
    assert "bands: kategori_potensial: band Tinggi: min: 90 → 85" in out
    assert "by unit_kerja:" in out


def test_markdown_is_capped_for_a_pr_comment(national, tinggi85, national_record):
    data = compare(national, tinggi85, sources([national_record(i, potensial="87") for i in range(80)]))
    md = render_markdown(data)
    assert data["summary"]["changed"] == 80
    rows = [line for line in md.splitlines() if line.startswith("| ") and line[2:3].isdigit()]
    changed_rows = [r for r in rows if "→" in r and "kategori_potensial" in r]
    assert len(changed_rows) == 50
    assert "… and 30 more" in md
    assert md.startswith("### kinerja compare: `permenpanrb-6-2022` 2024.2 → `potensial-85` 2")
    assert len(md) < 65536  # GitHub's comment limit


def test_cli_output_file_and_kurva(files, tmp_path):
    out = tmp_path / "report.json"
    result = invoke(*files, "--format", "json", "-o", str(out), "--org-predikat", "Dinas A=Baik,Dinas B=Istimewa")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    groups = {o["group"]: o for o in data["population"]["a"]}
    assert groups["Dinas A"]["org_predikat"] == "Baik" and groups["Dinas C"]["status"] == "not_checked"
    assert data["org_predikat"] == {"Dinas A": "Baik", "Dinas B": "Istimewa"}


def test_comparison_reads_each_record_once(national, tinggi85, records):
    reads = []

    def stream():
        for s in sources(records[:20]):
            reads.append(s.row)
            yield s

    Comparison(national, tinggi85).run(stream())
    assert reads == list(range(1, 21))


SCORE = """\
kinerja: 1
id: skor-{v}
name: skor
version: "{v}"
fields:
  nip: {{type: nip, required: true}}
  hasil_kerja: {{type: number, min: 0, max: 100, required: true}}
  perilaku_kerja: {{type: number, min: 0, max: 100, required: true}}
scorecards:
  skp:
    indicators:
      hasil: {{weight: {w}, score: hasil_kerja}}
      perilaku: {{weight: {p}, score: perilaku_kerja}}
bands:
  kategori:
    input: skp
    range: {{min: 0, max: 100}}
    bands:
      - {{min: 90, label: Sangat Baik}}
      - {{min: 0, label: Biasa}}
values:
  selisih: {expr}
"""


def test_scorecard_weights_and_value_expressions(tmp_path):
    a = load(write(tmp_path, "a.yaml", SCORE.format(v=1, w=60, p=40, expr="hasil_kerja - perilaku_kerja")))
    b = load(write(tmp_path, "b.yaml", SCORE.format(v=2, w=70, p=30, expr="perilaku_kerja - hasil_kerja")))
    rec = {"nip": "198609262015051001", "hasil_kerja": "100", "perilaku_kerja": "80"}
    data = compare(a, b, sources([rec]), Options(by_output="kategori"))
    diffs = {d["name"]: d for d in data["changed"][0]["differences"]}
    assert (diffs["skp"]["a"], diffs["skp"]["b"]) == (Decimal("92.00"), Decimal("94.00"))
    assert diffs["skp"]["reason"] == "indicator hasil: weight 60 → 70; indicator perilaku: weight 40 → 30"
    assert diffs["selisih"]["reason"] == "A computes `hasil_kerja - perilaku_kerja`, B computes " \
                                         "`perilaku_kerja - hasil_kerja`"
    assert "kategori" not in diffs  # Sangat Baik under both
    changed = data["policy_diff"]["sections"]["scorecards"]["changed"]["skp"]
    assert changed == [{"what": "indicator hasil: weight", "a": 60, "b": 70},
                       {"what": "indicator perilaku: weight", "a": 40, "b": 30}]
    assert data["transitions"] == {"Sangat Baik": {"Sangat Baik": 1, "Biasa": 0},
                                   "Biasa": {"Sangat Baik": 0, "Biasa": 0}}
