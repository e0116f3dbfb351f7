"""A CSV or JSONL file cut in byte ranges that worker processes read on their own (`--jobs N`).

The parent does little per record: it cuts the file at newlines with C-speed bytes operations
(a CSV cut only where the count of `"` before it is even: RFC 4180 quotes come in pairs) and
counts, per range, its physical lines and the records it should hold (newlines minus those
inside quotes). A worker reads its range with the reader of the whole file, started in the
state that reader would be in there (line, row, header, delimiter), and says what it read
(`RangeRead`). The parent trusts nothing it guessed: evaluation/blocks.py checks each range
against what the range before it really read, and a range read from a wrong start is read
again; a range that is not plainly read (a stray quote, a record read again, a line too
long) is read by the parent, with the one reader, from its start to the end of the file.

Only what is certain is cut: a file that is not UTF-8 throughout (the reader's error names
the line where its decoder stopped), UTF-16, a lone carriage return (the reader ends a line
there), a header not ended by a newline: none of these is split (`split_file` gives None).
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from kinerja.limits import MAX_HEADER_LINE, MAX_RECORD_LINES
from kinerja.records.csv_reader import CsvState, closing_note, csv_header, csv_rows
from kinerja.records.headers import HeaderMatch, keeps_names
from kinerja.records.json_reader import read_jsonl
from kinerja.records.source import RecordsError, Source

LARGEST = 1 << 22  # bytes: a range never holds more (a record that long is read by the parent, line by line)
LONGEST = 8  # a range may grow by this many blocks to reach an even quote count; past it, the parent reads


@dataclass(frozen=True)
class Layout:
    """What every range of one file shares: the file, its format, and for a CSV the header and
    delimiter the parent read; `fields`: the fields (headers.FieldNames) the parent's
    HeaderMatch renames the columns to, or None to keep every record as read."""

    path: str
    fmt: str  # "csv" or "jsonl"
    stamp: tuple = ()  # the file's device, inode, size and time of change when it was cut: a worker
    # that finds another file there (replaced meanwhile) reads nothing and the parent reads on
    header: tuple[str, ...] = ()
    delimiter: str = ","
    fields: dict | None = None


@dataclass(frozen=True)
class Range:
    """Bytes `start` to `end` of the file, after `line` physical lines and `row` records; `lines`
    and `rows` are what the parent counted in it (rows: a guess the worker's reading settles)."""

    layout: Layout
    start: int
    end: int
    line: int
    row: int
    lines: int
    rows: int

    def at(self, line: int, row: int) -> Range:
        return replace(self, line=line, row=row)


@dataclass
class Point:
    """Where the reader of the whole file stands between two records: byte `offset`, after `line`
    physical lines and `row` records; `blank` lines skipped and the first `spans` (records over
    several lines) for the CSV closing note."""

    offset: int
    line: int
    row: int
    blank: int = 0
    spans: list = field(default_factory=list)

    def after(self, r: Range, read: RangeRead) -> Point:
        return Point(r.end, r.line + read.lines, r.row + read.rows, self.blank + read.blank,
                     (self.spans + read.spans)[:6])


@dataclass
class RangeRead:
    """What a worker read in its range: `clean` (every record plainly read, none past the end),
    physical lines, records, blank lines, records over several lines (the first six)."""

    clean: bool = True
    lines: int = 0
    rows: int = 0
    blank: int = 0
    spans: list = field(default_factory=list)


def read_range(r: Range, read: RangeRead) -> Iterator[Source]:
    """The records of range `r`, numbered and placed as the reader of the whole file numbers them;
    `read` is filled in once they have all been taken."""
    with open(r.layout.path, "rb") as fh:
        if _stamp(os.fstat(fh.fileno())) != r.layout.stamp:
            read.clean = False
            return
        fh.seek(r.start)
        data = fh.read(r.end - r.start)
    if r.layout.fmt == "csv":
        layout = r.layout
        state = CsvState(list(layout.header), layout.delimiter, r.line, r.row)
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict", newline="")
        sources = csv_rows(text, [], state, bounded=True)
        # the records as read when renaming would keep them as they are (one layer less a record)
        yield from sources if layout.fields is None or keeps_names(layout.fields, layout.header) else \
            HeaderMatch(layout.fields, sources)
        read.clean, read.lines, read.rows = state.clean, state.line - r.line, state.row - r.row
        read.blank, read.spans = state.blank, state.spans
        return
    rows = 0
    for source in _renamed(r.layout.fields, read_jsonl(io.BytesIO(data), r.line, r.row)):
        rows += 1
        yield source
    read.lines, read.rows = r.lines, rows


def _renamed(fields: dict | None, sources: Iterator[Source]) -> Iterator[Source]:
    return iter(HeaderMatch(fields, sources)) if fields is not None else sources


class Split:
    """One file's ranges (`ranges`, made as they are asked for), where reading starts (`start`),
    the parent's reading of the rest from a point (`rest`) and the closing note (`finish`)."""

    def __init__(self, layout: Layout, data_start: int, size: int, block_bytes: int, notes: list[str],
                 opened: Any = None):
        self.layout, self.data_start, self.size, self.opened = layout, data_start, size, opened
        self.block_bytes, self.notes = max(1, block_bytes), notes

    def start(self) -> Point:
        return Point(self.data_start, 1 if self.layout.fmt == "csv" else 0, 0)

    def ranges(self) -> Iterator[Range]:
        """The ranges in file order, each cut at a newline (a CSV one where the quotes before it
        pair up); they end early where a cut is not certain (the parent reads the rest)."""
        point = self.start()
        pos, line, row, size, csv = point.offset, point.line, point.row, self.size, self.layout.fmt == "csv"
        if pos >= size:
            return
        longest = LONGEST * self.block_bytes
        largest = max(longest + self.block_bytes, LARGEST)  # a range a worker holds in memory
        with open(self.layout.path, "rb") as fh:
            if _stamp(os.fstat(fh.fileno())) != self.layout.stamp:
                return
            window = _Window(fh, pos)
            while pos < size:
                end = window.line_end(min(size, pos + self.block_bytes) - 1)
                chunk = window.take(pos, end)
                quotes, cut, extra = chunk.count(b'"') if csv else 0, end, 0
                while quotes % 2 and end < size and (end - cut <= longest or extra <= MAX_RECORD_LINES):
                    extra += 1  # a newline in quotes: on to the next (a record of many lines, or a stray quote)
                    more = window.take(end, window.line_end(end))
                    quotes += more.count(b'"')
                    chunk += more
                    end += len(more)
                if quotes % 2 or (csv and b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n")) \
                        or not pos < end <= size or end - pos > largest:
                    return
                lines = chunk.count(b"\n") + (not chunk.endswith(b"\n"))
                inside = b"".join(chunk.split(b'"')[1::2]).count(b"\n") if quotes else 0
                yield Range(self.layout, pos, end, line, row, lines, lines - inside)
                pos, line, row = end, line + lines, row + lines - inside
                window.drop(pos)

    def rest(self, point: Point) -> Iterator[Source]:
        """The records from `point` to the end of the file, read here by the reader of the whole file
        started there (the closing note is its own)."""
        fd = os.dup(self.opened.fileno()) if self.opened is not None and not self.opened.closed else None
        with open(fd, "rb") if fd is not None else open(self.layout.path, "rb") as fh:  # the file the parent opened
            fh.seek(point.offset)
            if self.layout.fmt == "csv":
                state = CsvState(list(self.layout.header), self.layout.delimiter, point.line, point.row, point.blank,
                                 list(point.spans))
                text = io.TextIOWrapper(fh, encoding="utf-8", errors="strict", newline="")
                sources = csv_rows(text, self.notes, state)
            else:
                sources = read_jsonl(fh, point.line, point.row)
            yield from _renamed(self.layout.fields, sources)

    def finish(self, point: Point) -> None:
        """Every range was read by the workers: the closing note the reader of the whole file adds."""
        if self.layout.fmt == "csv":
            state = CsvState(list(self.layout.header), self.layout.delimiter, point.line, point.row, point.blank,
                             point.spans)
            closing_note(state, self.notes)


class _Window:
    """The bytes of a file from `base` on, read as they are asked for and dropped once cut (the
    parent never holds or maps the whole file)."""

    def __init__(self, fh: Any, base: int):
        fh.seek(base)
        self.fh, self.base, self.buf = fh, base, b""

    def line_end(self, at: int) -> int:
        """Just past the first newline at or after offset `at` (the end of the file when there is none)."""
        i = at - self.base
        while (nl := self.buf.find(b"\n", i)) < 0:
            more = self.fh.read(max(1 << 16, i + 1 - len(self.buf)))
            if not more:
                return self.base + len(self.buf)
            i = max(i, len(self.buf))
            self.buf += more
        return self.base + nl + 1

    def take(self, start: int, end: int) -> bytes:
        return self.buf[start - self.base:end - self.base]

    def drop(self, upto: int) -> None:
        self.buf, self.base = self.buf[upto - self.base:], upto


def _stamp(st: os.stat_result) -> tuple:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def split_file(path: str, fmt: str, block_bytes: int, notes: list[str],
               fields: dict | None = None, opened: Any = None) -> Split | None:
    """The byte ranges of a CSV or JSONL file for workers to read, or None where the parent must
    read it all (see the module's docstring). `fields`: what the columns are renamed to
    (headers.FieldNames, as HeaderMatch does), or None to keep the records as read; `opened`: the parent's open
    binary stream of the file, if any (the ranges are of that file, and the parent reads on in it)."""
    if fmt not in ("csv", "jsonl"):
        return None
    try:
        stamp = _stamp(os.fstat(opened.fileno()) if opened is not None and not opened.closed else os.stat(path))
        size = stamp[2]
        with open(path, "rb") as fh:
            if _stamp(os.fstat(fh.fileno())) != stamp:
                return None
            if fmt == "jsonl":
                return Split(Layout(path, fmt, stamp, fields=fields), 0, size, block_bytes, notes, opened)
            first = fh.readline(4 * MAX_HEADER_LINE + 8)
            if (first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not first.endswith(b"\n")
                    or first.count(b"\r") != first.count(b"\r\n") or not _utf8(fh, first)):
                return None
    except OSError:
        return None
    try:
        header, delimiter = csv_header(io.TextIOWrapper(io.BytesIO(first), encoding="utf-8-sig", newline=""))
    except (RecordsError, UnicodeDecodeError):
        return None
    return Split(Layout(path, fmt, stamp, tuple(header), delimiter, fields), len(first), size, block_bytes, notes,
                 opened)


def _utf8(fh: Any, first: bytes) -> bool:
    """Whether the whole file is UTF-8 (its first line given, the rest read from `fh`)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(first)
        while chunk := fh.read(1 << 20):
            if not (chunk.isascii() and not decoder.getstate()[0]):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


__all__ = ["LARGEST", "LONGEST", "Layout", "Point", "Range", "RangeRead", "Split", "read_range", "split_file"]
