"""The CSV reader: a header line, then one record a row, streamed with flat memory.

UTF-8 (or UTF-16 with its byte-order mark, Excel's "Unicode Text"); `,`, `;` or tab, sniffed
from the header. A record that cannot be read (a stray quote that runs over lines, a line
beyond the limits) becomes an error row, and the lines after it are read again, so one bad
quote never hides the records behind it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from kinerja.i18n import _, ngettext, num
from kinerja.limits import MAX_CELL, MAX_COLUMNS, MAX_HEADER_LINE, MAX_LINE, MAX_RECORD_LINES
from kinerja.records.source import RecordsError, Source


def _text(stream: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding=_encoding(stream), errors="strict", newline="")


def _encoding(stream: IO[bytes]) -> str:
    """UTF-16 when the file starts with its byte-order mark (Excel's "Unicode Text"), else UTF-8."""
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if not head and stream.seekable():
        head = stream.read(4)
        stream.seek(0)
    return "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"


def not_utf8(stream: Any, after: int) -> str:
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
                    return _("line {number} is not UTF-8 text (near \"{shown}\"; the file looks saved as "
                             "Windows-1252, Excel's \"CSV (Comma delimited)\"): save it as "
                             "\"CSV UTF-8 (Comma delimited)\"").format(number=number, shown=shown)
            number += piece.endswith(b"\n")
    except (OSError, ValueError):
        pass
    return _("the file is not UTF-8 text after line {after}; save it as 'CSV UTF-8'").format(after=after)


def sniff_delimiter(header: str) -> str:
    """Indonesian Excel writes `;`-separated CSV (decimal comma); others write `,`."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def read_csv(stream: IO[bytes], notes: list[str] | None = None) -> Iterator[Source]:
    text = _text(stream)
    try:
        yield from csv_rows(text, notes if notes is not None else [])
    finally:
        with contextlib.suppress(ValueError):  # already detached
            text.detach()  # the caller owns (and closes) the byte stream


FAST = True  # read a line without a quote as one record directly (csv_rows); tests compare it with False


class _Runaway(Exception):
    """A record has run over more physical lines than any real one does (a stray quote)."""


class _Lines:
    """The physical lines of a CSV text, numbered, holding the lines of the record being read
    so that after a stray quote they can be read again, one by one. `feed` is what csv.reader
    reads (a generator: the per-line cost stays small)."""

    def __init__(self, text: io.TextIOWrapper, last: int):
        self.text, self.last = text, last
        self.held: list[str] = []  # the lines of the record being read, from line `first`
        self.first = last + 1
        self.replay: list[tuple[int, str]] = []  # reversed: pop() gives the next line
        self.blank = 0
        self.too_long: set[int] = set()
        self.ended_inside = False
        self.pushed = ""  # a line the fast path read and hands over unread (csv_rows)
        self.feed = self._feed()

    def _feed(self) -> Iterator[str]:
        readline, held, replay = self.text.readline, self.held, self.replay
        while True:
            if replay:
                number, line = replay.pop()
            else:
                if self.pushed:
                    line, self.pushed = self.pushed, ""
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
                raise _Runaway(_("line {number} is longer than {MAX_LINE} characters").format(number=number,
                                                                                              MAX_LINE=num(MAX_LINE,
                                                                                                           group=True)))
            if len(held) > MAX_RECORD_LINES:
                raise _Runaway(_("a quoted cell opened on line {first} is still open after {MAX_RECORD_LINES} lines: a "
                                 "stray \" (a quote that is never closed)?").format(first=self.first,
                                                                                    MAX_RECORD_LINES=MAX_RECORD_LINES))
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


def csv_header(text: io.TextIOWrapper) -> tuple[list[str], str]:
    try:
        header_line = text.readline(MAX_HEADER_LINE)
    except UnicodeDecodeError:
        raise RecordsError(not_utf8(text.buffer, 0)) from None
    if not header_line.strip():
        raise RecordsError(_("the CSV file is empty: expected a header line with the column names"))
    if len(header_line) >= MAX_HEADER_LINE and header_line[-1] not in "\r\n":
        raise RecordsError(_("line 1: the header line is longer than {MAX_HEADER_LINE} characters")
                           .format(MAX_HEADER_LINE=num(MAX_HEADER_LINE, group=True)))
    delimiter = sniff_delimiter(header_line)
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as exc:
        raise RecordsError(_("line 1: the header cannot be read: {exc} (a cell holds at most {MAX_CELL} characters)")
                           .format(exc=exc, MAX_CELL=num(MAX_CELL, group=True))) from None
    if len(header) > MAX_COLUMNS:
        raise RecordsError(_("line 1: the header has {header} columns; at most {MAX_COLUMNS} are read")
                           .format(header=num(len(header), group=True), MAX_COLUMNS=num(MAX_COLUMNS, group=True)))
    header = [h.strip() for h in header]
    dupes = sorted(h for h, n in Counter(header).items() if n > 1 and h)
    if dupes:
        shown = ", ".join(dupes[:10]) + (_(" and {value} more")
                                         .format(value=len(dupes) - 10) if len(dupes) > 10 else "")
        raise RecordsError(_("the header names a column twice: {shown}").format(shown=shown))
    return header, delimiter


@dataclass
class CsvState:
    """Where a CSV reader stands between two records: the header it read, the physical lines and
    the records read so far, and what the closing note counts. A reader can start from one in
    the middle of a file (a worker's byte range, records/ranges.py) and reads exactly as the
    reader of the whole file would from there. `clean` turns False when a bounded reader meets
    anything that reads lines again or runs past its end (the range is then read by the parent)."""

    header: list[str]
    delimiter: str
    line: int = 1  # physical lines read (the header is line 1)
    row: int = 0  # records read
    blank: int = 0  # blank lines skipped
    spans: list[tuple[int, int]] = field(default_factory=list)  # (first line, lines) of records over several
    # lines: the first six (the note shows five, then "…")
    clean: bool = True


def csv_rows(text: io.TextIOWrapper, notes: list[str], state: CsvState | None = None,
              bounded: bool = False) -> Iterator[Source]:
    """The records of `text`, from the header (state None) or from `state` on; `state` is kept up
    to date. `bounded`: the text is one range of a file: stop at the first record that is not
    plainly read (state.clean False) and leave the closing note to the caller."""
    if state is None:
        state = CsvState(*csv_header(text))
    header, delimiter = state.header, state.delimiter
    lines = _Lines(text, state.line)
    held, width, comma = lines.held, len(header), delimiter == ";"
    reader = csv.reader(lines.feed, delimiter=delimiter)
    line_word = _("line {number}")  # looked up once: this loop runs once per record
    row = state.row
    spans = state.spans
    before, mark, after = line_word.format(number="\x00").partition("\x00")  # f"{before}{n}{after}" is
    quick = FAST and mark and "\x00" not in after  # line_word.format(number=n), quicker (when it names n once)
    readline, fast, number = text.readline, False, lines.last
    limit = min(MAX_CELL, MAX_LINE - 1)  # a line this long is whole and holds no cell over the csv limit
    try:
        while True:
            held.clear()
            if quick and not lines.replay:
                # The fast path: a line without a quote is one whole record, cut at each delimiter
                # exactly as csv.reader cuts it. The first other line (a quote, or too long to be sure
                # of) is handed to the careful path below, unread.
                fast, number = True, lines.last
                while True:
                    try:
                        line = readline(MAX_LINE)
                    except UnicodeDecodeError:
                        fast, lines.last = False, number
                        if bounded:
                            state.clean = False
                            return
                        raise RecordsError(not_utf8(text.buffer, number)) from None
                    if not line:
                        fast, lines.last = False, number
                        break
                    if '"' in line or len(line) > limit:
                        fast, lines.last, lines.pushed = False, number, line
                        break
                    number += 1
                    cells = line.rstrip("\r\n").split(delimiter)
                    if not cells[0].strip():
                        if line.isspace():
                            lines.blank += 1
                            continue
                        if all(not c.strip() for c in cells):
                            continue
                    row += 1
                    problem = None
                    if len(cells) > width and any(c.strip() for c in cells[width:]):
                        problem = _("the line has {cells} cells but the header has {width} columns").format(
                            cells=len(cells), width=width)
                    yield Source(row, dict(zip(header, cells)), f"{before}{number}{after}", None, problem, "K407",
                                 comma)
                if not lines.pushed:  # the end of the file
                    break
            try:
                cells = next(reader)
                problem = None
                if len(held) > 1:
                    if lines.ended_inside:
                        problem = _("a quote opened on line {first} is never closed before the end of the file: "
                                    "a stray \"?").format(first=lines.first)
                    elif _swallowed(cells, delimiter, width):
                        problem = (_("a quoted cell opened on line {first} runs over {held} lines that look like "
                                     "records: a stray \" (a quote that is never closed)?")
                                   .format(first=lines.first, held=len(held)))
                elif lines.ended_inside and held:
                    problem = _("a quote opened on line {first} is never closed before the end of the file: "
                                "a stray \"?").format(first=lines.first)
            except StopIteration:
                break
            except UnicodeDecodeError:
                if bounded:
                    state.clean = False
                    return
                raise RecordsError(not_utf8(text.buffer, lines.last)) from None
            except _Runaway as exc:
                problem = str(exc)
            except csv.Error as exc:
                problem = _("CSV error: {exc}").format(exc=exc) + (_(" (in the record starting here, over {held} "
                                                                     "lines)").format(held=len(held))
                                                                   if len(held) > 1 else "")
            if problem is not None:
                if not held:
                    break
                if bounded:  # lines read again, maybe across the range's end: the parent reads it
                    state.clean = False
                    return
                n, opening, lines.ended_inside = len(held), held[0], False
                first = lines.again()
                if n > 1:
                    problem += ngettext("; the {n} line after it is read again",
                                        "; the {n} lines after it are read again", n - 1).format(n=n - 1)
                row += 1
                yield Source(row, _alone(opening, header, delimiter), line_word.format(number=first),
                             problem=problem, code="K410")
                reader = csv.reader(lines.feed, delimiter=delimiter)
                continue
            if not cells or all(not c.strip() for c in cells):
                continue
            first = lines.first
            if len(held) > 1 and len(spans) < 6:
                spans.append((first, len(held)))
            row += 1
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                problem = _("the line has {cells} cells but the header has {width} columns").format(cells=len(cells),
                                                                                                    width=width)
            yield Source(row, dict(zip(header, cells)), line_word.format(number=first), problem=problem,
                         decimal_comma=comma)
    finally:
        if fast:
            lines.last = number
        state.line, state.row, state.blank = lines.last, row, state.blank + lines.blank
        if held or lines.replay or fast:  # fast: left while a record was handed on (held, in the careful path)
            state.clean = False
    if not bounded:
        closing_note(state, notes)


def closing_note(state: CsvState, notes: list[str]) -> None:
    """The note of a file whose records are not one a data line (records over several lines,
    error rows), as the reader of the whole file ends with."""
    data_lines = state.line - 1 - state.blank
    if data_lines != state.row:
        spans = state.spans
        shown = ", ".join(_("line {a} ({n} lines)").format(a=a, n=n) for a,
                          n in spans[:5]) + (" …" if len(spans) > 5 else "")
        notes.append(_("the file has {data_lines} data lines and {row} records were read: {value}")
                     .format(data_lines=data_lines, row=state.row, value=_("quoted cells with line breaks at {lines}")
                             .format(lines=shown) if spans else _("see the error rows")))
