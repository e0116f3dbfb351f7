"""`kinerja template`: the workbook an officer fills in evaluates first time, with the same results
as the sample CSV; its columns, validations, notes and instructions are what the policy declares."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from kinerja.cli.main import main

ROOT = Path(__file__).parents[1] / "policies"
NATIONAL = ROOT / "nasional" / "permenpanrb-6-2022.yaml"
CAPAIAN = ROOT / "agency" / "surakarta-berbasis-capaian.yaml"


def run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    return res


def make_template(tmp_path, policy) -> Path:
    out = tmp_path / "pegawai.xlsx"
    res = run("template", policy, "-o", out)
    assert res.exit_code == 0, res.output
    return out


def fill(template: Path, sample: Path, out: Path, percent: set[str] = frozenset()) -> Path:
    """Type the sample records into sheet Data as a person would: NIP as text, ratings as the
    drop-down labels, numbers as numbers, percentages into percent cells (98 typed shows 98%)."""
    book = openpyxl.load_workbook(template)
    sheet = book["Data"]
    ids = [c.comment.text.split("\n")[0].removeprefix("kode: ") for c in sheet[1]]
    with open(sample, newline="", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    for r, record in enumerate(records, 2):
        for c, name in enumerate(ids, 1):
            text = record.get(name, "")
            if text == "":
                continue
            cell = sheet.cell(r, c)
            if name in percent:
                cell.value = float(Decimal(text) / 100)  # Excel stores 96% as 0.96
                cell.number_format = "0.0%"
            elif name != "nip" and _number(text):
                cell.value = int(text) if text.lstrip("-").isdigit() else float(text)
            else:
                cell.value = text
    book.save(out)
    return out


def _number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except ArithmeticError:
        return False


def results(policy, records, *extra) -> list[dict]:
    res = run("evaluate", policy, records, "--format", "jsonl", *extra)
    assert res.exit_code == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    for row in rows:
        for action in row.get("actions", []):
            # The sample CSV writes "13.0" years; typed into Excel that is the number 13, so a reason
            # quoting the input says "13 tahun". Same number, same result: compare it as such.
            action["reason"] = re.sub(r"\b(\d+)\.0\b", r"\1", action["reason"])
    return rows


@pytest.mark.parametrize("policy, percent", [
    (NATIONAL, set()),
    (CAPAIAN, {"target_imunisasi_dasar", "realisasi_imunisasi_dasar", "target_imunisasi_lanjutan",
               "realisasi_imunisasi_lanjutan", "target_kelulusan", "realisasi_kelulusan"}),
], ids=["national", "surakarta-percent-cells"])
def test_filled_template_evaluates_like_the_sample_csv(tmp_path, policy, percent):
    sample = policy.with_name(policy.stem + ".sample.csv")
    filled = fill(make_template(tmp_path, policy), sample, tmp_path / "diisi.xlsx", percent)
    assert results(policy, filled) == results(policy, sample)


def test_headers_upper_case_with_extra_spaces_evaluate_the_same(tmp_path):
    sample = NATIONAL.with_name("permenpanrb-6-2022.sample.csv")
    filled = fill(make_template(tmp_path, NATIONAL), sample, tmp_path / "diisi.xlsx")
    book = openpyxl.load_workbook(filled)
    for cell in book["Data"][1]:
        cell.value = "  " + cell.value.upper().replace(" ", "  ") + " "
    book.save(filled)
    assert results(NATIONAL, filled) == results(NATIONAL, sample)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_template_saved_again_by_libreoffice_still_evaluates(tmp_path):
    sample = NATIONAL.with_name("permenpanrb-6-2022.sample.csv")
    filled = fill(make_template(tmp_path, NATIONAL), sample, tmp_path / "diisi.xlsx")
    outdir = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx", "--outdir", str(outdir), str(filled)], check=True, capture_output=True, timeout=120)
    assert results(NATIONAL, outdir / "diisi.xlsx") == results(NATIONAL, sample)


def test_template_layout(tmp_path):
    book = openpyxl.load_workbook(make_template(tmp_path, NATIONAL))
    assert book.sheetnames == ["Data", "Contoh", "Petunjuk", "Daftar"]
    assert book["Daftar"].sheet_state == "hidden"
    data = book["Data"]
    assert [c.value for c in data[1]][:4] == ["NIP", "Nama", "Jenis ASN", "Golongan/ruang"]
    assert data["A1"].comment.text.startswith("kode: nip\nWajib diisi")
    assert data["D1"].comment.text.startswith('kode: golongan\nWajib jika jenis_asn == "PNS"')
    assert data.freeze_panes == "A2"
    assert data.column_dimensions["A"].number_format == "@"  # NIP as text
    by_label = {c.value: c.column_letter for c in data[1]}
    rules = {str(dv.sqref): dv for dv in data.data_validations.dataValidation}

    def rule(label):
        letter = by_label[label]
        return rules[f"{letter}2:{letter}1048576"]

    assert rule("Jenis ASN").type == "list"
    assert rule("Jenis ASN").formula1 == "=Daftar!$A$2:$A$3"
    assert [book["Daftar"].cell(r, 1).value for r in (1, 2, 3)] == ["jenis_asn", "PNS", "PPPK"]
    assert (rule("NIP").type, rule("NIP").formula1) == ("textLength", "18")
    potensial = rule("Nilai potensial (JPM)")  # number, 0 to 100
    assert (potensial.type, potensial.operator, potensial.formula1, potensial.formula2) == \
        ("decimal", "between", "0", "100")
    jp = rule("JP pengembangan kompetensi")  # integer, min 0
    assert (jp.type, jp.operator, jp.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert data.max_row == 1  # no example employee in the sheet that is evaluated
    guide = book["Petunjuk"]
    texts = [row for row in guide.iter_rows(values_only=True)]
    version = yaml.safe_load(NATIONAL.read_text(encoding="utf-8"))["version"]
    assert texts[0][0] == "Petunjuk pengisian: Penilaian Kinerja ASN (PermenPANRB 6/2022) (permenpanrb-6-2022, " \
                          f"versi {version})"
    nip_row = next(r for r in texts if r[1] == "nip")
    assert nip_row[:5] == ("NIP", "nip", "Wajib diisi", "NIP (teks, 18 digit)", "18 digit, ditulis sebagai teks")


def test_percent_fields_are_percent_columns_with_scaled_limits(tmp_path):
    book = openpyxl.load_workbook(make_template(tmp_path, CAPAIAN))
    data = book["Data"]
    header = [c.value for c in data[1]]
    col = openpyxl.utils.get_column_letter(header.index("Target cakupan imunisasi dasar lengkap (%)") + 1)
    assert data.column_dimensions[col].number_format == "0.00%"
    rule = next(dv for dv in data.data_validations.dataValidation if str(dv.sqref).startswith(col + "2"))
    assert (rule.operator, rule.formula1) == ("greaterThanOrEqual", "0.0001")  # min 0.01 (%) as a fraction


def test_examples_evaluate_without_errors(tmp_path):
    path = make_template(tmp_path, CAPAIAN)
    rows = results(CAPAIAN, path, "--sheet", "Contoh")
    assert len(rows) == 3 and all(r["status"] == "ok" for r in rows)


def test_examples_made_up_for_a_policy_without_a_sample(tmp_path):
    policy = tmp_path / "kecil.yaml"
    policy.write_text("""\
kinerja: 1
id: kecil
name: Kecil
version: "1"
fields:
  nip: {type: nip, required: true, label: NIP}
  jenis: {type: enum, values: [A, B], required: true, label: Jenis}
  nilai: {type: number, min: 0, max: 100, required: true, label: Nilai}
  catatan: {type: string, label: Catatan, required_when: jenis == "A"}
  tanggal: {type: date, label: Tanggal}
bands:
  kelas:
    input: nilai
    range: {min: 0, max: 100}
    bands:
      - {min: 50, label: Lulus}
      - {min: 0, label: Tidak}
""", encoding="utf-8")
    path = make_template(tmp_path, policy)
    assert [r["outputs"]["kelas"] for r in results(policy, path, "--sheet", "Contoh")] == ["Lulus"]


@pytest.mark.parametrize("args, message", [
    (["template", str(NATIONAL), "-o", "x.csv"], "kinerja: x.csv: the template is an Excel workbook; give a file "
                                                  "name ending in .xlsx\n"),
    (["template", "no-such-policy", "-o", "x.xlsx"], "kinerja: policy 'no-such-policy' not found (give a file path "
                                                      "or a shipped policy id)\n"),
    (["template", "pp-46-2011", "-o", "x.xlsx"], "kinerja: pp-46-2011 needs skp: a list of items for each employee, "
                                                 "which one spreadsheet cell cannot hold; give its records as JSON or "
                                                 "YAML (see the policy's sample file)\n"),
], ids=["not-xlsx", "unknown-policy", "required-list-field"])
def test_template_usage_errors(args, message):
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2
    assert res.stderr == message


def test_list_shows_policies_and_mappings():
    res = CliRunner().invoke(main, ["list", "--format", "json"])
    assert res.exit_code == 0
    items = {i["id"]: i for i in json.loads(res.stdout)}
    assert items["surakarta-berbasis-capaian"] == {
        "id": "surakarta-berbasis-capaian", "kind": "policy", "name": "Penilaian ASN Berbasis Capaian (Kota Surakarta)",
        "regime": "permenpanrb-6-2022", "extends": "permenpanrb-6-2022",
        "file": "policies/agency/surakarta-berbasis-capaian.yaml"}
    assert items["ekinerja-bkn"]["kind"] == "mapping"
    text = CliRunner().invoke(main, ["list"]).stdout
    assert text.splitlines()[0].split() == ["id", "kind", "regime", "extends", "name"]
    assert text.splitlines()[1].startswith("ekinerja-cek ")  # root policies first


def test_show_takes_an_id():
    res = CliRunner().invoke(main, ["show", "pp-30-2019"])
    assert res.exit_code == 0
    assert "id: pp-30-2019" in res.stdout


def test_template_to_a_folder_that_does_not_exist(tmp_path):
    res = CliRunner().invoke(main, ["template", str(NATIONAL), "-o", str(tmp_path / "tidak-ada" / "p.xlsx")])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"kinerja: cannot write {tmp_path / 'tidak-ada' / 'p.xlsx'}: ")
