"""Employee records in: streaming readers for CSV, JSON, JSONL and YAML, and type coercion.

Readers yield `Source` items one at a time, so memory stays flat however long the file is.
Coercion turns raw cells into the types a policy's `fields` declare and reports every
problem (field, value, reason); it never drops a record and never guesses.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from .model import FieldDef

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
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")


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
    except UnicodeDecodeError as exc:
        raise RecordsError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                           "save it as 'CSV UTF-8'") from None
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
        except UnicodeDecodeError as exc:
            raise RecordsError(f"the file is not UTF-8 text after line {line} ({exc.reason}); "
                               "save it as 'CSV UTF-8'") from None
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


# --- coercion ------------------------------------------------------------------------------

NIP_RE = re.compile(r"^[0-9]{18}$")
TRUE_WORDS = {"true", "ya", "y", "yes", "1", "benar"}
FALSE_WORDS = {"false", "tidak", "t", "no", "n", "0", "salah"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


class Invalid(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def to_number(v, comma: bool = False) -> Decimal:
    if isinstance(v, bool):
        raise Invalid("K402", "expected a number, got true/false")
    if isinstance(v, Decimal):
        d = v
    elif isinstance(v, int):
        d = Decimal(v)
    elif isinstance(v, float):
        d = Decimal(repr(v))
    elif isinstance(v, str):
        if "," not in v:
            try:
                d = Decimal(v)
            except InvalidOperation:
                raise Invalid("K402", "expected a number") from None
            if not d.is_finite():
                raise Invalid("K402", "expected a finite number (not NaN or infinity)")
            return d
        s = v.strip().replace("\u00a0", "").replace(" ", "")
        if "," in s and (comma or ("." not in s and s.count(",") == 1)):
            s = s.replace(".", "").replace(",", ".")
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise Invalid("K402", "expected a number") from None
    else:
        raise Invalid("K402", "expected a number")
    if not d.is_finite():
        raise Invalid("K402", "expected a finite number (not NaN or infinity)")
    return d


def to_integer(v, comma: bool = False) -> Decimal:
    if v.__class__ is str and v.isdigit():
        return Decimal(v)
    d = to_number(v, comma)
    if d != d.to_integral_value():
        raise Invalid("K402", "expected a whole number")
    return d.quantize(Decimal(1))


def to_bool(v, comma: bool = False) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise Invalid("K402", "expected true/false (ya/tidak)")


def to_date(v, comma: bool = False) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = str(v).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise Invalid("K402", "expected a date like 2024-12-31 (or 31/12/2024)")


def to_nip(v, comma: bool = False) -> str:
    if isinstance(v, bool):
        raise Invalid("K405", "a NIP is 18 digits")
    if isinstance(v, int):
        s = str(v)
    elif isinstance(v, (float, Decimal)):
        raise Invalid("K405", "the NIP was stored as a decimal number and may have lost digits; "
                              "store NIPs as text")
    else:
        s = str(v).strip().replace(" ", "")
    if not NIP_RE.match(s):
        digits = sum(ch.isdigit() for ch in s)
        why = f"has {len(s)} characters" if digits == len(s) else "contains characters other than digits"
        raise Invalid("K405", f"a NIP is 18 digits; this one {why}")
    return s


def to_string(v, comma: bool = False) -> str:
    if isinstance(v, (dict, list, tuple)):
        raise Invalid("K402", "expected text, got a list or mapping")
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).strip()


CONVERTERS: dict[str, Callable] = {"string": to_string, "integer": to_integer, "number": to_number,
                                   "boolean": to_bool, "date": to_date, "nip": to_nip}


def _enum(values: tuple[str, ...]) -> Callable:
    exact = {v: v for v in values}
    canon = {v.casefold(): v for v in values}
    canon.update({" ".join(v.split()).casefold(): v for v in values})

    def convert(v, comma: bool = False) -> str:
        hit = exact.get(v)
        if hit is not None:
            return hit
        s = " ".join(str(v).split())
        hit = canon.get(s.casefold())
        if hit is None:
            import difflib
            close = difflib.get_close_matches(s, values, n=1, cutoff=0.6)
            tip = f' (did you mean "{close[0]}"?)' if close else ""
            raise Invalid("K403", f"not one of: {', '.join(values)}{tip}")
        return hit

    return convert


@dataclass
class Problem:
    field: str
    value: Any
    reason: str
    code: str
    cell: str | None = None

    def as_dict(self) -> dict:
        out = {"field": self.field, "value": _plain(self.value), "reason": self.reason, "code": self.code}
        if self.cell:
            out["cell"] = self.cell
        return out


def _plain(v):
    if isinstance(v, (Decimal, dt.date)):
        return str(v)
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, default=str, ensure_ascii=False)[:80]
    return v


class Coercer:
    """Built once per policy; turns raw records into typed values, listing every problem."""

    def __init__(self, fields: dict[str, FieldDef]):
        self.fields = fields
        self.plan = [(name, f, self._converter(f)) for name, f in fields.items()]
        self.conditional = [(name, f) for name, f in fields.items() if f.required_when or f.only_when]

    def _converter(self, f: FieldDef) -> Callable:
        if f.type == "enum":
            return _enum(f.values or ())
        if f.type == "list":
            return self._list(f)
        return CONVERTERS[f.type]

    def _list(self, f: FieldDef) -> Callable:
        inner = Coercer(f.items or {})

        def convert(v, comma: bool = False):
            if isinstance(v, str):
                raise Invalid("K402", "expected a list of items (use JSON or YAML records for lists)")
            if not isinstance(v, (list, tuple)):
                raise Invalid("K402", "expected a list of items")
            if f.max_items is not None and len(v) > f.max_items:
                raise Invalid("K404", f"has {len(v)} items, at most {f.max_items} allowed")
            if f.min_items is not None and len(v) < f.min_items:
                raise Invalid("K404", f"has {len(v)} items, at least {f.min_items} needed")
            items, problems = [], []
            for i, item in enumerate(v):
                if not isinstance(item, dict):
                    problems.append(Problem(f"{f.name}[{i + 1}]", item, "expected a mapping of fields", "K407"))
                    continue
                values, errs = inner.coerce(item, {})
                for e in errs:
                    e.field = f"{f.name}[{i + 1}].{e.field}"
                problems.extend(errs)
                items.append(values)
            if problems:
                raise _Nested(problems)
            return tuple(items)

        return convert

    def coerce(self, raw: dict, env_params: dict, cells: dict | None = None) -> tuple[dict, list[Problem]]:
        """Typed field values, on top of a copy of `env_params` (so the result is the
        record's evaluation environment), and every problem found."""
        comma = "\x00decimal_comma" in raw
        values: dict[str, Any] = dict(env_params)
        problems: list[Problem] = []
        for name, f, convert in self.plan:
            v = raw.get(name)
            if v is None or (v.__class__ is str and not v.strip()):
                value = values[name] = self._default(f) if f.default is not None else None
                if value is None and f.required:
                    problems.append(Problem(name, None, "required but missing", "K401", _cell(cells, name)))
                continue
            if v.__class__ is BadCell:  # xlsx: an Excel error, a formula without a saved value
                problems.append(Problem(name, v.value, v.reason, v.code, _cell(cells, name)))
                values[name] = None
                continue
            try:
                value = convert(v, comma)
            except Invalid as exc:
                problems.append(Problem(name, v, exc.reason, exc.code, _cell(cells, name)))
                values[name] = None
                continue
            except _Nested as nested:
                problems.extend(nested.problems)
                values[name] = None
                continue
            if f.min is not None and value < f.min:
                problems.append(Problem(name, v, f"below the minimum {f.min}", "K404", _cell(cells, name)))
            elif f.max is not None and value > f.max:
                problems.append(Problem(name, v, f"above the maximum {f.max}", "K404", _cell(cells, name)))
            values[name] = value
        if self.conditional:
            self._conditions(raw, values, cells, problems)
        return values, problems

    def _conditions(self, raw, env, cells, problems) -> None:
        """required_when / only_when, judged on the coerced values (params included)."""
        values = env
        bad = {p.field for p in problems}
        for name, f in self.conditional:
            if name in bad:
                continue
            if values.get(name) is not None:
                if f.only_when and not _holds(f.only_when, env):
                    problems.append(Problem(name, raw.get(name), "must be empty here: " +
                                            " and ".join(c.text for c in f.only_when), "K402", _cell(cells, name)))
            elif f.required_when and _holds(f.required_when, env):
                problems.append(Problem(name, None, "required when " + " and ".join(c.text for c in f.required_when),
                                        "K401", _cell(cells, name)))

    def _default(self, f: FieldDef):
        if f.default is None:
            return None
        try:
            return self._converter(f)(f.default)
        except (Invalid, _Nested):
            return None


class _Nested(Exception):
    def __init__(self, problems):
        super().__init__("nested")
        self.problems = problems


def _cell(cells: dict | None, name: str) -> str | None:
    return cells.get(name) if cells else None


def _holds(conditions, env) -> bool:
    """A field condition holds; one that cannot be evaluated (a missing value) does not."""
    for condition in conditions:
        try:
            if condition.fn(env) is not True:
                return False
        except Exception:  # judged on raw fields: a missing or bad value means "no"
            return False
    return True
