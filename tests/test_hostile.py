"""Hostile and malformed records: every record comes out as a row, in order; none crashes the
run, hides the records after it, or leaves a huge string in an output.

The corpus is tests/cases/hostile/: one records file per case, named by what it does, and its
exact outcome in expected.yaml (exit code, every row's status and first error, the notes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kinerja.cli.main import main

CASES = Path(__file__).parent / "cases" / "hostile"
EXPECTED = yaml.safe_load((CASES / "expected.yaml").read_text(encoding="utf-8"))


def evaluate(policy: Path, records: Path, *args: str):
    result = CliRunner().invoke(main, ["evaluate", str(policy), str(records), *args])
    output = result.stdout + result.stderr
    assert "internal error" not in output and "Traceback" not in output, output
    assert result.exit_code in (0, 1, 2), (result.exit_code, output)
    return result


def row_summary(line: str) -> list:
    d = json.loads(line)
    first = (d.get("errors") or [None])[0]
    return [d["row"], d["nip"], d["status"]] + ([first["code"], first.get("reason")] if first else [])


def test_every_case_file_has_an_expected_outcome():
    files = {p.name for p in CASES.iterdir() if p.name not in ("policy.yaml", "expected.yaml")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_corpus(name, monkeypatch):
    expected = EXPECTED[name]
    monkeypatch.chdir(CASES)  # messages name the file as given
    result = evaluate(Path("policy.yaml"), Path(name), "--format", "jsonl")
    assert result.exit_code == expected["exit"], result.stderr
    assert [row_summary(line) for line in result.stdout.splitlines()] == expected.get("rows", [])
    notes = [line[6:] for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes == expected.get("notes", [])
    messages = [line for line in result.stderr.splitlines() if line.startswith("kinerja: ")]
    assert messages == ([expected["message"]] if "message" in expected else [])


# --- item 1: numbers of absurd size -------------------------------------------------------


@pytest.mark.parametrize("raw,code,reason", [
    ("1e999999999", "K412", "is too large: kinerja reads numbers below 10^21"),
    ("1e21", "K412", "is too large: kinerja reads numbers below 10^21"),
    ("-1e21", "K412", "is too large: kinerja reads numbers below 10^21"),
    ("1e-999999999", "K412", "has more than 20 digits after the decimal point"),
    ("9" * 101, "K412", "is 101 characters long; a number has at most 100"),
    (10 ** 30, "K412", "is too large: kinerja reads numbers below 10^21"),
    (1e300, "K412", "is too large: kinerja reads numbers below 10^21"),
    ("NaN", "K402", "expected a finite number (not NaN or infinity)"),
    ("1_000", "K402", "expected a number"),
    ("\u0663", "K402", "expected a number written with the digits 0-9"),
], ids=["exp-999999999", "1e21", "minus-1e21", "exp-minus-999999999", "101-chars", "int-1e30", "float-1e300",
        "nan", "underscore", "arabic-indic-3"])
def test_numbers_beyond_the_limits_are_k412(raw, code, reason):
    from kinerja.records.coerce import Invalid, to_number
    with pytest.raises(Invalid) as info:
        to_number(raw)
    assert (info.value.code, info.value.reason) == (code, reason)


@pytest.mark.parametrize("raw,expected", [
    ("1e20", "1E+20"), ("0E-30", "0"), ("1.5000000000000000000000000", "1.5"), ("1234567890123456789012", None),
], ids=["1e20-allowed", "zero-any-exponent", "trailing-zeros", "21-digits"])
def test_numbers_at_the_limits(raw, expected):
    from decimal import Decimal

    from kinerja.records.coerce import Invalid, to_number
    if expected is None:
        with pytest.raises(Invalid):
            to_number(raw)
    else:
        assert to_number(raw) == Decimal(expected) and str(to_number(raw)) == expected


@pytest.mark.parametrize("raw,reason", [
    ("\u00b2", "expected a number written with the digits 0-9"),
    ("1e25", "is too large: kinerja reads numbers below 10^21"),
    ("2.5", "expected a whole number"),
], ids=["superscript-two", "1e25", "fraction"])
def test_integer_field(raw, reason):
    from kinerja.records.coerce import Invalid, to_integer
    with pytest.raises(Invalid) as info:
        to_integer(raw)
    assert info.value.reason == reason


POLICY_HEAD = 'kinerja: 1\nid: t\nname: t\nversion: "1"\nfields:\n  nip: {type: nip}\n  nilai: {type: number}\n'


@pytest.mark.parametrize("values,finding", [
    ('  a: {expr: "10 ** 30", places: 2}\n',
     "p.yaml:9:14: error K308 `10 ** 30` is 1E+30, beyond the limit of 10^21 (in values/a/expr)"),
    ('  a: "1e30 + 1"\n', "p.yaml:9:7: error K308 `1e30 + 1` is 1E+30, beyond the limit of 10^21 (in values/a)"),
    ('  a: "2 ** 1001"\n', "p.yaml:9:7: error K308 `2 ** 1001` exponent 1001 is too large (limit 1000) (in values/a)"),
], ids=["pow-10-30", "literal-1e30", "pow-exponent"])
def test_constant_beyond_the_limits_is_found_at_validate(tmp_path, values, finding):
    path = tmp_path / "p.yaml"
    path.write_text(POLICY_HEAD + "values:\n" + values)
    result = CliRunner().invoke(main, ["validate", "--format", "text", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == str(path.parent / finding), result.stdout


def test_result_beyond_the_limits_is_an_error_row_not_a_huge_string(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY_HEAD + 'values:\n  a: {expr: "nilai * 1e20 * 1e20", places: 2}\n'
                      '  b: {expr: "(nilai * 1e20) ** 1000", places: 2}\n')
    records = tmp_path / "r.csv"
    records.write_text("nip,nilai\n198609262015051001,5\n198609262015051002,0\n")
    result = evaluate(policy, records, "--format", "jsonl")
    first, second = map(json.loads, result.stdout.splitlines())
    assert first["errors"] == [{"code": "K406", "stage": "value", "name": "a",
                                "reason": "the result 5E+40 is too large: kinerja's numbers stay below 10^21"}]
    assert second["outputs"] == {"a": 0, "b": 0}
    assert len(result.stdout) < 1000


def test_plain_decimal_never_expands_a_huge_exponent():
    from decimal import Decimal

    from kinerja.values import plain_decimal
    assert plain_decimal(Decimal("1E+999999999")) == "1E+999999999"
    assert plain_decimal(Decimal("2E+1")) == "20"
    assert plain_decimal(Decimal("1E-6")) == "0.000001"


# --- item 2: text length --------------------------------------------------------------------


def test_reason_text_over_the_cap_is_an_error_row(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text('kinerja: 1\nid: t\nname: t\nversion: "1"\nfields:\n  nip: {type: nip}\n  nama: {type: string}\n'
                      'rules:\n  r:\n    kind: catatan\n    when: "nama != \'\'"\n    reason: "{nama} {nama}"\n')
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"nip": "198609262015051001", "nama": "a" * 20000}) + "\n"
                       + json.dumps({"nip": "198609262015051002", "nama": "b"}) + "\n")
    result = evaluate(policy, records, "--format", "jsonl")
    first, second = map(json.loads, result.stdout.splitlines())
    assert first["errors"] == [{"code": "K406", "stage": "rule", "name": "r",
                                "reason": "the reason would be 40,001 characters long (limit 32,768)"}]
    assert second["actions"][0]["reason"] == "b b"


# --- item 3: record streams ---------------------------------------------------------------


def test_csv_header_cell_over_the_field_limit_is_a_clean_error(tmp_path):
    records = tmp_path / "r.csv"
    records.write_text('nip,"' + "x" * 200_000 + '"\n198609262015051001,1\n')
    result = evaluate(CASES / "policy.yaml", records)
    assert result.exit_code == 2
    assert result.stderr == ("kinerja: line 1: the header cannot be read: field larger than field limit (131072) "
                             "(a cell holds at most 131,072 characters)\n")


def test_csv_data_cell_over_the_field_limit_is_one_error_row(tmp_path):
    records = tmp_path / "r.csv"
    records.write_text("nip,nama,nilai\n198609262015051001," + "x" * 200_000 + ",1\n198609262015051002,b,2\n")
    result = evaluate(CASES / "policy.yaml", records, "--format", "jsonl")
    assert [row_summary(line) for line in result.stdout.splitlines()] == [
        [1, "198609262015051001", "error", "K410", "CSV error: field larger than field limit (131072)"],
        [2, "198609262015051002", "ok"]]


def test_csv_stray_quote_far_from_its_end_is_bounded(tmp_path):
    records = tmp_path / "r.csv"
    lines = [f"1986092620150510{i:02d},n{i},{i}" for i in range(10, 60)]
    records.write_text("nip,nama,nilai\n" + lines[0].replace(",n", ',"n', 1) + "\n" + "\n".join(lines[1:]) + "\n")
    result = evaluate(CASES / "policy.yaml", records, "--format", "jsonl")
    rows = [row_summary(line) for line in result.stdout.splitlines()]
    assert len(rows) == 50 and [r[0] for r in rows] == list(range(1, 51))
    assert rows[0] == [1, "198609262015051010", "error", "K410",
                       'a quoted cell opened on line 2 is still open after 20 lines: a stray " (a quote that is '
                       "never closed)?; the 20 lines after it are read again"]
    assert all(r[2] == "ok" for r in rows[1:])


def test_decimal_comma_is_the_readers_switch_not_a_key():
    from kinerja.model import FieldDef
    from kinerja.records.coerce import Coercer
    coercer = Coercer({"nilai": FieldDef("nilai", "number")})
    assert coercer.coerce({"nilai": "1.234,5", "\x00decimal_comma": True}, {})[1][0].reason == "expected a number"
    assert coercer.coerce({"nilai": "1.234,5"}, {}, comma=True)[0]["nilai"] == 1234.5


# --- item 5: outputs are inert ---------------------------------------------------------------


def test_csv_output_neutralises_formulas_in_every_echoed_text(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text('kinerja: 1\nid: t\nname: t\nversion: "=1"\nfields:\n  nip: {type: nip}\n  nama: {type: string}\n'
                      '  nilai: {type: number}\nvalues:\n  sapa: "nama + \'\'"\n  minus: "nilai - 10"\n')
    records = tmp_path / "r.csv"
    records.write_text('nip,nama,nilai\n198609262015051001,"=HYPERLINK(""http://x"")",1\n=1+1,b,2\n'
                       '198609262015051003,@SUM(A1),3\n198609262015051004,"\tx",4\n198609262015051005,-5,5\n')
    result = evaluate(policy, records, "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[1].startswith('1,198609262015051001,ok,"\'=HYPERLINK(""http://x"")",-9,,,t,\'=1,')
    assert lines[2].startswith("2,'=1+1,error,,,,nip = '=1+1': a NIP is 18 digits;")
    assert lines[3].startswith("3,198609262015051003,ok,'@SUM(A1),-7,,,t,'=1,")
    assert lines[4].startswith("4,198609262015051004,ok,x,-6,,,t,'=1,")  # the reader strips the tab
    assert lines[5].startswith("5,198609262015051005,ok,'-5,-5,,,t,'=1,")


def test_table_output_never_sends_control_characters_to_the_terminal(tmp_path):
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"nip": "\x1b]0;owned\x07", "nilai": 1}) + "\n")
    result = evaluate(CASES / "policy.yaml", records, "--format", "table")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\ufffd]0;owned\ufffd" in result.stdout


def test_writers_escape_text_that_is_not_valid_unicode(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text('kinerja: 1\nid: t\nname: t\nversion: "1\\ud800"\nfields:\n  nip: {type: nip}\n')
    records = tmp_path / "r.csv"
    records.write_text("nip\n198609262015051001\n")
    for fmt in ("jsonl", "csv", "json"):
        out = tmp_path / f"out.{fmt}"
        result = evaluate(policy, records, "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, result.stderr
        assert "1\\ud800" in out.read_text(encoding="utf-8")
    result = evaluate(policy, records, "--format", "xlsx", "-o", str(tmp_path / "out.xlsx"))
    assert result.exit_code == 0, result.stderr


# --- item 5: `kinerja test` output cannot carry workflow commands --------------------------

HOSTILE_TESTS = '''\
kinerja: 1
id: nama-jahat
name: Nama jahat
version: "1"
fields:
  nip: {type: nip}
  nama: {type: string}
values:
  sapa: "nama + '!'"
tests:
  - name: "lulus\\n::add-mask::rahasia"
    record: {nip: "198609262015051001", nama: "a"}
    expect: {outputs: {sapa: "a!"}}
  - name: "gagal ##[error]palsu\\r\\n  ::error file=x.yaml,line=1::disuntik"
    record: {nip: "198609262015051001", nama: "\\n::warning::dari record"}
    expect: {outputs: {sapa: "::error::harapan <x> & ]]>"}}
'''


def run_test_command(tmp_path, *args, env=None):
    path = tmp_path / "jahat.yaml"
    path.write_text(HOSTILE_TESTS)
    result = CliRunner().invoke(main, ["test", str(path), *args], env={"GITHUB_ACTIONS": None, **(env or {})})
    assert "internal error" not in result.output and result.exit_code == 1, result.output
    return result.stdout


def test_test_text_output_has_no_workflow_command(tmp_path):
    out = run_test_command(tmp_path)
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::") or "##[" in line], out
    assert out.splitlines()[1:3] == ["  PASS  lulus⏎::add-mask::rahasia",
                                     "  FAIL  gagal ##\\[error]palsu⏎⏎  ::error file=x.yaml,line=1::disuntik"]


@pytest.mark.parametrize("env,args", [({"GITHUB_ACTIONS": "true"}, []), ({}, ["--format", "github"])],
                         ids=["auto-under-github-actions", "asked-for"])
def test_test_github_format_escapes_every_value(tmp_path, env, args):
    out = run_test_command(tmp_path, *args, env=env)
    lines = out.splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["::error"]
    assert lines[0].startswith(f"::error file={escape_path(tmp_path / 'jahat.yaml')},line=14,title=K501 test failed%3A "
                               "gagal ##[error]palsu⏎⏎  %3A%3Aerror file=x.yaml%2Cline=1%3A%3Adisuntik::outputs.sapa: "
                               'expected "::error::harapan <x> & ]]>", got "::warning::dari record!"%0Aresult:%0A')
    assert "%0A" in lines[0] and "\n" not in lines[0]
    assert lines[-1] == "1 policy, 2 tests: 1 passed, 1 failed"


def escape_path(path: Path) -> str:
    return str(path).replace(":", "%3A").replace(",", "%2C")


def test_test_junit_and_json_stay_well_formed_for_any_name(tmp_path):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(run_test_command(tmp_path, "--format", "junit"))
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == ["lulus\n::add-mask::rahasia", "gagal ##[error]palsu\r\n  ::error file=x.yaml,line=1::disuntik"]
    doc = json.loads(run_test_command(tmp_path, "--format", "json"))
    assert [t["name"] for t in doc["policies"][0]["tests"]] == [
        "lulus\n::add-mask::rahasia", "gagal ##[error]palsu\r\n  ::error file=x.yaml,line=1::disuntik"]


@pytest.mark.parametrize("line,expected", [
    ("::error::x", "\\::error::x"),
    ("    ::set-output name=a::b", "    \\::set-output name=a::b"),
    ("a ##[error]b", "a ##\\[error]b"),
    ("no command :: here", "no command :: here"),
    ("\x1b[31mred", "\ufffd[31mred"),
], ids=["at-start", "after-spaces", "v1-anywhere", "inside", "escape-sequence"])
def test_inert_line(line, expected):
    from kinerja.report.tests_out import inert_line
    assert inert_line(line) == expected


# --- item 6: paths stay inside the project, symlinks included --------------------------------

SECRET_POLICY = 'kinerja: 1\nid: rahasia\nname: "SECRET-TOKEN-123"\nversion: "1"\nfields:\n  nip: {type: nip}\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder holding links to files outside it (a pull request can add those)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "rahasia.yaml").write_text(SECRET_POLICY)
    (outside / "kolom.map.yaml").write_text("kinerja_map: 1\nid: kolom\ncolumns: {nip: NIP}\n")
    (outside / "data.csv").write_text("nip\n198609262015051001\n")
    root = tmp_path / "project"
    (root / "kebijakan").mkdir(parents=True)
    (root / "kebijakan" / "rahasia.yaml").symlink_to(outside / "rahasia.yaml")
    (root / "kebijakan" / "kolom.map.yaml").symlink_to(outside / "kolom.map.yaml")
    (root / "kebijakan" / "data.csv").symlink_to(outside / "data.csv")
    (root / "kebijakan" / "anak.yaml").write_text('kinerja: 1\nid: anak\nname: Anak\nversion: "1"\nextends: rahasia\n')
    (root / "kebijakan" / "anak.test.yaml").write_text(
        "kinerja: 1\npolicy: anak.yaml\ntests:\n  - name: dari berkas\n    records_file: data.csv\n"
        "    expect: {status: ok}\n")
    monkeypatch.chdir(root)
    return root


def test_extends_by_id_never_reads_a_link_to_outside(project):
    from kinerja.policy.documents import read_document, resolve
    resolved = resolve(read_document("kebijakan/anak.yaml"))
    assert [(f.code, f.line, f.message) for f in resolved.findings] == [
        ("K210", 5, 'parent policy "rahasia" not found')]


def test_validate_folder_walk_refuses_a_link_to_outside(project):
    result = CliRunner().invoke(main, ["validate", "--format", "text", "kebijakan"], env={"GITHUB_ACTIONS": None})
    assert "SECRET-TOKEN" not in result.output
    assert result.stdout.splitlines()[0] == ("kebijakan/anak.yaml:5:10: error K210 parent policy \"rahasia\" not found")
    assert "kebijakan/rahasia.yaml: error K001 is a link to a file outside this project; kinerja does not read it" \
        in result.stdout.splitlines()
    assert result.exit_code == 1


def test_test_discovery_refuses_a_link_to_outside(project):
    result = CliRunner().invoke(main, ["test", "kebijakan"], env={"GITHUB_ACTIONS": None})
    assert "SECRET-TOKEN" not in result.output
    assert result.exit_code == 2
    assert result.stderr == ("kinerja: kebijakan/rahasia.yaml: is a link to a file outside this project; "
                             "kinerja does not read it\n")


def test_records_file_link_to_outside_is_refused(project):
    from kinerja.policy.documents import read_document
    from kinerja.testing.suite import TestDef, _records_file
    test = TestDef("t", "kebijakan/anak.yaml", 7, [])
    _records_file(test, "data.csv", read_document("kebijakan/anak.yaml"), {})
    assert test.problems == ['records_file data.csv: "data.csv" points outside this project\'s folders']


def test_map_link_to_outside_is_refused(project):
    (project / "p.yaml").write_text('kinerja: 1\nid: p\nname: p\nversion: "1"\nfields:\n  nip: {type: nip}\n')
    (project / "r.csv").write_text("NIP\n198609262015051001\n")
    result = CliRunner().invoke(main, ["evaluate", "p.yaml", "r.csv", "--map", "kebijakan/kolom.map.yaml"])
    assert result.exit_code == 2
    assert result.stderr == ("kinerja: kebijakan/kolom.map.yaml is a link to a file outside this project; "
                             "kinerja does not read it\n")


def test_a_named_pipe_never_hangs_test_discovery(tmp_path, monkeypatch):
    import os
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipa.yaml")
    result = CliRunner().invoke(main, ["test", "pipa.yaml"], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1
    assert result.stdout.startswith("pipa.yaml: error K001 cannot read the file: it is a named pipe or socket")


# --- item 4: no quadratic paths on hostile sizes (ratios in one process, never wall-clock) ---


def test_csv_header_of_80000_columns_is_linear(tmp_path, timing):
    """Against a baseline of the same size in the other direction (80,000 one-cell lines): the
    count of the columns' names (once quadratic: minutes) must cost about what reading costs."""
    from kinerja.records.read import read_records

    wide, tall = tmp_path / "wide.csv", tmp_path / "tall.csv"
    wide.write_text(",".join(f"kolom_{i}" for i in range(80_000)) + "\n" + ",".join("1" * 80_000) + "\n")
    tall.write_text("kolom\n" + "\n".join(f"kolom_{i}" for i in range(80_000)) + "\n")
    ratio = timing.ratio(lambda: list(read_records(str(wide))), lambda: list(read_records(str(tall))))
    assert ratio < 10, ratio
    [source] = read_records(str(wide))
    assert len(source.data) == 80_000


def test_one_huge_json_record_is_linear(tmp_path, timing):
    """One 20 MB record against the same 20 MB in 1,000 records: the reader once re-scanned a
    growing buffer for every 64 KB read (quadratic); now it reads as far again each time."""
    from kinerja.records.read import read_records

    one, many = tmp_path / "one.json", tmp_path / "many.json"
    one.write_text(json.dumps([{"nip": "198609262015051001", "nama": "x" * 20_000_000}, {"nip": "198609262015051002"}]))
    many.write_text(json.dumps([{"nip": "198609262015051001", "nama": "x" * 20_000}] * 1000))
    ratio = timing.ratio(lambda: list(read_records(str(one))), lambda: list(read_records(str(many))), repeat=2)
    assert ratio < 8, ratio  # the quadratic reader: over 100
    assert [s.row for s in read_records(str(one))] == [1, 2]


def test_thousands_of_unknown_names_are_linear(tmp_path, timing):
    from kinerja.validate import validate_file

    def build(n: int, known: bool) -> Path:
        lines = ["kinerja: 1", "id: banyak", "name: b", 'version: "1"', "fields:"]
        lines += [f"  kolom_{i}: {{type: number}}" for i in range(n)]
        lines += ["values:"] + [f'  v_{i}: "{"kolom" if known else "tidak_ada"}_{i} + 1"' for i in range(n)]
        path = tmp_path / f"p{n}{known}.yaml"
        path.write_text("\n".join(lines) + "\n")
        return path

    known, unknown = build(800, True), build(800, False)
    ratio = timing.ratio(lambda: validate_file(str(unknown)), lambda: validate_file(str(known)), repeat=1)
    assert ratio < 5, ratio  # the "did you mean" search costs about as much as checking known names
    findings = validate_file(str(unknown))
    assert len(findings) == 800 and {f.code for f in findings} == {"K302"}


def test_did_you_mean_still_finds_a_typo_among_thousands_of_names():
    from kinerja.suggest import close_match
    names = [f"kolom_{i}" for i in range(5000)] + ["realisasi_anggaran"]
    assert close_match("realisasi_angaran", names) == "realisasi_anggaran"


def test_ekinerja_csv_and_table_echo_the_export_inertly(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("nip,nama,skp_unor,skp_unor_induk,skp_jabatan,hasil_kerja,perilaku_kerja,hasil_akhir\n"
                      '198609262015051002,"=HYPERLINK(""http://x"")",@Umum,,,SESUAI EKSPEKTASI,SESUAI EKSPEKTASI,\n'
                      "198609262015051003,\x1b]0;judul\x07Sari,Umum,,,SESUAI EKSPEKTASI,SESUAI EKSPEKTASI,\n")
    r = CliRunner().invoke(main, ["ekinerja", str(export), "--format", "csv"])
    assert r.stdout.splitlines()[1].startswith("1,line 2,198609262015051002,\"'=HYPERLINK(\"\"http://x\"\")\","
                                               "'@Umum,,Baik,hasil-akhir-kosong,"), r.output
    r = CliRunner().invoke(main, ["ekinerja", str(export)])
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\ufffd]0;judul\ufffdSari" in r.stdout, r.output


def test_exact_intermediates_keep_the_number_limits(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY_HEAD + "rounding: {places: 2, mode: half_up, intermediates: exact}\n"
                      'values:\n  a: "nilai * 1e20 * 1e20"\n')
    records = tmp_path / "r.csv"
    records.write_text("nip,nilai\n198609262015051001,5\n198609262015051002,0.5\n")
    result = evaluate(policy, records, "--format", "jsonl")
    first, second = map(json.loads, result.stdout.splitlines())
    assert first["errors"] == [{"code": "K406", "stage": "value", "name": "a",
                                "reason": "the result 5E+40 is too large: kinerja's numbers stay below 10^21"}]
    assert second["errors"][0]["reason"] == "the result 5E+39 is too large: kinerja's numbers stay below 10^21"


def test_decimal_comma_reaches_the_items_of_a_list_field():
    from kinerja.model import FieldDef
    from kinerja.records.coerce import Coercer
    skp = FieldDef("skp", "list", items={"target": FieldDef("target", "number")})
    values, problems = Coercer({"skp": skp}).coerce({"skp": [{"target": "1.234,5"}]}, {}, comma=True)
    assert problems == [] and values["skp"][0]["target"] == 1234.5


def test_a_text_constant_over_the_cap_is_found_at_validate():
    from kinerja.expr.language import Limits, compile_expression, constant_beyond_limits
    text = '"' + "a" * 20_000 + '" + "' + "b" * 20_000 + '"'
    expr, problems = compile_expression(text, {}, limits=Limits(max_length=100_000, max_nodes=400, max_depth=32))
    assert problems == []
    beyond = constant_beyond_limits(expr)
    assert (beyond.code, beyond.message[-60:]) == \
        ("K308", "` +: the text would be 40,000 characters long (limit 32,768)")


def test_explain_text_never_sends_control_characters_to_the_terminal(tmp_path):
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"nip": "198609262015051001", "nama": "\x1b[2J\x1b]0;x\x07Budi", "nilai": 1}) + "\n")
    result = CliRunner().invoke(main, ["explain", str(CASES / "policy.yaml"), str(records), "--row", "1"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\ufffd[2J\ufffd]0;x\ufffdBudi" in result.stdout


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_rows_escape_unicode_line_separators(tmp_path, fmt):
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"nip": "198609262015051001", "nama": "a\u2028b\x85c\u2029d", "nilai": 1}) + "\n")
    result = evaluate(CASES / "policy.yaml", records, "--format", fmt)
    assert "\u2028" not in result.stdout and "\x85" not in result.stdout and "\u2029" not in result.stdout
    assert "nama a\\u2028b\\u0085c\\u2029d nilai 1" in result.stdout
    rows = json.loads(result.stdout) if fmt == "json" else [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["actions"][0]["reason"] == "nama a\u2028b\x85c\u2029d nilai 1 skor 2.00"


def test_test_discovery_reads_a_huge_file_only_up_to_the_limit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "besar.yaml").write_text("kinerja: 1\n" + "# x\n" * 600_000)
    result = CliRunner().invoke(main, ["test", "."], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1
    assert "    ./besar.yaml: error K003 the file is larger than the limit of 1,048,576 bytes" \
        in result.stdout.splitlines()


def test_a_param_beyond_the_number_limit_is_found_at_validate(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(POLICY_HEAD + "params:\n  pengali: 1e30\nvalues:\n  a: \"nilai * pengali\"\n")
    result = CliRunner().invoke(main, ["validate", "--format", "text", str(path)], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (f"{path}:9:12: error K105 param \"pengali\" is beyond the limit of 10^21 "
                                             '(README "Limits")')


def test_thousands_of_unknown_reason_placeholders_stay_linear(tmp_path, timing):
    """30,000 unknown `{x}` in one 260 KB reason: 20 located findings and one that counts the
    rest (each was located by a scan of the whole text: quadratic, minutes)."""
    reason = " ".join(f"{{x{i}}}" for i in range(30_000))
    path = tmp_path / "p.yaml"
    path.write_text(POLICY_HEAD + f'rules:\n  a:\n    kind: catatan\n    when: "nilai > 0"\n    reason: "{reason}"\n')
    small = tmp_path / "q.yaml"
    known = " ".join("{nilai}" for _ in range(30_000))  # the same size, every name known
    small.write_text(POLICY_HEAD + f'rules:\n  a:\n    kind: catatan\n    when: "nilai > 0"\n    reason: "{known}"\n')
    from kinerja.validate import validate_file
    ratio = timing.ratio(lambda: validate_file(str(path)), lambda: validate_file(str(small)), repeat=1)
    assert ratio < 10, ratio
    findings = validate_file(str(path))
    assert [f.code for f in findings] == ["K215"] * 21
    assert findings[-1].message == \
        "the reason mentions 29980 more names that are not a field, value, param or rule param"
