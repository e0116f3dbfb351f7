"""The calamine reader (records/xlsx_fast.py) reads what the openpyxl reader (records/xlsx.py) reads:
the same records, cell references, notes and errors. A workbook calamine would read differently
(an error cell, a formula without a saved value, a percentage, an 18-digit number, a hostile
sheet) goes to the openpyxl reader; each such case below proves the fall-back is taken and the
records are the openpyxl reader's.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.records import xlsx_fast
from kinerja.records.read import read_records
from kinerja.records.source import PercentCell, RecordsError
from kinerja.records.xlsx import read_xlsx
from kinerja.records.xlsx_fast import _up_to, calamine_reads, read_xlsx_fast


def both(path: Path, **options) -> tuple[list, list]:
    """(records, notes) from each reader: openpyxl's, then the fast one."""
    out = []
    for reader in (read_xlsx, read_xlsx_fast):
        notes: list[str] = []
        with open(path, "rb") as fh:
            got = [(s.row, s.data, s.where, dict(s.cells or {}), s.problem, s.code)
                   for s in reader(fh, str(path), notes=notes, **options)]
        out.append((got, notes))
    return out[0], out[1]


def fast(path: Path, sheet: str | None = None) -> bool:
    with open(path, "rb") as fh:
        return calamine_reads(fh, str(path), sheet)


def workbook(path: Path, rows: list[list], *, title: str = "Data", formats: dict[str, str] | None = None,
             merge: str | None = None, second: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    if merge:
        ws.merge_cells(merge)
    if second:
        wb.create_sheet("Kedua").append(["nip", "nama"])
    wb.save(path)
    return path


HEADER = ["nip", "nama", "nilai", "jumlah", "tanggal", "aktif", "catatan"]
ROW = ["198609262015051001", "Budi Santoso", 87.5, 12, dt.date(2024, 1, 2), True, "  spasi  "]

SAME = {  # name: (rows, options for `workbook`)
    "plain": ([HEADER, ROW, ["198609262015051002", "Sari", 0.1, -3, dt.date(1999, 12, 31), False, "é ü ñ 中文"]], {}),
    "title-block": ([["LAPORAN KINERJA"], ["Periode", 2024], [], HEADER, ROW], {}),
    "numbering-row": ([HEADER, [1, 2, 3, 4, 5, 6, 7], ROW], {}),
    "blank-rows-and-stray-column": ([HEADER, ROW, [], [], ROW + [None, "stray"], [None] * 3], {}),
    "numbers": ([["nip", "a", "b", "c"], ["1", 123456789012345, 1e-7, -2.5e-300], ["2", -0.0, 3.0, 1 / 3]], {}),
    "dates-and-times": ([["nip", "d", "dt", "t", "plain"],
                         ["1", dt.date(2024, 2, 29), dt.datetime(2024, 1, 2, 13, 45, 30), dt.time(8, 30), "x"]],
                        {"formats": {"B2": "dd/mm/yyyy", "C2": "yyyy-mm-dd hh:mm:ss", "D2": "h:mm"}}),
    "odd-times": ([["nip", "a", "b", "c"],
                   ["1", dt.datetime(2024, 1, 2, 13, 45, 30, 123456), dt.time(23, 59, 59, 999000),
                    dt.datetime(1900, 3, 1)]], {}),
    "builtin-date-format": ([["nip", "d"], ["1", dt.date(2024, 3, 1)]], {"formats": {"B2": "mm-dd-yy"}}),
    "merged-title": ([["Judul", None, None], ["nip", "nama", "x"], ["1", "a", "b"]], {"merge": "A1:C1"}),
    "quoted-sheet-name": ([HEADER, ROW], {"title": "Data Pegawai"}),
    "second-sheet": ([HEADER, ROW], {"second": True}),
}


def test_a_workbook_counting_dates_from_1904(tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["nip", "tanggal"])
    ws.append(["1", dt.date(2024, 1, 2)])
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    slow, quick = both(path)
    assert quick == slow and slow[0][0][1]["tanggal"] == dt.date(2024, 1, 2)


@pytest.mark.parametrize("name", SAME)
def test_calamine_reads_what_openpyxl_reads(tmp_path, name):
    rows, options = SAME[name]
    path = workbook(tmp_path / f"{name}.xlsx", rows, **options)
    assert fast(path)  # the fast reader reads it itself
    slow, quick = both(path)
    assert quick == slow
    assert slow[0]  # not vacuous: records were read


def test_the_sheet_named_and_the_header_row_given(tmp_path):
    path = workbook(tmp_path / "s.xlsx", [["x"], HEADER, ROW], second=True)
    assert both(path, sheet="kedua")[0] == both(path, sheet="kedua")[1]
    slow, quick = both(path, header_row=2)
    assert quick == slow and slow[0][0][2] == "Data row 3"


def _edit(path: Path, change) -> Path:
    """The workbook with its sheet XML changed by `change(text) -> text`."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = change(parts[sheet].decode("utf-8")).encode("utf-8")
    out = path.with_name("edited-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, body in parts.items():
            z.writestr(n, body)
    return out


def _cell(ref: str, xml: str):
    """Replace cell `ref` (an inline-text cell `openpyxl` wrote) with `xml`."""
    return lambda text: re.sub(rf'<c r="{ref}"[^>]*>.*?</c>', xml, text, count=1)


def _shared(text: str, strings: list[str]) -> str:
    """The sheet with every inline text cell turned into a shared-string cell, as Excel writes them."""
    def one(m: re.Match) -> str:
        strings.append(m.group(2))
        return f'<c r="{m.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'
    return re.sub(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', one, text)


def with_shared_strings(path: Path, special: dict[int, str] | None = None) -> Path:
    """The workbook as Excel writes it: text in the shared-strings table (`special`: the XML of
    some items, by index, instead of plain text)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    strings: list[str] = []
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = _shared(parts[sheet].decode("utf-8"), strings).encode("utf-8")
    items = [(special or {}).get(i, f'<si><t xml:space="preserve">{t}</t></si>') for i, t in enumerate(strings)]
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{ns}" count="{len(items)}">{"".join(items)}</sst>'.encode()
    types = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" '
                                                 'ContentType="application/vnd.openxmlformats-officedocument.'
                                                 'spreadsheetml.sharedStrings+xml"/></Types>').encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", '<Relationship Id="rIdS" Type="http://'
                                                       "schemas.openxmlformats.org/officeDocument/2006/relationships/"
                                                       'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
                                                       ).encode()
    out = path.with_name("shared-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, body in parts.items():
            z.writestr(n, body)
    return out


@pytest.mark.parametrize("name", ["plain", "title-block", "numbering-row", "blank-rows-and-stray-column"])
def test_shared_strings_as_excel_writes_them(tmp_path, name):
    rows, options = SAME[name]
    path = with_shared_strings(workbook(tmp_path / f"{name}.xlsx", rows, **options))
    assert b't="s"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")  # not vacuous
    assert fast(path)
    slow, quick = both(path)
    assert quick == slow and slow[0]


def test_rich_text_and_escaped_characters_in_shared_strings(tmp_path):
    path = with_shared_strings(workbook(tmp_path / "r.xlsx", [["nip", "nama", "catatan"], ["1", "x", "y"]]), {
        4: '<si><r><t>Bu</t></r><r><rPr><b/></rPr><t xml:space="preserve">di &amp; co </t></r></si>',
        5: "<si><t>A &lt; B &gt; C</t></si>"})
    assert fast(path)
    slow, quick = both(path)
    assert quick == slow
    assert slow[0][0][1] == {"nip": "1", "nama": "Budi & co ", "catatan": "A < B > C"}


def test_a_table_starting_away_from_a1_keeps_its_cell_references(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for r, row in enumerate([["nip", "nama"], ["198609262015051001", "Budi"]], 5):
        for c, value in enumerate(row, 3):
            ws.cell(row=r, column=c, value=value)
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    assert fast(path)
    slow, quick = both(path)
    assert quick == slow
    assert slow[0][0][2:4] == ("Data row 6", {"nip": "Data!C6", "nama": "Data!D6"})


FALLS_BACK = {  # name: a change to a plain two-record sheet that calamine would read differently
    "error-cell": _cell("C2", '<c r="C2" t="e"><v>#REF!</v></c>'),
    "formula-without-saved-value": _cell("C2", '<c r="C2"><f>A1*2</f><v></v></c>'),
    "formula-self-closed-value": _cell("C2", '<c r="C2"><f>A1*2</f><v/></c>'),
    "nip-stored-as-a-number": _cell("A2", '<c r="A2"><v>198609262015051001</v></c>'),
    "number-cell-holding-text": _cell("C2", '<c r="C2"><v>2x</v></c>'),
    "number-cell-typed-n-holding-text": _cell("C2", '<c r="C2" t="n"><v>2x</v></c>'),
    "bad-row-number": lambda text: text.replace('<row r="3"', '<row r="x3"'),
    "bad-cell-reference": _cell("C2", '<c r="??"><v>2</v></c>'),
    "far-cell-would-take-gigabytes": _cell("C2", '<c r="XFD1048576"><v>2</v></c>'),
    "far-row-would-take-gigabytes": _cell("C2", '<c r="C1048000"><v>2</v></c>'),
    "control-character-escape": _cell("B2", '<c r="B2" t="inlineStr"><is><t>a_x000D_b</t></is></c>'),
    "iso-date-cell": _cell("C2", '<c r="C2" t="d"><v>2024-01-02</v></c>'),
    "cell-beyond-the-declared-width": _cell("C2", '<c r="C2"><v>1</v></c><c r="Q2"><v>5</v></c>'),
    "whole-number-with-a-point": _cell("C2", '<c r="C2"><v>5.0</v></c>'),
    "positive-exponent": _cell("C2", '<c r="C2"><v>1.5E3</v></c>'),
}


@pytest.mark.parametrize("name", FALLS_BACK)
def test_what_calamine_would_read_differently_goes_to_openpyxl(tmp_path, name):
    path = _edit(workbook(tmp_path / "p.xlsx", [["nip", "nama", "nilai"], ["198609262015051002", "Budi", 1],
                                                  ["198609262015051003", "Sari", 2]]), FALLS_BACK[name])
    assert not fast(path)
    try:
        slow = both(path)
    except RecordsError as exc:  # the openpyxl reader refuses the file: so must the fast one
        with pytest.raises(RecordsError) as info, open(path, "rb") as fh:
            list(read_xlsx_fast(fh, str(path)))
        assert str(info.value) == str(exc)
        return
    assert slow[0] == slow[1]


@pytest.mark.parametrize("fmt,expected", [("0%", PercentCell(0.98)), ("0.00%", PercentCell(0.98)), ("0.0", 0.98),
                                          ('0.0"%"', 0.98)],
                         ids=["percent", "percent-2", "plain", "literal-percent-sign"])
def test_a_percentage_is_a_percent_cell(tmp_path, fmt, expected):
    # calamine hides number formats: the scan finds the cells whose style shows a percentage
    path = workbook(tmp_path / "p.xlsx", [["nip", "capaian", "teks"], ["1", 0.98, "98%"], ["2", None, 1]],
                    formats={"B2": fmt, "B3": fmt, "C3": fmt})
    assert fast(path)
    slow, quick = both(path)
    assert quick == slow
    assert slow[0][0][1]["capaian"] == expected and slow[0][0][1]["teks"] == "98%"


def test_a_style_written_after_the_type_goes_to_openpyxl(tmp_path):
    path = _edit(workbook(tmp_path / "p.xlsx", [["nip", "capaian"], ["1", 0.98]], formats={"B2": "0%"}),
                 lambda text: re.sub(r'<c r="B2" s="(\d+)" t="n">', r'<c r="B2" t="n" s="\1">', text))
    assert not fast(path)
    slow, quick = both(path)
    assert quick == slow and isinstance(slow[0][0][1]["capaian"], PercentCell)


@pytest.mark.parametrize("fmt,is_fast", [("dd/mm/yyyy", True), ("yyyy\\-mm\\-dd", True),
                                         ("[$-421]dd mmmm yyyy", False), ("[h]:mm", False)],
                         ids=["plain", "escaped-separators", "locale-prefix", "duration"])
def test_a_date_format_of_the_workbooks_own_is_read_by_calamine_only_when_plain(tmp_path, fmt, is_fast):
    path = workbook(tmp_path / "d.xlsx", [["nip", "tanggal"], ["1", dt.datetime(2024, 5, 6)]], formats={"B2": fmt})
    assert fast(path) is is_fast
    slow, quick = both(path)
    assert quick == slow


def test_a_sheet_without_a_declared_width_is_measured(tmp_path):
    path = _edit(workbook(tmp_path / "w.xlsx", [HEADER, ROW]), lambda text: re.sub(r"<dimension [^>]*/>", "", text))
    assert fast(path)
    slow, quick = both(path)
    assert quick == slow and slow[0]


def test_a_sheet_larger_than_calamine_may_hold_is_streamed(tmp_path, monkeypatch):
    path = workbook(tmp_path / "big.xlsx", [HEADER, ROW, ROW, ROW])  # 7 columns x 4 rows = 28 cells
    assert fast(path)
    monkeypatch.setattr(xlsx_fast, "MAX_CELLS", 27)
    assert not fast(path)
    slow, quick = both(path)
    assert quick == slow and len(slow[0]) == 3


@pytest.mark.parametrize("stored,value", [("1E-3", 0.001), ("2.5", 2.5), ("-7", -7),
                                          ("123456789012345", 123456789012345)])
def test_numbers_as_excel_stores_them_stay_fast(tmp_path, stored, value):
    path = _edit(workbook(tmp_path / "n.xlsx", [["nip", "nilai"], ["1", 0]]),
                 _cell("B2", f'<c r="B2"><v>{stored}</v></c>'))
    assert fast(path)
    slow, quick = both(path)
    assert quick == slow and slow[0][0][1]["nilai"] == value and type(slow[0][0][1]["nilai"]) is type(value)


def test_read_records_takes_the_fast_reader_from_stdin_too(tmp_path):
    path = workbook(tmp_path / "s.xlsx", [HEADER, ROW])
    got = [s.data for s in read_records("-", "xlsx", stdin=io.BytesIO(path.read_bytes()))]
    assert got == [dict(zip(HEADER, ["198609262015051001", "Budi Santoso", 87.5, 12, dt.date(2024, 1, 2), True,
                                     "  spasi  "]))]


@pytest.mark.parametrize("n", [1, 9, 10, 99, 100, 321, 50001, 1048576])
def test_the_row_numbers_up_to_the_last_row(n):
    # the scan refuses a cell below the last row so far: calamine would hold the rectangle down to it
    pattern = re.compile(f"(?:{_up_to(n)})$")
    assert [k for k in (0, n, n + 1, 10 * n) if pattern.match(str(k))] == [n]
    assert pattern.match("1") and pattern.match(str(max(1, n - 1))) and not pattern.match("01")


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15 + 1, 10**15 - 1),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e14, max_value=1e14),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_VALUES, min_size=3, max_size=3), min_size=1, max_size=6))
def test_random_cells_read_alike(tmp_path, rows):
    path = workbook(tmp_path / "h.xlsx", [["nip", "nama", "nilai"], *rows])
    slow, quick = both(path)
    assert quick == slow


def test_a_workbook_saved_by_libreoffice_reads_alike(tmp_path):
    # a second real writer: shared strings, its own styles and attribute order, a declared dimension
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc to run this check")
    (tmp_path / "src").mkdir()
    source = workbook(tmp_path / "src" / "pegawai.xlsx",
                      [["LAPORAN"], [], HEADER, ROW, ["198609262015051002", "Sari", 0.98, 3, dt.date(2024, 5, 6),
                                                     False, "x"]],
                      formats={"C5": "0%", "E4": "dd/mm/yyyy"})
    proc = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                           "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(source)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "lo" / "pegawai.xlsx"
    assert b't="s"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert fast(path)
    slow, quick = both(path)
    assert quick == slow
    assert [r[1]["nilai"] for r in slow[0]] == [87.5, PercentCell(0.98)]
