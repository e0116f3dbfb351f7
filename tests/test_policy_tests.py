"""`kinerja test`: policy tests as code, their report formats, coverage and exit codes.

Fixtures live in tests/cases/policytests/: `kecil/` is a small policy (3 enabled rules, 3 band
entries, 5 table rows = 11 coverage items) with embedded tests, a *.test.yaml and a CSV of
cases; `gagal/` holds tests that fail on purpose; `rusak/` a broken policy, a test file whose
policy does not exist and a YAML file that is not a policy.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.evaluate.evaluator import Result
from kinerja.policy.located import load_path, to_plain
from kinerja.testing import suite as testing
from kinerja.testing.expect import same

CASES = Path(__file__).parent / "cases" / "policytests"
ROOT = Path(__file__).parent.parent
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"


@pytest.fixture
def cases(monkeypatch) -> str:
    """Run from the repository root so reported paths are the short relative ones."""
    monkeypatch.chdir(ROOT)
    return "tests/cases/policytests"


def invoke(*args: str):
    result = CliRunner().invoke(main, ["test", *args], env={"GITHUB_ACTIONS": None})  # CI sets it
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


# --- the national policy ------------------------------------------------------------------------


def test_national_embedded_tests_pass(tmp_path):
    copy = tmp_path / NATIONAL.name  # alone, without the *.test.yaml files beside the original
    shutil.copy(NATIONAL, copy)
    names = [t["name"] for t in to_plain(load_path(NATIONAL)[0])["tests"]]
    result = invoke(str(copy))
    assert result.exit_code == 0, result.output
    assert [line[8:] for line in result.stdout.splitlines() if line.startswith("  PASS  ")] == names
    assert result.stdout.endswith(f"1 policy, {len(names)} tests: {len(names)} passed, 0 failed\n")


def test_a_named_policy_brings_the_test_files_beside_it(cases):
    result = invoke(f"{cases}/kecil/kecil.yaml")
    assert result.exit_code == 0, result.output
    assert "  PASS  sedang dan buruk, kurang JP\n  PASS  tabel kasus\n" in result.stdout


# --- failures ------------------------------------------------------------------------------------

FAILING = """\
tests/cases/policytests/kecil/kecil.yaml (kecil)
  FAIL  salah harap
        at tests/cases/policytests/gagal/gagal.test.yaml:5
        outputs.katgori: no output named "katgori" (did you mean "kategori"?)
        outputs.predikat: expected "Baik", got "Cukup"
        actions: expected [pelatihan, penghargaan], got [pelatihan] (missing penghargaan)
        params.pelatihan.kurang: expected 9, got 10
  FAIL  salah status
        at tests/cases/policytests/gagal/gagal.test.yaml:11
        status: expected ok, got error (nilai: above the maximum 100)
  PASS  lulus
  FAIL  dua catatan
        at tests/cases/policytests/gagal/gagal.test.yaml:19
        record 1 (line 21): actions_include: pembinaan did not fire (fired: [])
        record 2 (line 22): record: unknown field "jp_lain"
        record 2 (line 22): actions_include: pembinaan did not fire (fired: [])
  FAIL  lain-lain
        at tests/cases/policytests/gagal/gagal.test.yaml:26
        actions_include: no rule "pelatihn" in the policy (did you mean "pelatihan"?)
        actions_exclude: pelatihan fired: kurang 10 JP
        params.pelatihan.kurangnya: pelatihan has no param "kurangnya" (did you mean "kurang"?)
        params.penghargaan: penghargaan did not fire, so it has no params
        reason_contains.pelatihan: expected a reason containing "kurang 9 JP", got "kurang 10 JP"
  FAIL  galat yang lain
        at tests/cases/policytests/gagal/gagal.test.yaml:33
        errors: expected an error for "perilaku", got errors for: nilai, jp

1 policy, 6 tests: 1 passed, 5 failed
"""


def test_failing_tests_show_expected_and_actual(cases):
    result = invoke(f"{cases}/gagal", "--no-explain")
    assert result.exit_code == 1
    assert result.stdout == FAILING


def test_failing_tests_are_explained(cases, monkeypatch):
    monkeypatch.setattr(testing, "explanation", lambda policy, result, lang: f"WHY {result.nip} {lang}")
    result = invoke(f"{cases}/gagal", "--lang", "en", "-k", "dua")
    assert result.exit_code == 1
    assert result.stdout == """\
tests/cases/policytests/kecil/kecil.yaml (kecil)
  FAIL  dua catatan
        at tests/cases/policytests/gagal/gagal.test.yaml:19
        record 1 (line 21): actions_include: pembinaan did not fire (fired: [])
        result of record 1 (line 21):
          WHY 199001012020011005 en
        record 2 (line 22): record: unknown field "jp_lain"
        record 2 (line 22): actions_include: pembinaan did not fire (fired: [])
        result of record 2 (line 22):
          WHY 199001012020011006 en

1 policy, 1 test: 0 passed, 1 failed
"""


def test_explanation_uses_the_explain_module(cases):
    result = invoke(f"{cases}/gagal", "-k", "salah harap")
    assert "        result:\n" in result.stdout
    assert "sisa_jp" in result.stdout.split("        result:\n")[1]


def test_fallback_explanation_lists_outputs_and_actions():
    ok = Result(1, "ok", outputs={"predikat": "Baik", "nilai": Decimal("3.10"), "kosong": None},
                actions=[{"id": "pelatihan", "reason": "kurang 2 JP"}])
    assert testing.fallback_explanation(ok) == (
        'outputs: predikat = "Baik", nilai = 3.10, kosong = null\nactions: pelatihan\n  pelatihan: kurang 2 JP')
    bad = Result(1, "error", errors=[{"field": "jp", "reason": "required but missing"}])
    assert testing.fallback_explanation(bad) == "errors: jp: required but missing"


def test_policy_and_test_file_errors_count_as_failures(cases):
    result = invoke(f"{cases}/rusak")
    assert result.exit_code == 1
    assert result.stdout == """\
tests/cases/policytests/rusak/salah.test.yaml:2:9: error K503 policy "kecill" not found
    hint: give a path relative to this test file or the id of a shipped policy

tests/cases/policytests/rusak/rusak.yaml (rusak)
  policy has errors; its 1 test did not run:
    tests/cases/policytests/rusak/rusak.yaml:11:11: error K302 unknown name `nilia` (in rules/tinggi/when)
        hint: did you mean "nilai"?

1 policy, 0 tests: 0 passed, 0 failed; 1 policy has errors; 1 test file has errors
"""


def test_a_test_files_policy_is_suggested_from_the_run(cases):
    result = invoke(f"{cases}/rusak/salah.test.yaml", f"{cases}/kecil")
    assert 'error K503 policy "kecill" not found\n    hint: did you mean "kecil"?\n' in result.stdout


def test_a_named_file_that_is_not_a_policy_is_skipped(cases):
    result = invoke(f"{cases}/rusak/catatan.yaml")
    assert result.exit_code == 0
    assert result.stdout == ("tests/cases/policytests/rusak/catatan.yaml: skipped, not a kinerja policy "
                             "(no top-level `kinerja:` key)\n\n0 policies, 0 tests: 0 passed, 0 failed\n")
    assert "no policies or policy tests found" in result.stderr


def test_a_policy_that_cannot_be_read_has_errors_and_no_tests(tmp_path):
    (tmp_path / "x.yaml").write_text("kinerja: 1\nid: x\nname: [unclosed\n", "utf-8")
    result = invoke(str(tmp_path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1] == "  policy has errors:"
    assert lines[2].startswith(f"    {tmp_path}/x.yaml:4:1: error K004 ")


def test_stdin_is_a_usage_error():
    result = invoke("-")
    assert result.exit_code == 2
    assert "not standard input" in result.stderr


def test_missing_path_is_a_usage_error(cases):
    result = invoke(f"{cases}/tidak-ada")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "kinerja: tests/cases/policytests/tidak-ada: no such file or folder\n"


# --- records files -------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_per_record_expectations(tmp_path):
    shutil.copy(CASES / "kecil" / "kecil.yaml", tmp_path / "kecil.yaml")
    write(tmp_path / "t.test.yaml", "kinerja: 1\npolicy: kecil\ntests:\n"
          "  - name: tabel\n    records_file: kasus.csv\n    expect: {actions_exclude: [penghargaan]}\n")
    write(tmp_path / "kasus.csv",
          "nip;nilai;perilaku;jp;expect.predikat;expect.actions;expect.params.pelatihan.kurang;expect.sisa_jp\n"
          "199001012020011003;95;Baik;30;Sangat Baik;penghargaan;;null\n"
          "199001012020011004;69,5;Buruk;15;Kurang;pembinaan, pelatihan;6;5,00\n"
          "199001012020011005;70;Buruk;20;Cukup;-;;\n")
    result = invoke(str(tmp_path), "--no-explain")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[lines.index("  FAIL  tabel") + 1:-2] == [
        f"        at {tmp_path}/t.test.yaml:4",
        "        kasus.csv record 1 (line 2): actions_exclude: penghargaan fired: predikat Sangat Baik",
        "        kasus.csv record 2 (line 3): params.pelatihan.kurang: expected 6, got 5",
    ]


def test_json_records_file_with_own_expect(tmp_path):
    shutil.copy(CASES / "kecil" / "kecil.yaml", tmp_path / "kecil.yaml")
    write(tmp_path / "t.test.yaml", "kinerja: 1\npolicy: kecil.yaml\ntests:\n"
          "  - name: json\n    records_file: data/kasus.jsonl\n    expect: {}\n"
          "  - name: hilang\n    records_file: data/tidak-ada.csv\n    expect: {}\n")
    write(tmp_path / "data" / "kasus.jsonl",
          '{"nip": "199001012020011003", "nilai": 95, "perilaku": "Baik", "jp": 30, '
          '"expect": {"outputs": {"predikat": "Sangat Baik"}, "actions": ["penghargaan"]}}\n'
          '{"nip": "199001012020011004", "nilai": 95, "perilaku": "Baik", "jp": 30, '
          '"expect": {"output": {"predikat": "Baik"}}}\n')
    result = invoke(str(tmp_path / "t.test.yaml"), "--no-explain")
    assert result.exit_code == 1
    text = result.stdout
    assert "  FAIL  json\n" in text and "  FAIL  hilang\n" in text
    assert ("        data/kasus.jsonl record 2 (line 2): expect: Additional properties are not allowed "
            "('output' was unexpected)\n") in text
    assert f"        test: records_file data/tidak-ada.csv: cannot read {tmp_path}/data/tidak-ada.csv" in text


@pytest.mark.parametrize("expected, actual, equal", [
    (Decimal("3.13"), Decimal("3.13"), True),
    (3.13, Decimal("3.130"), True),
    ("3,13", Decimal("3.13"), True),
    (9, Decimal("9"), True),
    ("Baik", "Baik", True),
    ("baik", "Baik", False),
    (None, None, True),
    (None, "Baik", False),
    (0, None, False),
    (1, True, False),
    (True, Decimal(1), False),
    ("ya", True, True),
    ([1, 2], (Decimal(1), Decimal(2)), True),
    ([1], (Decimal(1), Decimal(2)), False),
], ids=lambda v: repr(v))
def test_same(expected, actual, equal):
    assert same(expected, actual) is equal


# --- report formats ------------------------------------------------------------------------------


def test_junit_is_well_formed_with_counts(cases, tmp_path):
    out = tmp_path / "junit.xml"
    result = invoke(cases, "--format", "junit", "-o", str(out), "--min-coverage", "100", "--no-explain")
    assert result.exit_code == 1
    assert result.stdout == ""
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors")} == {"tests": "14", "failures": "7", "errors": "2"}
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["tests/cases/policytests/rusak/salah.test.yaml", "anak", "kecil", "rusak"]
    kecil = suites["kecil"]
    assert {k: kecil.get(k) for k in ("tests", "failures", "errors")} == {"tests": "10", "failures": "6", "errors": "0"}
    cases_ = kecil.findall("testcase")
    assert [c.get("name") for c in cases_][:3] == ["tinggi dan baik", "salah harap", "salah status"]
    assert cases_[1].get("classname") == "tests/cases/policytests/kecil/kecil.yaml"
    assert cases_[1].get("file") == "tests/cases/policytests/gagal/gagal.test.yaml"
    failure = cases_[1].find("failure")
    assert failure.get("message") == 'outputs.katgori: no output named "katgori" (did you mean "kategori"?)'
    assert failure.text.splitlines()[:2] == ["at tests/cases/policytests/gagal/gagal.test.yaml:5",
                                             'outputs.katgori: no output named "katgori" (did you mean "kategori"?)']
    assert cases_[-1].get("name") == "coverage at least 100%"
    assert cases_[-1].find("failure").get("message") == "coverage 90.9% (10/11), below the minimum 100%"
    anak = suites["anak"]
    assert {k: anak.get(k) for k in ("tests", "failures", "errors")} == {"tests": "2", "failures": "1", "errors": "0"}
    assert anak.find("properties/property").attrib == {"name": "coverage", "value": "12.1"}
    assert suites["rusak"].find("testcase/error").get("type") == "K302"
    assert suites["rusak"].find("testcase/error").get("message") == "policy has 1 error(s); its tests did not run"
    assert "1 policy has errors" in result.stderr  # the summary goes to stderr when the report goes to a file


def test_json_report(cases):
    result = invoke(f"{cases}/kecil", "--format", "json", "--min-coverage", "81.8")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"policies": 1, "tests": 3, "passed": 3, "failed": 0, "policy_errors": 0,
                              "file_errors": 0, "below_minimum": 0}
    policy = doc["policies"][0]
    assert policy["status"] == "passed"
    assert [t["name"] for t in policy["tests"]] == ["tinggi dan baik", "sedang dan buruk, kurang JP", "tabel kasus"]
    assert policy["coverage"] == {"percent": "81.8", "covered": 9, "total": 11, "minimum": 81.8, "uncovered": [
        {"kind": "row", "name": "predikat", "message": "table predikat row 2 [Tinggi, Buruk → Cukup] never hit",
         "file": "tests/cases/policytests/kecil/kecil.yaml", "line": 32, "column": 9},
        {"kind": "row", "name": "predikat", "message": "table predikat row 3 [Sedang, Baik → Baik] never hit",
         "file": "tests/cases/policytests/kecil/kecil.yaml", "line": 33, "column": 9}]}


def test_json_failure_items(cases):
    doc = json.loads(invoke(f"{cases}/gagal", "--format", "json", "-k", "salah harap").stdout)
    test = doc["policies"][0]["tests"][0]
    assert test["status"] == "failed"
    assert test["failures"][1] == {"record": None, "item": "outputs.predikat",
                                   "message": 'expected "Baik", got "Cukup"', "expected": "Baik", "actual": "Cukup"}
    assert test["failures"][3]["expected"] == 9 and test["failures"][3]["actual"] == 10
    assert len(test["explanations"]) == 1


# --- coverage ------------------------------------------------------------------------------------


def test_coverage_counts_embedded_and_test_file_tests(cases):
    result = invoke(f"{cases}/kecil", "--coverage")
    assert result.exit_code == 0
    assert result.stdout == """\
tests/cases/policytests/kecil/kecil.yaml (kecil)
  PASS  tinggi dan baik
  PASS  sedang dan buruk, kurang JP
  PASS  tabel kasus
  coverage 81.8% (9/11)
    tests/cases/policytests/kecil/kecil.yaml:32: table predikat row 2 [Tinggi, Buruk → Cukup] never hit
    tests/cases/policytests/kecil/kecil.yaml:33: table predikat row 3 [Sedang, Baik → Baik] never hit

1 policy, 3 tests: 3 passed, 0 failed
"""


def test_coverage_lists_rules_bands_and_rows(cases):
    result = invoke(f"{cases}/kecil/kecil.yaml", "--coverage", "-k", "tinggi")
    lines = result.stdout.splitlines()
    start = lines.index("  coverage 27.2% (3/11)")
    assert lines[start + 1:start + 9] == [
        "    tests/cases/policytests/kecil/kecil.yaml:43: rule pelatihan never fired",
        "    tests/cases/policytests/kecil/kecil.yaml:53: rule pembinaan never fired",
        '    tests/cases/policytests/kecil/kecil.yaml:24: band kategori entry "Sedang" never hit',
        '    tests/cases/policytests/kecil/kecil.yaml:25: band kategori entry "Rendah" never hit',
        "    tests/cases/policytests/kecil/kecil.yaml:32: table predikat row 2 [Tinggi, Buruk → Cukup] never hit",
        "    tests/cases/policytests/kecil/kecil.yaml:33: table predikat row 3 [Sedang, Baik → Baik] never hit",
        "    tests/cases/policytests/kecil/kecil.yaml:34: table predikat row 4 [Sedang, Buruk → Cukup] never hit",
        "    tests/cases/policytests/kecil/kecil.yaml:35: table predikat row 5 [Rendah, - → Kurang] never hit",
    ]


def test_coverage_adds_up_tests_from_every_file_in_the_run(cases):
    result = invoke(f"{cases}/kecil", f"{cases}/gagal", "--coverage")
    assert "  coverage 90.9% (10/11)\n" in result.stdout


@pytest.mark.parametrize("minimum, code", [("80", 0), ("81.8", 0), ("81.9", 1), ("100", 1), ("0", 0)])
def test_min_coverage_exit_code(cases, minimum, code):
    result = invoke(f"{cases}/kecil", "--min-coverage", minimum)
    assert result.exit_code == code, result.output
    if code:
        assert f"  coverage 81.8% (9/11), below the minimum {minimum}%\n" in result.stdout
        assert result.stdout.endswith(f"; 1 below {minimum}% coverage\n")


def test_min_coverage_is_a_percentage(cases):
    result = invoke(f"{cases}/kecil", "--min-coverage", "101")
    assert result.exit_code == 2


def test_coverage_of_a_child_counts_inherited_items(cases):
    result = invoke(f"{cases}/anak", "--coverage")
    assert result.exit_code == 0
    assert "  coverage 12.1% (8/66)\n" in result.stdout
    assert "    tests/cases/policytests/anak/anak.yaml:14: rule pembinaan-kinerja never fired\n" in result.stdout
    assert "    policies/nasional/permenpanrb-6-2022.yaml:" in result.stdout
    assert "rencana-suksesi" not in result.stdout  # disabled by the child



def test_sibling_test_files_for_other_policies_are_left_out(tmp_path):
    text = (CASES / "kecil" / "kecil.yaml").read_text("utf-8")
    write(tmp_path / "a.yaml", text.replace("id: kecil", "id: a"))
    write(tmp_path / "b.yaml", text.replace("id: kecil", "id: b"))
    write(tmp_path / "b.test.yaml", "kinerja: 1\npolicy: b\ntests:\n  - name: b saja\n"
          "    record: {nip: '199001012020011001', nilai: 95, perilaku: Baik, jp: 24}\n    expect: {}\n")
    result = invoke(str(tmp_path / "a.yaml"))
    assert result.exit_code == 0
    assert "b saja" not in result.stdout and result.stdout.startswith(f"{tmp_path}/a.yaml (a)\n")
    both = invoke(str(tmp_path / "b.yaml"))
    assert "  PASS  b saja\n" in both.stdout


def test_a_test_file_can_target_a_shipped_policy_by_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    record = to_plain(load_path(NATIONAL)[0])["tests"][0]["record"]
    write(tmp_path / "nasional.test.yaml", "kinerja: 1\npolicy: permenpanrb-6-2022\ntests:\n  - name: shipped\n"
          f"    record: {json.dumps(record, default=str)}\n    expect: {{outputs: {{predikat: Sangat Baik}}}}\n")
    result = invoke(".")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("policies/nasional/permenpanrb-6-2022.yaml (permenpanrb-6-2022)\n  PASS  shipped\n\n"
                             "1 policy, 1 test: 1 passed, 0 failed\n")


def test_records_file_cannot_leave_the_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.test.yaml").write_text(
        "kinerja: 1\npolicy: permenpanrb-6-2022\ntests:\n"
        "  - {name: mutlak, records_file: /etc/passwd.csv, expect: {status: ok}}\n"
        "  - {name: naik, records_file: ../../etc/hostname.csv, expect: {status: ok}}\n", "utf-8")
    res = CliRunner().invoke(main, ["test", "t/x.test.yaml"], env={"GITHUB_ACTIONS": None})
    assert res.exit_code == 1
    assert "records_file /etc/passwd.csv: records_file takes a relative path" in res.stdout
    assert '"../../etc/hostname.csv" points outside this project\'s folders' in res.stdout


@pytest.mark.parametrize("ref,message", [
    ("/etc/passwd.yaml", "policy takes a relative path (from this file's folder), not '/etc/passwd.yaml'"),
    ("../../etc/x.yaml", '"../../etc/x.yaml" points outside this project\'s folders'),
])
def test_policy_of_a_test_file_cannot_leave_the_project(tmp_path, monkeypatch, ref, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.test.yaml").write_text(
        f"kinerja: 1\npolicy: {ref}\ntests:\n  - {{name: a, record: {{}}, expect: {{status: ok}}}}\n", "utf-8")
    res = CliRunner().invoke(main, ["test", "t/x.test.yaml"], env={"GITHUB_ACTIONS": None})
    assert res.exit_code == 1 and f"t/x.test.yaml:2:9: error K503 {message}" in res.stdout
