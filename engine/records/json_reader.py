"""JSON and JSONL record readers (registered in records/read.py): streamed, and hardened so that no
record can crash the run or hide the records after it.

Each record is checked as it is decoded: a key named twice, nesting deeper than MAX_DEPTH, or
text that is not valid Unicode (a lone surrogate from a `\\ud800` escape) makes that record an
error row (K410, K411) and the next record is read as usual. A number too long to be one that
kinerja reads becomes a BadCell, reported against its field (K412), never parsed.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from kinerja.i18n import N_, _, num
from kinerja.limits import MAX_DEPTH, MAX_NUMBER_TEXT, MAX_RECORD_BYTES
from kinerja.records.source import BadCell, RecordsError, Source

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]|\\u[dD][c-fC-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _number(text: str, parse) -> Any:
    if len(text) > MAX_NUMBER_TEXT:
        return BadCell(text[:20] + "…", _("the number has {text} characters; kinerja reads numbers below 10^21")
                       .format(text=num(len(text), group=True)), "K412")
    return parse(text)


class _Decoder:
    """One json.JSONDecoder per file; `check` says what is wrong with the record just decoded."""

    def __init__(self) -> None:
        self.dupes: list[str] = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            record = dict(items)
            if len(record) != len(items):
                seen: set[str] = set()
                for k, _value in items:
                    if k in seen:
                        self.dupes.append(k)
                    seen.add(k)
            return record

        self.json = json.JSONDecoder(object_pairs_hook=pairs, parse_float=lambda t: _number(t, Decimal),
                                     parse_int=lambda t: _number(t, int))

    def start(self) -> None:
        self.dupes = []

    def check(self, data: Any, raw: str) -> tuple[str | None, str]:
        """(problem, code) for the record `data` decoded from `raw` (problem None: fine)."""
        if self.dupes:
            names = ", ".join(json.dumps(k, ensure_ascii=False)[:60] for k in dict.fromkeys(self.dupes))
            return _("the record names a key twice: {names}").format(names=names), "K410"
        if raw.count("[") + raw.count("{") > MAX_DEPTH and _depth(data) > MAX_DEPTH:
            return _("the record is nested more than {MAX_DEPTH} levels deep").format(MAX_DEPTH=MAX_DEPTH), "K410"
        return None, "K407"


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _end_of_value(buf: str, pos: int) -> int | None:
    """Where the list or mapping starting at `pos` ends (just past its closing bracket), found
    without building it; None when the text read so far ends inside it."""
    depth = 0
    for m in _TOKEN.finditer(buf, pos):
        token = m.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
            if depth == 0:
                return m.end()
    return None


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((x, depth + 1) for x in item if isinstance(x, (dict, list)))
    return deepest


def replace_surrogates(data: Any) -> tuple[Any, bool]:
    """The record with every lone surrogate (in keys and values) replaced by U+FFFD, so that no
    writer meets text it cannot encode; and whether there was one."""
    if isinstance(data, str):
        fixed = _SURROGATE.sub("\ufffd", data)
        return fixed, fixed != data
    if isinstance(data, dict):
        out, found = {}, False
        for k, v in data.items():
            k2, a = replace_surrogates(k)
            v2, b = replace_surrogates(v)
            out[k2] = v2
            found = found or a or b
        return out, found
    if isinstance(data, list):
        items = [replace_surrogates(x) for x in data]
        return [x for x, _ in items], any(f for _, f in items)
    return data, False


SURROGATE_PROBLEM = N_("the record holds text that is not valid Unicode (a lone surrogate such as \\ud800); it is "
                       "shown as U+FFFD")


def _source(row: int, data: Any, where: str, raw: str, decoder: _Decoder) -> Source:
    problem, code = decoder.check(data, raw)
    if _SURROGATE_ESCAPE.search(raw):
        data, found = replace_surrogates(data)
        if found and problem is None:
            problem, code = _(SURROGATE_PROBLEM), "K411"
    return Source(row, data, where, problem=problem, code=code)


def read_jsonl(stream: IO[bytes], line: int = 0, row: int = 0) -> Iterator[Source]:
    """One record a line; from the start of the file, or after `line` lines and `row` records (a
    worker's byte range, records/ranges.py)."""
    decoder = _Decoder()
    line_word = _("line {number}")  # looked up once: the loop runs once per record
    number = line
    while True:
        raw = stream.readline(MAX_RECORD_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_RECORD_BYTES)) and not rest.endswith(b"\n"):
                pass  # the rest of the line is never held in memory
            row += 1
            yield Source(row, None, _("line {number}").format(number=number),
                         problem=_("the line is longer than "
                                   "{MAX_RECORD_BYTES} bytes").format(MAX_RECORD_BYTES=num(MAX_RECORD_BYTES,
                                                                                           group=True)), code="K410")
            continue
        if not raw.strip():
            continue
        row += 1
        decoder.start()
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            data = decoder.json.decode(text)
        except RecursionError:
            yield Source(row, None, _("line {number}").format(number=number),
                         problem=_("the record is nested more than {MAX_DEPTH} "
                                   "levels deep").format(MAX_DEPTH=MAX_DEPTH), code="K410")
            continue
        except (ValueError, UnicodeDecodeError) as exc:
            yield Source(row, None, _("line {number}").format(number=number),
                         problem=_("not valid JSON: {reason}").format(reason=_json_reason(exc)))
            continue
        yield _source(row, data, line_word.format(number=number), text, decoder)


def _json_reason(exc: Exception) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)


def read_json(stream: IO[bytes], chunk_size: int = 1 << 16) -> Iterator[Source]:
    """A JSON list of records, decoded one element at a time (flat memory for big files). When a
    record is longer than the text read so far, the next read is as long as that text, so a
    32 MB record costs a few decoding attempts, not thousands."""
    decoder = _Decoder()
    record_word = _("record {number}")  # looked up once: the loop runs once per record
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    buf, pos, row, done = "", 0, 0, False

    def more(size: int = chunk_size) -> bool:
        nonlocal buf, pos
        chunk = stream.read(size)
        try:
            text = utf8.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise RecordsError(_("the JSON file is not UTF-8 ({reason})").format(reason=exc.reason)) from None
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
        raise RecordsError(_("a JSON records file must be a list: [ {…}, {…} ] (or use .jsonl, one record a line)"))
    pos += 1
    while not done:
        if not skip(" \t\r\n"):
            raise RecordsError(_("the JSON list is not closed with ]"))
        if buf[pos] == "]":
            return
        while True:
            decoder.start()
            try:
                data, end = decoder.json.raw_decode(buf, pos)
                break
            except RecursionError:
                closing = _end_of_value(buf, pos)
                if closing is None and more(max(chunk_size, len(buf) - pos)):
                    continue
                if closing is None:
                    raise RecordsError(_("record {value} is nested more than {MAX_DEPTH} levels deep and its end "
                                         "cannot be found").format(value=row + 1, MAX_DEPTH=MAX_DEPTH)) from None
                end = closing
                data = None
                break
            except ValueError as exc:  # JSONDecodeError, or a record not read whole yet
                if len(buf) - pos > MAX_RECORD_BYTES:
                    raise RecordsError(_("record {value} is longer than {MAX_RECORD_BYTES} characters, or its JSON "
                                         "is not valid").format(value=row + 1,
                                                                MAX_RECORD_BYTES=num(MAX_RECORD_BYTES, group=True))) \
                        from None
                if not more(max(chunk_size, len(buf) - pos)):
                    raise RecordsError(_("invalid JSON in record {value}: {value2}")
                                       .format(value=row + 1, value2=_json_reason(exc))) from None
        row += 1
        if data is None and buf[pos] in "[{":  # skipped: nested too deeply for the decoder
            yield Source(row, None, _("record {row}").format(row=row),
                         problem=_("the record is nested more than {MAX_DEPTH} "
                                   "levels deep").format(MAX_DEPTH=MAX_DEPTH), code="K410")
        else:
            yield _source(row, data, record_word.format(number=row), buf[pos:end], decoder)
        pos = end
        if not skip(" \t\r\n"):
            raise RecordsError(_("the JSON list is not closed with ]"))
        if buf[pos] == ",":
            pos += 1
        elif buf[pos] == "]":
            done = True
        else:
            raise RecordsError(_("expected , or ] after record {row} in the JSON list").format(row=row))
