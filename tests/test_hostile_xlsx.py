"""Hostile .xlsx workbooks: DOCTYPE, malformed XML and huge cells are clean errors, and a huge
cell or shared-strings table costs linear time and bounded memory.

The workbooks are written by hand (`workbook`: only the parts Excel needs), so a test can put
anything into the sheet or shared-strings XML; tests/cases/hostile/xlsx_*.xlsx were made with it.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from kinerja.records.read import read_records
from kinerja.records.source import RecordsError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">'
            '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>')

HEADER = ["nip", "nama", "nilai", "jumlah"]
ROWS = [["198609262015051001", "Budi", 1, 1], ["198609262015051002", "Sari", 2, 2],
        ["198609262015051003", "Tono", 3, 3]]


def _cell(ref: str, value, strings: list[str]) -> str:
    if isinstance(value, str):
        strings.append(value)
        return f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet_xml(rows: list[list]) -> tuple[str, list[str]]:
    strings: list[str] = []
    body = "".join(f'<row r="{i}">' + "".join(_cell(f"{'ABCD'[j]}{i}", v, strings) for j, v in enumerate(row))
                   + "</row>" for i, row in enumerate(rows, 1))
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{body}</sheetData></worksheet>', \
        strings


def strings_xml(strings: list[str]) -> str:
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{len(strings)}">{items}</sst>'


def workbook(sheet: str | bytes | None = None, shared: str | bytes | None = None, rows=None) -> bytes:
    """An .xlsx of HEADER + ROWS (or `rows`), with the sheet or shared-strings XML replaced when given."""
    default_sheet, strings = sheet_xml([HEADER, *(rows or ROWS)])
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK,
             "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/worksheets/sheet1.xml": sheet or default_sheet,
             "xl/sharedStrings.xml": shared or strings_xml(strings)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def read(path) -> list:
    return [(s.row, s.data) for s in read_records(str(path))]


@pytest.mark.parametrize("where", ["sheet", "shared"])
def test_a_huge_cell_costs_linear_time_and_bounded_memory(tmp_path, where, timing):
    """One 20 MB cell costs about what the same 20 MB spread over 1,000 cells costs, and reading
    it holds well under 20 MB: the guard cuts it at MAX_CELL as it streams by."""
    def build(name: str, rows: list[list]) -> object:
        path = tmp_path / f"{where}-{name}.xlsx"
        if where == "shared":
            path.write_bytes(workbook(rows=rows))
        else:  # the text in the sheet itself (t="str"), not in the shared strings
            cells = "".join(f'<row r="{i}"><c r="A{i}" t="str"><v>{r[0]}</v></c><c r="B{i}" t="str"><v>{r[1]}</v></c>'
                            f'<c r="C{i}"><v>{r[2]}</v></c></row>' for i, r in enumerate(rows, 2))
            head = '<row r="1">' + "".join(f'<c r="{c}1" t="str"><v>{h}</v></c>'
                                           for c, h in zip("ABC", HEADER)) + "</row>"
            path.write_bytes(workbook(sheet=f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">'
                                            f"<sheetData>{head}{cells}</sheetData></worksheet>"))
        return path

    big = build("one", [list(ROWS[0]), ["198609262015051002", "x" * 20_000_000, 2, 2], list(ROWS[2])])
    spread = build("many", [["198609262015051001", "x" * 20_000, 1, 1]] * 1000)
    ratio = timing.ratio(lambda: read(big), lambda: read(spread), repeat=2)
    assert ratio < 8, ratio
    tracemalloc.start()
    try:
        rows = read(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, peak
    assert [r for r, _ in rows] == [1, 2, 3]
    bad = rows[1][1]["nama"]
    assert (bad.code, bad.reason) == ("K410", "the cell holds more than 131,072 characters")


def test_doctype_hidden_behind_a_long_prolog_is_still_found(tmp_path):
    sheet, _ = sheet_xml([HEADER, *ROWS])
    sheet = sheet.replace("?>", "?><!--" + " " * 200_000 + '--><!DOCTYPE worksheet [<!ENTITY a "a">]>', 1)
    path = tmp_path / "d.xlsx"
    path.write_bytes(workbook(sheet=sheet))
    with pytest.raises(RecordsError, match=r"xl/worksheets/sheet1\.xml in the workbook declares a DOCTYPE or ENTITY"):
        read(path)


@pytest.mark.parametrize("sheet_change,message", [
    (('<row r="3"', '<row r="x3"'), "sheet Data cannot be read after row 2: could not convert string to float: 'x3'"),
    (('<c r="C3"><v>2</v>', '<c r="??"><v>2</v>'),
     "sheet Data cannot be read after row 2: a cell has the reference '??', which is not a cell reference"),
], ids=["bad-row-number", "bad-cell-reference"])
def test_broken_sheet_structure_is_a_clean_error(tmp_path, sheet_change, message):
    sheet, _ = sheet_xml([HEADER, *ROWS])
    path = tmp_path / "b.xlsx"
    path.write_bytes(workbook(sheet=sheet.replace(*sheet_change)))
    with pytest.raises(RecordsError) as info:
        read(path)
    assert str(info.value) == message


def test_a_stored_value_not_of_its_type_is_an_error_on_its_cell(tmp_path):
    sheet, _ = sheet_xml([HEADER, *ROWS])
    path = tmp_path / "v.xlsx"
    path.write_bytes(workbook(sheet=sheet.replace('<c r="C3"><v>2</v>', '<c r="C3"><v>2x</v>')))
    rows = read(path)
    bad = rows[1][1]["nilai"]
    assert (bad.value, bad.code, bad.reason) == ("2x", "K402", "the value stored in the cell is not valid for its type")
    assert [r for r, _ in rows] == [1, 2, 3]


def _table(items: list[str]) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">{"".join(items)}</sst>'


def _strings_sheet(indices: list[int], quote: str = '"') -> str:
    rows = "".join(f'<row r="{i}"><c r="A{i}" t={quote}s{quote}><v>{n}</v></c></row>' for i, n in enumerate(indices, 1))
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>'


FILLER = 300_000  # about 12 MB of strings: over LAZY_FROM, so only the used ones are kept


@pytest.mark.parametrize("quote", ['"', "'"], ids=["scanned", "missed-by-the-scan"])
def test_a_large_shared_strings_table_gives_exactly_the_used_strings(tmp_path, quote):
    special = ["<si><t>nama</t></si>",
               '<si><r><t>Bu</t></r><r><rPr><b/></rPr><t xml:space="preserve">di &amp; co</t></r>'
               "<rPh sb=\"0\" eb=\"1\"><t>ふり</t></rPh></si>", "<si/>", "<si><t/></si>", "<si><t>A &lt; B</t></si>"]
    items = [f"<si><t>isian {i}</t></si>" for i in range(FILLER)]
    for k, item in zip((0, 5, 150_000, 150_001, FILLER - 1), special):
        items[k] = item
    path = tmp_path / "s.xlsx"
    path.write_bytes(workbook(sheet=_strings_sheet([0, 5, 150_002, FILLER - 1, 7], quote), shared=_table(items)))
    rows = read(path)
    assert [data["nama"] for _, data in rows] == ["Budi & co", "isian 150002", "A < B", "isian 7"]


def test_a_large_shared_strings_table_costs_about_its_decompression(tmp_path, timing):
    items = "".join(f"<si><t>isian yang tidak dipakai {i}</t></si>" for i in range(FILLER))
    path = tmp_path / "s.xlsx"
    path.write_bytes(workbook(sheet=_strings_sheet([0, 1, 2]), shared=_table(["<si><t>nama</t></si>", items,
                                                                               "<si><t>x</t></si>"])))

    def decompress():
        with zipfile.ZipFile(path) as z:
            z.read("xl/sharedStrings.xml").count(b"<si>")

    ratio = timing.ratio(lambda: read(path), decompress, repeat=2)
    assert ratio < 30, ratio  # openpyxl's own reader: over 100
    tracemalloc.start()
    try:
        read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000, peak
