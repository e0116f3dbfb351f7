"""Record readers stream every format and never lose a record; coercion reports every problem."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from kinerja.model import FieldDef
from kinerja.records.coerce import Coercer, to_number
from kinerja.records.csv_reader import sniff_delimiter
from kinerja.records.json_reader import read_json
from kinerja.records.read import EXTENSIONS, FORMATS, READERS, detect_format, read_records, reader_for
from kinerja.records.source import RecordsError


def rows(path, fmt=None):
    return [(s.row, s.data, s.problem) for s in read_records(str(path), fmt)]


def test_csv_comma_semicolon_and_bom(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("nip,nama\n198609262015051001,Budi\n\n199001012019032002,Sari\n")
    b = tmp_path / "b.csv"
    b.write_bytes(b"\xef\xbb\xbfnip;nama\n198609262015051001;Budi\n")
    assert [(r, d["nama"]) for r, d, _ in rows(a)] == [(1, "Budi"), (2, "Sari")]
    [(_, data, problem)] = rows(b)
    assert data["nip"] == "198609262015051001" and data["nama"] == "Budi" and problem is None


def test_csv_extra_cells_are_a_problem_not_a_drop(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n1,2,3\n")
    assert [(r, p) for r, _, p in rows(path)] == [(1, None), (2, "the line has 3 cells but the header has 2 columns")]


@pytest.mark.parametrize("content,message", [
    (b"", "the CSV file is empty"),
    (b"a,a\n1,2\n", "the header names a column twice: a"),
    (b"a,b\n\xff\xfe,1\n", "not UTF-8"),
])
def test_csv_whole_file_errors(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(RecordsError, match=message):
        rows(path)


def test_json_list_streams_in_small_chunks():
    data = [{"nip": "1" * 18, "n": i, "x": 0.1} for i in range(50)]
    text = json.dumps(data, indent=1).encode()
    got = list(read_json(io.BytesIO(text), chunk_size=7))
    assert [s.data["n"] for s in got] == list(range(50))
    assert got[0].data["x"] == Decimal("0.1")


@pytest.mark.parametrize("text,message", [
    (b'{"a": 1}', "must be a list"),
    (b'[{"a": 1}, ', "not closed"),
    (b'[{"a": 1} {"b": 2}]', "expected , or \\]"),
    (b'[{"a": 1}, {"b": ]', "invalid JSON in record 2"),
])
def test_json_errors(text, message):
    with pytest.raises(RecordsError, match=message):
        list(read_json(io.BytesIO(text)))


def test_empty_json_list_and_non_dict_items(tmp_path):
    assert list(read_json(io.BytesIO(b" [ ] "))) == []
    path = tmp_path / "r.json"
    path.write_text('[1, {"a": 2}]')
    assert [d for _, d, _ in rows(path)] == [1, {"a": 2}]


def test_jsonl_bad_line_is_kept_as_a_problem_row(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"a": 1}\n\n{bad json}\n{"a": 3}\n')
    got = rows(path)
    assert [r for r, _, _ in got] == [1, 2, 3]
    assert got[1][2].startswith("not valid JSON")


def test_yaml_records_use_yaml_12(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("- {nip: 198609262015051001, aktif: no, nilai: 0.1}\n- {nip: '199001012019032002'}\n")
    got = rows(path)
    assert got[0][1] == {"nip": 198609262015051001, "aktif": "no", "nilai": Decimal("0.1")}


def test_yaml_records_must_be_a_list(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("a: 1\n")
    with pytest.raises(RecordsError, match="must be a list"):
        rows(path)


@pytest.mark.parametrize("name,fmt", [("a.CSV", "csv"), ("a.ndjson", "jsonl"), ("a.yml", "yaml"), ("a.xlsx", "xlsx")])
def test_detect_format(name, fmt):
    assert detect_format(name) == fmt


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(RecordsError, match="--input-format"):
        detect_format("a.pdf")
    with pytest.raises(RecordsError, match="cannot read"):
        rows(tmp_path / "missing.csv")
    with pytest.raises(RecordsError, match="is a folder"):
        rows(tmp_path, "csv")


def test_the_registry_names_every_format_once_with_its_extensions():
    # the CLI's --input-format choices and the workbench's file filter are built from these
    assert FORMATS == ("csv", "json", "jsonl", "yaml", "xlsx")
    assert EXTENSIONS == {".csv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
                          ".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx", ".xlsm": "xlsx"}
    assert [r.name for r in READERS.values() if r.tabular] == ["csv", "xlsx"]
    assert [r.name for r in READERS.values() if r.line_per_record] == ["csv", "jsonl"]


@pytest.mark.parametrize("name,explicit,fmt", [
    pytest.param("a.txt", None, "csv", id="by-extension"),
    pytest.param("a.txt", "jsonl", "jsonl", id="explicit-wins"),
    pytest.param("-", "xlsx", "xlsx", id="stdin"),
])
def test_reader_for(name, explicit, fmt):
    assert reader_for(name, explicit).name == fmt


def test_reader_for_an_unknown_format_is_the_callers_mistake():
    with pytest.raises(ValueError, match="unknown records format 'xls': one of csv, json, jsonl, yaml, xlsx"):
        reader_for("a.xls", "xls")


def test_a_mapping_renames_the_keys_of_a_text_format(tmp_path):
    from kinerja.records.mapping import Mapping
    path = tmp_path / "r.jsonl"
    path.write_text('{"NIP Baru": "199001012019032002", "x": 1}\n')
    got = list(read_records(str(path), mapping=Mapping(id="m", columns={"nip": ["NIP Baru"]})))
    assert got[0].data == {"x": 1, "nip": "199001012019032002"}


@pytest.mark.parametrize("header,delimiter", [("a,b", ","), ("a;b;c", ";"), ("a\tb", "\t"), ("a", ",")])
def test_sniff_delimiter(header, delimiter):
    assert sniff_delimiter(header) == delimiter


@pytest.mark.parametrize("raw,comma,expected", [
    ("3.5", False, "3.5"), (" 3.5 ", False, "3.5"), ("3,5", False, "3.5"), ("1.234,5", True, "1234.5"),
    ("0.1", False, "0.1"), (7, False, "7"), (0.1, False, "0.1"),
])
def test_to_number(raw, comma, expected):
    assert to_number(raw, comma) == Decimal(expected)


FIELDS = {
    "nip": FieldDef("nip", "nip", required=True),
    "aktif": FieldDef("aktif", "boolean"),
    "tmt": FieldDef("tmt", "date"),
    "nilai": FieldDef("nilai", "number", min=Decimal(0), max=Decimal(100)),
    "jumlah": FieldDef("jumlah", "integer", default=3),
    "status": FieldDef("status", "enum", values=("Aktif", "Cuti")),
    "skp": FieldDef("skp", "list", items={"target": FieldDef("target", "number", required=True)}),
}


def coerce(raw):
    return Coercer(FIELDS).coerce(raw, {})


def test_coercion_of_every_type():
    values, problems = coerce({"nip": 198609262015051001, "aktif": "ya", "tmt": "31/12/2020", "nilai": "99.5",
                               "status": " aktif ", "skp": [{"target": "10"}]})
    assert problems == []
    assert values == {"nip": "198609262015051001", "aktif": True, "tmt": dt.date(2020, 12, 31),
                      "nilai": Decimal("99.5"), "jumlah": Decimal(3), "status": "Aktif",
                      "skp": ({"target": Decimal(10)},)}


@pytest.mark.parametrize("raw,expected", [
    ({"nip": ""}, [("nip", "K401")]),
    ({"nip": 1.98609262015051e17}, [("nip", "K405")]),   # already rounded by a spreadsheet
    ({"nip": "1986092620150510011"}, [("nip", "K405")]),
    ({"nip": "1" * 18, "nilai": "NaN"}, [("nilai", "K402")]),
    ({"nip": "1" * 18, "nilai": "Infinity"}, [("nilai", "K402")]),
    ({"nip": "1" * 18, "nilai": "100.01"}, [("nilai", "K404")]),
    ({"nip": "1" * 18, "aktif": "mungkin"}, [("aktif", "K402")]),
    ({"nip": "1" * 18, "tmt": "2020-13-01"}, [("tmt", "K402")]),
    ({"nip": "1" * 18, "status": "Pensiun"}, [("status", "K403")]),
    ({"nip": "1" * 18, "jumlah": "2.5"}, [("jumlah", "K402")]),
    ({"nip": "1" * 18, "skp": "a,b"}, [("skp", "K402")]),
    ({"nip": "1" * 18, "skp": [{"target": "x"}, 5, {}]},
     [("skp[1].target", "K402"), ("skp[2]", "K407"), ("skp[3].target", "K401")]),
])
def test_every_problem_is_reported(raw, expected):
    _, problems = coerce(raw)
    assert [(p.field, p.code) for p in problems] == expected


def test_enum_typo_gets_a_suggestion():
    _, [problem] = coerce({"nip": "1" * 18, "status": "Aktf"})
    assert problem.reason == 'not one of: Aktif, Cuti (did you mean "Aktif"?)'


def test_a_records_error_is_a_reported_problem_like_the_others():
    from kinerja.findings import Reportable
    from kinerja.records.mapping import MappingError
    error = RecordsError("cannot read a.csv: no such file")
    assert isinstance(error, Reportable) and isinstance(MappingError([]), Reportable)
    assert (error.code, error.severity, error.title) == ("K409", "error", "records file cannot be read")
    assert error.as_dict() == {"code": "K409", "severity": "error", "message": "cannot read a.csv: no such file"}
