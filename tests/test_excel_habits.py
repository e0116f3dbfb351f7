"""Excel's number habits: percent cells, Excel errors and formulas without a saved value, CSV in
UTF-16 or Windows-1252, and a decimal comma written in a policy."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kinerja.cli.main import main

POLICY = """\
kinerja: 1
id: persen
name: Persen
version: "1"
fields:
  nip: {type: nip, required: true}
  realisasi: {type: number, unit: percent, label: Realisasi (%)}
  nilai: {type: number, label: Nilai}
values:
  skor: realisasi + nilai
"""
NIP = "199806162022122317"


def run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    return res, [json.loads(line) for line in res.stdout.splitlines()]


@pytest.fixture
def policy(tmp_path) -> Path:
    path = tmp_path / "persen.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def workbook(tmp_path, realisasi, nilai, fmt_c=None, fmt_n=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["NIP", "Realisasi (%)", "Nilai"])
    ws.append([NIP, realisasi, nilai])
    if fmt_c:
        ws["B2"].number_format = fmt_c
    if fmt_n:
        ws["C2"].number_format = fmt_n
    path = tmp_path / "pegawai.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("stored, fmt, skor", [
    (0.98, "0%", "99"), (0.875, "0.0%", "88.5"), (1, "0%", "101"), (0.98, "0.00%", "99"),
    (98, "General", "99"), (0.98, "0.00", "1.98"),
], ids=["98%", "87.5%", "100%", "98.00%", "plain-98", "plain-0.98"])
def test_percent_cell_in_a_percent_field_reads_as_the_percentage(tmp_path, policy, stored, fmt, skor):
    res = CliRunner().invoke(main, ["evaluate", str(policy), str(workbook(tmp_path, stored, 1, fmt)),
                                    "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[1].split(",")[3] == skor  # row,nip,status,skor,…


def test_percent_cell_in_a_plain_field_is_reported_never_used(tmp_path, policy):
    res, rows = run("evaluate", policy, workbook(tmp_path, 0.98, 0.75, "0%", "0%"), "--format", "jsonl")
    assert res.exit_code == 1
    assert rows[0]["errors"] == [{
        "field": "nilai", "value": "75%", "code": "K402", "cell": "Data!C2",
        "reason": "the cell shows a percentage (75%, stored as 0.75) but this field is not a percentage; "
                  "type the number itself, or declare `unit: percent` on the field"}]


@pytest.mark.parametrize("realisasi, nilai, error", [
    ("98%", "1", None),
    ("98", "75%", "75% is a percentage but this field is not declared one (`unit: percent`); "
                  "write the number without %"),
], ids=["percent-text-in-percent-field", "percent-text-in-plain-field"])
def test_percent_text_in_csv(tmp_path, policy, realisasi, nilai, error):
    path = tmp_path / "p.csv"
    path.write_text(f"nip,realisasi,nilai\n{NIP},{realisasi},{nilai}\n", encoding="utf-8")
    _, rows = run("evaluate", policy, path, "--format", "jsonl")
    if error is None:
        assert rows[0]["outputs"]["skor"] == 99
    else:
        assert [e["reason"] for e in rows[0]["errors"]] == [error]


def test_excel_error_and_formula_without_value_are_located(tmp_path, policy):
    path = workbook(tmp_path, "#DIV/0!", "=1+1")
    book = openpyxl.load_workbook(path)
    book.active["B2"].data_type = "e"
    book.save(path)
    res, rows = run("evaluate", policy, path, "--format", "jsonl")
    assert res.exit_code == 1
    assert [(e["field"], e["cell"], e["reason"]) for e in rows[0]["errors"]] == [
        ("realisasi", "Data!B2", "the cell shows the Excel error #DIV/0!"),
        ("nilai", "Data!C2", "formula has no saved value; open and save the file in Excel")]


def test_utf16_csv_with_bom_is_read(tmp_path, policy):
    path = tmp_path / "u16.csv"
    path.write_bytes(f"NIP,Realisasi,Nilai\n{NIP},90,5\n".encode("utf-16"))
    res, rows = run("evaluate", policy, path, "--format", "jsonl")
    assert res.exit_code == 0, res.output
    assert rows[0]["outputs"]["skor"] == 95


def test_windows_1252_csv_is_refused_with_the_line_number(tmp_path, policy):
    path = tmp_path / "w.csv"
    lines = ["nip,nama,realisasi,nilai"] + [f"{NIP},Ayu,90,5"] * 3 + [f"{NIP},Siti Nur\u2019aini,90,5"]
    path.write_bytes("\n".join(lines).encode("cp1252") + b"\n")
    res, _ = run("evaluate", policy, path, "--format", "jsonl")
    assert res.exit_code == 2
    assert "kinerja: line 5 is not UTF-8 text (near \"62022122317,Siti Nur\u2019aini,90,5\"; the file " \
           "looks saved as Windows-1252, Excel's \"CSV (Comma delimited)\"): save it as \"CSV UTF-8 (Comma " \
           "delimited)\"" in res.stderr


@pytest.mark.parametrize("text, where, message, hint", [
    ("params:\n  batas: 87,5\n", "6:10", 'K103 param "batas" is text "87,5", not a number',
     "write 87.5: numbers take a decimal point, not a comma"),
    ("fields:\n  x:\n    type: number\n    min: 0,5\n", "8:10", "K103 min must be a number, but is text",
     "write 0.5: numbers take a decimal point, not a comma"),
    ("fields:\n  x: {type: number, min: 0,5}\n", "6:28", 'K101 unknown key "5"',
     "write 0.5: numbers take a decimal point, not a comma"),
    ("fields:\n  x: {type: enum, values: [A, B]}\ntables:\n  t:\n    inputs: [x]\n    rows:\n      - [A, 12,5]\n"
     "      - [B, 1]\n", "11:9", "K212 row 1 has 3 cells, expected 2 (1 input(s) and the result)",
     "write 12.5: numbers take a decimal point, not a comma"),
], ids=["param", "block", "flow", "table-row"])
def test_decimal_comma_in_a_policy_says_write_the_point(tmp_path, text, where, message, hint):
    path = tmp_path / "dc.yaml"
    path.write_text('kinerja: 1\nid: dc\nname: dc\nversion: "1"\n' + text, encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 1
    assert res.stdout.splitlines()[:2] == [f"{path}:{where}: error {message}", f"    hint: {hint}"]


def test_unit_on_a_text_field_is_a_finding(tmp_path):
    path = tmp_path / "u.yaml"
    path.write_text('kinerja: 1\nid: u\nname: u\nversion: "1"\nfields:\n  x: {type: string, unit: percent}\n',
                    encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.stdout.splitlines()[0] == f"{path}:6:27: error K217 field \"x\": unit applies to numbers only"
