"""What an officer reads: the default table (name, key outputs, actions in full, reasons on their
own lines), --columns, a partial record in `kinerja expr`, and -o leaving no file on failure."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main

POLICY = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
HEADER = ("nip,nama,jenis_asn,golongan,jenis_jabatan,jenjang_fungsional,unit_kerja,tahun_dalam_pangkat,"
          "rating_hasil_kerja,rating_perilaku_kerja,predikat_tahun_lalu,jp_pengembangan,hukuman_disiplin,"
          "potensial,bulan_dinilai")
GOOD = ("197708122012091476,Eko Permana,PNS,III/c,Pelaksana,,Dinas Kesehatan,4.5,Di Atas Ekspektasi,"
        "Sesuai Ekspektasi,Baik,32,tidak_ada,95,12")
BAD = ("12345,Budi,PNS,III/c,Pelaksana,,Dinas Kesehatan,4.5,Luar Biasa,Sesuai Ekspektasi,Baik,32,tidak_ada,,12")


def run(tmp_path, *args, rows=(GOOD, BAD)):
    path = tmp_path / "pegawai.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "table", *args])


def test_default_table_shows_name_summary_actions_in_full_and_reasons_on_their_own_line(tmp_path):
    res = run(tmp_path)
    assert res.exit_code == 1
    assert res.stdout.splitlines() == [
        "row  nip                 nama         predikat  angka_kredit  kotak_talenta  actions",
        "1    197708122012091476  Eko Permana  Baik                    8              "
        "kenaikan-pangkat-reguler, rencana-suksesi",
        "2    12345               Budi                                                ERROR",
        "      nip = '12345': a NIP is 18 digits; this one has 5 characters",
        "      rating_hasil_kerja = 'Luar Biasa': not one of: Di Atas Ekspektasi, Sesuai Ekspektasi, "
        "Di Bawah Ekspektasi",
    ]


def test_columns_option_chooses(tmp_path):
    res = run(tmp_path, "--columns", "unit_kerja,predikat,kategori_potensial", rows=(GOOD,))
    assert res.stdout.splitlines() == [
        "row  nip                 unit_kerja       predikat  kategori_potensial  actions",
        "1    197708122012091476  Dinas Kesehatan  Baik      Tinggi              "
        "kenaikan-pangkat-reguler, rencana-suksesi"]


@pytest.mark.parametrize("args, message", [
    (["--columns", "predikatt"], 'kinerja: --columns predikatt: not a field or output of the policy '
                                 '(did you mean "predikat"?)\n'),
], ids=["unknown-column"])
def test_columns_usage_errors(tmp_path, args, message):
    res = run(tmp_path, *args)
    assert res.exit_code == 2
    assert res.stderr == message


def test_columns_needs_the_table_format(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "\n" + GOOD + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "csv", "--columns", "nama"])
    assert res.exit_code == 2
    assert res.stderr == "kinerja: --columns chooses the columns of the table format, not of csv\n"


def test_population_notice_is_one_short_line(tmp_path):
    res = run(tmp_path, rows=(GOOD,))
    assert res.stderr.splitlines()[-1] == \
        "population: kurva-distribusi: 1 group(s) not checked (no organisation predikat given): Dinas Kesehatan"


def test_a_run_that_fails_before_writing_leaves_no_file(tmp_path):
    out = tmp_path / "hasil.jsonl"
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"not a zip")
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(bad), "-o", str(out)])
    assert res.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize("record, expression, code, out", [
    ('{"rating_hasil_kerja": "Di Atas Ekspektasi", "rating_perilaku_kerja": "Sesuai Ekspektasi"}', "predikat",
     0, '"Baik"\n'),
    ('{"potensial": 95}', "kategori_potensial", 0, '"Tinggi"\n'),
    ('{"rating_hasil_kerja": "Di Atas Ekspektasi"}', 'predikat == "Baik"', 1,
     "error K401 in the record: the expression needs rating_perilaku_kerja, which the record does not give\n"),
    ('{"rating_hasil_kerja": "Luar Biasa"}', "predikat", 1,
     "error K403 in the record: rating_hasil_kerja: not one of: Di Atas Ekspektasi, Sesuai Ekspektasi, "
     "Di Bawah Ekspektasi\n"),
], ids=["enough-for-predikat", "one-field", "missing-input", "wrong-value"])
def test_expr_with_a_partial_record(record, expression, code, out):
    res = CliRunner().invoke(main, ["expr", "--policy", str(POLICY), "--record", record, expression])
    assert res.exit_code == code
    assert (res.stdout if code == 0 else res.stderr) == out


def test_a_policy_without_bands_or_tables_shows_every_output(tmp_path):
    policy = tmp_path / "nilai.yaml"
    policy.write_text('kinerja: 1\nid: nilai\nname: Nilai\nversion: "1"\nfields:\n  nip: {type: nip, required: true}\n'
                      "  skor: {type: number, required: true}\nvalues:\n  dua_kali: skor * 2\n", encoding="utf-8")
    path = tmp_path / "p.csv"
    path.write_text("nip,skor\n197708122012091476,4\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", str(policy), str(path), "--format", "table"])
    assert res.stdout.splitlines() == ["row  nip                 dua_kali  actions", "1    197708122012091476  8"]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("total, shown", [(2000, "records  [#########---------------------------]   25%"),
                                          (None, "\r500 records…")], ids=["known-total", "unknown-total"])
def test_progress_on_a_terminal_after_a_second(monkeypatch, total, shown):
    from kinerja.cli import run_cmds
    terminal = _Terminal()
    monkeypatch.setattr(run_cmds.sys, "stderr", terminal)
    progress = run_cmds.Progress(total)
    progress.tick(500)
    assert terminal.getvalue() == ""  # not in the first second
    progress.start -= 2
    progress.tick(500)
    progress.done()
    assert shown in terminal.getvalue()


def test_no_progress_when_not_a_terminal(monkeypatch):
    from kinerja.cli import run_cmds
    quiet = io.StringIO()
    monkeypatch.setattr(run_cmds.sys, "stderr", quiet)
    progress = run_cmds.Progress(2000)
    progress.start -= 2
    progress.tick(500)
    progress.done()
    assert quiet.getvalue() == ""


def test_record_count_estimate(tmp_path):
    from kinerja.cli.run_cmds import estimate_records
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "\n" + GOOD + "\n" + GOOD + "\n", encoding="utf-8")
    assert estimate_records(str(path), None) == 3  # lines, header included: an upper bound
    assert estimate_records(str(tmp_path / "p.xlsx"), None) is None
