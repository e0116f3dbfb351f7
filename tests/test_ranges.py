"""Workers that read their own byte ranges of a CSV or JSONL file (records/ranges.py, driven by
evaluation/blocks.py): every record, row number, line, problem and closing note equals what the
reader of the whole file gives, wherever the ranges are cut (blocks of a few bytes, so every
boundary falls somewhere awkward), and the parent reads whatever the ranges cannot read plainly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.compile.compiler import compile_policy
from kinerja.evaluation import blocks
from kinerja.evaluation.blocks import run_blocks, source_of
from kinerja.policy.documents import read_document, resolve
from kinerja.records import ranges
from kinerja.records.headers import HeaderMatch
from kinerja.records.read import read_records

ROOT = Path(__file__).parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
HEADER = ("nip,nama,jenis_asn,golongan,jenis_jabatan,jenjang_fungsional,unit_kerja,tahun_dalam_pangkat,"
          "rating_hasil_kerja,rating_perilaku_kerja,predikat_tahun_lalu,jp_pengembangan,hukuman_disiplin,"
          "potensial,bulan_dinilai")
NIP = "199001012015031001"


def row(i: int, nama: str | None = None, sep: str = ",") -> str:
    nama = nama if nama is not None else f"Pegawai {i}"
    cells = [NIP, nama, "PNS", "III/a", "Pelaksana", "", f"Dinas {'AB'[i % 2]}", "4", "Sesuai Ekspektasi",
             "Sesuai Ekspektasi", "Baik", str(20 + i % 10), "tidak_ada", str(70 + i % 30), "12"]
    return sep.join(cells)


def rows(n: int, special: dict[int, str] | None = None) -> list[str]:
    special = special or {}
    return [special.get(i, row(i)) for i in range(n)]


def csv_text(lines: list[str], end: str = "\n", header: str = HEADER) -> str:
    return end.join([header, *lines]) + end


CSV_CASES = {
    "plain": (csv_text(rows(30)), "ranges"),
    "comma in a quoted name": (csv_text(rows(30, {i: row(i, '"Budi, S.H."') for i in range(0, 30, 3)})), "ranges"),
    "doubled quotes": (csv_text(rows(30, {i: row(i, '"Budi ""Bud"" Santoso"') for i in range(1, 30, 4)})),
                       "ranges"),
    "quoted newlines": (csv_text(rows(30, {i: row(i, f'"Budi\nbaris {i}\r\nlagi"') for i in range(2, 30, 5)})),
                        "ranges"),
    "crlf": (csv_text(rows(30, {7: row(7, '"a\r\nb"')}), end="\r\n"), "ranges"),
    "bom": ("\ufeff" + csv_text(rows(30)), "ranges"),
    "semicolon": (csv_text([row(i, sep=";") for i in range(30)], header=HEADER.replace(",", ";")), "ranges"),
    "blank lines": (csv_text(rows(30, {4: "", 5: "  ", 11: ",,,,,,,,,,,,,,", 29: ""})), "ranges"),
    "short and long rows": (csv_text(rows(30, {6: f"{NIP},Pendek", 9: row(9) + ",extra,cells"})), "ranges"),
    "quote inside a cell": (csv_text(rows(30, {5: row(5, 'Bu"di'), 12: row(12, 'x"y"z"')})), "ranges rest"),
    "stray quote": (csv_text(rows(30, {8: row(8, '"Budi')})), "rest whole"),
    "quote never closed at the end": (csv_text(rows(30, {29: row(29, '"Budi')})), "rest"),
    "shorter than a block": (csv_text(rows(2)), "whole"),
    "no newline at the end": (csv_text(rows(30))[:-1], "ranges"),
    "lone carriage return": (csv_text(rows(30, {3: row(3, "a\rb")})), "rest whole"),
    "header only": (csv_text([]), "whole"),
}


@pytest.fixture(scope="module")
def fields():
    policy, _ = compile_policy(resolve(read_document(str(NATIONAL))))
    return policy.fields


def collect(job, block, index: int) -> list[tuple]:
    """A worker's part in these tests: the records as read (module-level: it pickles by name)."""
    sources = (source_of(item, 0) for item in block)
    return [(s.row, s.data, s.where, s.problem, s.code, s.decimal_comma) for s in sources]


def read_both(path: Path, fields: dict, monkeypatch, block_bytes: int) -> tuple[list, list, list[str]]:
    """(records and notes of the reader of the whole file, of `--jobs 2`, and how --jobs 2 read them)."""
    notes_one: list[str] = []
    one = [(s.row, s.data, s.where, s.problem, s.code, s.decimal_comma)
           for s in HeaderMatch(fields, read_records(str(path), notes=notes_one))]
    used: list[str] = []  # the parent's side: ranges sent, the rest read here
    real_rest, real_ranges = ranges.Split.rest, blocks._from_ranges
    monkeypatch.setattr(ranges.Split, "rest", lambda self, point: used.append("rest") or real_rest(self, point))
    monkeypatch.setattr(blocks, "_from_ranges", lambda *a: used.append("ranges") or real_ranges(*a))
    monkeypatch.setattr(blocks, "BLOCK_BYTES", block_bytes)
    notes_two: list[str] = []
    match = HeaderMatch(fields, read_records(str(path), notes=notes_two))
    match.start()
    two = [item for block in run_blocks(collect, None, match, 2, block_size=4) for item in block]
    return one + [notes_one], two + [notes_two], used


@pytest.mark.parametrize("block_bytes", [1, 150, 700])
@pytest.mark.parametrize("name", list(CSV_CASES))
def test_csv_ranges_read_exactly_what_one_reader_reads(tmp_path, fields, monkeypatch, name, block_bytes):
    text, expected = CSV_CASES[name]
    path = tmp_path / "pegawai.csv"
    path.write_bytes(text.encode("utf-8"))
    one, two, used = read_both(path, fields, monkeypatch, 10_000 if name == "shorter than a block" else block_bytes)
    assert two == one
    assert len(one) > 1 or name == "header only"
    how = "whole" if not used else "rest" if "rest" in used else "ranges"
    assert how in expected.split()


def test_a_blank_line_moves_the_rows_of_the_ranges_after_it(tmp_path, fields, monkeypatch):
    """The parent's count says 30 records; the reader skips the blank lines: the ranges sent with
    the wrong first row are sent again, and the rows come out as one reader numbers them."""
    path = tmp_path / "pegawai.csv"
    path.write_text(csv_text(rows(30, {2: "", 3: ""})), encoding="utf-8")
    one, two, used = read_both(path, fields, monkeypatch, 150)
    assert two == one
    assert [r[0] for r in one[:-1]] == list(range(1, 29))
    assert [r[2] for r in one[:3]] == ["line 2", "line 3", "line 6"]
    assert used == ["ranges"]


def test_the_closing_note_counts_every_range(tmp_path, fields, monkeypatch):
    text = csv_text(rows(30, {i: row(i, f'"Budi\nbaris {i}"') for i in range(0, 30, 4)}))
    path = tmp_path / "pegawai.csv"
    path.write_text(text, encoding="utf-8")
    one, two, used = read_both(path, fields, monkeypatch, 100)
    assert two == one and "rest" not in used
    assert one[-1] == ["the file has 38 data lines and 30 records were read: quoted cells with line breaks at "
                       "line 2 (2 lines), line 7 (2 lines), line 12 (2 lines), line 17 (2 lines), "
                       "line 22 (2 lines) …"]


JSONL_GOOD = [json.dumps({"nip": NIP, "nama": f"P {i}", "jenis_asn": "PNS", "golongan": "III/a"}) for i in range(30)]
JSONL_CASES = {
    "plain": ("\n".join(JSONL_GOOD) + "\n", "ranges"),
    "broken line": ("\n".join(JSONL_GOOD[:9] + ["{broken"] + JSONL_GOOD[10:]) + "\n", "ranges"),
    "blank lines": ("\n".join(JSONL_GOOD[:5] + ["", "  "] + JSONL_GOOD[5:]), "ranges"),
    "other keys later": ("\n".join(JSONL_GOOD[:20] + [json.dumps({"NIP": NIP})] + JSONL_GOOD[20:]) + "\n", "ranges"),
    "bom": ("\ufeff" + "\n".join(JSONL_GOOD) + "\n", "ranges"),
}


@pytest.mark.parametrize("name", list(JSONL_CASES))
def test_jsonl_ranges_read_exactly_what_one_reader_reads(tmp_path, fields, monkeypatch, name):
    text, expected = JSONL_CASES[name]
    path = tmp_path / "pegawai.jsonl"
    path.write_bytes(text.encode("utf-8"))
    one, two, used = read_both(path, fields, monkeypatch, 200)
    assert two == one
    how = "whole" if not used else "rest" if "rest" in used else "ranges"
    assert how in expected.split()


@pytest.mark.parametrize("content", [
    pytest.param(b"\xff\xfen\x00i\x00p\x00\n\x00", id="utf-16"),
    pytest.param((csv_text(rows(30)) + "Caf\xe9\n").encode("cp1252"), id="not-utf-8"),
    pytest.param(csv_text(rows(30)).replace("\n", "\r").encode(), id="mac-line-ends"),
    pytest.param(HEADER.encode() + b"," + b"x" * 50, id="header-without-end"),
])
def test_files_the_ranges_cannot_read_exactly_are_not_split(tmp_path, content):
    path = tmp_path / "pegawai.csv"
    path.write_bytes(content)
    assert read_records(str(path)).split(64) is None


def test_standard_input_and_a_column_mapping_are_not_split(tmp_path):
    path = tmp_path / "pegawai.csv"
    path.write_text(csv_text(rows(30)), encoding="utf-8")
    with open(path, "rb") as stdin:
        assert read_records("-", "csv", stdin=stdin).split(64) is None
    assert read_records(str(path), mapping=object()).split(64) is None  # type: ignore[arg-type]
    assert read_records(str(path)).split(64) is not None


def _cli(args: list[str], out: Path) -> tuple[int, bytes, str]:
    res = CliRunner().invoke(main, [*args, "-o", str(out)])
    return res.exit_code, out.read_bytes() if out.exists() else b"", res.stderr.replace(str(out), "OUT")


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
@pytest.mark.parametrize("name", ["quoted newlines", "blank lines", "stray quote"])
def test_evaluate_jobs_2_with_ranges_writes_the_bytes_of_jobs_1(tmp_path, monkeypatch, name, fmt):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 300)
    path = tmp_path / "pegawai.csv"
    path.write_text(CSV_CASES[name][0], encoding="utf-8")
    args = ["evaluate", str(NATIONAL), str(path), "--format", fmt]
    one = _cli([*args, "-j", "1"], tmp_path / "one")
    two = _cli([*args, "-j", "2"], tmp_path / "two")
    assert (one[0], one[1], one[2].split(", time:")[0]) == (two[0], two[1], two[2].split(", time:")[0])
    assert one[1]


def test_compare_jobs_2_with_ranges_equals_jobs_1(tmp_path, monkeypatch, policy_variant):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 300)
    path = tmp_path / "pegawai.jsonl"
    path.write_text(JSONL_CASES["broken line"][0], encoding="utf-8")
    variant = tmp_path / "variant.yaml"
    variant.write_text(policy_variant(id="variant", kp_after=3, tinggi_from=85), encoding="utf-8")
    args = ["compare", str(NATIONAL), str(variant), str(path), "--format", "json"]
    one = _cli([*args, "-j", "1"], tmp_path / "one")
    two = _cli([*args, "-j", "2"], tmp_path / "two")
    assert one == two and one[1]


def test_a_file_replaced_while_it_is_read_is_read_on_from_the_parents_copy(tmp_path, fields):
    path = tmp_path / "pegawai.csv"
    path.write_text(csv_text(rows(30)), encoding="utf-8")
    match = HeaderMatch(fields, read_records(str(path)))
    match.start()
    split = match.split(300)
    first = next(split.ranges())
    replaced = tmp_path / "baru.csv"
    replaced.write_text(csv_text(rows(30, {i: row(i, "Diganti") for i in range(30)})), encoding="utf-8")
    replaced.replace(path)
    read = ranges.RangeRead()
    assert list(ranges.read_range(first, read)) == [] and not read.clean
    rest = list(split.rest(split.start()))
    assert [s.data["nama"] for s in rest] == [f"Pegawai {i}" for i in range(30)]


def test_spawned_workers_read_their_ranges_too(tmp_path, monkeypatch):
    monkeypatch.setenv("KINERJA_START_METHOD", "spawn")
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 600)
    path = tmp_path / "pegawai.csv"
    path.write_text(CSV_CASES["quoted newlines"][0], encoding="utf-8")
    args = ["evaluate", str(NATIONAL), str(path), "--format", "jsonl"]
    one = _cli([*args, "-j", "1"], tmp_path / "one")
    two = _cli([*args, "-j", "2"], tmp_path / "two")
    assert (one[0], one[1], one[2].split(", time:")[0]) == (two[0], two[1], two[2].split(", time:")[0])


@pytest.mark.parametrize("header", [
    pytest.param(["NIP", "Nama", "Jenis ASN", "Golongan/ruang", "unit kerja"], id="labels-and-spacing"),
    pytest.param(["nip", "NIP", "nama"], id="id-and-label-for-one-field"),
    pytest.param(["N.I.P", "Nip", "nama"], id="two-labels-clash"),
    pytest.param(["", "x", "GOLONGAN_RUANG", "jenis asn"], id="empty-and-unknown"),
    pytest.param([], id="none"),
])
def test_workers_rename_columns_as_the_parent_does(fields, header):
    """A worker renames by the fields' names only (they pickle); the renaming is the parent's."""
    from kinerja.records.headers import match_header, names_only
    from kinerja.records.source import Source

    assert match_header(names_only(fields), header)[0] == match_header(fields, header)[0]
    records = [Source(1, dict.fromkeys(header, "v")), Source(2, dict.fromkeys(header[:2], "w")), Source(3, None)]
    assert list(HeaderMatch(names_only(fields), records)) == list(HeaderMatch(fields, records))


def test_a_record_longer_than_a_range_may_hold_is_read_by_the_parent(tmp_path, fields, monkeypatch):
    monkeypatch.setattr(ranges, "LARGEST", 1000)
    path = tmp_path / "pegawai.jsonl"
    path.write_text("\n".join(JSONL_GOOD[:10] + [json.dumps({"nip": NIP, "nama": "x" * 2000})] + JSONL_GOOD[10:]),
                    encoding="utf-8")
    one, two, used = read_both(path, fields, monkeypatch, 100)
    assert two == one and used == ["ranges", "rest"]


def test_the_parents_reader_is_closed_when_the_workers_have_read_the_file(tmp_path, fields, monkeypatch):
    """It read only the first record (the header's report): closed at the end of the run, not by
    the garbage collector (a ResourceWarning, an open file in a long-running program)."""
    import kinerja.records.read as read_module

    opened: list = []
    real = read_module.open_binary
    monkeypatch.setattr(read_module, "open_binary", lambda *a: opened.append(real(*a)) or opened[-1])
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 300)
    path = tmp_path / "pegawai.csv"
    path.write_text(csv_text(rows(30)), encoding="utf-8")
    match = HeaderMatch(fields, read_records(str(path)))
    match.start()
    assert sum(len(b) for b in run_blocks(collect, None, match, 2)) == 30
    assert len(opened) == 1 and opened[0].closed
