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
from collections.abc import Mapping
from typing import IO, Any, Iterator

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, VALUE_TAG, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from kinerja.i18n import N_, _, ngettext, num
from kinerja.limits import MAX_CELL
from kinerja.records.read import BadCell, PercentCell, RecordsError, Source, open_binary
from kinerja.records.xlsx_guard import CUT, GuardedZip
from kinerja.records.xlsx_strings import SharedStrings

HEADER_SCAN = 30  # rows looked at to find the header below a title block
NO_SAVED_VALUE = N_("formula has no saved value; open and save the file in Excel")
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number
_T, _R = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"


class _Parser(WorkSheetParser):
    """openpyxl's streaming parser, also telling a formula without a saved value (data_only
    gives None for it, the same as an empty cell) from a truly empty cell, and reading inline
    text (what many exporters write) without building rich-text objects."""

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
            raise ValueError(_("a cell has the reference {coordinate!r}, which is not a cell reference").format(coordinate=str(coordinate)[:20])) \
                from None
        self.col_counter = column
        text = element.findtext(VALUE_TAG) or ""
        return {"row": row, "column": column, "value": text, "data_type": "bad", "style_id": 0}


def read_xlsx(name: str, sheet: str | None = None, header_row: int | None = None, mapping=None,
              stdin: IO[bytes] | None = None, notes: list[str] | None = None) -> Iterator[Source]:
    """Stream the records of one sheet. Raises RecordsError only for the workbook as a whole."""
    notes = notes if notes is not None else []
    stream = open_binary(name, stdin)
    if stream is stdin:
        stream = io.BytesIO(stream.read())  # a zip needs seeking
    try:
        book = _Book(stream, name)
        try:
            title, path = book.choose(sheet or getattr(mapping, "sheet", None))
            parser = _Parser(book.archive.open(path), book.strings(path), data_only=True,
                             epoch=book.wb.epoch, date_formats=book.wb._date_formats,
                             timedelta_formats=book.wb._timedelta_formats)
            parser.percent_styles = percent_styles(book.wb)
            try:
                yield from _Sheet(title, parser, notes).records(header_row, mapping)
            finally:
                parser.source.close()
        finally:
            book.archive.close()
    finally:
        stream.close()


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


class _Book:
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
            raise RecordsError(_("{name} is not an .xlsx workbook (an old .xls file? open it in Excel and save it as .xlsx)").format(name=name)) from None
        except SyntaxError as exc:  # xml.etree's ParseError: a part is not well-formed XML
            raise RecordsError(_("{name} cannot be read as an .xlsx workbook: its XML is not well-formed ({exc})").format(name=name, exc=exc)) \
                from None
        except (InvalidFileException, KeyError, ValueError, TypeError, AttributeError, OSError, EOFError) as exc:
            raise RecordsError(_("{name} cannot be read as an .xlsx workbook: {error}").format(name=name, error=exc)) from None
        self.reader, self.archive, self.wb = reader, reader.archive, reader.wb

    def strings(self, sheet_path: str) -> SharedStrings | list:
        """The shared strings the sheet at `sheet_path` reads (xlsx_strings.py: fast, and for a
        large table only the used ones)."""
        ct = self.reader.package.find(SHARED_STRINGS)
        if ct is None:
            return []
        try:
            return SharedStrings(self.archive, ct.PartName[1:], sheet_path)
        except SyntaxError as exc:  # xml.etree's ParseError
            raise RecordsError(_("{name} cannot be read as an .xlsx workbook: its shared strings are not well-formed XML ({exc})").format(name=self.name, exc=exc)) from None
        except KeyError:
            raise RecordsError(_("{name} cannot be read as an .xlsx workbook: its shared strings are missing").format(name=self.name)) from None

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


class CellRefs(Mapping):
    """field -> cell reference of one record, built only when asked (most never are)."""

    __slots__ = ("prefix", "row", "letters")

    def __init__(self, prefix: str, row: int, letters: dict[str, str]):
        self.prefix, self.row, self.letters = prefix, row, letters

    def __getitem__(self, name: str) -> str:
        return f"{self.prefix}{self.letters[name]}{self.row}"

    def __iter__(self):
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def remap(self, pairs: list[tuple[str, str]]) -> "CellRefs":
        """The same cells under new names, [(new, old), …] (for column mappings)."""
        return CellRefs(self.prefix, self.row, {new: self.letters[old] for new, old in pairs if old in self.letters})

    def __repr__(self) -> str:
        return repr(dict(self))


def sheet_prefix(sheet: str) -> str:
    """`Data!`, or `'Data Pegawai'!` when the sheet name needs quotes (as Excel writes it)."""
    title = sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{title}!"


def cell_ref(sheet: str, column: int, row: int) -> str:
    """`Data!D14`, or `'Data Pegawai'!D14`."""
    return f"{sheet_prefix(sheet)}{get_column_letter(column)}{row}"


def cell_value(cell: dict) -> Any:
    """A cell's value as the records pipeline wants it (see the module docstring)."""
    kind, v = cell["data_type"], cell["value"]
    if kind == "formula":
        return BadCell(None, _(NO_SAVED_VALUE))
    if kind == "e":
        return BadCell(v, _("the cell shows the Excel error {v}").format(v=v))
    if kind == "percent":
        return PercentCell(v) if not isinstance(v, float) or math.isfinite(v) else BadCell(str(v), _("not a finite number"))
    if kind == "bad":
        if CUT in v:
            return BadCell(v[:40] + "…", _("the cell holds more than {MAX_CELL} characters").format(MAX_CELL=num(MAX_CELL, group=True)), "K410")
        return BadCell(v[:40], _("the value stored in the cell is not valid for its type"))
    if isinstance(v, str):
        if CUT in v:
            return BadCell(v[:40] + "…", _("the cell holds more than {MAX_CELL} characters").format(MAX_CELL=num(MAX_CELL, group=True)), "K410")
        return v
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return _maybe_rounded(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else BadCell(str(v), _("not a finite number"))
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time(0) else v
    if isinstance(v, (dt.time, dt.timedelta)):
        return str(v)
    return v


def _maybe_rounded(v: int) -> int | float:
    """A whole number longer than 15 digits that ends in zeros beyond the 15th may be what is left
    of a longer number Excel rounded (an 18-digit NIP typed into a number cell): hand it on as a
    float, which every exact reader (NIP, integer id) refuses instead of trusting."""
    digits = str(abs(v))
    if len(digits) > EXCEL_DIGITS and set(digits[EXCEL_DIGITS:]) == {"0"}:
        return float(v)
    return v


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class _Sheet:
    """The rows of one worksheet turned into records: header, title block, empty rows, notes."""

    def __init__(self, title: str, parser: _Parser, notes: list[str]):
        self.title, self.parser, self.notes = title, parser, notes
        self.last_row = 0

    def rows(self) -> Iterator[tuple[int, dict[int, Any]]]:
        """(row number, {column: value}) for every row present in the file, in order."""
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
                    raise RecordsError(_("sheet {title}: the sheet's XML is not well-formed: {exc}{after}").format(title=self.title, exc=exc, after=after)) \
                        from None
                except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:  # a bad row number…
                    after = _(" after row {last_row}").format(last_row=self.last_row) if self.last_row else ""
                    raise RecordsError(_("sheet {title} cannot be read{after}: {exc}").format(title=self.title, after=after, exc=str(exc)[:200])) from None
            for w in caught:
                self._note(str(w.message))
            self.last_row = idx
            yield idx, {c["column"]: cell_value(c) for c in cells}

    def _note(self, text: str) -> None:
        text = f"{self.title}: {text}"
        if text not in self.notes:
            self.notes.append(text)

    def records(self, header_row: int | None, mapping) -> Iterator[Source]:
        rows = self.rows()
        head: list[tuple[int, dict]] = []
        filled = 0
        expected = getattr(mapping, "header_row", None) or 0
        for idx, values in rows:
            head.append((idx, values))
            filled += not all(_blank(v) for v in values.values())
            if header_row is not None:
                if idx >= header_row:
                    break
            elif (filled >= HEADER_SCAN and idx >= expected) or len(head) >= HEADER_SCAN * 100:
                break
        hrow, header_cells = self._find_header(
            [(i, v) for i, v in head if not all(_blank(x) for x in v.values())], header_row, mapping)
        header = self._header(hrow, header_cells)
        ahead = [(i, v) for i, v in head if i > hrow]
        source = self._data(hrow, header, ahead, rows)
        if mapping is not None:
            source = mapping.apply(source, [h for h in header.values()], where=_("sheet {sheet} row {row}").format(sheet=self.title, row=hrow))
        yield from source

    def _find_header(self, head, header_row, mapping) -> tuple[int, dict]:
        if header_row is not None:
            hit = next((v for i, v in head if i == header_row), None)
            if hit is None:
                raise RecordsError(_("sheet {sheet}: row {row} is empty; expected the header (the column names) "
                                     "there").format(sheet=self.title, row=header_row))
            return header_row, hit
        if not head:
            raise RecordsError(_("sheet {sheet} is empty: expected a header row with the column names").format(
                sheet=self.title))
        if mapping is not None:
            for i, v in head:
                if mapping.matches(_texts(v)):
                    if mapping.header_row is not None and mapping.header_row != i:
                        self._note(_("header found on row {row}, not on row {expected} as mapping {id} expects")
                                   .format(row=i, expected=mapping.header_row, id=mapping.id))
                    return i, v
            if mapping.header_row is not None:
                hit = next((v for i, v in head if i == mapping.header_row), None)
                return mapping.header_row, hit or {}
        # The header is all text and names most columns; a title line ("Periode", "2024") is
        # narrower than the row that follows it, a header is not.
        widths = [sum(not _blank(x) for x in v.values()) for _row, v in head]
        need = max(2, math.ceil(max(widths) / 2))
        for k, (i, v) in enumerate(head):
            texts = all(isinstance(x, str) for x in v.values() if not _blank(x))
            if texts and widths[k] >= need and (k + 1 == len(head) or widths[k] >= widths[k + 1]):
                return i, v
        return head[0]

    def _header(self, hrow: int, cells: dict) -> dict[int, str]:
        header: dict[int, str] = {}
        seen: dict[str, list[str]] = {}
        for col in sorted(cells):
            v = cells[col]
            if _blank(v) or isinstance(v, BadCell):
                continue
            text = " ".join(str(v).split())
            header[col] = text
            seen.setdefault(text, []).append(cell_ref(self.title, col, hrow))
        dupes = {h: refs for h, refs in seen.items() if len(refs) > 1}
        if dupes:
            raise RecordsError(_("sheet {sheet}: the header names a column twice: {columns}").format(
                sheet=self.title, columns="; ".join(_('"{header}" at {cells}').format(header=h, cells=", ".join(r))
                                                    for h, r in dupes.items())))
        if not header:
            raise RecordsError(_("sheet {sheet}: row {row} is empty; expected the header there").format(
                sheet=self.title, row=hrow))
        return header

    def _data(self, hrow: int, header: dict[int, str], ahead, rows) -> Iterator[Source]:
        n = inner_blanks = 0
        stray: set[int] = set()
        last_data = hrow
        prefix = sheet_prefix(self.title)
        letters = {h: get_column_letter(c) for c, h in header.items()}
        row_word = _("{sheet} row {row}")  # looked up once: the loop runs once per record
        for idx, values in _chain(ahead, rows):
            if idx <= hrow or all(_blank(v) for v in values.values()):
                continue
            if last_data == hrow and _numbering(values, header):
                self._note(_("row {row} holds column numbers (1, 2, 3, …) and was ignored").format(row=idx))
                last_data = idx
                continue
            inner_blanks += idx - last_data - 1 if n else 0
            stray.update(c for c, v in values.items() if c not in header and not _blank(v))
            n += 1
            last_data = idx
            record = {h: values.get(c) for c, h in header.items()}
            yield Source(n, record, row_word.format(sheet=self.title, row=idx), CellRefs(prefix, idx, letters))
        trailing = self.last_row - last_data  # rows present in the file (formatted, say) but empty
        if inner_blanks:
            self._note(ngettext("{n} empty row between records ignored", "{n} empty rows between records ignored",
                                inner_blanks).format(n=inner_blanks))
        if not n:
            self._note(_("no records below the header on row {row}").format(row=hrow))
        if trailing > 0 and n:
            self._note(ngettext("{n} empty row after row {row} ignored", "{n} empty rows after row {row} ignored",
                                trailing).format(n=trailing, row=last_data))
        if stray:
            cols = ", ".join(get_column_letter(c) for c in sorted(stray))
            self._note(ngettext("values in column {columns}, which has no header, ignored",
                                "values in columns {columns}, which have no header, ignored", len(stray)).format(columns=cols))
        self._note_merged(hrow)

    def _note_merged(self, hrow: int) -> None:
        merged = getattr(self.parser, "merged_cells", None)
        refs = [m.ref for m in getattr(merged, "mergeCell", None) or ()]
        inside = [r for r in refs if _last_row(r) >= hrow]
        if inside:
            shown = ", ".join(inside[:5]) + (_(" and {n} more").format(n=len(inside) - 5) if len(inside) > 5 else "")
            self._note(_("merged cells {cells}: only the top-left cell of each holds a value; the other cells were "
                         "read as empty").format(cells=shown))


def _chain(first, rest):
    yield from first
    yield from rest


def _texts(values: dict) -> list[str]:
    return [str(v) for v in values.values() if not _blank(v) and not isinstance(v, BadCell)]


def _numbering(values: dict, header: dict[int, str]) -> bool:
    """The row under a header that numbers its columns 1, 2, 3, … (common in Indonesian forms)."""
    filled = [(c, v) for c, v in sorted(values.items()) if not _blank(v)]
    if len(filled) < 2 or any(type(v) is not int for _, v in filled):
        return False
    return [v for _, v in filled] == list(range(filled[0][1], filled[0][1] + len(filled))) and \
        filled[0][1] in (0, 1) and {c for c, _ in filled} <= set(header)


def _last_row(ref: str) -> int:
    end = ref.split(":")[-1]
    digits = "".join(ch for ch in end if ch.isdigit())
    return int(digits) if digits else 0


__all__ = ["read_xlsx", "cell_ref", "cell_value", "NO_SAVED_VALUE"]
