"""`--jobs N`: the same bytes, counts, population checks and errors as one process, in every
format; a worker that dies or cannot load the policy is a clean error, never a hang; the
block API; compare's spilled lists. Blocks are made tiny (monkeypatched BLOCK_SIZE) so these
small files cross many block boundaries and really run in worker processes."""

from __future__ import annotations

import io
import json
import multiprocessing
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.evaluation import blocks, parallel
from kinerja.evaluation.parallel import PolicyRef, WorkerError, evaluate_block, evaluate_job, run_blocks
from kinerja.records.source import Source
from kinerja.report.results import dump_chunks, dumps
from kinerja.spill import SpillList

ROOT = Path(__file__).parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
SAMPLES = [("nasional", "permenpanrb-6-2022", "sample.csv"), ("nasional", "pp-30-2019", "sample.csv"),
           ("nasional", "pp-46-2011", "sample.yaml"), ("agency", "amplas-kompetensi", "sample.csv"),
           ("agency", "lhokseumawe-manajemen-kinerja", "sample.csv"), ("agency", "palembang-bkpsdm", "sample.yaml"),
           ("agency", "surakarta-berbasis-capaian", "sample.csv"),
           ("agency", "surakarta-pengembangan-karier", "sample.csv")]
VARIANT = dict(id="variant", kp_after=3, tinggi_from=85)  # KP after 3 years, Tinggi from 85


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 7)


def _timeless(text: str) -> str:
    return re.sub(r"time: [0-9.]+ s", "time: T s", text)


def run(args: list[str], tmp_path: Path, name: str) -> tuple[int, bytes, str]:
    out = tmp_path / name
    res = CliRunner().invoke(main, [*args, "-o", str(out)])
    return res.exit_code, out.read_bytes() if out.exists() else b"", _timeless(res.stderr).replace(str(out), "OUT")


def _xlsx_parts(data: bytes) -> dict:
    """Every part of the workbook but the creation timestamp (which differs run to run)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "table", "xlsx"])
@pytest.mark.parametrize("folder,policy,sample", SAMPLES, ids=[s[1] for s in SAMPLES])
def test_jobs_2_equals_jobs_1_on_shipped_samples(tmp_path, folder, policy, sample, fmt):
    base = ROOT / "policies" / folder
    args = ["evaluate", str(base / f"{policy}.yaml"), str(base / f"{policy}.{sample}"), "--format", fmt]
    one = run([*args, "--jobs", "1"], tmp_path, f"one.{fmt}")
    two = run([*args, "--jobs", "2"], tmp_path, f"two.{fmt}")
    assert one[0] == two[0] and one[2] == two[2]
    if fmt == "xlsx":
        assert _xlsx_parts(one[1]) == _xlsx_parts(two[1])
    else:
        assert one[1] == two[1] and one[1]


NIP = "199001012015031001"


def _row(nip=NIP, hasil="Sesuai Ekspektasi", unit="Dinas A", potensial="80", note="") -> str:
    return (f'{nip},"Pegawai {note}",PNS,III/a,Pelaksana,,{unit},4.0,{hasil},Sesuai Ekspektasi,Baik,25,'
            f"tidak_ada,{potensial},12")


def _mixed_csv(tmp_path: Path, n: int = 40) -> Path:
    header = ("nip,nama,jenis_asn,golongan,jenis_jabatan,jenjang_fungsional,unit_kerja,tahun_dalam_pangkat,"
              "rating_hasil_kerja,rating_perilaku_kerja,predikat_tahun_lalu,jp_pengembangan,hukuman_disiplin,"
              "potensial,bulan_dinilai")
    lines = [header]
    for i in range(n):
        if i % 9 == 4:
            lines.append(_row(nip="12345", note=str(i)))  # a bad record in the middle of a block
        elif i % 11 == 3:
            lines.append(_row(hasil="Bagus", note=f"line\nbreak {i}"))  # a quoted field holding a newline
        elif i % 13 == 6:
            lines.append(",,,,,,,,,,,,,,")  # an empty line: skipped, not a record
        else:
            lines.append(_row(unit=f"Dinas {'AB'[i % 2]}", potensial=str(70 + i % 30), note=str(i)))
    path = tmp_path / "pegawai.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("extra", [
    pytest.param([], id="plain"),
    pytest.param(["--explain"], id="explain"),
    pytest.param(["--org-predikat", "Dinas A=Baik,Dinas B=Istimewa", "--fairness", "unit_kerja",
                  "--fairness", "jenis_kelamin"], id="population-and-fairness"),
])
def test_errors_summary_and_population_identical(tmp_path, extra):
    records = _mixed_csv(tmp_path)
    args = ["evaluate", str(NATIONAL), str(records), "--format", "jsonl", *extra]
    one = run([*args, "-j", "1", "--population-output", str(tmp_path / "p1.json")], tmp_path, "one")
    two = run([*args, "-j", "2", "--population-output", str(tmp_path / "p2.json")], tmp_path, "two")
    assert one[0] == two[0] == 1  # error records: exit 1
    assert one[1] == two[1]
    assert one[2] == two[2]
    assert "records: 37, ok: 29, errors: 8" in one[2]  # 40 lines: 3 empty, 4 bad NIPs, 4 bad ratings
    assert (tmp_path / "p1.json").read_bytes() == (tmp_path / "p2.json").read_bytes()
    rows = [json.loads(x) for x in one[1].decode().splitlines()]
    assert [r["row"] for r in rows] == list(range(1, 38))


def test_reading_error_mid_file_writes_the_same_records_first(tmp_path):
    records = tmp_path / "pegawai.json"
    good = json.dumps({"nip": NIP, "jenis_asn": "PNS"})
    records.write_text("[" + ",".join([good] * 20) + ", {broken", encoding="utf-8")
    args = ["evaluate", str(NATIONAL), str(records), "--format", "jsonl"]
    one = run([*args, "-j", "1"], tmp_path, "one")
    two = run([*args, "-j", "2"], tmp_path, "two")
    assert one == two
    assert one[0] == 2
    assert "invalid JSON in record 21" in one[2] and "(20 record(s) before it were written)" in one[2]
    assert len(one[1].splitlines()) == 20


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_compare_jobs_2_equals_jobs_1(tmp_path, fmt, monkeypatch, policy_variant):
    monkeypatch.setattr("kinerja.spill.KEEP", 2)  # the lists spill to their files
    monkeypatch.setattr("kinerja.spill.BATCH", 3)
    records = _mixed_csv(tmp_path, 60)
    variant = tmp_path / "variant.yaml"
    variant.write_text(policy_variant(**VARIANT), encoding="utf-8")
    args = ["compare", str(NATIONAL), str(variant), str(records), "--format", fmt, "--group-by", "unit_kerja",
            "--group-by", "jenis_kelamin", "--org-predikat", "Dinas A=Baik,Dinas B=Istimewa", "--min-group", "1"]
    one = run([*args, "-j", "1"], tmp_path, "one")
    two = run([*args, "-j", "2"], tmp_path, "two")
    assert one == two
    if fmt == "json":
        data = json.loads(one[1])
        assert data["summary"]["records"] == 56 and data["summary"]["invalid"] == 12  # 60 lines: 4 empty, 7 + 5 bad
        assert data["summary"]["changed"] == len(data["changed"]) > 3


def test_spawned_workers_give_the_same_bytes(tmp_path, monkeypatch):
    """Everything a worker runs is spawn-safe: a fresh interpreter compiles the policy itself."""
    monkeypatch.setenv("KINERJA_START_METHOD", "spawn")
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 15)
    records = _mixed_csv(tmp_path)
    args = ["evaluate", str(NATIONAL), str(records), "--format", "csv"]
    assert run([*args, "-j", "1"], tmp_path, "one") == run([*args, "-j", "2"], tmp_path, "two")


def _sources(n: int):
    for i in range(1, n + 1):
        yield Source(i, {"nip": NIP, "jenis_asn": "PNS"}, f"record {i}")


def test_a_killed_worker_is_a_clean_error_not_a_hang():
    ref = PolicyRef(str(NATIONAL))
    job = parallel.EvaluateJob(ref)

    def sources():
        yield from _sources(30)
        for child in multiprocessing.active_children():  # what the out-of-memory killer does
            child.kill()
        yield from _sources(30)

    done = []
    with pytest.raises(WorkerError, match="a worker process stopped unexpectedly"):
        for block in run_blocks(evaluate_job, job, sources(), 2, block_size=5):
            done.append(block.index)
    assert done == sorted(done)


def test_a_policy_changed_under_the_workers_is_a_clean_error():
    ref = PolicyRef(str(NATIONAL), sha256="0" * 64)  # the hash the parent compiled, say; the file now differs
    job = parallel.EvaluateJob(ref)
    with pytest.raises(WorkerError, match=r"could not load the policy: .* changed while the records were evaluated"):
        list(run_blocks(evaluate_job, job, _sources(20), 2, block_size=5))


def test_evaluate_block_is_pure_and_keeps_order():
    records = [{"nip": NIP, "jenis_asn": "PNS", "jenis_jabatan": "Pelaksana", "unit_kerja": "Dinas A",
                "tahun_dalam_pangkat": "4", "rating_hasil_kerja": "Sesuai Ekspektasi",
                "rating_perilaku_kerja": "Sesuai Ekspektasi", "predikat_tahun_lalu": "Baik",
                "jp_pengembangan": "25", "hukuman_disiplin": "tidak_ada", "golongan": "III/a"},
               {"nip": "12"}]
    results = evaluate_block(str(NATIONAL), records, first_row=41)
    assert [(r.row, r.status) for r in results] == [(41, "ok"), (42, "error")]
    assert results[0].outputs["predikat"] == "Baik"
    assert results[1].errors[0]["code"] == "K405"
    again = evaluate_block(PolicyRef(str(NATIONAL)), records, first_row=41)
    assert [r.outputs for r in again] == [r.outputs for r in results]


def test_evaluate_block_refuses_a_policy_with_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kinerja: 1\nid: bad\n", encoding="utf-8")
    with pytest.raises(parallel.PolicyLoadError, match="has errors"):
        evaluate_block(str(bad), [{}])


def test_jobs_must_be_positive(tmp_path):
    res = CliRunner().invoke(main, ["evaluate", str(NATIONAL), "x.csv", "--jobs", "0"])
    assert res.exit_code == 2 and "--jobs" in res.stderr


# --- the spilled list of compare ----------------------------------------------------------------


def test_spill_list_reads_back_what_was_written_in_order():
    items = [{"row": i, "v": Decimal(i) / 4, "t": (i, "x")} for i in range(23)]
    spilled = SpillList(items, keep=4, batch=3)
    assert len(spilled) == 23 and spilled.file is not None and len(spilled.head) == 4
    assert list(spilled) == items and spilled == items
    assert spilled[:2] == items[:2] and spilled[:10] == items[:10]
    assert spilled[5] == items[5] and spilled[-1] == items[-1]
    assert [x["row"] for x in spilled for _ in range(1)][:3] == [0, 1, 2]
    assert not SpillList()


def test_spill_list_takes_pickled_lists_in_order():
    import pickle

    spilled = SpillList(keep=3, batch=2)
    parts = [[1, 2], [3, 4, 5], [6], [7, 8, 9]]
    spilled.extend(parts[0])
    for part in parts[1:]:
        spilled.extend_pickled(pickle.dumps(part), len(part))
    assert list(spilled) == list(range(1, 10)) and len(spilled) == 9 and spilled.head == [1, 2, 3]


@pytest.mark.parametrize("value", [
    pytest.param({"a": 1, "changed": [{"x": Decimal("1.50")}, {"y": [1, 2]}], "empty": [], "z": {}}, id="lists"),
    pytest.param({"changed": SpillList([{"row": i} for i in range(9)], keep=2, batch=2), "n": None}, id="spilled"),
    pytest.param({}, id="empty"),
])
def test_dump_chunks_equals_dumps(value):
    plain = {k: list(v) if isinstance(v, SpillList) else v for k, v in value.items()}
    assert "".join(dump_chunks(value, indent=2)) == dumps(plain, indent=2)


def test_html_embeds_a_bounded_list_and_writes_every_changed_record_beside_it(tmp_path, monkeypatch,
                                                                               policy_variant):
    monkeypatch.setattr("kinerja.report.html.EMBED_ROWS", 3)
    monkeypatch.setattr("kinerja.spill.KEEP", 2)
    records = _mixed_csv(tmp_path, 60)
    variant = tmp_path / "variant.yaml"
    variant.write_text(policy_variant(**VARIANT), encoding="utf-8")
    base = ["compare", str(NATIONAL), str(variant), str(records), "--jobs", "2"]
    code, text, _ = run([*base, "--format", "json"], tmp_path, "all.json")
    changed = json.loads(text)["changed"]
    code, page, _ = run([*base, "--format", "html"], tmp_path, "dampak.html")
    assert code == 0
    embedded = json.loads(re.search(rb'id="kinerja-data">(.*?)</script>', page).group(1))
    assert [e["row"] for e in embedded["changed"]] == [e["row"] for e in changed[:3]]
    n = len(changed)  # the report is Indonesian by default (issue 13)
    note = f"Pencarian mencakup 3 pertama dari {n}; semua {n} ada di <b>dampak.changed.csv</b>"
    assert note.encode() in page
    lines = (tmp_path / "dampak.changed.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row,nip,unit_kerja,predikat A,predikat B,differences"
    assert [int(x.split(",")[0]) for x in lines[1:]] == [e["row"] for e in changed]


def test_excluded_records_and_their_tallies_are_identical(tmp_path):
    """A `dikecualikan` rule takes records out (status excluded): counted, written and left out
    of the kurva the same way in every block."""
    header = ("nip,nama,jenis_asn,golongan,jenis_jabatan,jenjang_fungsional,unit_kerja,tahun_dalam_pangkat,"
              "rating_hasil_kerja,rating_perilaku_kerja,predikat_tahun_lalu,jp_pengembangan,hukuman_disiplin,"
              "potensial,bulan_dinilai,status_pegawai")
    statuses = ["", "cltn", "", "diberhentikan_sementara", "tugas_belajar"]
    lines = [header] + [_row(unit=f"Dinas {'AB'[i % 2]}", note=str(i)) + "," + statuses[i % 5] for i in range(30)]
    records = tmp_path / "status.csv"
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["evaluate", str(NATIONAL), str(records), "--format", "jsonl", "--org-predikat", "Dinas A=Baik,Dinas B=Baik"]
    one = run([*args, "-j", "1"], tmp_path, "one")
    two = run([*args, "-j", "2"], tmp_path, "two")
    assert one == two
    assert "records: 30, ok: 18, errors: 0, excluded: 12" in one[2]  # cltn and diberhentikan: 2 in every 5


def test_a_semicolon_csv_keeps_its_decimal_comma_in_every_block(tmp_path):
    """The reader's decimal-comma mode travels with each record to the workers."""
    header = ("nip;nama;jenis_asn;golongan;jenis_jabatan;jenjang_fungsional;unit_kerja;tahun_dalam_pangkat;"
              "rating_hasil_kerja;rating_perilaku_kerja;predikat_tahun_lalu;jp_pengembangan;hukuman_disiplin;"
              "potensial;bulan_dinilai")
    # "1.000,0" is a thousand only in decimal-comma mode (elsewhere it is no number at all)
    lines = [header] + [f"{NIP};P {i};PNS;III/a;Pelaksana;;Dinas A;4,5;Sesuai Ekspektasi;Sesuai Ekspektasi;Baik;"
                        f"{'1.000,0' if i % 2 else '25'};tidak_ada;{80 + i % 10},5;12" for i in range(30)]
    records = tmp_path / "koma.csv"
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["evaluate", str(NATIONAL), str(records), "--format", "jsonl"]
    one = run([*args, "-j", "1"], tmp_path, "one")
    two = run([*args, "-j", "2"], tmp_path, "two")
    assert one == two and one[0] == 0
    rows = [json.loads(x) for x in one[1].decode().splitlines()]
    assert [r["outputs"]["kategori_potensial"] for r in rows[:2]] == ["Menengah", "Menengah"]  # 80,5 and 81,5
    assert [r["status"] for r in rows] == ["ok"] * 30


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_rows_shipped_as_bytes_are_the_bytes_of_one_process(tmp_path, fmt):
    # With -o the workers encode their rows and the parent copies the bytes (parallel.byte_rows):
    # text beyond ASCII and a line separator, shown in each row's error about its `golongan` (and a
    # lone surrogate, which only JSON can carry: its row is a K411 error), must come out exactly as
    # one process writes them.
    names = ["Ñoño Pérez", "Dewi\u2028Sartika", "Budi \U0001F600", "Sri \ud800 Wahyuni", "Ahmad, S.H.", "Rina"] * 4
    lines = []
    for i, name in enumerate(names):
        rating = "Sesuai Ekspektasi"
        lines.append(json.dumps({"nip": f"19850101201001{1000 + i}", "nama": name, "jenis_asn": "PNS",
                                 "golongan": name, "jenis_jabatan": "Pelaksana", "rating_hasil_kerja": rating,
                                 "rating_perilaku_kerja": rating, "tahun_dalam_pangkat": 2, "jp_pengembangan": 20,
                                 "hukuman_disiplin": "tidak_ada", "predikat_tahun_lalu": "Baik"}))
    records = tmp_path / "pegawai.jsonl"
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["evaluate", str(NATIONAL), str(records), "--format", fmt]
    one = run([*args, "--jobs", "1"], tmp_path, f"one.{fmt}")
    two = run([*args, "--jobs", "2"], tmp_path, f"two.{fmt}")
    assert one == two and one[0] == 1 and one[1].count("Ñoño Pérez".encode()) == 4


def test_byte_rows_only_for_a_utf8_file_that_replaces_with_backslashes(tmp_path):
    path = tmp_path / "out.txt"
    with open(path, "w", encoding="utf-8", newline="", errors="backslashreplace") as fh:
        assert parallel.byte_rows(fh) == "utf-8"
    with open(path, "w", encoding="utf-8") as fh:  # strict: a lone surrogate must still fail as it would
        assert parallel.byte_rows(fh) is None
    with open(path, "w", encoding="latin-1", errors="backslashreplace") as fh:
        assert parallel.byte_rows(fh) is None
    assert parallel.byte_rows(io.StringIO()) is None
    assert parallel.byte_rows(None) is None
