"""Population checks: the kurva distribusi (SE MenPANRB 3/2023) at and just past every limit,
count checks that emit group actions, compile-time findings with locations, the runtime
organisation predikat, and `kinerja evaluate` reporting them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import Evaluator
from kinerja.evaluate.population import PopulationRun
from kinerja.policy.documents import read_document, resolve
from kinerja.records.org_predikat import normalise_org_predikat, read_org_predikat
from kinerja.records.source import Source

POLICY = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
SB, B, BP, K, SK = "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"
RATINGS = {SB: (DA, DA), B: (SE, SE), BP: (DB, SE), K: (SE, DB), SK: (DB, DB)}  # kuadran, domain.md §1.4


def compiled(path):
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert policy is not None, [f.as_dict() for f in findings]
    return policy


@pytest.fixture(scope="module")
def national():
    return compiled(POLICY)


def record(predikat: str, unit: str = "Dinas A", i: int = 1, **changes) -> dict:
    hasil, perilaku = RATINGS[predikat]
    base = {"nip": f"19860926201505{1 + i % 2}{i % 1000:03d}", "jenis_asn": "PNS", "golongan": "III/b",
            "jenis_jabatan": "Pelaksana", "unit_kerja": unit, "tahun_dalam_pangkat": "4",
            "rating_hasil_kerja": hasil, "rating_perilaku_kerja": perilaku, "predikat_tahun_lalu": "Baik",
            "jp_pengembangan": "20", "hukuman_disiplin": "tidak_ada"}
    base.update(changes)
    return base


def spread(counts: dict[str, int], unit: str = "Dinas A") -> list[dict]:
    out = []
    for label, n in counts.items():
        out += [record(label, unit, len(out) + j) for j in range(n)]
    return out


def run(policy, records, org=None, env=True):
    population = PopulationRun(policy.population)
    evaluator = Evaluator(policy, keep_env=env)
    for i, raw in enumerate(records, 1):
        population.add(evaluator.evaluate(Source(i, raw)))
    return population.finish(org)


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the national policy encodes all five rows of the table ------------------------------------


def test_national_policy_has_the_kurva(national):
    [check] = national.population
    assert (check.kind, check.output, check.group_by, check.input, check.severity) == \
        ("distribution", "predikat", "unit_kerja", "org_predikat", "advisory")
    assert {org: [lim.text() for lim in limits] for org, limits in check.limits.items()} == {
        "Istimewa": ["Sangat Baik at most 70%"],
        "Baik": ["Baik at most 70%", "at least 1 Butuh Perbaikan or Kurang/Misconduct"],
        "Butuh Perbaikan": ["Butuh Perbaikan at least 60%", "Sangat Baik at most 10%"],
        "Kurang": ["Kurang/Misconduct at least 60%", "Butuh Perbaikan at least 10%", "Sangat Baik at most 10%"],
        "Sangat Kurang": ["Sangat Kurang at least 60%", "Kurang/Misconduct or Butuh Perbaikan together at least 10%",
                          "no Sangat Baik"],
    }


# (organisation predikat, employee predikat counts, broken limits); [] means the kurva is met.
KURVA = [
    ("Istimewa", {SB: 7, B: 3}, []),
    ("Istimewa", {SB: 8, B: 2}, ["Sangat Baik at most 70%"]),
    ("Istimewa", {SB: 10}, ["Sangat Baik at most 70%"]),
    ("Istimewa", {B: 5, SK: 5}, []),
    ("Baik", {B: 7, BP: 1, SB: 2}, []),
    ("Baik", {B: 8, BP: 1, SB: 1}, ["Baik at most 70%"]),
    ("Baik", {B: 7, K: 1, SK: 2}, []),
    ("Baik", {B: 6, BP: 1, K: 2}, []),
    ("Baik", {B: 7, SB: 3}, ["at least 1 Butuh Perbaikan or Kurang/Misconduct"]),
    ("Baik", {B: 8, SB: 2}, ["Baik at most 70%", "at least 1 Butuh Perbaikan or Kurang/Misconduct"]),
    ("Baik", {B: 6, BP: 3}, []),                   # 6 of 9 = 66.7%
    ("Baik", {B: 7, BP: 2}, ["Baik at most 70%"]),  # 7 of 9 = 77.8%
    ("Butuh Perbaikan", {BP: 6, SB: 1, B: 3}, []),
    ("Butuh Perbaikan", {BP: 5, SB: 1, B: 4}, ["Butuh Perbaikan at least 60%"]),
    ("Butuh Perbaikan", {BP: 6, SB: 2, B: 2}, ["Sangat Baik at most 10%"]),
    ("Butuh Perbaikan", {BP: 3, B: 2}, []),         # exactly 60%
    ("Kurang", {K: 6, BP: 1, SB: 1, B: 2}, []),
    ("Kurang", {K: 5, BP: 2, SB: 1, B: 2}, ["Kurang/Misconduct at least 60%"]),
    ("Kurang", {K: 6, SB: 1, B: 3}, ["Butuh Perbaikan at least 10%"]),
    ("Kurang", {K: 6, BP: 1, SB: 2, B: 1}, ["Sangat Baik at most 10%"]),
    ("Sangat Kurang", {SK: 6, K: 1, B: 3}, []),
    ("Sangat Kurang", {SK: 6, BP: 1, B: 3}, []),
    ("Sangat Kurang", {SK: 5, K: 1, B: 4}, ["Sangat Kurang at least 60%"]),
    ("Sangat Kurang", {SK: 6, B: 4}, ["Kurang/Misconduct or Butuh Perbaikan together at least 10%"]),
    ("Sangat Kurang", {SK: 6, K: 1, SB: 1, B: 2}, ["no Sangat Baik"]),
]


@pytest.mark.parametrize("org,counts,broken", KURVA,
                         ids=[f"{o}-" + "-".join(f"{v}{k.split('/')[0].replace(' ', '')}" for k, v in c.items())
                              for o, c, _ in KURVA])
def test_kurva_at_and_past_each_limit(national, org, counts, broken):
    [outcome] = run(national, spread(counts), {"Dinas A": org})
    assert outcome.status == ("fail" if broken else "pass")
    assert [lim["text"] for lim in outcome.limits if not lim["ok"]] == broken
    assert outcome.valid == sum(counts.values())
    assert outcome.counts == {label: counts.get(label, 0) for label in (SB, B, K, BP, SK)}
    if broken:
        assert (outcome.code, outcome.finding.code, outcome.finding.severity) == ("K601", "K601", "warning")
    else:
        assert outcome.finding is None and outcome.code is None


def test_failure_is_located_at_the_first_broken_limit(national):
    [outcome] = run(national, spread({B: 7, SB: 3}), {"Dinas A": "Baik"})
    lines = POLICY.read_text(encoding="utf-8").splitlines()
    line = lines[outcome.finding.line - 1]
    assert "any_of: [Butuh Perbaikan, Kurang/Misconduct], min_count: 1" in line
    assert outcome.finding.path == '$.population["kurva-distribusi"].limits.Baik[1]'
    assert outcome.message == ("kurva-distribusi: Dinas A (predikat organisasi Baik, 10 records): at least 1 "
                               "Butuh Perbaikan or Kurang/Misconduct, but Butuh Perbaikan + Kurang/Misconduct "
                               "= 0 of 10 (0%)")


def test_percentages_count_valid_records_only(national):
    records = spread({B: 7, BP: 3}) + [record(B, i=90, jenis_asn="PNX"), record(B, i=91, jp_pengembangan="x")]
    [outcome] = run(national, records, {"Dinas A": "Baik"})
    assert (outcome.status, outcome.valid, outcome.invalid) == ("pass", 10, 2)
    assert outcome.limits[0]["count"] == 7 and str(outcome.limits[0]["pct"]) == "70"


def test_groups_without_a_predikat_are_not_checked(national):
    records = spread({B: 10}, "Dinas A") + spread({SB: 1}, "Dinas B")
    outcomes = run(national, records, {"Dinas A": "Istimewa", "Dinas C": "Baik"})
    assert [(o.group, o.status, o.message) for o in outcomes] == [
        ("Dinas A", "pass", "kurva-distribusi: Dinas A (predikat organisasi Istimewa, 10 records): kurva met"),
        ("Dinas B", "not_checked", "kurva-distribusi: Dinas B: not checked (no organisation predikat given)"),
        ("Dinas C", "not_checked", "kurva-distribusi: Dinas C: not checked (no valid records)"),
    ]


def test_run_keeps_counters_per_group_not_records(national):
    population = PopulationRun(national.population)
    evaluator = Evaluator(national, keep_env=True)
    for i in range(300):
        population.add(evaluator.evaluate(Source(i + 1, record(B, f"Unit {i % 3}", i))))
    [tallies] = population.tallies
    assert sorted(group for _periode, group in tallies) == ["Unit 0", "Unit 1", "Unit 2"]
    assert [t.counts for t in tallies.values()] == [{B: 100}] * 3


def test_works_without_kept_env(national):
    [outcome] = run(national, spread({B: 8, BP: 2}), {"Dinas A": "Baik"}, env=False)
    assert outcome.status == "fail" and outcome.valid == 10


# --- an agency policy: severity error, and a count check -------------------------------------

CHILD = """\
kinerja: 1
id: dinas-uji
extends: permenpanrb-6-2022
name: Dinas uji
version: "1"
population:
  kurva-distribusi:
    kind: distribution
    output: predikat
    group_by: unit_kerja
    input: org_predikat
    severity: error
    limits:
      Baik:
        - {label: Baik, max_pct: 70}
  pelatihan-unit:
    kind: count
    label: Pelatihan bersama per unit
    group_by: unit_kerja
    when: [jp_pengembangan < jp_minimal, jenis_asn == "PNS"]
    at_least: 3
    action:
      id: pelatihan-bersama
      kind: pelatihan
      reason: "{count} pegawai di {group} kurang JP (minimal {at_least})"
"""


def test_severity_error_gives_k602(tmp_path):
    policy = compiled(write(tmp_path, "dinas.yaml", CHILD))
    outcomes = run(policy, spread({B: 8, BP: 2}), {"Dinas A": "Baik"})
    [kurva] = [o for o in outcomes if o.kind == "distribution"]
    assert (kurva.status, kurva.code, kurva.finding.severity, kurva.failed_error) == ("fail", "K602", "error", True)


def test_count_check_emits_a_group_action_at_the_threshold(tmp_path):
    policy = compiled(write(tmp_path, "dinas.yaml", CHILD))
    records = ([record(B, "Dinas A", i, jp_pengembangan="10") for i in range(3)]
               + [record(B, "Dinas B", 10 + i, jp_pengembangan="10") for i in range(2)]
               + [record(B, "Dinas B", 20, jp_pengembangan="30")])
    actions = [o for o in run(policy, records) if o.kind == "count"]
    assert [o.as_dict() for o in actions] == [{
        "check": "pelatihan-unit", "kind": "count", "group_by": "unit_kerja", "group": "Dinas A",
        "status": "action", "valid": 3, "invalid": 0,
        "action": {"id": "pelatihan-bersama", "kind": "pelatihan", "label": "Pelatihan bersama per unit",
                   "group_by": "unit_kerja", "group": "Dinas A", "count": 3,
                   "reason": "3 pegawai di Dinas A kurang JP (minimal 3)"},
        "message": "pelatihan-unit: Dinas A: 3 pegawai di Dinas A kurang JP (minimal 3)"}]


# --- compile-time findings, located ------------------------------------------------------------

BASE = """\
kinerja: 1
id: cek
extends: permenpanrb-6-2022
name: cek
version: "1"
population:
  cek:
"""

BAD = [
    ("group-unknown", "    kind: distribution\n    output: predikat\n    group_by: unit_kerj\n    input: org_predikat\n"
     "    limits: {Baik: [{label: Baik, max_pct: 70}]}\n", [("K219", 10, 15)]),
    ("group-param", "    kind: count\n    group_by: jp_minimal\n    when: predikat == \"Baik\"\n    at_least: 1\n"
     "    action: {id: x, kind: catatan}\n", [("K219", 9, 15)]),
    ("output-unknown", "    kind: distribution\n    output: predikt\n    group_by: unit_kerja\n"
     "    input: org_predikat\n"
     "    limits: {Baik: [{label: Baik, max_pct: 70}]}\n", [("K302", 9, 13)]),
    ("output-no-labels", "    kind: distribution\n    output: angka_kredit\n    group_by: unit_kerja\n"
     "    input: org_predikat\n    limits: {Baik: [{label: Baik, max_pct: 70}]}\n", [("K603", 9, 13)]),
    ("label-unknown", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n"
     "    input: org_predikat\n"
     "    limits:\n      Baik:\n        - {label: Bagus, max_pct: 70}\n", [("K603", 14, 19)]),
    ("any-of-unknown", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n"
     "    input: org_predikat\n"
     "    limits:\n      Baik:\n        - {any_of: [Baik, Kurang], min_count: 1}\n", [("K603", 14, 27)]),
    ("label-and-any-of", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n"
     "    input: org_predikat\n    limits:\n      Baik:\n        - {label: Baik, any_of: [Baik], max_pct: 70}\n",
     [("K603", 14, 11)]),
    ("two-measures", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n    input: org_predikat\n"
     "    limits:\n      Baik:\n        - {label: Baik, max_pct: 70, min_pct: 10}\n", [("K603", 14, 11)]),
    ("mins-over-100", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n"
     "    input: org_predikat\n"
     "    limits:\n      Kurang:\n        - {label: Baik, min_pct: 60}\n        - {label: Kurang/Misconduct, "
     "min_pct: 60}\n", [("K603", 13, 7)]),
    ("min-above-max", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n"
     "    input: org_predikat\n"
     "    limits:\n      Baik:\n        - {label: Baik, min_pct: 60}\n        - {label: Baik, max_pct: 50}\n",
     [("K603", 13, 7)]),
    ("when-unknown-name", "    kind: count\n    group_by: unit_kerja\n    when: predikat == \"Baik\" and jp < 3\n"
     "    at_least: 1\n    action: {id: x, kind: catatan}\n", [("K302", 10, 34)]),
    ("when-not-condition", "    kind: count\n    group_by: unit_kerja\n    when: [jp_pengembangan + 1]\n"
     "    at_least: 1\n    action: {id: x, kind: catatan}\n", [("K309", 10, 12)]),
    ("reason-placeholder", "    kind: count\n    group_by: unit_kerja\n    when: predikat == \"Baik\"\n"
     "    at_least: 1\n"
     "    action: {id: x, kind: catatan, reason: \"{count} di {unit}\"}\n", [("K215", 12, 44)]),
    # the schema: required keys, unknown keys, bounds
    ("no-limits", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n    input: org_predikat\n",
     [("K102", 7, 3)]),
    ("limits-on-count", "    kind: count\n    group_by: unit_kerja\n    when: predikat == \"Baik\"\n    at_least: 1\n"
     "    limits: {}\n    action: {id: x, kind: catatan}\n", [("K101", 12, 5)]),
    ("pct-over-100", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n    input: org_predikat\n"
     "    limits:\n      Baik:\n        - {label: Baik, max_pct: 170}\n", [("K105", 14, 34)]),
    ("no-measure", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n    input: org_predikat\n"
     "    limits:\n      Baik:\n        - {label: Baik}\n", [("K102", 14, 11)]),
    ("action-no-kind", "    kind: count\n    group_by: unit_kerja\n    when: predikat == \"Baik\"\n    at_least: 1\n"
     "    action: {id: x}\n", [("K102", 12, 5)]),
    ("at-least-zero", "    kind: count\n    group_by: unit_kerja\n    when: predikat == \"Baik\"\n    at_least: 0\n"
     "    action: {id: x, kind: catatan}\n", [("K105", 11, 15)]),
    ("input-other", "    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n    input: org\n"
     "    limits: {Baik: [{label: Baik, max_pct: 70}]}\n", [("K104", 11, 12)]),
]


@pytest.mark.parametrize("name,body,expected", BAD, ids=[b[0] for b in BAD])
def test_compile_findings_are_located(tmp_path, name, body, expected):
    path = write(tmp_path, f"{name}.yaml", BASE + body)
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert policy is None
    assert [(f.code, f.line, f.column) for f in findings] == expected, [f.as_dict() for f in findings]


# --- organisation predikat given at run time -------------------------------------------------


def test_read_org_predikat_inline_and_files(tmp_path):
    assert read_org_predikat("Dinas A=Baik, Dinas B = Istimewa,") == {"Dinas A": "Baik", "Dinas B": "Istimewa"}
    csv_ = write(tmp_path, "org.csv", "unit,predikat\nDinas A,Baik\n\"Dinas B, Bidang 1\",Kurang\n")
    assert read_org_predikat(f"@{csv_}") == {"Dinas A": "Baik", "Dinas B, Bidang 1": "Kurang"}
    js = write(tmp_path, "org.json", json.dumps({"Dinas A": "Baik"}))
    assert read_org_predikat(f"@{js}") == {"Dinas A": "Baik"}
    ya = write(tmp_path, "org.yaml", "- {unit: Dinas A, predikat: Sangat Kurang}\n")
    assert read_org_predikat(f"@{ya}") == {"Dinas A": "Sangat Kurang"}


@pytest.mark.parametrize("spec,message", [
    ("Dinas A", '"Dinas A" is not UNIT=PREDIKAT'),
    ("=Baik", '"=Baik" is not UNIT=PREDIKAT'),
    ("@/nonexistent/org.csv", "cannot read /nonexistent/org.csv: it does not exist"),
])
def test_read_org_predikat_problems(spec, message):
    with pytest.raises(ValueError) as info:
        read_org_predikat(spec)
    assert str(info.value) == message


def test_org_predikat_labels_are_matched_forgivingly(national):
    mapping, problems = normalise_org_predikat(national.population, {"A": "baik", "B": " sangat  kurang", "C": "Bik"})
    assert mapping == {"A": "Baik", "B": "Sangat Kurang"}
    assert problems == ['organisation predikat "Bik" for "C" is not one of: Istimewa, Baik, Butuh Perbaikan, '
                        'Kurang, Sangat Kurang (did you mean "Baik"?)']


# --- kinerja evaluate ---------------------------------------------------------------------------


def records_file(tmp_path, records) -> Path:
    return write(tmp_path, "records.json", json.dumps(records))


def test_evaluate_reports_the_kurva_on_stderr_and_keeps_json_rows(tmp_path):
    recs = records_file(tmp_path, spread({B: 8, BP: 2}, "Dinas A") + spread({B: 1}, "Dinas B"))
    out = tmp_path / "pop.json"
    result = CliRunner().invoke(main, ["evaluate", str(POLICY), str(recs), "--format", "json",
                                       "--org-predikat", "Dinas A=baik", "--population-output", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 11
    lines = result.stderr.splitlines()
    assert lines[1].endswith("warning K601 kurva-distribusi: Dinas A (predikat organisasi Baik, 10 records): "
                             "Baik at most 70%, but Baik = 8 of 10 (80%)")
    text = POLICY.read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(text, 1) if x.strip() == "- {label: Baik, max_pct: 70}")
    assert lines[1].startswith(f"{POLICY}:{line}:11: ")
    assert lines[2] == "population: kurva-distribusi: 1 group(s) not checked (no organisation predikat given): Dinas B"
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["org_predikat"] == {"Dinas A": "Baik"}
    assert [(o["group"], o["status"], o["code"]) for o in doc["population"]] == \
        [("Dinas A", "fail", "K601"), ("Dinas B", "not_checked", None)]
    assert doc["population"][0]["limits"][0] == {"label": "Baik", "max_pct": 70, "text": "Baik at most 70%",
                                                 "count": 8, "pct": 80, "ok": False}


def test_evaluate_exits_1_when_an_error_check_fails(tmp_path):
    policy = write(tmp_path, "dinas.yaml", CHILD)
    recs = records_file(tmp_path, spread({B: 8, BP: 2}))
    result = CliRunner().invoke(main, ["evaluate", str(policy), str(recs), "--org-predikat", "Dinas A=Baik"])
    assert result.exit_code == 1, result.output
    assert "error K602 kurva-distribusi: Dinas A" in result.stderr
    ok = records_file(tmp_path, spread({B: 7, BP: 3}))
    result = CliRunner().invoke(main, ["evaluate", str(policy), str(ok), "--org-predikat", "Dinas A=Baik"])
    assert result.exit_code == 0, result.output


def test_evaluate_prints_group_actions(tmp_path):
    policy = write(tmp_path, "dinas.yaml", CHILD)
    recs = records_file(tmp_path, [record(B, "Dinas A", i, jp_pengembangan="10") for i in range(3)])
    result = CliRunner().invoke(main, ["evaluate", str(policy), str(recs)])
    assert result.exit_code == 0, result.output
    assert "population: action pelatihan-bersama (pelatihan) for unit_kerja Dinas A: 3 pegawai di Dinas A " \
           "kurang JP (minimal 3)" in result.stderr.splitlines()


@pytest.mark.parametrize("args,message", [
    (["--org-predikat", "Dinas A=Bagus"], 'kinerja: --org-predikat: organisation predikat "Bagus" for "Dinas A" '
                                          "is not one of: Istimewa, Baik, Butuh Perbaikan, Kurang, Sangat Kurang"),
    (["--org-predikat", "Dinas A"], 'kinerja: --org-predikat: "Dinas A" is not UNIT=PREDIKAT'),
    (["--fairness", "agama"], "kinerja: --fairness agama: not a field or output of the policy"),
])
def test_evaluate_usage_errors_exit_2(tmp_path, args, message):
    recs = records_file(tmp_path, spread({B: 1}))
    result = CliRunner().invoke(main, ["evaluate", str(POLICY), str(recs), *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == message


def test_evaluate_fairness_by_derived_jenis_kelamin(tmp_path):
    recs = records_file(tmp_path, spread({B: 4}))  # nips alternate digit 15: 2, 1, 2, 1 → P, L, P, L
    out = tmp_path / "pop.json"
    result = CliRunner().invoke(main, ["evaluate", str(POLICY), str(recs), "--fairness", "jenis_kelamin",
                                       "--population-output", str(out)])
    assert result.exit_code == 0, result.output
    table = json.loads(out.read_text(encoding="utf-8"))["fairness"]["jenis_kelamin"]
    assert [(g["group"], g["records"], g["favourable"]) for g in table["groups"]] == [("L", 2, 2), ("P", 2, 2)]
