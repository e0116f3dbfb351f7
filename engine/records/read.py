"""Employee records in: the one registry of readers (format name → reader) and `read_records`.

Readers yield `Source` items one at a time, so memory stays flat however long the file is; a
record that cannot be read becomes a `Source` with a `problem`, never a gap. Each reader lives
in its own module (csv_reader, json_reader, yaml_reader, xlsx); typing the values is
records/coerce.py's job. The CLI builds its `--input-format` choices from `FORMATS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from kinerja.i18n import _, os_reason
from kinerja.records.csv_reader import read_csv
from kinerja.records.json_reader import read_json, read_jsonl
from kinerja.records.ranges import Split, split_file
from kinerja.records.source import RecordsError, Source
from kinerja.records.yaml_reader import read_yaml

if TYPE_CHECKING:
    from kinerja.records.mapping import Mapping


@dataclass
class ReadOptions:
    """What a reader may use besides the bytes: the file's name (for messages), the sheet and
    header row (xlsx), the column mapping, and `notes`, where a reader says what it skipped on
    purpose (xlsx: empty rows, merged cells; csv: records over several lines)."""

    name: str = "-"
    sheet: str | None = None
    header_row: int | None = None
    mapping: Mapping | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reader:
    """One records format. `tabular`: the records share one header row (column matching is
    reported for it); `line_per_record`: counting lines estimates the records (progress);
    `maps_columns`: the reader applies the mapping itself (it knows the header before the
    first record), otherwise `read_records` applies it to the records' keys."""

    name: str
    extensions: tuple[str, ...]
    read: Callable[[IO[bytes], ReadOptions], Iterator[Source]]
    tabular: bool = False
    line_per_record: bool = False
    maps_columns: bool = False


def _xlsx(stream: IO[bytes], options: ReadOptions) -> Iterator[Source]:
    # Imported here to keep start-up fast (openpyxl and calamine are the heaviest imports of a
    # run); no cycle: the xlsx modules import only records/source.py, sheet.py and each other.
    from kinerja.records.xlsx_fast import read_xlsx_fast
    return read_xlsx_fast(stream, options.name, options.sheet, options.header_row, options.mapping, options.notes)


READERS: dict[str, Reader] = {r.name: r for r in (
    Reader("csv", (".csv", ".txt"), lambda stream, o: read_csv(stream, o.notes), tabular=True,
           line_per_record=True),
    Reader("json", (".json",), lambda stream, o: read_json(stream)),
    Reader("jsonl", (".jsonl", ".ndjson"), lambda stream, o: read_jsonl(stream), line_per_record=True),
    Reader("yaml", (".yaml", ".yml"), lambda stream, o: read_yaml(stream)),
    Reader("xlsx", (".xlsx", ".xlsm"), _xlsx, tabular=True, maps_columns=True),
)}
FORMATS = tuple(READERS)  # the names, in the order help texts list them
EXTENSIONS = {ext: r.name for r in READERS.values() for ext in r.extensions}


def detect_format(name: str, explicit: str | None = None) -> str:
    """The format asked for, or the one the file name's extension says."""
    if explicit:
        return explicit
    fmt = EXTENSIONS.get(Path(name).suffix.lower())
    if fmt is None:
        raise RecordsError(_("cannot tell the format of {name!r} from its extension: use --input-format ({value})")
                           .format(name=name, value="|".join(FORMATS)))
    return fmt


def reader_for(name: str, explicit: str | None = None) -> Reader:
    """The reader of a records file (by `explicit` format name, else by its extension). A name
    not in FORMATS is the caller's mistake (the CLI offers only those): ValueError."""
    fmt = detect_format(name, explicit)
    if fmt not in READERS:
        raise ValueError(f"unknown records format {fmt!r}: one of {', '.join(FORMATS)}")
    return READERS[fmt]


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


class Records:
    """The records of one file, streamed: an iterator of Source (the file is opened at the first
    record). `split` cuts a CSV or JSONL file into byte ranges that worker processes read on
    their own (records/ranges.py)."""

    def __init__(self, name: str, fmt: str | None, options: ReadOptions, stdin: IO[bytes] | None):
        self.name, self.fmt, self.options, self.stdin = name, fmt, options, stdin
        self._opened: list[IO[bytes]] = []  # the stream, once the first record is asked for
        self._it = _read(name, fmt, options, stdin, self._opened)  # (no reference back to self: when
        # the records are dropped unfinished, the generator closes the file at once, not in a cycle)

    def __iter__(self) -> Iterator[Source]:
        return self._it  # a loop over the records takes them from the reader's generator (no call a record)

    def __next__(self) -> Source:
        return next(self._it)

    def close(self) -> None:
        self._it.close()

    def split(self, block_bytes: int, fields: dict | None = None) -> Split | None:
        """The file in byte ranges of about `block_bytes`, their columns renamed to `fields`
        (headers.FieldNames) as a HeaderMatch does; None where the parent must read it (standard
        input, a column mapping, a format other than CSV and JSONL, or a file the ranges could not
        read exactly)."""
        if self.name == "-" or self.options.mapping is not None or not os.path.isfile(self.name):
            return None
        try:
            fmt = reader_for(self.name, self.fmt).name
        except (RecordsError, ValueError):
            return None
        opened = self._opened[0] if self._opened else None
        return split_file(self.name, fmt, block_bytes, self.options.notes, fields, opened)


def _read(name: str, fmt: str | None, options: ReadOptions, stdin: IO[bytes] | None,
          opened: list[IO[bytes]]) -> Generator[Source, None, None]:
    reader = reader_for(name, fmt)  # as the first record is asked for, as the file is opened
    stream = open_binary(name, stdin)
    opened.append(stream)
    try:
        source = reader.read(stream, options)
        if options.mapping is not None and not reader.maps_columns:
            source = options.mapping.apply(source)
        yield from source
    finally:
        if stream is not stdin:
            stream.close()


def read_records(name: str, fmt: str | None = None, *, stdin: IO[bytes] | None = None,
                 sheet: str | None = None, header_row: int | None = None, mapping: Mapping | None = None,
                 notes: list[str] | None = None) -> Records:
    """Stream the records of one file. Raises RecordsError only for the file as a whole.
    `notes` collects what a reader skipped on purpose (xlsx: empty rows, merged cells)."""
    options = ReadOptions(name, sheet, header_row, mapping, notes if notes is not None else [])
    return Records(name, fmt, options, stdin)
