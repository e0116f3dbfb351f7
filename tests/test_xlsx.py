"""Excel in and out: records read from .xlsx with every bad cell reported by reference, and
results written as a workbook that opens without repair (openpyxl and LibreOffice)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from kinerja.cli.main import main
from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.evaluator import Evaluator
from kinerja.policy.documents import read_document, resolve
from kinerja.records.read import read_records
from kinerja.records.sheet import NO_SAVED_VALUE, cell_ref, maybe_rounded
from kinerja.records.source import BadCell, RecordsError

ROOT = Path(__file__).parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"

COLUMNS = ["nip", "nama", "jenis_asn", "golongan", "jenis_jabatan", "jenjang_fungsional", "unit_kerja",
           "tahun_dalam_pangkat", "rating_hasil_kerja", "rating_perilaku_kerja", "predikat_tahun_lalu",
           "jp_pengembangan", "hukuman_disiplin", "potensial", "bulan_dinilai"]
# One table, written as CSV, as `;`-CSV with a BOM and decimal commas, and as XLSX (numbers as numbers).
TABLE = [
    ["198609262015051001", "Budi Santoso", "PNS", "III/b", "Pelaksana", None, "Bagian Umum",
     4, DA, DA, "Baik", 24, "tidak_ada", 92.5, None],
    ["199001012019032002", "Siti Aminah", "PNS", "III/a", "Fungsional", "Ahli Pertama", "Dinas Kesehatan",
     2.5, DB, DB, None, 12, "sedang", 78, 9],
    ["198712312010121003", "Agus Salim", "PPPK", None, "Fungsional", "Ahli Muda", "Dinas Kesehatan",
     1, SE, DB, "Baik", 20, "tidak_ada", 77.99, 12],
    ["197505052000031004", "Dewi Lestari", "PNS", "IV/a", "Administrator", None, "Sekretariat",
     6.75, SE, SE, "Sangat Baik", 40, "ringan", 90, None],
    ["198001012005011005", "Rudi Hartono", "PNS", "II/c", "Pelaksana", None, "Bagian Umum",
     3.9999999999, DB, SE, "Butuh Perbaikan", 5, "tidak_ada", None, 6],
]


def text(value) -> str:
    return "" if value is None else (repr(value) if isinstance(value, float) else str(value))


def write_csv(path: Path, rows, delimiter=",", bom=False, comma=False) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow([text(v).replace(".", ",") if comma and isinstance(v, float) else text(v) for v in row])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    return path


def write_xlsx(path: Path, rows, title="Data", above=(), header=COLUMNS) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for line in above:
        ws.append(list(line))
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def patch_cells(path: Path, cells: dict[str, str]) -> None:
    """Rewrite raw cell XML (as other tools write it): {"A9": '<v>198609262015051001</v>'}."""
    import re

    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = items[name].decode("utf-8")
    for ref, inner in cells.items():
        xml, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', f'<c r="{ref}"{inner}', xml, count=1)
        assert n == 1, ref
    items[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w") as z:
        for n, data in items.items():
            z.writestr(n, data)


def run(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    return result


@pytest.fixture(scope="module")
def national():
    policy, findings = compile_policy(resolve(read_document(str(NATIONAL))))
    assert policy is not None, findings
    return policy


def evaluate_file(policy, path, **kw):
    notes: list[str] = []
    results = list(Evaluator(policy).run(read_records(str(path), notes=notes, **kw)))
    return results, notes


# --- the same records as CSV, ;-CSV with BOM, and XLSX give identical results -------------------


def test_csv_semicolon_bom_and_xlsx_give_identical_json(tmp_path):
    files = [write_csv(tmp_path / "a.csv", TABLE),
             write_csv(tmp_path / "b.csv", TABLE, delimiter=";", bom=True, comma=True),
             write_xlsx(tmp_path / "c.xlsx", TABLE)]
    outputs = []
    for f in files:
        r = run("evaluate", NATIONAL, f, "--format", "json")
        assert r.exit_code == 0, r.output
        outputs.append(r.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    rows = json.loads(outputs[0])
    assert [(r["row"], r["status"], r["outputs"]["predikat"]) for r in rows] == [
        (1, "ok", "Sangat Baik"), (2, "ok", "Sangat Kurang"), (3, "ok", "Kurang/Misconduct"), (4, "ok", "Baik"),
        (5, "ok", "Butuh Perbaikan")]
    assert '"angka_kredit": 12.50' in outputs[2]  # exact Decimal with its places, from Excel numbers too


def test_identical_results_carry_exact_decimals(tmp_path, national):
    csv_results, _ = evaluate_file(national, write_csv(tmp_path / "a.csv", TABLE))
    xlsx_results, _ = evaluate_file(national, write_xlsx(tmp_path / "a.xlsx", TABLE))
    assert [r.outputs for r in csv_results] == [r.outputs for r in xlsx_results]
    # 3.9999999999 from a formula goes through Decimal(repr(f)), not a binary float
    assert xlsx_results[4].ok
    assert csv_results[1].outputs["angka_kredit"] == Decimal("2.34")  # 12.5 × 25% × 9/12 = 2.34375


# --- NIPs stored as numbers, a title block, bad cells: every one reported by reference ----------

NIP_ROWS = [
    # A: nip              B: nama   C: hasil   D: perilaku  E: tahun
    ["placeholder-1", "Exact int", DA, DA, 4],         # row 6: exact 18-digit integer in the XML
    [1.98609262015051e17, "Rounded float", DA, SE, 4],  # row 7: Excel kept 15 digits
    ["placeholder-3", "Int ending 000", SE, SE, 4],    # row 8: integer that came from a float
    ["198609262015051004", "Typo", "Diatas Ekspektasi", SE, 4],   # row 9: label typo
    ["198609262015051005", "Formula", SE, "=C10", 4],   # row 10: formula without saved value
    ["198609262015051006", "Error cell", SE, SE, "#DIV/0!"],  # row 11: Excel error
    ["198609262015051007", "Negative", SE, SE, -1],     # row 12: below the minimum
    ["198609262015051008", "Fine", SE, DA, 4.5],        # row 13: ok
]


def nip_policy(tmp_path):
    path = tmp_path / "nip.yaml"
    path.write_text(f"""kinerja: 1
id: nip-test
name: NIP test
version: "1"
fields:
  nip: {{type: nip, required: true}}
  nama: {{type: string}}
  rating_hasil_kerja: {{type: enum, values: [{DA}, {SE}, {DB}], required: true}}
  rating_perilaku_kerja: {{type: enum, values: [{DA}, {SE}, {DB}], required: true}}
  tahun: {{type: number, min: 0, required: true}}
tables:
  predikat:
    inputs: [rating_hasil_kerja, rating_perilaku_kerja]
    rows:
      - [{DA}, {DA}, Sangat Baik]
      - [{DA}, {SE}, Baik]
      - [{SE}, [{DA}, {SE}], Baik]
      - [[{DA}, {SE}], {DB}, Kurang/Misconduct]
      - [{DB}, [{DA}, {SE}], Butuh Perbaikan]
      - [{DB}, {DB}, Sangat Kurang]
""", encoding="utf-8")
    return path


def nip_workbook(tmp_path) -> Path:
    path = write_xlsx(tmp_path / "nip.xlsx", NIP_ROWS, title="Data",
                      above=[["DAFTAR PENILAIAN KINERJA"], ["Unit: Bagian Umum", "Tahun 2024"], [], []],
                      header=["nip", "nama", "rating_hasil_kerja", "rating_perilaku_kerja", "tahun"])
    wb = load_workbook(path)
    ws = wb["Data"]
    ws.merge_cells("A1:E1")
    ws.merge_cells("B13:B14")  # a merge inside the data: noted
    for r in (15, 16, 17):
        ws.cell(row=r, column=1).number_format = "@"  # formatted but empty rows at the end
    wb.save(path)
    patch_cells(path, {"A6": ' t="n"><v>198609262015051001</v></c>',
                       "A8": ' t="n"><v>198609262015051000</v></c>'})
    return path


def test_nip_workbook_reports_every_bad_cell_by_reference(tmp_path):
    wb_path = nip_workbook(tmp_path)
    r = run("evaluate", nip_policy(tmp_path), wb_path, "--format", "jsonl")
    assert r.exit_code == 1, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == len(NIP_ROWS)  # no record lost
    by_row = {row["row"]: row for row in rows}
    assert by_row[1]["status"] == "ok" and by_row[1]["nip"] == "198609262015051001"
    cells = {n: [(e["cell"], e["code"]) for e in row.get("errors", [])] for n, row in by_row.items()}
    assert cells == {
        1: [], 2: [("Data!A7", "K405")], 3: [("Data!A8", "K405")], 4: [("Data!C9", "K403")],
        5: [("Data!D10", "K402")], 6: [("Data!E11", "K402")], 7: [("Data!E12", "K404")], 8: [],
    }
    reasons = {n: [e["reason"] for e in row.get("errors", [])] for n, row in by_row.items()}
    assert reasons[5] == [NO_SAVED_VALUE]
    assert reasons[6] == ["the cell shows the Excel error #DIV/0!"]
    assert "lost digits" in reasons[2][0] and "lost digits" in reasons[3][0]
    assert 'did you mean "Di Atas Ekspektasi"' in reasons[4][0]
    assert by_row[8]["outputs"] == {"predikat": "Baik"}
    assert "note: Data: 4 empty rows after row 13 ignored\n" in r.stderr


def test_nip_workbook_notes(tmp_path):
    notes: list[str] = []
    sources = list(read_records(str(nip_workbook(tmp_path)), notes=notes))
    assert [s.where for s in sources] == [f"Data row {r}" for r in range(6, 14)]
    assert sources[0].data["nip"] == 198609262015051001  # exact, as stored
    assert isinstance(sources[2].data["nip"], float)  # 198609262015051000: handed on as a number
    assert sources[0].cells["nip"] == "Data!A6"
    assert notes == ["Data: 4 empty rows after row 13 ignored",
                     "Data: merged cells B13:B14: only the top-left cell of each holds a value; "
                     "the other cells were read as empty"]


@pytest.mark.parametrize("value,expected", [
    (198609262015051001, 198609262015051001),
    (198609262015051000, 198609262015051000.0),
    (123456789012345, 123456789012345),  # 15 digits: exact in Excel
    (24, 24),
    (-198609262015051000, -198609262015051000.0),
], ids=["exact-18", "rounded-18", "15-digits", "small", "negative"])
def testmaybe_rounded(value, expected):
    got = maybe_rounded(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("sheet,expected", [("Data", "Data!D14"), ("Data Pegawai", "'Data Pegawai'!D14"),
                                            ("O'Neil", "'O''Neil'!D14"), ("2024", "'2024'!D14")])
def test_cell_ref(sheet, expected):
    assert cell_ref(sheet, 4, 14) == expected


_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=20).filter(
    lambda t: t.strip() and t[0] != "=" and t not in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                                                      "#N/A"))
_CELL = st.one_of(_TEXT, st.integers(-10**15 + 1, 10**15 - 1), st.booleans(),
                  # 15 significant digits: what Excel keeps (openpyxl itself writes no more than 16)
                  st.floats(-1e300, 1e300).map(lambda f: float(f"{f:.15g}")), st.none())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELL, min_size=3, max_size=3).filter(lambda r: any(v is not None for v in r)),
                     min_size=1, max_size=6))
def test_values_come_back_as_stored(tmp_path, rows):
    path = write_xlsx(tmp_path / "p.xlsx", rows, header=["a", "b", "c"])
    got = list(read_records(str(path)))
    assert [s.data for s in got] == [dict(zip("abc", r)) for r in rows]
    assert [s.where for s in got] == [f"Data row {i}" for i in range(2, len(rows) + 2)]


@pytest.mark.parametrize("text", ["\ue000kinerja:cut\ue000", "a\ue000kinerja:cut:0123456789abcdef\ue000"])
def test_a_cell_imitating_the_cut_mark_is_its_text(tmp_path, text):
    # The guard marks a cut cell with a word drawn for the process (records/xlsx_guard.py): a
    # file that writes the mark's shape into a cell gets its text back, not a K410 on it.
    path = write_xlsx(tmp_path / "p.xlsx", [["1", text]], header=["a", "b"])
    assert [s.data for s in read_records(str(path))] == [{"a": "1", "b": text}]


# --- sheets and headers -------------------------------------------------------------------------


def two_sheets(tmp_path) -> Path:
    path = tmp_path / "two.xlsx"
    wb = Workbook()
    wb.active.title = "Petunjuk"
    wb.active.append(["Isi sheet Data"])
    ws = wb.create_sheet("Data Pegawai")
    ws.append(["nip", "nama"])
    ws.append(["198609262015051001", "Budi"])
    wb.save(path)
    return path


def test_first_sheet_by_default_and_sheet_by_name(tmp_path):
    path = two_sheets(tmp_path)
    notes: list[str] = []
    assert list(read_records(str(path), notes=notes)) == []  # the first sheet, which holds no records
    assert notes == ["Petunjuk: no records below the header on row 1"]
    got = list(read_records(str(path), sheet="data pegawai"))
    assert [(s.data, s.cells["nama"]) for s in got] == [({"nip": "198609262015051001", "nama": "Budi"},
                                                         "'Data Pegawai'!B2")]


def test_unknown_sheet_lists_the_sheets(tmp_path):
    path = two_sheets(tmp_path)
    r = run("evaluate", NATIONAL, path, "--sheet", "Data Pegawal")
    assert r.exit_code == 2
    assert r.stderr == (f'kinerja: {path} has no sheet named "Data Pegawal" (did you mean "Data Pegawai"?); '
                        'its sheets are: "Petunjuk", "Data Pegawai"\n')


def test_header_row_option_and_detection(tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [["198609262015051001", "Budi", 3]],
                      above=[["LAPORAN"], ["Periode", "2024"], []], header=["nip", "nama", "jp"])
    detected = list(read_records(str(path)))
    explicit = list(read_records(str(path), header_row=4))
    assert [s.data for s in detected] == [s.data for s in explicit] == [
        {"nip": "198609262015051001", "nama": "Budi", "jp": 3}]
    assert detected[0].where == "Data row 5"
    with pytest.raises(RecordsError, match="sheet Data: row 3 is empty; expected the header"):
        list(read_records(str(path), header_row=3))


def test_header_row_far_below_a_long_preamble(tmp_path):
    preamble = [[f"catatan {i}", "isi"] for i in range(40)]
    path = write_xlsx(tmp_path / "far.xlsx", [["198609262015051001", "Budi"]], above=preamble, header=["nip", "nama"])
    got = list(read_records(str(path), header_row=41))
    assert [(s.data, s.where) for s in got] == [({"nip": "198609262015051001", "nama": "Budi"}, "Data row 42")]


def test_numbering_row_under_the_header_is_skipped(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", [[1, 2, 3], ["198609262015051001", "Budi", 7]], header=["nip", "nama", "jp"])
    notes: list[str] = []
    got = list(read_records(str(path), notes=notes))
    assert [s.data["jp"] for s in got] == [7]
    assert notes == ["Data: row 2 holds column numbers (1, 2, 3, …) and was ignored"]


def test_duplicate_header_is_an_error_with_cells(tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", [["1", "2"]], header=["nip", "NIP ", "nip"])
    with pytest.raises(RecordsError, match=r'names a column twice: "nip" at Data!A1, Data!C1'):
        list(read_records(str(path)))


def test_blank_rows_between_records_and_stray_columns_are_noted(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append(["nip", "nama"])
    ws.append(["1", "a"])
    ws.append([])
    ws.append(["2", "b", "stray"])
    path = tmp_path / "b.xlsx"
    wb.save(path)
    notes: list[str] = []
    assert [s.row for s in read_records(str(path), notes=notes)] == [1, 2]
    assert notes == ["S: 1 empty row between records ignored", "S: values in column C, which has no header, ignored"]


def test_not_an_xlsx_file(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("nip,nama\n1,a\n", encoding="utf-8")
    r = run("evaluate", NATIONAL, path)
    assert r.exit_code == 2
    assert r.stderr == (f"kinerja: {path} is not an .xlsx workbook (an old .xls file? open it in Excel and "
                        "save it as .xlsx)\n")


def test_empty_sheet(tmp_path):
    path = tmp_path / "e.xlsx"
    Workbook().save(path)
    with pytest.raises(RecordsError, match="sheet Sheet is empty"):
        list(read_records(str(path)))


def test_xlsx_from_stdin(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", TABLE[:2])
    r = run("evaluate", NATIONAL, "-", "--input-format", "xlsx", "--format", "jsonl", input=path.read_bytes())
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 2


def test_formula_with_saved_empty_text_is_empty_not_an_error(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["198609262015051001", "x", "y"]], header=["nip", "nama", "unit"])
    patch_cells(path, {"C2": ' t="str"><f>IF(1,"","")</f><v></v></c>',
                       "B2": '><f>1+1</f></c>'})
    got = list(read_records(str(path)))
    assert got[0].data["unit"] is None
    assert got[0].data["nama"] == BadCell(None, NO_SAVED_VALUE)


# --- XLSX output ----------------------------------------------------------------------------------


def evaluate_to_xlsx(tmp_path, policy=NATIONAL, records=None, *extra):
    records = records or write_csv(tmp_path / "in.csv", TABLE + [["bad", "Rusak", "PNS"] + [None] * 12])
    out = tmp_path / "hasil.xlsx"
    r = run("evaluate", policy, records, "--format", "xlsx", "-o", out, *extra)
    assert r.exit_code in (0, 1), r.output
    return out


def test_xlsx_output_sheets_rows_and_styles(tmp_path):
    out = evaluate_to_xlsx(tmp_path)
    wb = load_workbook(out)
    assert wb.sheetnames == ["Hasil", "Penjelasan", "Ringkasan"]
    ws = wb["Hasil"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("No", "NIP", "Nama", "Status", "predikat")
    assert len(rows) - 1 == len(TABLE) + 1  # one row per input record, errors included
    assert ws.freeze_panes == "D2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(header)).column_letter}{len(TABLE) + 2}"
    assert ws.column_dimensions["B"].width == 20  # 18-digit NIP + 2
    col = {name: i for i, name in enumerate(header)}
    predikat = [r[col["predikat"]] for r in rows[1:]]
    assert predikat == ["Sangat Baik", "Sangat Kurang", "Kurang/Misconduct", "Baik", "Butuh Perbaikan", None]
    fills = [ws.cell(row=i, column=col["predikat"] + 1).fill.start_color.rgb for i in range(2, 7)]
    assert fills == ["001E7B34", "00E06666", "00F4B183", "0092D050", "00FFE699"]
    bad = rows[6]
    assert bad[col["Status"]] == "error"
    assert "nip = 'bad': a NIP is 18 digits; this one contains characters other than digits" in bad[col["Kesalahan"]]
    assert bad[col["Lokasi"]] == "line 7"


def test_xlsx_output_explanation_and_summary(tmp_path, national):
    wb = load_workbook(evaluate_to_xlsx(tmp_path))
    lines = list(wb["Penjelasan"].iter_rows(values_only=True))
    assert lines[0] == ("No", "NIP", "Nama", "Penjelasan")
    assert [r[0] for r in lines[1:]] == list(range(1, len(TABLE) + 2))  # every record explained, in order
    budi = lines[1][3].splitlines()
    assert budi[0].startswith("Penjelasan hasil penilaian — kebijakan permenpanrb-6-2022 versi")
    assert "Tabel predikat: rating_hasil_kerja_akhir = Di Atas Ekspektasi, rating_perilaku_kerja = Di Atas Ekspektasi" \
           " → baris 1 → Sangat Baik" in budi
    assert "  - nip: a NIP is 18 digits; this one contains characters other than digits" in \
        lines[-1][3].splitlines()
    summary = {r[0]: r[1:] for r in wb["Ringkasan"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Kebijakan"][0] == "permenpanrb-6-2022"
    assert summary["SHA-256"][0] == national.sha256
    assert summary["Jumlah catatan"][0] == len(TABLE) + 1
    assert summary["Sangat Baik"][0] == 1 and summary["Baik"][0] == 1 and summary["(error)"][0] == 1
    assert summary["Dinas Kesehatan"][:3] == (2, 0, 0)


@pytest.mark.parametrize("nama,shown", [
    ('=HYPERLINK("http://x","klik")', '=HYPERLINK("http://x","klik")'), ("#N/A", "#N/A"), ("=1+1", "=1+1"),
    ("Siti\x01 Aminah", "Siti Aminah"), ("Ni Luh  Putu", "Ni Luh  Putu"),
], ids=["hyperlink", "error-code", "formula", "control-char", "spaces"])
def test_xlsx_output_keeps_text_as_text(tmp_path, nama, shown):
    table = [list(TABLE[0])]
    table[0][1] = nama
    out = evaluate_to_xlsx(tmp_path, records=write_csv(tmp_path / "f.csv", table))
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and 't="e"' not in xml
    assert load_workbook(out)["Hasil"]["C2"].value == shown


def test_xlsx_output_needs_a_file(tmp_path):
    r = run("evaluate", NATIONAL, write_csv(tmp_path / "a.csv", TABLE), "--format", "xlsx")
    assert r.exit_code == 2


def test_xlsx_output_opens_in_libreoffice(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc to run this check")
    out = evaluate_to_xlsx(tmp_path)
    conv = tmp_path / "conv"
    proc = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(conv), str(out)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO((conv / "hasil.csv").read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["No", "NIP", "Nama", "Status"]
    assert len(rows) - 1 == len(TABLE) + 1
    assert rows[1][1] == "198609262015051001"
