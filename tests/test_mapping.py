"""Column mappings (*.map.yaml): schema findings with locations, renaming, value translation,
constants, transforms, and the errors a user sees when a column is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.records.mapping import MappingError, load_mapping, norm_value, shipped_mappings
from kinerja.records.source import BadCell, RecordsError, Source

ROOT = Path(__file__).parents[1]
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"

BASIC = """kinerja_map: 1
id: contoh
name: Contoh
columns:
  nip: [NIP Baru, nip]
  rating_hasil_kerja: Hasil Kerja
  unit_kerja: Unit
optional: [unit_kerja]
values:
  rating_hasil_kerja:
    DIATAS EKSPEKTASI: Di Atas Ekspektasi
    "1": Di Atas Ekspektasi
  hasil_akhir:
    KURANG/MISCONDUCT: Kurang/Misconduct
constants:
  jenis_asn: PNS
transform:
  nip: digits_only
  nama: [strip, upper]
"""


def write(tmp_path, text, name="m.map.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def apply(mapping, *records, cells=None):
    sources = [Source(i + 1, dict(r), f"line {i + 2}", dict(cells) if cells else None) for i, r in enumerate(records)]
    return list(mapping.apply(iter(sources)))


# --- loading and findings -----------------------------------------------------------------------


def test_shipped_mapping_loads_by_id_and_by_file():
    assert "ekinerja-bkn" in shipped_mappings()
    by_id = load_mapping("ekinerja-bkn")
    by_file = load_mapping(str(ROOT / "policies" / "mappings" / "ekinerja-bkn.map.yaml"))
    assert by_id.columns == by_file.columns
    assert by_id.skip_rows == 6 and by_id.header_row == 7
    assert by_id.columns["rating_hasil_kerja"] == ["hasil_kerja"]


def test_unknown_mapping_id_suggests_the_close_one():
    with pytest.raises(RecordsError, match=r'mapping \'ekinerja-bk\' not found .*did you mean "ekinerja-bkn"\?'):
        load_mapping("ekinerja-bk")


@pytest.mark.parametrize("text,expected", [
    ("kinerja_map: 1\nid: x\ncolums: {nip: NIP}\n",
     ("K101", 3, 1, 'unknown key "colums"', 'did you mean "columns"?')),
    ("kinerja_map: 1\nid: x\ncolumns: {nip: NIP}\ntransform:\n  nip: trim\n",
     ("K104", 5, 8, '"trim" is not allowed for nip', 'did you mean "strip"?')),
    ("kinerja_map: 2\nid: x\n", ("K104", 1, 14, "2 is not allowed for kinerja_map", None)),
    ("kinerja_map: 1\nid: x\ncolumns:\n  Nip: NIP\n", ("K106", 4, 3, '"Nip" is not a valid name here', None)),
    ("kinerja_map: 1\nid: x\ncolumns: {nip: NIP}\nconstants:\n  nip: '1'\n",
     ("K214", 5, 3, '"nip" is both read from a column and given a constant', "keep one of the two")),
    ("kinerja_map: 1\nid: x\ncolumns: {nip: NIP}\noptional: [nama]\n",
     ("K104", 4, 12, '"nama" is listed as optional but is not in columns', None)),
], ids=["unknown-key", "unknown-transform", "version", "field-name", "column-and-constant", "optional-unknown"])
def test_mapping_findings_are_located(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    f = info.value.findings[0]
    code, line, column, message, hint = expected
    assert (f.code, f.file, f.line, f.column) == (code, path, line, column)
    if message:
        assert f.message == message
    if hint:
        assert f.hint == hint
    assert str(info.value).startswith(f"{path}:{line}:{column}: {code} ")


def test_mapping_findings_for_validate(tmp_path):
    from kinerja.records.mapping import mapping_findings

    assert mapping_findings(str(ROOT / "policies" / "mappings" / "ekinerja-bkn.map.yaml")) == []
    text = "kinerja_map: 1\nid: x\ncolumns: {nip: NIP}\nconstants:\n  nip: '1'\n"
    assert [(f.code, f.line, f.column) for f in mapping_findings("m.map.yaml", text)] == [("K214", 5, 3)]


def test_cli_reports_a_bad_mapping_with_its_location(tmp_path):
    path = write(tmp_path, "kinerja_map: 1\nid: x\ncolums: {nip: NIP}\n")
    records = write(tmp_path, "nip\n198609262015051001\n", "r.csv")
    r = CliRunner().invoke(main, ["evaluate", "ekinerja-cek", records, "--map", path])
    assert r.exit_code == 2
    assert r.stderr == f'kinerja: {path}:3:1: K101 unknown key "colums" (did you mean "columns"?)\n'


# --- applying -----------------------------------------------------------------------------------


@pytest.fixture
def basic(tmp_path):
    return load_mapping(write(tmp_path, BASIC))


def test_columns_renamed_with_aliases_ignoring_case_and_spacing(basic):
    [out] = apply(basic, {"nip": "1986 0926 2015051001", "hasil  kerja": "diatas  ekspektasi", "Nama": " budi ",
                          "extra": "kept"})
    assert out.data == {"Nama": " budi ", "extra": "kept", "nip": "198609262015051001",
                        "rating_hasil_kerja": DA, "jenis_asn": "PNS"}


def test_cells_follow_their_values(basic):
    [out] = apply(basic, {"NIP Baru": "1", "Hasil Kerja": "1", "Unit": "X"},
                  cells={"NIP Baru": "Data!A5", "Hasil Kerja": "Data!C5", "Unit": "Data!D5"})
    assert out.cells == {"nip": "Data!A5", "rating_hasil_kerja": "Data!C5", "unit_kerja": "Data!D5"}
    assert out.data["rating_hasil_kerja"] == DA and out.where == "line 2"


@pytest.mark.parametrize("given,expected", [
    ("DIATAS EKSPEKTASI", DA), ("diatas ekspektasi", DA), (" Diatas   Ekspektasi ", DA),
    ("1", DA), (1, DA), (1.0, DA), ("Sesuai Ekspektasi", "Sesuai Ekspektasi"), ("lain", "lain"), (None, None),
], ids=["upper", "lower", "spacing", "code-text", "code-int", "code-float", "unlisted", "unknown", "empty"])
def test_values_translated_or_passed_through(basic, given, expected):
    [out] = apply(basic, {"nip": "1", "Hasil Kerja": given})
    assert out.data["rating_hasil_kerja"] == expected


@pytest.mark.parametrize("given", ["KURANG / MISCONDUCT", "Kurang/Misconduct", "kurang /misconduct"])
def test_values_ignore_spacing_around_slash(basic, given):
    [out] = apply(basic, {"nip": "1", "Hasil Kerja": "1", "hasil_akhir": given})
    assert out.data["hasil_akhir"] == "Kurang/Misconduct"


def test_transforms_touch_text_only(basic):
    rounded = 1.98609262015051e17
    bad = BadCell(None, "x")
    out = apply(basic, {"nip": rounded, "Hasil Kerja": bad, "nama": "  siti  "},
                {"nip": 198609262015051001, "Hasil Kerja": "1"})
    assert out[0].data["nip"] == rounded  # never turned into digits: the Coercer refuses it
    assert out[0].data["rating_hasil_kerja"] is bad
    assert out[0].data["nama"] == "SITI"
    assert out[1].data["nip"] == 198609262015051001


def test_missing_column_lists_the_header(basic):
    with pytest.raises(RecordsError) as info:
        apply(basic, {"NIP": "1", "Hasil Kerj": "1", "Nama": "x"})
    assert str(info.value) == ('mapping contoh: column not found: rating_hasil_kerja ← "Hasil Kerja" '
                               '(did you mean "Hasil Kerj"?). The header has: "NIP", "Hasil Kerj", "Nama"')


def test_optional_column_may_be_absent(basic):
    [out] = apply(basic, {"nip": "1", "Hasil Kerja": "1"})
    assert "unit_kerja" not in out.data


def test_error_sources_pass_untouched(basic):
    src = Source(1, None, "line 2", problem="CSV error")
    assert list(basic.apply(iter([src]))) == [src]


@pytest.mark.parametrize("value,expected", [("A  b", "a b"), ("X / Y", "x/y"), (2, "2"), (2.0, "2"), (2.5, "2.5")])
def test_norm_value(value, expected):
    assert norm_value(value) == expected


# --- through the CLI, CSV input -----------------------------------------------------------------


def test_csv_with_a_mapping_file(tmp_path):
    mapping = write(tmp_path, """kinerja_map: 1
id: lokal
columns:
  nip: NIP
  rating_hasil_kerja: Hasil
  rating_perilaku_kerja: Perilaku
  hasil_akhir: Predikat
values:
  rating_hasil_kerja: {A: Di Atas Ekspektasi, S: Sesuai Ekspektasi, B: Di Bawah Ekspektasi}
  rating_perilaku_kerja: {A: Di Atas Ekspektasi, S: Sesuai Ekspektasi, B: Di Bawah Ekspektasi}
""")
    records = write(tmp_path, "NIP;Hasil;Perilaku;Predikat\n198609262015051001;a;s;Baik\n"
                              "198609262015051002;s;b;Baik\n", "r.csv")
    r = CliRunner().invoke(main, ["evaluate", "ekinerja-cek", records, "--map", mapping, "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["outputs"]["predikat"], [a["id"] for a in x["actions"]]) for x in rows] == [
        ("Baik", []), ("Kurang/Misconduct", ["predikat-tidak-sesuai"])]


def test_csv_missing_mapped_column_exits_2(tmp_path):
    records = write(tmp_path, "nip,nama\n198609262015051001,Budi\n", "r.csv")
    r = CliRunner().invoke(main, ["evaluate", "ekinerja-cek", records, "--map", "ekinerja-bkn"])
    assert r.exit_code == 2
    assert r.stderr.startswith("kinerja: mapping ekinerja-bkn: column not found: ")
    assert r.stderr.endswith('The header has: "nip", "nama"\n')
