"""The fast way to read an .xlsx: python-calamine (Rust) reads the cells, 2.5x faster than the
openpyxl reader of records/xlsx.py (benchmarks/bench_xlsx.py), whenever a scan of the sheet's XML finds nothing calamine
would read differently; otherwise that reader reads the whole file, as before.

calamine gives an empty cell for an Excel error (#REF!) and for a formula without a saved value,
a float for an 18-digit number (whose last digits a float cannot hold), text for a number cell
holding "2x", no number formats (so no percentages), and it takes a sheet's rectangle into
memory (a hostile sheet naming cells A1 and XFD1048576 would abort the process). The scan, one
pass of regular expressions over the decompressed XML read through the same guard as the
openpyxl reader (xlsx_guard.py: a DOCTYPE is refused, a run of text beyond MAX_CELL is cut),
sends every such file to the openpyxl reader, which reports each of them on its cell.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import python_calamine

from kinerja.records.sheet import column_letter, sheet_records
from kinerja.records.source import PercentCell, Source
from kinerja.records.xlsx import Book, percent_styles, read_xlsx
from kinerja.records.xlsx_guard import CUT

if TYPE_CHECKING:
    from kinerja.records.mapping import Mapping as ColumnMapping

MAX_CELLS = 1_000_000  # calamine holds rows x columns in memory (~90 bytes a cell): a larger sheet streams
_NAMED_COLUMNS = 702  # A to ZZ: a wider declared table is measured cell by cell
MAX_FILE = 256 * 1024 * 1024  # bytes of workbook calamine takes into memory; a larger one streams
MAX_STRINGS = 64 * 1024 * 1024  # bytes of shared strings calamine may hold; a larger table: only the used ones
_CHUNK = 1 << 20
_EXACT = 10**15  # a whole float below this came from digits a float keeps exactly

# What calamine would read differently from the openpyxl reader; any one sends the file there.
# Each pattern starts with a literal, which the regular-expression engine finds at C speed;
# separate searches are faster than one alternation.
_RISKY = tuple(re.compile(p) for p in (
    rb"""t=["'][ed]["']""",  # an Excel error cell; an ISO date cell
    rb"</f>\s*</c>",  # a formula without a saved value (also an empty <v/> below)
    # a whole number written with a point or a positive exponent (5.0, 1.5E3): openpyxl reads a
    # float, calamine's float would be handed on as an int
    rb"<v(?:\s*/>|>\s*(?:</v>|[-+]?\d*\.0*\s*</v>|[-+]?[\d.]+[eE]\+?\d+\s*</v>))",
    rb"""<row (?!r="\d{1,7}")""",  # a row whose number is not one (or not first)
    rb"_x[0-9A-Fa-f]{4}_", rb"<rPh\b",  # Excel's escape of a control character; a phonetic hint
    re.escape(CUT.encode("utf-8")),  # a run of text the guard cut
))
_SELF_CLOSED_FORMULA = re.compile(rb"<f\b[^>]*/>\s*</c>")
# a saved value that is not a number a float holds exactly: text (fine in a t="str" cell, read
# differently in a number cell), or a whole number of 16 digits or more
_ODD_VALUE = re.compile(rb"<v>(?!\s*[-+]?(?:\d{1,15}(?:\.\d*)?|\d*\.\d+)(?:[eE][-+]?\d+)?\s*</v>)")
_TEXT_CELL = re.compile(rb"""\bt=["'](?:str|s|inlineStr)["']""")
_STRINGS_RISKY = re.compile(rb"_x[0-9A-Fa-f]{4}_|<rPh\b|" + re.escape(CUT.encode("utf-8")))
_PLAIN_DATE = re.compile(r"(?:[dmyhs]+(?:\\?[-/.:, ])?)+(?: ?(?:AM/PM|am/pm))?", re.I)  # yyyy\-mm\-dd too
_ROW = re.compile(rb'<row r="(\d{1,7})"')
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]{1,3}\d{1,7}(?::([A-Z]{1,3})\d{1,7})?"|<dimension ref="([A-Z]{1,3})\d')
_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})\d')


@dataclass
class _Scan:
    last_row: int  # the last row present in the file (formatted but empty counts)
    percent: set[tuple[int, int]]  # (row, column) of the cells whose number format shows a percentage


def read_xlsx_fast(stream: IO[bytes], name: str, sheet: str | None = None, header_row: int | None = None,
                   mapping: ColumnMapping | None = None, notes: list[str] | None = None) -> Iterator[Source]:
    """The records of one sheet, as records/xlsx.py's `read_xlsx` reads them, faster."""
    notes = notes if notes is not None else []
    if name == "-" or not stream.seekable():
        stream = io.BytesIO(stream.read())  # a zip needs seeking
    cells = _calamine_sheet(stream, sheet or getattr(mapping, "sheet", None), name)
    stream.seek(0)
    if cells is None:
        yield from read_xlsx(stream, name, sheet, header_row, mapping, notes)
    else:
        yield from sheet_records(cells, header_row, mapping, notes)


def calamine_reads(stream: IO[bytes], name: str, sheet: str | None = None) -> bool:
    """Whether calamine reads this workbook's sheet (else the openpyxl reader does)."""
    return _calamine_sheet(stream, sheet, name) is not None


def _calamine_sheet(stream: IO[bytes], wanted: str | None, name: str) -> _CalamineRows | None:
    """The sheet's rows as calamine reads them, or None when the openpyxl reader must read it
    (which also raises every RecordsError: not a workbook, no such sheet, a DOCTYPE)."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    if size > MAX_FILE:
        return None
    book = Book(stream, name)
    try:
        title, path = book.choose(wanted)
        scan = _scan(book, path)
    finally:
        book.archive.close()
    if scan is None:
        return None
    stream.seek(0)
    try:
        found = python_calamine.CalamineWorkbook.from_filelike(stream).get_sheet_by_name(title)
    except (python_calamine.CalamineError, ValueError, OSError):  # the openpyxl reader reports what is wrong
        return None
    return _CalamineRows(title, found, scan)


def _scan(book: Book, path: str) -> _Scan | None:
    """What the sheet holds, or None when calamine would read any of it differently."""
    styled, shown_as_percent = _styled(_date_styles(book)), percent_styles(book.wb)
    percent_styled, percent_cells = _styled(shown_as_percent), _percent_cells(shown_as_percent)
    percent: set[tuple[int, int]] = set()
    last_row, width = 0, None
    carry = b""
    with book.archive.open(path) as xml:
        while True:
            chunk = xml.read(_CHUNK)
            buf = carry + chunk
            # up to the last cell or row that starts in the piece: every cell whole in one piece
            end = max(buf.rfind(b"<c "), buf.rfind(b"<row")) if chunk else len(buf)
            end = len(buf) if end <= 0 else end
            if any(p.search(buf, 0, end) for p in _RISKY) or (styled is not None and styled.search(buf, 0, end)) \
                    or (b"<f" in buf and _SELF_CLOSED_FORMULA.search(buf, 0, end)) or _odd_value(buf, end):
                return None
            if percent_cells is not None and percent_styled is not None:
                found = percent_cells.findall(buf, 0, end)
                if len(found) != len(percent_styled.findall(buf, 0, end)):  # a style not written second
                    return None
                percent.update((int(r), _column_number(c)) for c, r in found)
            last_row = max([last_row, *map(int, _ROW.findall(buf, 0, end))])
            if width is None:  # the table's width as the sheet declares it, checked below; else counted
                declared = _DIMENSION.search(buf)
                letters = declared and (declared.group(1) or declared.group(2))
                width = _column_number(letters) if letters and _column_number(letters) <= _NAMED_COLUMNS \
                    else max(map(_column_number, set(_COLUMN.findall(buf, 0, end))), default=0) or -1
            if width < 0 or _beyond(last_row, width).search(buf, 0, end):  # a cell outside the rectangle so far
                return None
            carry = buf[end:]
            if not chunk:
                break
    if last_row * (width or 0) > MAX_CELLS:
        return None
    strings = book.strings_path()
    if strings is not None and not _strings_plain(book, strings):
        return None
    return _Scan(last_row, percent)


@functools.lru_cache(maxsize=64)
def _beyond(last_row: int, width: int) -> re.Pattern[bytes]:
    """A cell whose reference is not within columns 1 to `width` and rows 1 to `last_row` (calamine
    would take the rectangle out to it into memory), or whose reference is not its first attribute."""
    columns = "|".join(sorted((column_letter(c) for c in range(1, width + 1)), key=len, reverse=True))
    return re.compile(rb'<c (?!r="(?:' + columns.encode() + rb")(?:" + _up_to(last_row).encode() + rb')")')


def _up_to(n: int) -> str:
    """A regular expression for the whole numbers 1 to `n` (n >= 1) without leading zeros."""
    digits = str(n)
    parts = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for k, d in enumerate(digits):
        low = "1" if k == 0 else "0"
        if d > low:
            rest = len(digits) - k - 1
            parts.append(digits[:k] + f"[{low}-{int(d) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    parts.append(digits)
    return "|".join(parts)


def _styled(styles: frozenset[int]) -> re.Pattern[bytes] | None:
    """A cell in one of these styles (a pattern; None for none)."""
    if not styles:
        return None
    return re.compile(b' s="(?:' + b"|".join(str(i).encode() for i in sorted(styles)) + b')"')


def _percent_cells(styles: frozenset[int]) -> re.Pattern[bytes] | None:
    """(column letters, row) of a cell in one of these styles (r and s as Excel and openpyxl
    write them, first and second: `_scan` sends a cell written otherwise to openpyxl)."""
    if not styles:
        return None
    return re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})" s="(?:' + b"|".join(str(i).encode() for i in sorted(styles))
                      + b')"')


def _odd_value(buf: bytes, end: int) -> bool:
    """A number cell holding what is not a number, or a number a float cannot hold."""
    for m in _ODD_VALUE.finditer(buf, 0, end):
        tag = buf[buf.rfind(b"<c", 0, m.start()): m.start()]
        if not _TEXT_CELL.search(tag) or re.match(rb"<v>\s*[-+]?\d{16}", buf[m.start():]):
            return True
    return False


def _strings_plain(book: Book, path: str) -> bool:
    """The shared strings are small enough to hold and hold nothing calamine reads differently."""
    size, carry = 0, b""
    with book.archive.open(path) as xml:
        while chunk := xml.read(_CHUNK):
            size += len(chunk)
            buf = carry + chunk
            if size > MAX_STRINGS or _STRINGS_RISKY.search(buf):
                return False
            carry = buf[-16:]
    return True


def _date_styles(book: Book) -> frozenset[int]:
    """Cell styles showing a date or time in a format of the workbook's own (numFmtId 164 and up)
    that is not plainly one (`dd/mm/yyyy`, `yyyy-mm-dd hh:mm`): openpyxl and calamine could read
    such a format differently; Excel's built-in ones and the plain ones they read alike."""
    wb: Any = book.wb  # openpyxl sets the style tables at run time
    dated = set(getattr(wb, "_date_formats", ())) | set(getattr(wb, "_timedelta_formats", ()))
    out = set()
    for i in dated:
        fmt_id = wb._cell_styles[i].numFmtId if i < len(wb._cell_styles) else 0
        if fmt_id >= 164:
            k = fmt_id - 164
            code = wb._number_formats[k] if k < len(wb._number_formats) else ""
            if not _PLAIN_DATE.fullmatch(code):
                out.add(i)
    return frozenset(out)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class _CalamineRows:
    """calamine's rows as records/sheet.py takes them: rows without a value left out, each value
    as the openpyxl reader hands it on (a number shown as a percentage as a PercentCell)."""

    def __init__(self, title: str, sheet: python_calamine.CalamineSheet, scan: _Scan):
        self.title, self.sheet, self.last_row, self.percent = title, sheet, scan.last_row, scan.percent

    def __iter__(self) -> Iterator[tuple[int, dict[int, Any]]]:
        left = (self.sheet.start or (0, 0))[1]
        percent = self.percent
        columns = range(left + 1, left + 1 + (self.sheet.width or 0))
        # python-calamine 0.9 yields every row from the sheet's first (empty ones above the
        # table too) but the columns from the table's first: pinned by the offset test
        for i, row in enumerate(self.sheet.iter_rows(), 1):
            values: dict[int, Any] = {j: v for j, v in zip(columns, row) if v != ""}  # once per cell: kept lean
            for j, v in values.items():
                if type(v) is float:
                    n = int(v) if v.is_integer() and -_EXACT < v < _EXACT else v
                    values[j] = PercentCell(n) if percent and (i, j) in percent else n
                elif type(v) is not str:
                    values[j] = _value(v)
            if values:
                yield i, values

    def merged(self) -> list[str]:
        return [f"{column_letter(c0 + 1)}{r0 + 1}:{column_letter(c1 + 1)}{r1 + 1}"
                for (r0, c0), (r1, c1) in self.sheet.merged_cell_ranges or ()]


def _value(v: Any) -> Any:
    """A calamine value other than text and float as the openpyxl reader hands it on: a date
    without a time as a date, a time or duration as its text."""
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time(0) else v
    if isinstance(v, (dt.time, dt.timedelta)):
        return str(v)
    return v
