"""Employee records in: streaming readers for CSV, JSON, JSONL, YAML (and XLSX, engine/xlsx.py).

Readers yield `Source` items one at a time, so memory stays flat however long the file is;
a record that cannot be read becomes a `Source` with a `problem`, never a gap. Typing the
values is engine/coerce.py's job.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Iterator

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
        raise RecordsError(f"cannot tell the format of {name!r} from its extension: "
                           f"use --input-format ({'|'.join(FORMATS)})")
    return fmt


def open_binary(name: str, stdin: IO[bytes] | None = None) -> IO[bytes]:
    if name == "-":
        if stdin is None:
            raise RecordsError("no standard input")
        return stdin
    try:
        return open(name, "rb")
    except IsADirectoryError:
        raise RecordsError(f"{name} is a folder, not a records file") from None
    except OSError as exc:
        raise RecordsError(f"cannot read {name}: {exc.strerror or exc}") from None


def read_records(name: str, fmt: str | None = None, *, stdin: IO[bytes] | None = None,
                 sheet: str | None = None, header_row: int | None = None, mapping=None,
                 notes: list[str] | None = None) -> Iterator[Source]:
    """Stream the records of one file. Raises RecordsError only for the file as a whole.
    `notes` collects what a reader skipped on purpose (xlsx: empty rows, merged cells)."""
    fmt = detect_format(name, fmt)
    if fmt == "xlsx":
        from .xlsx import read_xlsx
        yield from read_xlsx(name, sheet=sheet, header_row=header_row, mapping=mapping, stdin=stdin, notes=notes)
        return
    stream = open_binary(name, stdin)
    try:
        reader = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl, "yaml": _read_yaml}[fmt]
        source = reader(stream)
        if mapping is not None:
            source = mapping.apply(source)
        yield from source
    finally:
        if stream is not stdin:
            stream.close()


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
        for number, raw in enumerate(stream, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                shown = raw[max(0, exc.start - 20): exc.start + 20].decode("cp1252", "replace").strip()
                return (f'line {number} is not UTF-8 text (near "{shown}"; the file looks saved as Windows-1252, '
                        'Excel\'s "CSV (Comma delimited)"): save it as "CSV UTF-8 (Comma delimited)"')
    except (OSError, ValueError):
        pass
    return f"the file is not UTF-8 text after line {after}; save it as 'CSV UTF-8'"


def sniff_delimiter(header: str) -> str:
    """Indonesian Excel writes `;`-separated CSV (decimal comma); others write `,`."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(stream: IO[bytes]) -> Iterator[Source]:
    text = _text(stream)
    try:
        yield from _csv_rows(text)
    finally:
        try:
            text.detach()  # the caller owns (and closes) the byte stream
        except ValueError:
            pass


def _csv_rows(text: io.TextIOWrapper) -> Iterator[Source]:
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        raise RecordsError(not_utf8(text.buffer, 0)) from None
    if not header_line.strip():
        raise RecordsError("the CSV file is empty: expected a header line with the column names")
    delimiter = sniff_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=delimiter))
    header = [h.strip() for h in header]
    dupes = {h for h in header if header.count(h) > 1 and h}
    if dupes:
        raise RecordsError(f"the header names a column twice: {', '.join(sorted(dupes))}")
    reader = csv.reader(text, delimiter=delimiter)
    row = 0
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise RecordsError(not_utf8(text.buffer, line)) from None
        except csv.Error as exc:
            row += 1
            yield Source(row, None, f"line {reader.line_num + 1}", problem=f"CSV error: {exc}")
            continue
        line = reader.line_num + 1
        if not cells or all(not c.strip() for c in cells):
            continue
        row += 1
        problem = None
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problem = f"the line has {len(cells)} cells but the header has {len(header)} columns"
        record = dict(zip(header, cells))
        if delimiter == ";":
            record["\x00decimal_comma"] = True
        yield Source(row, record, f"line {line}", problem=problem)


def _read_jsonl(stream: IO[bytes]) -> Iterator[Source]:
    row = 0
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        row += 1
        try:
            data = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"), parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            yield Source(row, None, f"line {number}", problem=f"not valid JSON: {_json_reason(exc)}")
            continue
        yield Source(row, data, f"line {number}")


def _json_reason(exc: Exception) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)


def _read_json(stream: IO[bytes], chunk_size: int = 1 << 16) -> Iterator[Source]:
    """A JSON list of records, decoded one element at a time (flat memory for big files)."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    buf, pos, row, started, done = "", 0, 0, False, False

    def more() -> bool:
        nonlocal buf, pos
        chunk = stream.read(chunk_size)
        try:
            text = utf8.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise RecordsError(f"the JSON file is not UTF-8 ({exc.reason})") from None
        buf, pos = buf[pos:] + text, 0
        return bool(chunk)

    def skip(chars: str) -> bool:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in chars:
                pos += 1
            if pos < len(buf) or not more():
                return pos < len(buf)

    if not skip(" \t\r\n") or buf[pos] != "[":
        raise RecordsError("a JSON records file must be a list: [ {…}, {…} ] (or use .jsonl, one record a line)")
    pos += 1
    started = True
    while started and not done:
        if not skip(" \t\r\n"):
            raise RecordsError("the JSON list is not closed with ]")
        if buf[pos] == "]":
            return
        while True:
            try:
                data, end = decoder.raw_decode(buf, pos)
                break
            except json.JSONDecodeError as exc:
                if not more():
                    raise RecordsError(f"invalid JSON in record {row + 1}: {exc.msg}") from None
        row += 1
        pos = end
        yield Source(row, data, f"record {row}")
        if not skip(" \t\r\n"):
            raise RecordsError("the JSON list is not closed with ]")
        if buf[pos] == ",":
            pos += 1
        elif buf[pos] == "]":
            done = True
        else:
            raise RecordsError(f"expected , or ] after record {row} in the JSON list")


def _read_yaml(stream: IO[bytes]) -> Iterator[Source]:
    from .load import load_text, to_plain
    root, findings = load_text(stream.read(), "records", max_bytes=256 * 1024 * 1024, max_depth=32)
    if findings:
        f = findings[0]
        raise RecordsError(f"line {f.line}: {f.message}")
    data = to_plain(root)
    if not isinstance(data, list):
        raise RecordsError("a YAML records file must be a list of records (lines starting with -)")
    for i, item in enumerate(data, 1):
        node = root.items[i - 1]
        yield Source(i, item, f"line {node.line}")
