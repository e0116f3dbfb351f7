"""Employee records in: streaming readers for CSV, JSON, JSONL, YAML (and XLSX, engine/records/xlsx.py).

Readers yield `Source` items one at a time, so memory stays flat however long the file is;
a record that cannot be read becomes a `Source` with a `problem`, never a gap. Typing the
values is engine/records/coerce.py's job.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

from kinerja.i18n import _, ngettext, num, os_reason
from kinerja.limits import MAX_CELL, MAX_COLUMNS, MAX_DEPTH, MAX_HEADER_LINE, MAX_LINE, MAX_RECORD_LINES

FORMATS = ("csv", "json", "jsonl", "yaml", "xlsx")
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
              ".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx", ".xlsm": "xlsx"}


class RecordsError(Exception):
    """The records file as a whole cannot be read (not one bad record: those become rows)."""


@dataclass
class Source:
    """One raw record and where it came from (for messages)."""

    row: int  # 1-based record number
    data: Any  # a dict normally; anything else becomes an error row
    where: str = ""  # e.g. "line 5" or "Sheet1 row 14"
    cells: dict | None = None  # field -> cell reference (xlsx), for messages
    problem: str | None = None  # a reader-level problem with this record (bad JSON line, …)
    code: str = "K407"  # the code the problem is reported with
    decimal_comma: bool = False  # read "1.234,5" as 1234.5 (a `;`-separated CSV, as Excel writes it)


@dataclass(frozen=True)
class BadCell:
    """A cell a reader could take no value from (Excel error, formula without a saved value);
    the Coercer reports it against the field that reads it, with the cell reference."""

    value: Any
    reason: str
    code: str = "K402"


@dataclass(frozen=True)
class PercentCell:
    """A number a spreadsheet shows as a percentage (stored 0.98, shown 98%). The Coercer reads
    it as 98 for a field declared `unit: percent` and reports it for any other field."""

    value: Any  # as stored: 0.98

    def __str__(self) -> str:
        from decimal import Decimal
        shown = (Decimal(repr(self.value)) * 100).normalize()
        return f"{shown:f}%"


def detect_format(name: str, explicit: str | None = None) -> str:
    if explicit:
        return explicit
    fmt = EXTENSIONS.get(Path(name).suffix.lower())
    if fmt is None:
        raise RecordsError(_("cannot tell the format of {name!r} from its extension: use --input-format ({value})").format(name=name, value='|'.join(FORMATS)))
    return fmt


def open_binary(name: str, stdin: IO[bytes] | None = None) -> IO[bytes]:
    if name == "-":
        if stdin is None:
            raise RecordsError(_("no standard input"))
        return stdin
    try:
        return open(name, "rb")
    except IsADirectoryError:
        raise RecordsError(_("{name} is a folder, not a records file").format(name=name)) from None
    except OSError as exc:
        raise RecordsError(_("cannot read {name}: {value}").format(name=name, value=os_reason(exc))) from None


def read_records(name: str, fmt: str | None = None, *, stdin: IO[bytes] | None = None,
                 sheet: str | None = None, header_row: int | None = None, mapping=None,
                 notes: list[str] | None = None) -> Iterator[Source]:
    """Stream the records of one file. Raises RecordsError only for the file as a whole.
    `notes` collects what a reader skipped on purpose (xlsx: empty rows, merged cells)."""
    fmt = detect_format(name, fmt)
    if fmt == "xlsx":
        from kinerja.records.xlsx import read_xlsx
        yield from read_xlsx(name, sheet=sheet, header_row=header_row, mapping=mapping, stdin=stdin, notes=notes)
        return
    stream = open_binary(name, stdin)
    try:
        reader = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl, "yaml": _read_yaml}[fmt]
        source = reader(stream, notes) if fmt == "csv" else reader(stream)
        if mapping is not None:
            source = mapping.apply(source)
        yield from source
    finally:
        if stream is not stdin:
            stream.close()


def _read_json(stream: IO[bytes], chunk_size: int = 1 << 16) -> Iterator[Source]:
    from kinerja.records.json_reader import read_json
    return read_json(stream, chunk_size)


def _read_jsonl(stream: IO[bytes]) -> Iterator[Source]:
    from kinerja.records.json_reader import read_jsonl
    return read_jsonl(stream)


def _text(stream: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding=_encoding(stream), errors="strict", newline="")


def _encoding(stream: IO[bytes]) -> str:
    """UTF-16 when the file starts with its byte-order mark (Excel's "Unicode Text"), else UTF-8."""
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if not head and stream.seekable():
        head = stream.read(4)
        stream.seek(0)
    return "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"


def not_utf8(stream: IO[bytes], after: int) -> str:
    """Why a CSV file cannot be read as UTF-8, naming the first line that is not (found by reading
    the file again when it can be); most often a file saved as Excel's "CSV (Comma delimited)",
    which is Windows-1252."""
    try:
        stream.seek(0)
        number = 1
        while piece := stream.readline(1 << 20):  # bounded: a line without end is read in pieces
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.end < len(piece) or piece.endswith(b"\n"):  # not a character cut by the piece's end
                    shown = piece[max(0, exc.start - 20): exc.start + 20].decode("cp1252", "replace").strip()
                    return (_("line {number} is not UTF-8 text (near \"{shown}\"; the file looks saved as Windows-1252, Excel's \"CSV (Comma delimited)\"): save it as \"CSV UTF-8 (Comma delimited)\"").format(number=number, shown=shown))
            number += piece.endswith(b"\n")
    except (OSError, ValueError):
        pass
    return _("the file is not UTF-8 text after line {after}; save it as 'CSV UTF-8'").format(after=after)


def sniff_delimiter(header: str) -> str:
    """Indonesian Excel writes `;`-separated CSV (decimal comma); others write `,`."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(stream: IO[bytes], notes: list[str] | None = None) -> Iterator[Source]:
    text = _text(stream)
    try:
        yield from _csv_rows(text, notes if notes is not None else [])
    finally:
        try:
            text.detach()  # the caller owns (and closes) the byte stream
        except ValueError:
            pass


class _Runaway(Exception):
    """A record has run over more physical lines than any real one does (a stray quote)."""


class _Lines:
    """The physical lines of a CSV text, numbered, holding the lines of the record being read
    so that after a stray quote they can be read again, one by one. `feed` is what csv.reader
    reads (a generator: the per-line cost stays small)."""

    def __init__(self, text: io.TextIOWrapper, last: int):
        self.text, self.last, self.header_lines = text, last, last
        self.held: list[str] = []  # the lines of the record being read, from line `first`
        self.first = last + 1
        self.replay: list[tuple[int, str]] = []  # reversed: pop() gives the next line
        self.blank = 0
        self.too_long: set[int] = set()
        self.ended_inside = False
        self.feed = self._feed()

    @property
    def data_lines(self) -> int:
        return self.last - self.header_lines - self.blank

    def _feed(self) -> Iterator[str]:
        readline, held, replay = self.text.readline, self.held, self.replay
        while True:
            if replay:
                number, line = replay.pop()
            else:
                line = readline(MAX_LINE)
                if not line:
                    self.ended_inside = bool(held)  # csv asked for more: a quote is still open
                    return
                self.last += 1
                number = self.last
                if line[-1] not in "\r\n" and len(line) >= MAX_LINE:
                    while (rest := readline(MAX_LINE)) and rest[-1] not in "\r\n":
                        pass  # the rest of a line beyond the limit is never held in memory
                    self.too_long.add(number)
                    line = "\n"
                elif line.isspace():
                    self.blank += 1
            if not held:
                self.first = number
            held.append(line)
            if number in self.too_long:
                raise _Runaway(_("line {number} is longer than {MAX_LINE} characters").format(number=number, MAX_LINE=num(MAX_LINE, group=True)))
            if len(held) > MAX_RECORD_LINES:
                raise _Runaway(_("a quoted cell opened on line {first} is still open after {MAX_RECORD_LINES} lines: a stray \" (a quote that is never closed)?").format(first=self.first, MAX_RECORD_LINES=MAX_RECORD_LINES))
            yield line

    def again(self) -> int:
        """Read the lines after the first of the held record again; the line number of that first."""
        first = self.first
        self.replay.extend(reversed([(first + i, line) for i, line in enumerate(self.held) if i]))
        self.held.clear()
        self.feed = self._feed()  # a generator that raised is finished
        return first


def _swallowed(cells: list[str], delimiter: str, columns: int) -> bool:
    """A quoted cell holding lines shaped like whole records took in the records after a stray
    quote. (An address with line breaks does not have a delimiter per column on a line.)"""
    return columns >= 3 and any(
        line.count(delimiter) >= columns - 1 for c in cells if "\n" in c or "\r" in c for line in c.splitlines()[1:])


def _alone(line: str, header: list[str], delimiter: str) -> dict | None:
    """The cells of one physical line read on its own: what an error row can show (its NIP)."""
    try:
        return dict(zip(header, next(csv.reader([line], delimiter=delimiter))))
    except (csv.Error, StopIteration):  # a cell over the limit: the cells as the delimiters cut them
        return dict(zip(header, line.rstrip("\r\n").split(delimiter)))


def _csv_header(text: io.TextIOWrapper) -> tuple[list[str], str]:
    try:
        header_line = text.readline(MAX_HEADER_LINE)
    except UnicodeDecodeError:
        raise RecordsError(not_utf8(text.buffer, 0)) from None
    if not header_line.strip():
        raise RecordsError(_("the CSV file is empty: expected a header line with the column names"))
    if len(header_line) >= MAX_HEADER_LINE and header_line[-1] not in "\r\n":
        raise RecordsError(_("line 1: the header line is longer than {MAX_HEADER_LINE} characters").format(MAX_HEADER_LINE=num(MAX_HEADER_LINE, group=True)))
    delimiter = sniff_delimiter(header_line)
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as exc:
        raise RecordsError(_("line 1: the header cannot be read: {exc} (a cell holds at most {MAX_CELL} characters)").format(exc=exc, MAX_CELL=num(MAX_CELL, group=True))) from None
    if len(header) > MAX_COLUMNS:
        raise RecordsError(_("line 1: the header has {header} columns; at most {MAX_COLUMNS} are read").format(header=num(len(header), group=True), MAX_COLUMNS=num(MAX_COLUMNS, group=True)))
    header = [h.strip() for h in header]
    dupes = sorted(h for h, n in Counter(header).items() if n > 1 and h)
    if dupes:
        shown = ", ".join(dupes[:10]) + (_(" and {value} more").format(value=len(dupes) - 10) if len(dupes) > 10 else "")
        raise RecordsError(_("the header names a column twice: {shown}").format(shown=shown))
    return header, delimiter


def _csv_rows(text: io.TextIOWrapper, notes: list[str]) -> Iterator[Source]:
    header, delimiter = _csv_header(text)
    lines = _Lines(text, 1)
    held, width, comma = lines.held, len(header), delimiter == ";"
    reader = csv.reader(lines.feed, delimiter=delimiter)
    line_word = _("line {number}")  # looked up once: this loop runs once per record
    row = 0
    spans: list[tuple[int, int]] = []  # (first line, lines) of records over several lines
    while True:
        held.clear()
        try:
            cells = next(reader)
            problem = None
            if len(held) > 1:
                if lines.ended_inside:
                    problem = _("a quote opened on line {first} is never closed before the end of the file: a stray \"?").format(first=lines.first)
                elif _swallowed(cells, delimiter, width):
                    problem = (_("a quoted cell opened on line {first} runs over {held} lines that look like records: a stray \" (a quote that is never closed)?").format(first=lines.first, held=len(held)))
            elif lines.ended_inside and held:
                problem = _("a quote opened on line {first} is never closed before the end of the file: a stray \"?").format(first=lines.first)
        except StopIteration:
            break
        except UnicodeDecodeError:
            raise RecordsError(not_utf8(text.buffer, lines.last)) from None
        except _Runaway as exc:
            problem = str(exc)
        except csv.Error as exc:
            problem = _("CSV error: {exc}").format(exc=exc) + (_(" (in the record starting here, over {held} lines)").format(held=len(held))
                                             if len(held) > 1 else "")
        if problem is not None:
            if not held:
                break
            n, opening, lines.ended_inside = len(held), held[0], False
            first = lines.again()
            if n > 1:
                problem += ngettext("; the {n} line after it is read again", "; the {n} lines after it are read again",
                                    n - 1).format(n=n - 1)
            row += 1
            yield Source(row, _alone(opening, header, delimiter), line_word.format(number=first), problem=problem,
                         code="K410")
            reader = csv.reader(lines.feed, delimiter=delimiter)
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        first = lines.first
        if len(held) > 1:
            spans.append((first, len(held)))
        row += 1
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            problem = _("the line has {cells} cells but the header has {width} columns").format(cells=len(cells), width=width)
        yield Source(row, dict(zip(header, cells)), line_word.format(number=first), problem=problem, decimal_comma=comma)
    if lines.data_lines != row:
        shown = ", ".join(_("line {a} ({n} lines)").format(a=a, n=n) for a, n in spans[:5]) + (" …" if len(spans) > 5 else "")
        notes.append(_("the file has {data_lines} data lines and {row} records were read: {value}").format(data_lines=lines.data_lines, row=row, value=_("quoted cells with line breaks at {lines}").format(lines=shown) if spans else _("see the error rows")))


def _read_yaml(stream: IO[bytes]) -> Iterator[Source]:
    """A YAML list of records. A problem inside one record (a key named twice, an explicit tag,
    a number too long) makes that record an error row; only a file that cannot be parsed as a
    whole is a RecordsError."""
    from kinerja.policy.located import Sequence, load_text, to_plain
    from kinerja.records.json_reader import SURROGATE_PROBLEM, replace_surrogates
    limit = 256 * 1024 * 1024
    root, findings = load_text(stream.read(limit + 1), "records", max_bytes=limit, max_depth=MAX_DEPTH)
    if root is None:
        f = findings[0]
        raise RecordsError(_("line {line}: {message}").format(line=f.line, message=f.message) if f.line else f.message)
    if not isinstance(root, Sequence):
        raise RecordsError(_("a YAML records file must be a list of records (lines starting with -)"))
    items = root.items
    located: dict[int, list] = {}
    for f in findings:
        k = _item_at(items, f.line)
        if k is None:
            raise RecordsError(_("line {line}: {message}").format(line=f.line, message=f.message))
        located.setdefault(k, []).append(f)
    for i, node in enumerate(items):
        data = to_plain(node)
        problem, code = None, "K407"
        if i in located:
            f = located[i][0]
            problem, code = _("line {line}: {message}").format(line=f.line, message=f.message), "K410"
        else:
            data, found = replace_surrogates(data)
            if found:
                problem, code = _(SURROGATE_PROBLEM), "K411"
        yield Source(i + 1, data, _("line {number}").format(number=node.line), problem=problem, code=code)


def _item_at(items: list, line: int) -> int | None:
    """The index of the list item whose lines hold `line` (items are in file order)."""
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        node = items[mid]
        if line < node.line:
            hi = mid - 1
        elif line > node.end_line:
            lo = mid + 1
        else:
            return mid
    return None
