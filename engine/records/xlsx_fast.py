"""The fast way to read an .xlsx: python-calamine (Rust) reads the cells, ~5x faster than the
openpyxl reader of records/xlsx.py, whenever a scan of the sheet's XML finds nothing calamine
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
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import python_calamine

from kinerja.records.sheet import column_letter, sheet_records
from kinerja.records.source import Source
from kinerja.records.xlsx import Book, percent_styles, read_xlsx
from kinerja.records.xlsx_guard import CUT

if TYPE_CHECKING:
    from kinerja.records.mapping import Mapping as ColumnMapping

MAX_CELLS = 4_000_000  # calamine holds rows x columns in memory (~32 bytes a cell): a larger sheet streams
MAX_FILE = 256 * 1024 * 1024  # bytes of workbook calamine takes into memory; a larger one streams
MAX_STRINGS = 64 * 1024 * 1024  # bytes of shared strings calamine may hold; a larger table: only the used ones
_CHUNK = 1 << 20
_EXACT = 10**15  # a whole float below this came from digits a float keeps exactly

# What calamine would read differently from the openpyxl reader; any one sends the file there.
# Each pattern starts with a literal, which the regular-expression engine finds at C speed;
# separate searches are faster than one alternation.
_RISKY = tuple(re.compile(p) for p in (
    rb"""t=["'][ed]["']""",  # an Excel error cell; an ISO date cell
    rb"</f>\s*</c>", rb"<v\s*/>", rb"<v>\s*</v>",  # a formula without a saved value
    rb"""<c (?!r="[A-Z]{1,3}\d{1,7}")""",  # a cell whose reference is not one (or not first: unusual)
    rb"""<row (?!r="\d{1,7}")""",  # a row whose number is not one (or not first)
    rb"_x[0-9A-Fa-f]{4}_", rb"<rPh\b",  # Excel's escape of a control character; a phonetic hint
    re.escape(CUT.encode("utf-8")),  # a run of text the guard cut
))
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d{1,7})"')
_SELF_CLOSED_FORMULA = re.compile(rb"<f\b[^>]*/>\s*</c>")
# a saved value that is not a number a float holds exactly: text (fine in a t="str" cell, read
# differently in a number cell), or a whole number of 16 digits or more
_ODD_VALUE = re.compile(rb"<v>(?!\s*[-+]?(?:\d{1,15}(?:\.\d*)?|\d*\.\d+)(?:[eE][-+]?\d+)?\s*</v>)")
_TEXT_CELL = re.compile(rb"""\bt=["'](?:str|s|inlineStr)["']""")
_STRINGS_RISKY = re.compile(rb"_x[0-9A-Fa-f]{4}_|<rPh\b|" + re.escape(CUT.encode("utf-8")))
_PLAIN_DATE = re.compile(r"(?:[dmyhs]+[-/.:, ]?)+(?: ?(?:AM/PM|am/pm))?", re.I)
_ROW = re.compile(rb'<row r="(\d{1,7})"')
_WIDE = re.compile(rb'<c r="([A-Z]{2,3})\d')  # columns past Z; most sheets have none


@dataclass
class _Scan:
    last_row: int  # the last row present in the file (formatted but empty counts)


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
    return _CalamineRows(title, found, scan.last_row)


def _scan(book: Book, path: str) -> _Scan | None:
    """What the sheet holds, or None when calamine would read any of it differently."""
    styles = percent_styles(book.wb) | _date_styles(book)
    styled = re.compile(rb""" s=["'](?:""" + b"|".join(str(i).encode() for i in sorted(styles)) + rb""")["']""") \
        if styles else None
    last_row = height = width = 0
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
            last_row = max([last_row, *map(int, _ROW.findall(buf, 0, end))])
            height = max([height, *map(int, _CELL_ROW.findall(buf, 0, end))])
            width = max([width, *map(_column_number, _WIDE.findall(buf, 0, end))])
            carry = buf[end:]
            if not chunk:
                break
    if max(height, last_row) * max(width, 26) > MAX_CELLS:
        return None
    strings = book.strings_path()
    if strings is not None and not _strings_plain(book, strings):
        return None
    return _Scan(last_row)


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
    as the openpyxl reader hands it on (see `_value`)."""

    def __init__(self, title: str, sheet: python_calamine.CalamineSheet, last_row: int):
        self.title, self.sheet, self.last_row = title, sheet, last_row

    def __iter__(self) -> Iterator[tuple[int, dict[int, Any]]]:
        top, left = self.sheet.start or (0, 0)
        for i, row in enumerate(self.sheet.iter_rows(), top + 1):
            values: dict[int, Any] = {}
            for j, v in enumerate(row, left + 1):  # the loop runs once per cell: text and bools pass as they are
                if type(v) is str:
                    if v:
                        values[j] = v
                elif type(v) is float:
                    values[j] = int(v) if v.is_integer() and -_EXACT < v < _EXACT else v
                else:
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
