"""The BKN e-Kinerja export: the shipped mapping (ekinerja-bkn) and the consistency policy
(ekinerja-cek) find exactly the rows whose recorded hasil_akhir disagrees with the kuadran."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from kinerja.cli.main import main
from kinerja.compile.compiler import compile_policy
from kinerja.policy.documents import read_document, resolve

ROOT = Path(__file__).parents[1]
CEK = ROOT / "policies" / "nasional" / "ekinerja-cek.yaml"
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"

HEADER = ["nip", "nama", "skp_unor", "skp_unor_induk", "skp_jabatan", "hasil_kerja", "perilaku_kerja",
          "hasil_akhir", "golru", "jenis_pegawai", "skp_jenis_jabatan", "is_skp_plt_plh_pjb"]
TITLE = [["REKAP PENILAIAN KINERJA PEGAWAI"], ["INSTANSI: PEMERINTAH KABUPATEN CONTOH"], ["PERIODE: TAHUNAN 2024"],
         [], ["Dicetak dari e-Kinerja BKN"], []]

# (hasil kerja, perilaku kerja, hasil_akhir as e-Kinerja wrote it, disagrees?)
ROWS = [
    ("DIATAS EKSPEKTASI", "DIATAS EKSPEKTASI", "SANGAT BAIK", False),
    ("DIATAS EKSPEKTASI", "SESUAI EKSPEKTASI", "BAIK", False),
    ("DI ATAS EKSPEKTASI", "DIBAWAH EKSPEKTASI", "KURANG / MISCONDUCT", False),
    ("SESUAI EKSPEKTASI", "DIATAS EKSPEKTASI", "BAIK", False),
    ("SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI", "SANGAT BAIK", True),       # Baik by the kuadran
    ("SESUAI EKSPEKTASI", "DIBAWAH EKSPEKTASI", "BUTUH PERBAIKAN", True),  # Kurang/Misconduct
    ("DIBAWAH EKSPEKTASI", "DIATAS EKSPEKTASI", "BUTUH PERBAIKAN", False),
    ("DI BAWAH EKSPEKTASI", "SESUAI EKSPEKTASI", "MISCONDUCT", True),     # Butuh Perbaikan
    ("DIBAWAH EKSPEKTASI", "DIBAWAH EKSPEKTASI", "SANGAT KURANG", False),
    (1, 2, "Baik", False),                                                # SIASN codes [U]
    (3, 3, "KURANG", True),                                               # Sangat Kurang
    ("SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI", "BAIK", False),
]
DISAGREE = [i + 1 for i, r in enumerate(ROWS) if r[3]]


def export_rows():
    for i, (hasil, perilaku, akhir, _) in enumerate(ROWS, 1):
        yield [f"1986092620150510{i:02d}", f"PEGAWAI {i}", "BAGIAN UMUM" if i % 2 else "BAGIAN KEUANGAN",
               "SEKRETARIAT DAERAH", "ANALIS KEBIJAKAN", hasil, perilaku, akhir, "III/a", "PNS",
               "JABATAN FUNGSIONAL", "0"]


def write_export(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for line in TITLE:
        ws.append(line)
    ws.merge_cells("A1:L1")
    ws.append(HEADER)
    for row in export_rows():
        ws.append(row)
    wb.save(path)
    return path


def evaluate(*args):
    r = CliRunner().invoke(main, ["evaluate", str(CEK), *map(str, args), "--map", "ekinerja-bkn",
                                  "--format", "jsonl"])
    return r, [json.loads(line) for line in r.stdout.splitlines()]


def flagged(rows) -> list[int]:
    return [r["row"] for r in rows if any(a["id"] == "predikat-tidak-sesuai" for a in r.get("actions", []))]


def test_export_yields_exactly_the_disagreeing_rows(tmp_path):
    r, rows = evaluate(write_export(tmp_path / "export.xlsx"))
    assert r.exit_code == 0, r.output
    assert len(rows) == len(ROWS)
    assert all(x["status"] == "ok" for x in rows)
    assert flagged(rows) == DISAGREE == [5, 6, 8, 11]
    reasons = {x["row"]: x["actions"][0]["reason"] for x in rows if x["row"] in DISAGREE}
    assert reasons[5] == ("e-Kinerja mencatat Sangat Baik, tetapi kuadran Sesuai Ekspektasi × Sesuai Ekspektasi "
                          "memberi Baik")
    assert reasons[11] == ("e-Kinerja mencatat Kurang/Misconduct, tetapi kuadran Di Bawah Ekspektasi × "
                           "Di Bawah Ekspektasi memberi Sangat Kurang")


def test_export_as_csv_gives_the_same_answer(tmp_path):
    import csv

    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(export_rows())
    r, rows = evaluate(path)
    assert r.exit_code == 0, r.output
    assert flagged(rows) == DISAGREE


def test_empty_hasil_akhir_and_bad_labels_are_reported(tmp_path):
    path = write_export(tmp_path / "export.xlsx")
    wb = load_workbook(path)
    ws = wb["Sheet1"]
    ws["H8"] = None                  # row 1: hasil_akhir empty
    ws["F9"] = "DIATAS EKSPETASI"    # row 2: a typo e-Kinerja would not make, but a hand edit might
    ws["A10"] = 1.98609262015051e17  # row 3: NIP retyped as a number
    wb.save(path)
    r, rows = evaluate(path)
    assert r.exit_code == 1
    assert [a["id"] for a in rows[0]["actions"]] == ["hasil-akhir-kosong"]
    assert [(e["cell"], e["code"]) for e in rows[1]["errors"]] == [("Sheet1!F9", "K403")]
    assert [(e["cell"], e["code"]) for e in rows[2]["errors"]] == [("Sheet1!A10", "K405")]
    assert flagged(rows) == DISAGREE


def test_title_block_of_another_height_is_found_by_column_names(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["REKAP"])
    ws.append(HEADER)
    for row in export_rows():
        ws.append(row)
    path = tmp_path / "short.xlsx"
    wb.save(path)
    r, rows = evaluate(path)
    assert r.exit_code == 0, r.output
    assert flagged(rows) == DISAGREE
    assert "note: Sheet: header found on row 2, not on row 7 as mapping ekinerja-bkn expects\n" in r.stderr


def test_export_to_xlsx_report(tmp_path):
    out = tmp_path / "hasil.xlsx"
    r = CliRunner().invoke(main, ["evaluate", str(CEK), str(write_export(tmp_path / "e.xlsx")), "--map",
                                  "ekinerja-bkn", "--format", "xlsx", "-o", str(out)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    rows = list(wb["Hasil"].iter_rows(values_only=True))
    assert len(rows) - 1 == len(ROWS)
    col = rows[0].index("Tindak lanjut")
    assert [i for i, row in enumerate(rows[1:], 1) if row[col] == "predikat-tidak-sesuai"] == DISAGREE
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(values_only=True) if r and r[0]}
    assert summary["predikat-tidak-sesuai (Predikat e-Kinerja berbeda dengan kuadran)"] == len(DISAGREE)


def test_kuadran_mirrors_the_national_policy():
    def rows(path):
        policy, findings = compile_policy(resolve(read_document(str(path))))
        assert policy is not None, findings
        return policy.resolved.sections["tables"]["predikat"].spec["rows"]

    assert rows(CEK) == rows(NATIONAL)


def test_policy_validates_and_its_tests_pass():
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(CEK)]).exit_code == 0
    r = runner.invoke(main, ["test", str(CEK)])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("value,expected", [
    ("DIATAS EKSPEKTASI", "Di Atas Ekspektasi"), ("Di Atas", "Di Atas Ekspektasi"), ("3", "Di Bawah Ekspektasi"),
    ("SANGAT BAIK", "Sangat Baik"), ("KURANG", "Kurang/Misconduct"), ("Kurang/Misconduct", "Kurang/Misconduct"),
    ("MISCONDUCT", "Kurang/Misconduct"), ("BUTUH  PERBAIKAN", "Butuh Perbaikan"),
])
def test_shipped_spellings(value, expected):
    from kinerja.records.mapping import load_mapping, norm_value

    m = load_mapping("ekinerja-bkn")
    table = m.values["hasil_akhir"] if expected not in ("Di Atas Ekspektasi", "Di Bawah Ekspektasi") \
        else m.values["rating_hasil_kerja"]
    assert table[norm_value(value)] == expected


# --- kinerja ekinerja: only the rows to look at ---------------------------------------------------


def test_ekinerja_command_lists_only_disagreements(tmp_path):
    r = CliRunner().invoke(main, ["ekinerja", str(write_export(tmp_path / "e.xlsx")), "--format", "json"])
    assert r.exit_code == 1, r.output
    rows = json.loads(r.stdout)
    assert [(x["row"], x["where"], x["hasil_akhir"], x["predikat"], x["finding"]) for x in rows] == [
        (5, "Sheet1 row 12", "Sangat Baik", "Baik", "predikat-tidak-sesuai"),
        (6, "Sheet1 row 13", "Butuh Perbaikan", "Kurang/Misconduct", "predikat-tidak-sesuai"),
        (8, "Sheet1 row 15", "Kurang/Misconduct", "Butuh Perbaikan", "predikat-tidak-sesuai"),
        (11, "Sheet1 row 18", "Kurang/Misconduct", "Sangat Kurang", "predikat-tidak-sesuai"),
    ]
    assert rows[0]["nip"] == "198609262015051005" and rows[0]["nama"] == "PEGAWAI 5"
    assert r.stderr.endswith("rows: 12, disagree: 4, hasil_akhir empty: 0, unreadable: 0\n")


def test_ekinerja_command_table_and_csv(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["198609262015051001", "Budi", "Umum", "", "", "SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI", "BAIK"])
    ws.append(["198609262015051002", "Sari", "Umum", "", "", "SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI", None])
    ws.append([1.98609262015051e17, "Tono", "Umum", "", "", "SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI", "BAIK"])
    path = tmp_path / "e.xlsx"
    wb.save(path)
    r = CliRunner().invoke(main, ["ekinerja", str(path)])
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        "row  where        nip                 nama  hasil_akhir  predikat  reason",
        "2    Sheet row 3  198609262015051002  Sari               Baik      e-Kinerja belum mencatat hasil_akhir; "
        "kuadran memberi Baik",
        "3    Sheet row 4                      Tono  Baik                   Sheet!A4 = 1.98609262015051e+17: the NIP "
        "was stored as a decimal number and may have lost digits; store NIPs as text",
    ]
    r = CliRunner().invoke(main, ["ekinerja", str(path), "--format", "csv"])
    assert r.stdout.splitlines()[0] == "row,where,nip,nama,unit_kerja,hasil_akhir,predikat,finding,reason"
    assert r.stdout.splitlines()[1].startswith("2,Sheet row 3,198609262015051002,Sari,Umum,,Baik,hasil-akhir-kosong,")


def test_ekinerja_command_all_agree_exits_0(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["198609262015051001", "Budi", "Umum", "", "", "DIATAS EKSPEKTASI", "DIATAS EKSPEKTASI", "SANGAT BAIK"])
    path = tmp_path / "e.xlsx"
    wb.save(path)
    r = CliRunner().invoke(main, ["ekinerja", str(path)])
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr == ("note: Sheet: header found on row 1, not on row 7 as mapping ekinerja-bkn expects\n"
                        "rows: 1, disagree: 0, hasil_akhir empty: 0, unreadable: 0\n")


def test_ekinerja_command_missing_file_exits_2(tmp_path):
    r = CliRunner().invoke(main, ["ekinerja", str(tmp_path / "nope.xlsx")])
    assert r.exit_code == 2
    assert r.stderr.startswith("kinerja: cannot read ")
