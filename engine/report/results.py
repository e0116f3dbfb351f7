"""Writers for evaluation results: json, jsonl, csv (streaming) and table (for people).

Decimals are written as JSON numbers exactly as computed: a value declared with `places: 2`
is written with two places (`12.50`), never through a binary float.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

from kinerja.evaluation.evaluator import Result, excluded_reason
from kinerja.spill import Parked, SpillList
from kinerja.values import plain_decimal

_encode_str = json.encoder.encode_basestring
# U+0085, U+2028 and U+2029 are escaped too, so that a JSONL row is one line for every reader
# (Python's splitlines and JavaScript split lines at them); in JSON text they occur only inside
# strings, so the whole row is translated, once, and only when it is not ASCII.
_LINE_SEPARATORS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _one_line(text: str) -> str:
    if text.isascii() or ("\u2028" not in text and "\u2029" not in text and "\x85" not in text):
        return text  # (the searches are fast; translating a whole row is not)
    return text.translate(_LINE_SEPARATORS)


_decimal = plain_decimal
# The JSON text of strings that repeat from row to row (labels, action ids, kinds, often reasons):
# bounded in count and length, emptied when full, so a file of endless distinct texts costs nothing more.
_TEXTS: dict[str, str] = {}
_TEXTS_MAX, _TEXT_LEN_MAX = 4096, 256  # at most about 10 MB, whatever the texts


def _text(value: str) -> str:
    """`_encode_str` of an exact str, remembered (callers look in `_TEXTS` first)."""
    text = _encode_str(value)
    if len(value) <= _TEXT_LEN_MAX:
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        _TEXTS[value] = text
    return text


def _compact(value: Any) -> str:
    encode = _COMPACT.get(value.__class__)
    if encode is not None:
        return encode(value)
    return _slow(value, None, 0)


def _compact_dict(d: dict) -> str:
    # the common value types inline: a result row writes many small dicts (outputs, actions)
    keys, texts = _KEYS, _TEXTS
    try:
        return "{" + ", ".join([keys[k] + ("null" if v is None else
                                          texts.get(v) or _text(v) if (cls := v.__class__) is str else
                                          (t if "E" not in (t := str(v)) else _decimal(v)) if cls is Decimal else
                                          _compact(v)) for k, v in d.items()]) + "}"
    except KeyError:  # a key seen for the first time (or not text): the general loop learns it
        pass
    parts = []
    for k, v in d.items():
        key = keys.get(k) if k.__class__ is str else None
        if key is None:
            key = _encode_str(str(k)) + ": "
            if k.__class__ is str and len(keys) < 4096:
                keys[k] = key
        parts.append(key + _compact(v))
    return "{" + ", ".join(parts) + "}"


def _compact_list(xs) -> str:
    return "[" + ", ".join([_compact_dict(x) if x.__class__ is dict else _compact(x) for x in xs]) + "]"


_KEYS: dict[str, str] = {}  # a dict key → its JSON text and ": " (names repeat on every row)
_COMPACT: dict[type, Any] = {
    str: _encode_str, Decimal: _decimal, type(None): lambda v: "null", bool: lambda v: "true" if v else "false",
    int: str, float: json.dumps, dt.date: lambda v: _encode_str(v.isoformat()),
    dt.datetime: lambda v: _encode_str(v.isoformat()),
    dict: _compact_dict, list: _compact_list, tuple: _compact_list, SpillList: _compact_list,
}


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text with Decimal written exactly; dates as ISO strings; tuples as lists."""
    return _compact(value) if indent is None else _slow(value, indent, 0)


def dump_chunks(value: Any, indent: int = 2) -> Iterator[str]:
    """`dumps(value, indent)` in pieces: the items of a top-level list value one at a time, so a
    long list (a SpillList, read back from its file) is never one string in memory."""
    if not isinstance(value, dict) or not value:
        yield dumps(value, indent)
        return
    pad, item_pad = " " * indent, " " * (2 * indent)
    yield "{\n"
    for i, (k, v) in enumerate(value.items()):
        yield ("" if i == 0 else ",\n") + pad + _encode_str(str(k)) + ": "
        if isinstance(v, (list, tuple, SpillList)) and v:
            for j, item in enumerate(v):
                yield ("[\n" if j == 0 else ",\n") + item_pad + _slow(item, indent, 2)
            yield "\n" + pad + "]"
        else:
            yield _slow(v, indent, 1)
    yield "\n}"


def _slow(value: Any, indent: int | None, level: int) -> str:
    cls = value.__class__
    if cls is str:  # the common scalars first, by exact class (a subclass takes the general path below)
        return _encode_str(value)
    if value is None:
        return "null"
    if cls is Decimal:
        return _decimal(value)
    if cls is bool:
        return "true" if value else "false"
    if isinstance(value, dict):
        if not value or indent is None:
            return "{" + ", ".join(f"{_encode_str(str(k))}: {_slow(v, None, 0)}" for k, v in value.items()) + "}"
        pad, inner = " " * (indent * level), " " * (indent * (level + 1))
        items = ",\n".join(f"{inner}{_encode_str(str(k))}: {_slow(v, indent, level + 1)}" for k, v in value.items())
        return "{\n" + items + "\n" + pad + "}"
    if isinstance(value, (list, tuple, SpillList)):
        if not value or indent is None:
            return "[" + ", ".join(_slow(v, None, 0) for v in value) + "]"
        pad, inner = " " * (indent * level), " " * (indent * (level + 1))
        return "[\n" + ",\n".join(inner + _slow(v, indent, level + 1) for v in value) + "\n" + pad + "]"
    for kind, encode in _COMPACT.items():
        if isinstance(value, kind) and kind not in (dict, list, tuple):
            return encode(value)
    return _encode_str(str(value))


def put_rows(out: IO[Any], text: str | bytes | Parked) -> None:
    """Write rendered rows: bytes (or bytes a worker parked in a file) go to the file's buffer,
    after the text written before them."""
    if isinstance(text, Parked):
        out.flush()
        text.copy_to(out.buffer)  # type: ignore[attr-defined]  # (as below)
    elif isinstance(text, bytes):
        out.flush()
        out.buffer.write(text)  # type: ignore[attr-defined]  # a text file whose rows come as bytes has one
    else:
        out.write(text)


class Writer:
    """A results writer: made once per run with one signature for every format, given each result
    in input order (`write`), closed at the end. A writer uses the options its format needs:
    `periode` (with `evaluate --annual`, the policy's period field: csv and table then show each
    row's period), `columns` (table), `policy` and `lang` (xlsx)."""

    # Rows can be rendered apart (in a worker, engine/evaluation/parallel.py `row_writer`) and written
    # as text with `write_text`: each row depends only on its result, never on other rows.
    rows_apart = False

    def __init__(self, out: IO[Any], outputs: list[str], info: dict, *, periode: str | None = None,
                 columns: list[str] | None = None, policy: Any = None, lang: str = "id"):
        self.out, self.outputs, self.info, self.periode = out, outputs, info, periode

    def period_of(self, result: Result) -> str:
        if result.annual is not None:
            return str(result.annual.get("periode", ""))
        raw = result.raw if isinstance(result.raw, dict) else {}
        return cell_text(raw.get(self.periode)).strip() if self.periode else ""

    def write(self, result: Result) -> None:
        raise NotImplementedError

    def write_text(self, text: str | bytes | Parked) -> None:
        """Rows rendered apart by a writer of the same class: text, or the bytes of that text
        for an output file that takes them (evaluation/parallel.py `byte_rows`), or those bytes
        parked in a file by the worker that rendered them."""
        put_rows(self.out, text)

    def close(self) -> None:
        pass


class JsonlWriter(Writer):
    rows_apart = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tail = f', "policy": {dumps(self.info)}}}'
        self.keys = {name: _encode_str(name) + ": " for name in self.outputs}
        # an ok row whose outputs come in the declared order (as the evaluator gives them), as pieces:
        # [head, ', "outputs": {"a": ', a, ', "b": ', b, …, '}, "actions": ', actions, tail], filled in and joined
        # interned, as the plain path's keys are (names are code constants there): the check that an
        # outputs dict has them in order is then one identity test a key
        self.names = tuple(sys.intern(name) if name.__class__ is str else name for name in self.outputs)
        pieces = [None]
        for i, name in enumerate(self.names):
            pieces += [(', "outputs": {' if i == 0 else ", ") + self.keys[name], None]
        pieces += ['}, "actions": ' if self.names else ', "outputs": {}, "actions": ', "[]", self.tail]
        self.pieces = pieces
        self.values_at = slice(2, 2 * len(self.names) + 1, 2)

    def line(self, result: Result) -> str:
        """One result row as JSON (the same shape as `result_row`, built without a dict)."""
        nip = result.nip
        head = f'{{"row": {result.row}, "nip": {_encode_str(nip) if nip.__class__ is str else _compact(nip)}, ' \
               f'"status": "{result.status}"'
        outputs = result.outputs
        if result.status == "ok" and result.annual is None and result.explanation is None and not self.periode \
                and tuple(outputs) == self.names:
            texts = _TEXTS
            line = self.pieces[:]
            line[0] = head
            line[self.values_at] = [
                "null" if v is None else texts.get(v) or _text(v) if (cls := v.__class__) is str else
                (t if "E" not in (t := str(v)) else _decimal(v)) if cls is Decimal else _compact(v)
                for v in outputs.values()]
            if result.actions:
                line[-2] = _compact_list(result.actions)
            return "".join(line)
        if result.annual is not None:
            head += ', "annual": ' + _compact(result.annual)
        elif self.periode:  # with --annual, each period row says which period it is
            head += ', "periode": ' + _compact(self.period_of(result))
        tail = self.tail
        if result.explanation is not None:
            tail = tail[:-1] + ', "explain": ' + _compact(result.explanation) + "}"
        if result.status == "excluded":
            return head + ', "reason": ' + _compact(excluded_reason(result)) + ', "actions": ' + \
                _compact(result.actions) + tail
        if not result.ok:
            return head + ', "errors": ' + _compact(result.errors) + tail
        return head + ', "outputs": ' + _compact_dict(outputs) + ', "actions": ' + _compact_list(result.actions) + tail

    def write(self, result: Result) -> None:
        self.out.write(_one_line(self.line(result)) + "\n")


class JsonWriter(JsonlWriter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first = True
        self.out.write("[")

    def write(self, result: Result) -> None:
        self.out.write("\n  " if self.first else ",\n  ")
        self.first = False
        self.out.write(_one_line(self.line(result)))

    def write_text(self, text: str | bytes | Parked) -> None:
        if text:
            put_rows(self.out, text)
            self.first = False

    def close(self) -> None:
        self.out.write("\n]\n" if not self.first else "]\n")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v) for v in value)
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


def error_text(errors: list[dict]) -> str:
    parts = []
    for e in errors:
        where = e.get("cell") or e.get("field") or e.get("name") or ""
        value = f" = {e['value']!r}" if e.get("value") not in (None, "") else ""
        parts.append(f"{where}{value}: {e.get('reason', '')}" if where else str(e.get("reason", "")))
    return "; ".join(parts)


FORMULA_START = frozenset("=+-@\t\r")  # what makes a spreadsheet run a cell as a formula


def inert(text: str) -> str:
    """Text a spreadsheet shows as text, never runs: a leading ' before =, +, -, @, tab or CR
    (the OWASP advice for CSV injection). Numbers are written as numbers and never pass here."""
    return "'" + text if text[:1] in FORMULA_START else text


def _csv_cell(value: Any) -> str:
    cls = value.__class__
    if cls is str:  # the common classes first, by exact class
        return "'" + value if value[:1] in FORMULA_START else value
    if value is None:
        return ""
    if cls is Decimal:
        text = str(value)
        return text if "E" not in text else plain_decimal(value)
    text = cell_text(value)
    return text if isinstance(value, (Decimal, bool, int, float)) else inert(text)


class CsvWriter(Writer):
    rows_apart = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.csv = csv.writer(self.out, lineterminator="\n")
        self.csv.writerow([inert(h) for h in ["row", "nip", *(["periode"] if self.periode else []), "status",
                                              *self.outputs, "actions", "errors", "policy_id", "policy_version",
                                              "policy_sha256"]])
        self.tail = [inert(str(self.info["id"])), inert(str(self.info["version"])), self.info["sha256"]]

    def write(self, result: Result) -> None:
        formula = FORMULA_START  # (_csv_cell, inline for text and nothing)
        outs = [("'" + v if v[:1] in formula else v) if v.__class__ is str else "" if v is None else _csv_cell(v)
                for v in map(result.outputs.get, self.outputs)]
        actions = "; ".join(a["id"] for a in result.actions)
        # an excluded row carries in the errors column the reason it was not appraised
        why = excluded_reason(result) if result.status == "excluded" else error_text(result.errors)
        lead = [result.row, inert(result.nip or "")] + ([inert(self.period_of(result))] if self.periode else [])
        self.csv.writerow([*lead, result.status, *outs, inert(actions), inert(why), *self.tail])


class TableWriter(Writer):
    """Aligned columns for people: row, NIP (and the period, with --annual), the chosen fields and
    outputs (the name and the policy's key outputs by default), then the actions in full. A failed
    row says ERROR, an excluded one EXCLUDED, each with its reasons in full on their own lines
    below it. Cells wider than MAX_CELL are cut with "…", never the actions or the reasons."""

    MAX_CELL = 40

    def __init__(self, *args, columns: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = list(self.outputs if columns is None else columns)
        self.rows: list[tuple[list[str], str, list[str]]] = []

    def write(self, result: Result) -> None:
        raw = result.raw if isinstance(result.raw, dict) else {}
        detail = []
        for name in self.columns:
            value = result.outputs.get(name) if name in result.outputs else raw.get(name)
            detail.append(cell_text(value))
        if result.ok:
            actions, reasons = ", ".join(a["id"] for a in result.actions), []
        elif result.status == "excluded":
            actions, reasons = "EXCLUDED", [excluded_reason(result)]
        else:
            actions, reasons = "ERROR", [error_text([e]) for e in result.errors]
        lead = [str(result.row), result.nip or ""] + ([self.period_of(result)] if self.periode else [])
        # record text reaches a terminal: control characters never do (see printable)
        self.rows.append(([printable(c) for c in (*lead, *detail)], printable(actions),
                          [printable(r) for r in reasons]))

    def close(self) -> None:
        header = ["row", "nip", *(["periode"] if self.periode else []), *self.columns]
        cells = [header] + [r for r, _, _ in self.rows]
        widths = [min(max(len(r[i]) for r in cells), self.MAX_CELL) for i in range(len(header))]
        for cols, actions, reasons in [(header, "actions", [])] + self.rows:
            parts = [_fit(c, w) for c, w in zip(cols, widths)]
            self.out.write(("  ".join(parts) + "  " + actions).rstrip() + "\n")
            for reason in reasons:
                self.out.write(f"      {reason}\n")


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Record text on a terminal: control characters (escape sequences that could move the
    cursor or retitle the window, bidi overrides) shown as U+FFFD, never sent to the terminal."""
    return _CONTROL.sub("\ufffd", text) if _CONTROL.search(text) else text


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


WRITERS = {"json": JsonWriter, "jsonl": JsonlWriter, "csv": CsvWriter, "table": TableWriter}


def explanations_text(found: list) -> str:
    """Explanations for a terminal, one after another (record text never drives the terminal)."""
    text = "\n".join(e.text() for e in found)
    return "\n".join(printable(line) for line in text.split("\n"))


def explanations_json(found: list) -> str:
    return dumps([e.as_dict() for e in found], indent=2) + "\n"


# `kinerja explain`: the explanations of the records asked for, as text
EXPLANATION_FORMATS: dict[str, Callable[[list], str]] = {"text": explanations_text, "json": explanations_json}
