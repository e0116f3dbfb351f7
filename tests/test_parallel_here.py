"""`--jobs N` is N processes at work: N - 1 workers and the one that reads and writes, which
evaluates a block itself whenever the oldest one out is not back yet. Rows a worker renders for
an output file come back parked in a file (spill.Parked), copied in by the kernel. Whoever
evaluated a block, the output is the same, in order; a failure is raised in its turn, and the
run leaves nothing behind (temporary files, the interpreter's switch interval)."""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.evaluation import blocks
from kinerja.evaluation.blocks import WorkerError, run_blocks
from kinerja.records.source import Source
from kinerja.report.results import JsonWriter, put_rows
from kinerja.spill import Parked

ROOT = Path(__file__).parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
PARENT = os.getpid()


def _sources(n: int):
    for i in range(1, n + 1):
        yield Source(i, {"i": str(i)}, f"record {i}")


def slow_in_workers(job, block, index):
    """(index, the pid that worked on the block, its rows); a worker takes its time, so the oldest
    block out is never back at once and the parent has a reason to help."""
    if os.getpid() != PARENT:
        time.sleep(0.05)
    return index, os.getpid(), [s[1]["i"] if isinstance(s, tuple) else s.data["i"] for s in block]


def fails_on_block_2(job, block, index):
    if index == 2:
        raise ValueError("block 2 is bad")
    return index, os.getpid()


def test_jobs_2_is_one_worker_and_this_process_in_input_order():
    out = list(run_blocks(slow_in_workers, None, _sources(60), 2, block_size=5))
    assert [o[0] for o in out] == list(range(12))
    assert [r for o in out for r in o[2]] == [str(i) for i in range(1, 61)]  # rows out = rows in, in order
    pids = {o[1] for o in out}
    assert PARENT in pids and len(pids) == 2  # this process helped; one worker did the rest


def test_a_csv_file_cut_in_ranges_is_shared_with_this_process_too(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 200)
    from kinerja.records.read import read_records

    path = tmp_path / "r.csv"
    path.write_text("i\n" + "".join(f"{i}\n" for i in range(1, 401)), encoding="utf-8")
    out = list(run_blocks(slow_in_workers, None, read_records(str(path)), 2))
    assert [r for o in out for r in o[2]] == [str(i) for i in range(1, 401)]
    assert PARENT in {o[1] for o in out} and len({o[1] for o in out}) == 2


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_failure_is_raised_in_its_turn_whoever_worked_on_the_block(jobs):
    done = []
    with pytest.raises(WorkerError, match=r"^evaluation failed in a worker: ValueError: block 2 is bad$"):
        for index, _pid in run_blocks(fails_on_block_2, None, _sources(40), jobs, block_size=5):
            done.append(index)
    assert done == [0, 1]


def test_the_switch_interval_is_restored_after_a_run():
    before = sys.getswitchinterval()
    list(run_blocks(slow_in_workers, None, _sources(30), 2, block_size=5))
    assert sys.getswitchinterval() == before


# --- rows parked in files ----------------------------------------------------------------------


def test_parked_bytes_are_copied_once_in_their_place_and_their_file_removed(tmp_path):
    parked = Parked.park("[\"é\"]\n".encode(), str(tmp_path))
    assert isinstance(parked, Parked) and parked.size == 7 and os.path.exists(parked.path)
    out_path = tmp_path / "out.json"
    with open(out_path, "w", encoding="utf-8", errors="backslashreplace", newline="") as out:
        out.write("before\n")
        put_rows(out, parked)
        out.write("after\n")
    assert out_path.read_bytes() == b"before\n[\"\xc3\xa9\"]\nafter\n"
    assert not os.path.exists(parked.path)


def test_parked_bytes_reach_a_pipe_by_reading_and_writing(tmp_path):
    parked = Parked.park(b"x" * 70_000, str(tmp_path))
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as out, os.fdopen(read_end, "rb") as back:
        import threading

        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(back.read()))
        reader.start()
        parked.copy_to(out)
        out.close()
        reader.join()
    assert got == [b"x" * 70_000] and not os.path.exists(parked.path)


def test_bytes_that_cannot_be_parked_travel_as_they_are(tmp_path):
    gone = tmp_path / "gone"
    assert Parked.park(b"rows", str(gone)) == b"rows"


def test_a_json_writer_takes_parked_rows_between_its_brackets(tmp_path):
    path = tmp_path / "out.json"
    with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="") as out:
        writer = JsonWriter(out, [], {"id": "p"})
        writer.write_text(Parked.park(b'\n  {"row": 1}', str(tmp_path)))
        writer.write_text(b',\n  {"row": 2}')
        writer.close()
    assert path.read_text(encoding="utf-8") == '[\n  {"row": 1},\n  {"row": 2}\n]\n'


def _national_csv(path: Path, n: int) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_evaluate import generate

    generate(path, n)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_evaluate_jobs_2_with_parked_rows_writes_the_bytes_of_jobs_1(tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4000)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the run's private folder, looked at below
    copied: list[int] = []
    real_copy = Parked.copy_to
    monkeypatch.setattr(Parked, "copy_to", lambda self, out: copied.append(self.size) or real_copy(self, out))
    src = tmp_path / "pegawai.csv"
    _national_csv(src, 300)
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.{fmt}"
        res = CliRunner().invoke(main, ["evaluate", str(NATIONAL), str(src), "--format", fmt, "-j", jobs,
                                        "-o", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b'"row": ' if fmt != "csv" else b"\n") >= 300
    assert copied and sum(copied) < len(outs[1])  # the worker's rows came parked; this process rendered the rest
    assert not [p for p in os.listdir(tmp_path) if p.startswith("kinerja-")]  # the folder of parked rows is gone


def test_evaluate_jobs_2_without_a_temporary_folder_still_writes_the_bytes_of_jobs_1(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4000)
    src = tmp_path / "pegawai.csv"
    _national_csv(src, 200)
    outs = []
    for jobs in ("1", "2"):
        if jobs == "2":
            monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
        out = tmp_path / f"out{jobs}.jsonl"
        res = CliRunner().invoke(main, ["evaluate", str(NATIONAL), str(src), "--format", "jsonl", "-j", jobs,
                                        "-o", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_put_rows_keeps_text_and_bytes_in_order():
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", newline="")
    out.write("a")
    put_rows(out, b"b")
    put_rows(out, "c")
    out.flush()
    assert raw.getvalue() == b"abc"


@pytest.mark.parametrize("pieces", [
    pytest.param(["a", "\n", "b"], id="ascii"),
    pytest.param(['{"reason": "56–58"}', "\n", '{"x": "é"}', "\n"], id="en-dash-and-latin-1"),
    pytest.param(["lone \ud800 surrogate", "\n", "\udc00 other half", "pair \ud83d", "\ude00"], id="surrogates"),
    pytest.param([], id="nothing"),
])
def test_a_row_buffer_gives_the_bytes_and_text_of_one_string(pieces):
    from kinerja.evaluation.parallel import RowBuffer

    buf = RowBuffer()
    buf.write("header, cleared\n")
    buf.clear()
    for p in pieces:
        buf.write(p)
    whole = "".join(pieces)
    assert buf.text() == whole
    assert buf.encoded("utf-8") == whole.encode("utf-8", "backslashreplace")
