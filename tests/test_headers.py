"""Column headers as an officer writes them: matched to fields by id, label or alias, reported once
per file; a required column missing is one finding (exit 1), not one error per row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.model import FieldDef
from kinerja.records.headers import header_key, match_header

POLICY = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
SAMPLE = POLICY.with_name("permenpanrb-6-2022.sample.csv")

FIELDS = {
    "nip": FieldDef("nip", "nip", "NIP", required=True),
    "unit_kerja": FieldDef("unit_kerja", "string", "Unit kerja", required=True),
    "golongan": FieldDef("golongan", "enum", "Golongan/ruang", values=("III/a",)),
    "jp": FieldDef("jp", "integer", "JP pengembangan", required=True, aliases=("Jam Pelajaran",)),
}


@pytest.mark.parametrize("header, field", [
    ("nip", "nip"), ("NIP", "nip"), (" N.I.P ", "nip"), ("Unit kerja", "unit_kerja"),
    ("UNIT  KERJA", "unit_kerja"), ("unit_kerja", "unit_kerja"), ("Unit-Kerja", "unit_kerja"),
    ("GOLONGAN / RUANG", "golongan"), ("golongan_ruang", "golongan"), ("jam pelajaran", "jp"),
    ("JP_PENGEMBANGAN", "jp"),
], ids=lambda v: repr(v))
def test_header_matches_field(header, field):
    rename, report = match_header(FIELDS, [header])
    assert rename == {header: field}
    assert report.used == [(header, field)]


def test_report_lists_used_ignored_missing_with_closest():
    rename, report = match_header(FIELDS, ["NIP", "Unit kerj", "Keterangan"])
    assert rename == {"NIP": "nip"}
    assert report.ignored == ["Unit kerj", "Keterangan"]
    assert report.missing == [("unit_kerja", "Unit kerja", "Unit kerj"), ("jp", "JP pengembangan", None)]
    assert report.optional == ["golongan"]
    assert report.problems() == [
        'required column "Unit kerja" (field unit_kerja) not found; the closest header is "Unit kerj"',
        'required column "JP pengembangan" (field jp) not found; no header is close to it']


def test_two_columns_for_one_field_is_a_clash_unless_one_is_the_id():
    _, report = match_header(FIELDS, ["NIP", "N I P", "Unit kerja", "jp"])
    assert report.clashes == [("nip", ["NIP", "N I P"])]
    rename, report = match_header(FIELDS, ["nip", "NIP", "Unit kerja", "jp"])
    assert rename["nip"] == "nip" and not report.clashes


def test_an_id_is_never_shadowed_by_another_fields_label():
    fields = {"a": FieldDef("a", "string", "b"), "b": FieldDef("b", "string", "")}
    assert match_header(fields, ["b"])[0] == {"b": "b"}


@pytest.mark.parametrize("text, key", [("Masa dalam pangkat (tahun)", "masadalampangkattahun"),
                                       ("ＮＩＰ", "nip"), ("Golongan/ruang", "golonganruang")])
def test_header_key(text, key):
    assert header_key(text) == key


def _labels_csv(tmp_path, transform, drop=None) -> Path:
    """The sample CSV with each header replaced by transform(label of the field)."""
    from kinerja.policy.documents import read_document
    labels = {k: v.get("label", k) for k, v in read_document(str(POLICY)).data["fields"].items()}
    with open(SAMPLE, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    keep = [i for i, h in enumerate(rows[0]) if h != drop]
    path = tmp_path / "pegawai.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([transform(labels[rows[0][i]]) for i in keep])
        for r in rows[1:]:
            w.writerow([r[i] for i in keep])
    return path


def _rows(stdout: str) -> list[dict]:
    return [{k: v for k, v in json.loads(line).items() if k != "policy"} for line in stdout.splitlines()]


def test_labels_upper_case_with_extra_spaces_evaluate_like_the_ids(tmp_path):
    base = CliRunner().invoke(main, ["evaluate", str(POLICY), str(SAMPLE), "--format", "jsonl"])
    path = _labels_csv(tmp_path, lambda label: "  " + label.upper().replace(" ", "   ") + " ")
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl"])
    assert res.exit_code == 0, res.stderr
    assert _rows(res.stdout) == _rows(base.stdout)
    assert ": NIP → nip, NAMA → nama, JENIS   ASN → jenis_asn," in res.stderr.splitlines()[0]


def test_missing_required_column_is_one_finding_and_exit_1(tmp_path):
    path = _labels_csv(tmp_path, lambda label: label.replace("JP pengembangan kompetensi", "JP pengembangn"),
                       drop=None)
    out = tmp_path / "hasil.csv"
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "csv", "-o", str(out)])
    assert res.exit_code == 1
    errors = [line for line in res.stderr.splitlines() if " error " in line]
    assert errors == [f'{path}: error K401 required column "JP pengembangan kompetensi" (field jp_pengembangan) '
                      'not found; the closest header is "JP pengembangn"']
    assert "columns: ignored (no field of the policy reads them): JP pengembangn" in res.stderr
    assert res.stderr.index("columns: used") < res.stderr.index("error K401")
    assert res.stdout == ""
    assert not out.exists()  # stopped before writing: no partial file


def test_compare_matches_headers_too(tmp_path):
    path = _labels_csv(tmp_path, str.upper)
    res = CliRunner().invoke(main, ["compare", str(POLICY), str(POLICY), str(path), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    records = len(SAMPLE.read_text(encoding="utf-8").splitlines()) - 1
    assert json.loads(res.stdout)["summary"]["valid"] == records


def test_explain_finds_the_nip_under_a_label_header(tmp_path):
    path = _labels_csv(tmp_path, str.upper)
    res = CliRunner().invoke(main, ["explain", str(POLICY), str(path), "--nip", "199806162022122317",
                                    "--format", "json"])
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)[0]["nip"] == "199806162022122317"


def test_two_columns_for_one_field_stop_the_run(tmp_path):
    path = tmp_path / "dua.csv"
    text = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = text[0].replace("nama,", "Nama,N A M A,", 1)
    rows = [r.replace(",", ",x,", 1).replace(",x,", ",", 1) for r in text[1:3]]
    rows = [r.split(",") for r in rows]
    rows = [",".join(r[:2] + [r[1]] + r[2:]) for r in rows]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl"])
    assert res.exit_code == 1
    assert f"{path}: error K409 columns 'Nama' and 'N A M A' both match field nama; rename or delete one of them" \
        in res.stderr.splitlines()
    assert res.stdout == ""


def test_a_field_required_on_some_rows_without_a_column_is_said_once(tmp_path):
    path = _labels_csv(tmp_path, lambda label: label, drop="golongan")
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl"])
    assert res.exit_code == 1  # the PNS rows are errors, as the note says
    [note] = [line for line in res.stderr.splitlines() if line.startswith("columns: none for fields required")]
    assert note.startswith('columns: none for fields required on some rows (rows that need them will be errors): '
                           'golongan (when jenis_asn == "PNS")')


def test_semicolon_csv_with_labels_keeps_its_decimal_comma(tmp_path):
    """Renaming the columns keeps what the reader knew: "1.234,5" in a `;` file is 1234.5."""
    path = tmp_path / "excel-id.csv"
    path.write_text("NIP;Jenis ASN;Golongan/ruang;Jenis jabatan;Unit kerja;Masa dalam pangkat (tahun);"
                    "Rating hasil kerja;Rating perilaku kerja;JP pengembangan kompetensi;"
                    "Hukuman disiplin (PP 94/2021)\n"
                    "199806162022122317;PNS;III/a;Pelaksana;Dinas A;1.234,5;Sesuai Ekspektasi;Sesuai Ekspektasi;20;"
                    "tidak_ada\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl"])
    assert res.exit_code == 0, res.stdout
    [row] = [json.loads(line) for line in res.stdout.splitlines()]
    assert row["status"] == "ok"  # "1.234,5" read with the decimal comma; without it: K402


def test_the_column_report_speaks_indonesian(tmp_path):
    path = _labels_csv(tmp_path, lambda label: label, drop="golongan")
    res = CliRunner().invoke(main, ["--lang", "id", "evaluate", str(POLICY), str(path), "--format", "jsonl"])
    lines = res.stderr.splitlines()
    assert lines[0].startswith("kolom: dipakai (")
    assert any('golongan (jika jenis_asn == "PNS")' in line for line in lines)
