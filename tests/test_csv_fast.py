"""The CSV reader's fast path (a line without a quote read as one record, csv_reader.csv_rows)
gives exactly what the careful path (csv.reader over the held lines) gives: the same Sources,
notes, errors and reader state, on hostile and generated CSV text, whole files and byte ranges."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.records import csv_reader
from kinerja.records.csv_reader import CsvState, csv_rows, read_csv
from kinerja.records.source import RecordsError, Source


def _whole(data: bytes, fast: bool, monkeypatch) -> tuple[list[Source], list[str], str | None]:
    monkeypatch.setattr(csv_reader, "FAST", fast)
    notes: list[str] = []
    out: list[Source] = []
    try:
        for source in read_csv(io.BufferedReader(io.BytesIO(data)), notes):
            out.append(source)
    except RecordsError as exc:
        return out, notes, str(exc)
    return out, notes, None


def _bounded(data: bytes, fast: bool, monkeypatch, take: int | None = None) -> tuple[list[Source], tuple]:
    """A worker's byte range: the text after a header, read from line 1 with bounded=True."""
    monkeypatch.setattr(csv_reader, "FAST", fast)
    state = CsvState(["nip", "nama", "nilai"], ",")
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict", newline="")
    rows = csv_rows(text, [], state, bounded=True)
    out = []
    for source in rows:
        out.append(source)
        if take is not None and len(out) == take:
            rows.close()
            break
    return out, (state.line, state.row, state.blank, state.spans, state.clean)


def _same(data: bytes, monkeypatch) -> None:
    fast = _whole(data, True, monkeypatch)
    careful = _whole(data, False, monkeypatch)
    assert fast == careful
    body = data.split(b"\n", 1)[1] if b"\n" in data else b""
    for take in (None, 1, 2):
        assert _bounded(body, True, monkeypatch, take) == _bounded(body, False, monkeypatch, take)


HEADER = b"nip,nama,nilai\n"
CASES = {
    "plain": HEADER + b"1,Ani,90\n2,Budi,80\n",
    "no-final-newline": HEADER + b"1,Ani,90\n2,Budi,80",
    "crlf": HEADER.replace(b"\n", b"\r\n") + b"1,Ani,90\r\n2,Budi,80\r\n",
    "cr-only": b"nip,nama,nilai\r1,Ani,90\r2,Budi,80\r",
    "bom": b"\xef\xbb\xbf" + HEADER + b"1,Ani,90\n",
    "utf16": ("nip,nama,nilai\r\n1,Ani,90\r\n2,\"Bu\r\ndi\",80\r\n").encode("utf-16"),
    "semicolon": b"nip;nama;nilai\n1;Ani;90,5\n2;Budi;1.234,5\n",
    "tab": b"nip\tnama\tnilai\n1\tAni\t90\n\t\t\n",
    "blank-lines": HEADER + b"\n   \n1,Ani,90\n\r\n \t \n2,Budi,80\n\n",
    "blank-cells": HEADER + b" , , \n,,\n1,Ani,90\n",
    "short-and-long": HEADER + b"1,Ani\n2,Budi,80,extra\n3,Cici,70,,  \n",
    "quoted-newline": HEADER + b"1,\"Ani\nAnwar\",90\n2,Budi,80\n",
    "quoted-crlf": HEADER + b"1,\"Ani\r\nAnwar\",90\r\n2,Budi,80\r\n",
    "stray-quote": HEADER + b"1,An\"i,90\n2,Budi,80\n",
    "quote-runs-to-end": HEADER + b"1,\"Ani,90\n2,Budi,80\n3,Cici,70\n",
    "quote-swallows-records": HEADER + b"1,\"Ani,90\n2,Budi,80\n3,Cici,70\n4,Dedi,60\"\n5,Eko,50\n",
    "runaway": HEADER + b"1,\"Ani\n" + b"x\n" * 30 + b"2,Budi,80\n",
    "text-after-quote": HEADER + b"1,\"Ani\"x,90\n2,Budi,80\n",
    "nul": HEADER + b"1,A\x00ni,90\n",
    "unicode": HEADER + "1,Ñoño Şükrü,90\n2,\u2028x,80\n".encode(),
    "not-utf8": HEADER + b"1,Ani,90\n2,B\xe9di,80\n3,Cici,70\n",
    "not-utf8-first": HEADER + b"1,B\xe9di,80\n",
    "only-header": HEADER,
    "header-no-newline": b"nip,nama,nilai",
    "empty": b"",
    "spans-then-plain": HEADER + b"".join(b"%d,\"a\nb\",1\n" % i for i in range(8)) + b"9,c,2\n",
}


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_fast_path_reads_as_the_careful_path(data, monkeypatch):
    _same(data, monkeypatch)


def test_the_fast_path_reads_plain_lines_as_records(monkeypatch):
    sources, notes, error = _whole(CASES["short-and-long"], True, monkeypatch)
    assert error is None and notes == []
    assert [(s.row, s.data, s.where, s.problem) for s in sources] == [
        (1, {"nip": "1", "nama": "Ani"}, "line 2", None),
        (2, {"nip": "2", "nama": "Budi", "nilai": "80"}, "line 3", "the line has 4 cells but the header has 3 columns"),
        (3, {"nip": "3", "nama": "Cici", "nilai": "70"}, "line 4", None),
    ]


def test_a_line_longer_than_the_limit_is_handed_to_the_careful_path(monkeypatch):
    monkeypatch.setattr(csv_reader, "MAX_LINE", 40)
    data = HEADER + b"1,Ani,90\n2," + b"x" * 100 + b",80\n3,Cici,70\n"
    _same(data, monkeypatch)
    sources, _notes, _error = _whole(data, True, monkeypatch)
    assert [(s.where, s.code, s.problem) for s in sources] == [
        ("line 2", "K407", None),
        ("line 3", "K410", "line 3 is longer than 40 characters"),
        ("line 4", "K407", None),
    ]


def test_a_line_longer_than_a_cell_is_read_by_csv(monkeypatch):
    monkeypatch.setattr(csv_reader, "MAX_CELL", 20)  # the fast path hands the line on; csv.reader reads it
    _same(HEADER + b"1,Ani,90\n2,Budi Santoso Wibowo,80\n3,Cici,70\n", monkeypatch)


CHUNKS = st.sampled_from(["1", "Ani", ",", ";", "\t", "\"", "\"\"", "\n", "\r\n", "\r", " ", "", "é", "\x00",
                          "2,Budi,80\n", "\"a\nb\"", ",,", "  \n"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(["nip,nama,nilai\n", "nip;nama;nilai\r\n", "a,b,c,d\n"]),
       body=st.lists(CHUNKS, max_size=40).map("".join))
def test_generated_csv_reads_the_same(header, body, monkeypatch):
    _same((header + body).encode(), monkeypatch)


def test_header_match_renames_records_whose_keys_change_between_records():
    """HeaderMatch keeps the renaming of the record before (no hashing of equal keys); a record
    with other keys (JSON lines differ) is still matched on its own, and back again."""
    from kinerja.model import FieldDef
    from kinerja.records.headers import HeaderMatch

    fields = {"nip": FieldDef("nip", "nip", "NIP"), "unit_kerja": FieldDef("unit_kerja", "string", "Unit kerja")}
    records = [{"NIP": "1", "Unit kerja": "A"}, {"NIP": "2", "Unit kerja": "B"}, {"nip": "3", "unit_kerja": "C"},
               {"NIP": "4", "Unit kerja": "D"}, {"Unit kerja": "E", "NIP": "5"}, "not a dict", {"NIP": "6"}]
    match = HeaderMatch(fields, [Source(i + 1, data) for i, data in enumerate(records)])
    match.start()
    assert [s.data for s in match] == [
        {"nip": "1", "unit_kerja": "A"}, {"nip": "2", "unit_kerja": "B"}, {"nip": "3", "unit_kerja": "C"},
        {"nip": "4", "unit_kerja": "D"}, {"unit_kerja": "E", "nip": "5"}, "not a dict", {"nip": "6"}]
