"""Rows of worksheet cells → records: the part of reading a spreadsheet that does not depend on
how the workbook is parsed (records/xlsx.py reads it with openpyxl).

The header row is found below any title block (or taken from `--header-row` or the mapping);
a row numbering the columns (1, 2, 3, …) under it is skipped; every record keeps the cell
reference of each value (`Data!D14`) so the Coercer can report each bad cell by reference.
What is skipped on purpose (empty rows, merged cells, columns without a header) is said in
`notes`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from kinerja.i18n import N_, _, ngettext
from kinerja.records.source import BadCell, RecordsError, Source

if TYPE_CHECKING:
    from kinerja.records.mapping import Mapping as ColumnMapping

HEADER_SCAN = 30  # rows looked at to find the header below a title block
NO_SAVED_VALUE = N_("formula has no saved value; open and save the file in Excel")
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number


class SheetRows(Protocol):
    """The rows of one worksheet as a workbook parser gives them."""

    title: str
    last_row: int  # the number of the last row present in the file (formatted but empty counts)

    def __iter__(self) -> Iterator[tuple[int, dict[int, Any]]]:
        """(row number, {column number: value}) for every row present in the file, in order."""
        ...

    def merged(self) -> list[str]:
        """The merged ranges (`A1:C1`), known once the rows are read."""
        ...


def add_note(notes: list[str], title: str, text: str) -> None:
    """A note about the sheet `title`, said once however often it is met."""
    text = f"{title}: {text}"
    if text not in notes:
        notes.append(text)


def column_letter(column: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class CellRefs(Mapping):
    """field -> cell reference of one record, built only when asked (most never are)."""

    __slots__ = ("letters", "prefix", "row")

    def __init__(self, prefix: str, row: int, letters: dict[str, str]):
        self.prefix, self.row, self.letters = prefix, row, letters

    def __getitem__(self, name: str) -> str:
        return f"{self.prefix}{self.letters[name]}{self.row}"

    def __iter__(self):
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def remap(self, pairs: list[tuple[str, str]]) -> CellRefs:
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
    return f"{sheet_prefix(sheet)}{column_letter(column)}{row}"



def sheet_records(rows: SheetRows, header_row: int | None, mapping: ColumnMapping | None,
                  notes: list[str]) -> Iterator[Source]:
    """The records of one sheet's rows; `header_row` (1-based) or the mapping's, else found."""
    return _Sheet(rows, notes).records(header_row, mapping)


def maybe_rounded(v: int) -> int | float:
    """A whole number longer than 15 digits that ends in zeros beyond the 15th may be what is left
    of a longer number Excel rounded (an 18-digit NIP typed into a number cell): hand it on as a
    float, which every exact reader (NIP, integer id) refuses instead of trusting."""
    digits = str(abs(v))
    if len(digits) > EXCEL_DIGITS and set(digits[EXCEL_DIGITS:]) == {"0"}:
        return float(v)
    return v


def blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class _Sheet:
    """The rows of one worksheet turned into records: header, title block, empty rows, notes."""

    def __init__(self, rows: SheetRows, notes: list[str]):
        self.title, self.source, self.notes = rows.title, rows, notes

    def _note(self, text: str) -> None:
        add_note(self.notes, self.title, text)

    def records(self, header_row: int | None, mapping: ColumnMapping | None) -> Iterator[Source]:
        rows = iter(self.source)
        head: list[tuple[int, dict]] = []
        filled = 0
        expected = getattr(mapping, "header_row", None) or 0
        for idx, values in rows:
            head.append((idx, values))
            filled += not all(blank(v) for v in values.values())
            if header_row is not None:
                if idx >= header_row:
                    break
            elif (filled >= HEADER_SCAN and idx >= expected) or len(head) >= HEADER_SCAN * 100:
                break
        hrow, header_cells = self._find_header(
            [(i, v) for i, v in head if not all(blank(x) for x in v.values())], header_row, mapping)
        header = self._header(hrow, header_cells)
        ahead = [(i, v) for i, v in head if i > hrow]
        source = self._data(hrow, header, ahead, rows)
        if mapping is not None:
            source = mapping.apply(source, [h for h in header.values()], where=_("sheet {sheet} row {row}")
                                   .format(sheet=self.title, row=hrow))
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
        widths = [sum(not blank(x) for x in v.values()) for _row, v in head]
        need = max(2, math.ceil(max(widths) / 2))
        for k, (i, v) in enumerate(head):
            texts = all(isinstance(x, str) for x in v.values() if not blank(x))
            if texts and widths[k] >= need and (k + 1 == len(head) or widths[k] >= widths[k + 1]):
                return i, v
        return head[0]

    def _header(self, hrow: int, cells: dict) -> dict[int, str]:
        header: dict[int, str] = {}
        seen: dict[str, list[str]] = {}
        for col in sorted(cells):
            v = cells[col]
            if blank(v) or isinstance(v, BadCell):
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
        letters = {h: column_letter(c) for c, h in header.items()}
        row_word = _("{sheet} row {row}")  # looked up once: the loop runs once per record
        columns = header.keys()
        for idx, values in _chain(ahead, rows):  # once per record: the common case costs no call per cell
            if idx <= hrow or not any(v.__class__ is not str or v.strip() for v in values.values() if v is not None):
                continue
            if last_data == hrow and _numbering(values, header):
                self._note(_("row {row} holds column numbers (1, 2, 3, …) and was ignored").format(row=idx))
                last_data = idx
                continue
            inner_blanks += idx - last_data - 1 if n else 0
            if values.keys() - columns:
                stray.update(c for c, v in values.items() if c not in header and not blank(v))
            n += 1
            last_data = idx
            record = {h: values.get(c) for c, h in header.items()}
            yield Source(n, record, row_word.format(sheet=self.title, row=idx), CellRefs(prefix, idx, letters))
        trailing = self.source.last_row - last_data  # rows present in the file (formatted, say) but empty
        if inner_blanks:
            self._note(ngettext("{n} empty row between records ignored", "{n} empty rows between records ignored",
                                inner_blanks).format(n=inner_blanks))
        if not n:
            self._note(_("no records below the header on row {row}").format(row=hrow))
        if trailing > 0 and n:
            self._note(ngettext("{n} empty row after row {row} ignored", "{n} empty rows after row {row} ignored",
                                trailing).format(n=trailing, row=last_data))
        if stray:
            cols = ", ".join(column_letter(c) for c in sorted(stray))
            self._note(ngettext("values in column {columns}, which has no header, ignored",
                                "values in columns {columns}, which have no header, ignored", len(stray))
                       .format(columns=cols))
        self._note_merged(hrow)

    def _note_merged(self, hrow: int) -> None:
        inside = [r for r in self.source.merged() if _last_row(r) >= hrow]
        if inside:
            shown = ", ".join(inside[:5]) + (_(" and {n} more").format(n=len(inside) - 5) if len(inside) > 5 else "")
            self._note(_("merged cells {cells}: only the top-left cell of each holds a value; the other cells were "
                         "read as empty").format(cells=shown))


def _chain(first, rest):
    yield from first
    yield from rest


def _texts(values: dict) -> list[str]:
    return [str(v) for v in values.values() if not blank(v) and not isinstance(v, BadCell)]


def _numbering(values: dict, header: dict[int, str]) -> bool:
    """The row under a header that numbers its columns 1, 2, 3, … (common in Indonesian forms)."""
    filled = [(c, v) for c, v in sorted(values.items()) if not blank(v)]
    if len(filled) < 2 or any(type(v) is not int for _, v in filled):
        return False
    return [v for _, v in filled] == list(range(filled[0][1], filled[0][1] + len(filled))) and \
        filled[0][1] in (0, 1) and {c for c, _ in filled} <= set(header)


def _last_row(ref: str) -> int:
    end = ref.split(":")[-1]
    digits = "".join(ch for ch in end if ch.isdigit())
    return int(digits) if digits else 0

