"""Employee records from an Excel workbook (.xlsx), streamed row by row.

One sheet is read (the first, or the one named); the header row is found below any title
block; every record keeps the cell reference of each value (`Data!D14`) so the Coercer can
report each bad cell by reference. Values keep the type Excel stored; the Coercer types them
as the policy declares. Nothing is guessed: a NIP that Excel already rounded (stored as a
number with 15 significant digits) goes on as a number, so `to_nip` refuses it.
What is skipped on purpose (empty rows, merged cells) is said in `notes`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, VALUE_TAG, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from kinerja.i18n import _, num
from kinerja.limits import MAX_CELL
from kinerja.records.sheet import NO_SAVED_VALUE, add_note, maybe_rounded, sheet_records
from kinerja.records.source import BadCell, PercentCell, RecordsError, Source
from kinerja.records.xlsx_guard import CUT, GuardedZip
from kinerja.records.xlsx_strings import SharedStrings

if TYPE_CHECKING:
    from kinerja.records.mapping import Mapping as ColumnMapping

_T, _R = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"


class _Parser(WorkSheetParser):
    """openpyxl's streaming parser, also telling a formula without a saved value (data_only
    gives None for it, the same as an empty cell) from a truly empty cell, and reading inline
    text (what many exporters write) without building rich-text objects."""

    percent_styles: frozenset[int] = frozenset()  # styles whose number format shows a percentage

    def parse_cell(self, element):
        if element.get("t") == "inlineStr":
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            child = element.find(INLINE_STRING)
            value = None
            if child is not None:
                value = (child.findtext(_T) or "") + "".join(r.findtext(_T) or "" for r in child.findall(_R))
            return {"row": row, "column": column, "value": value, "data_type": "s",
                    "style_id": int(element.get("s", 0) or 0)}
        try:
            cell = super().parse_cell(element)
        except (ValueError, TypeError, OverflowError, IndexError):  # "1x" as a number, a shared string not there
            return self._bad_cell(element)
        if cell["style_id"] in self.percent_styles and cell["data_type"] == "n" and cell["value"] is not None:
            cell["data_type"] = "percent"
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            saved = element.find(VALUE_TAG)
            # <v></v> under t="str" is a formula whose saved result is empty text
            if saved is None or element.get("t", "n") != "str":
                cell["data_type"] = "formula"
        return cell


    def _bad_cell(self, element) -> dict:
        coordinate = element.get("r")
        try:
            row, column = coordinate_to_tuple(coordinate) if coordinate else (self.row_counter, self.col_counter + 1)
        except (ValueError, TypeError):
            raise ValueError(_("a cell has the reference {coordinate!r}, which is not a cell reference")
                             .format(coordinate=str(coordinate)[:20])) \
                from None
        self.col_counter = column
        text = element.findtext(VALUE_TAG) or ""
        return {"row": row, "column": column, "value": text, "data_type": "bad", "style_id": 0}


def read_xlsx(stream: IO[bytes], name: str, sheet: str | None = None, header_row: int | None = None,
              mapping: ColumnMapping | None = None, notes: list[str] | None = None) -> Iterator[Source]:
    """Stream the records of one sheet. Raises RecordsError only for the workbook as a whole."""
    notes = notes if notes is not None else []
    if name == "-" or not stream.seekable():
        stream = io.BytesIO(stream.read())  # a zip needs seeking
    book = Book(stream, name)
    try:
        title, path = book.choose(sheet or getattr(mapping, "sheet", None))
        sheet_xml = book.archive.open(path)
        parser = _Parser(sheet_xml, book.strings(path), data_only=True,
                         epoch=book.wb.epoch, date_formats=book.wb._date_formats,  # type: ignore[attr-defined]  # openpyxl sets them at run time
                         timedelta_formats=book.wb._timedelta_formats)  # type: ignore[attr-defined]  # (same)
        parser.percent_styles = percent_styles(book.wb)
        try:
            yield from sheet_records(_ParsedRows(title, parser, notes), header_row, mapping, notes)
        finally:
            sheet_xml.close()
    finally:
        book.archive.close()


class _ParsedRows:
    """The rows openpyxl's parser reads from one sheet, as records/sheet.py takes them; a bad
    row number or XML that is not well-formed ends the sheet with a RecordsError."""

    def __init__(self, title: str, parser: _Parser, notes: list[str]):
        self.title, self.parser, self.notes = title, parser, notes
        self.last_row = 0

    def __iter__(self) -> Iterator[tuple[int, dict[int, Any]]]:
        events = self.parser.parse()
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    idx, cells = next(events)
                except StopIteration:
                    return
                except SyntaxError as exc:  # xml.etree's ParseError
                    after = _(" (after row {last_row})").format(last_row=self.last_row) if self.last_row else ""
                    raise RecordsError(_("sheet {title}: the sheet's XML is not well-formed: {exc}{after}")
                                       .format(title=self.title, exc=exc, after=after)) from None
                except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:  # a bad row number…
                    after = _(" after row {last_row}").format(last_row=self.last_row) if self.last_row else ""
                    raise RecordsError(_("sheet {title} cannot be read{after}: {exc}")
                                       .format(title=self.title, after=after, exc=str(exc)[:200])) from None
            for w in caught:
                add_note(self.notes, self.title, str(w.message))
            self.last_row = idx
            yield idx, {c["column"]: cell_value(c) for c in cells}

    def merged(self) -> list[str]:
        merged = getattr(self.parser, "merged_cells", None)
        return [m.ref for m in getattr(merged, "mergeCell", None) or ()]


def percent_styles(wb) -> frozenset[int]:
    """The cell styles whose number format shows a percentage (`0%`, `0.00%`, custom `0.0%`)."""
    out = set()
    for idx, style in enumerate(wb._cell_styles):
        fmt_id = style.numFmtId
        if fmt_id >= BUILTIN_FORMATS_MAX_SIZE:
            code = wb._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE] \
                if fmt_id - BUILTIN_FORMATS_MAX_SIZE < len(wb._number_formats) else ""
        else:
            code = builtin_format_code(fmt_id) or ""
        if "%" in re.sub(r'"[^"]*"|\\.', "", code):  # a % inside quotes or escaped is literal text
            out.add(idx)
    return frozenset(out)


class Book:
    """The parts of a workbook that reading one sheet needs: shared strings, date styles, the
    list of sheets. (openpyxl's load_workbook would first scan every sheet for its size.)"""

    def __init__(self, stream: IO[bytes], name: str):
        self.name = name
        try:
            with warnings.catch_warnings():  # unsupported extensions, missing styles: not the user's problem
                warnings.simplefilter("ignore")
                reader = ExcelReader(stream, read_only=True, data_only=True)
                reader.archive = GuardedZip(stream)  # every XML part through the guard (xlsx_guard.py)
                reader.read_manifest()
                reader.read_workbook()
                apply_stylesheet(reader.archive, reader.wb)
                self.sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()
                               if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        except zipfile.BadZipFile:
            raise RecordsError(_("{name} is not an .xlsx workbook (an old .xls file? open it in Excel and save "
                                 "it as .xlsx)").format(name=name)) from None
        except SyntaxError as exc:  # xml.etree's ParseError: a part is not well-formed XML
            raise RecordsError(_("{name} cannot be read as an .xlsx workbook: its XML is not well-formed ({exc})")
                               .format(name=name, exc=exc)) \
                from None
        except (InvalidFileException, KeyError, ValueError, TypeError, AttributeError, OSError, EOFError) as exc:
            raise RecordsError(_("{name} cannot be read as an .xlsx workbook: {error}").format(name=name,
                                                                                               error=exc)) from None
        self.reader, self.archive, self.wb = reader, reader.archive, reader.wb

    def strings_path(self) -> str | None:
        """The shared-strings part inside the zip, if the workbook has one."""
        ct = self.reader.package.find(SHARED_STRINGS)
        return None if ct is None else ct.PartName[1:]

    def strings(self, sheet_path: str) -> SharedStrings | list:
        """The shared strings the sheet at `sheet_path` reads (xlsx_strings.py: fast, and for a
        large table only the used ones)."""
        path = self.strings_path()
        if path is None:
            return []
        try:
            return SharedStrings(self.archive, path, sheet_path)
        except SyntaxError as exc:  # xml.etree's ParseError
            raise RecordsError(_("{name} cannot be read as an .xlsx workbook: its shared strings are not well-formed "
                                 "XML ({exc})").format(name=self.name, exc=exc)) from None
        except KeyError:
            raise RecordsError(_("{name} cannot be read as an .xlsx workbook: its shared strings are missing")
                               .format(name=self.name)) from None

    def choose(self, wanted: str | None) -> tuple[str, str]:
        """(title, path inside the zip) of the sheet asked for, or of the first one."""
        titles = [t for t, _path in self.sheets]
        if not titles:
            raise RecordsError(_("{name} has no worksheet").format(name=self.name))
        if wanted is None:
            return self.sheets[0]
        hits = [s for s in self.sheets if s[0] == wanted] or \
            [s for s in self.sheets if s[0].casefold() == wanted.strip().casefold()]
        if len(hits) == 1:
            return hits[0]
        close = difflib.get_close_matches(wanted, titles, n=1, cutoff=0.6)
        tip = _(' (did you mean "{close}"?)').format(close=close[0]) if close else ""
        raise RecordsError(_('{name} has no sheet named "{wanted}"{tip}; its sheets are: {sheets}').format(
            name=self.name, wanted=wanted, tip=tip, sheets=", ".join(f'"{t}"' for t in titles)))



def cell_value(cell: dict) -> Any:
    """A cell's value as the records pipeline wants it (see the module docstring)."""
    kind, v = cell["data_type"], cell["value"]
    if kind == "formula":
        return BadCell(None, _(NO_SAVED_VALUE))
    if kind == "e":
        return BadCell(v, _("the cell shows the Excel error {v}").format(v=v))
    if kind == "percent":
        return PercentCell(v) if not isinstance(v, float) or math.isfinite(v) else BadCell(str(v),
                                                                                           _("not a finite number"))
    if kind == "bad":
        if CUT in v:
            return BadCell(v[:40] + "…", _("the cell holds more than {MAX_CELL} characters")
                           .format(MAX_CELL=num(MAX_CELL, group=True)), "K410")
        return BadCell(v[:40], _("the value stored in the cell is not valid for its type"))
    if isinstance(v, str):
        if CUT in v:
            return BadCell(v[:40] + "…", _("the cell holds more than {MAX_CELL} characters")
                           .format(MAX_CELL=num(MAX_CELL, group=True)), "K410")
        return v
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return maybe_rounded(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else BadCell(str(v), _("not a finite number"))
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time(0) else v
    if isinstance(v, (dt.time, dt.timedelta)):
        return str(v)
    return v


