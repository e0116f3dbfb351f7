"""The national roll benchmark (issue 15): kinerja against a hand-written script, same records.

One process tree: this script starts every run as a child, interleaved (baseline, kinerja
--jobs 1, kinerja --jobs 2, again), on the same generated national records (CSV → JSONL),
and reads each child's CPU time, wall time and peak RSS from wait4(). It prints

  * kinerja --jobs 1 CPU ÷ baseline CPU   (goal ≤ 1.5, floor ≤ 1.8)
  * kinerja --jobs 2 wall ÷ baseline wall (floor ≤ 1.0)
  * peak RSS (the largest process of each run) and the time projected for 4.3M records,
  * `compare` with most records changed: wall, CPU and peak RSS (goal < 300 MB),
  * start-up: `kinerja --version` and a 200-record evaluate against `python -c pass`.

Best of --repeat for each figure (the machines here are shared and noisy); the bytes of
--jobs 1 and --jobs 2 are checked to be equal.

Every child runs byte-compiled, as an installed kinerja does (pip compiles the modules it
installs): the children write their bytecode to a cache in the benchmark's temporary folder,
after one warm-up run of each command, even where PYTHONDONTWRITEBYTECODE is set (these
sandboxes set it; compiling about 70 modules from source costs some 100 ms a start).
`--as-is` runs them in this shell's environment instead.

    python benchmarks/bench_national.py [--records 200000] [--repeat 3] [--skip-compare] [--as-is]
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
NATIONAL_ROLL = 4_300_000
# A variant that changes an action for most employees: every PNS below 60 JP a year (all of
# them, in these records) gets pengembangan-kompetensi, with a different shortfall.
VARIANT = """\
kinerja: 1
id: bench-most-change
extends: permenpanrb-6-2022
name: most records change
version: "1"
params:
  jp_minimal: 60
  kp_min_tahun_dalam_pangkat: 5
"""
ENV: dict[str, str] | None = None  # the children's environment (main: byte-compiled, unless --as-is)
KINERJA = [sys.executable, "-c", "import sys; from kinerja.cli.main import main; sys.argv[0] = 'kinerja'; main()"]


def child(cmd: list[str], stdout=subprocess.DEVNULL) -> dict:
    """Run one child to its end: its (and its reaped workers') CPU, wall time and peak RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=ENV)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd[-6:])} failed ({proc.returncode}): {err.decode()[-500:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024,
            "stderr": err.decode("utf-8", "replace")}


def baseline_cmd(src: Path, dst: Path) -> list[str]:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import json, bench_evaluate as b\n"
            "info = json.loads(sys.argv[4]); b.handwritten(__import__('pathlib').Path(sys.argv[2]), "
            "__import__('pathlib').Path(sys.argv[3]), info)")
    info = '{"id": "permenpanrb-6-2022", "version": "x", "sha256": "' + "0" * 64 + '"}'
    return [sys.executable, "-c", code, str(HERE), str(src), str(dst), info]


def best(runs: list[dict]) -> dict:
    return {k: min(r[k] for r in runs) for k in ("wall", "cpu", "rss")}


def evaluate_section(tmp: Path, n: int, repeat: int) -> None:
    sys.path.insert(0, str(HERE))
    from bench_evaluate import generate

    src = tmp / "pegawai.csv"
    generate(src, n)
    outs = {"baseline": tmp / "base.jsonl", "jobs 1": tmp / "j1.jsonl", "jobs 2": tmp / "j2.jsonl"}
    cmds = {"baseline": baseline_cmd(src, outs["baseline"])}
    for j in (1, 2):
        cmds[f"jobs {j}"] = KINERJA + ["evaluate", str(NATIONAL), str(src), "--format", "jsonl", "--jobs", str(j),
                                       "-o", str(outs[f"jobs {j}"])]
    warm = tmp / "warm.csv"  # enough records for workers: every module each command imports, compiled once
    generate(warm, 5000)
    for cmd in cmds.values():
        child([str(warm) if a == str(src) else a for a in cmd])
    runs: dict[str, list] = {k: [] for k in cmds}
    for _ in range(repeat):
        for name, cmd in cmds.items():
            runs[name].append(child(cmd))
    same = filecmp.cmp(outs["jobs 1"], outs["jobs 2"], shallow=False)
    b, one, two = best(runs["baseline"]), best(runs["jobs 1"]), best(runs["jobs 2"])
    print(f"evaluate: {n:,} national records, CSV → JSONL, best of {repeat}, on {os.cpu_count()} CPUs")
    for name, r in (("baseline", b), ("kinerja --jobs 1", one), ("kinerja --jobs 2", two)):
        print(f"  {name:17s} wall {r['wall']:6.2f} s  cpu {r['cpu']:6.2f} s  peak RSS {r['rss']:5.0f} MB  "
              f"{n / r['wall']:9,.0f} records/s")
    cpu_ratio, wall_ratio = one["cpu"] / b["cpu"], two["wall"] / b["wall"]
    print(f"  kinerja --jobs 1 CPU ÷ baseline CPU:   {cpu_ratio:.2f}  (goal ≤ 1.5, floor ≤ 1.8)")
    print(f"  kinerja --jobs 2 wall ÷ baseline wall: {wall_ratio:.2f}  (floor ≤ 1.0)")
    print(f"  --jobs 2 speed-up over --jobs 1: {one['wall'] / two['wall']:.2f}x; output identical: {same}")
    for name, r in (("--jobs 1", one), ("--jobs 2", two)):
        print(f"  projected for {NATIONAL_ROLL:,} records, {name}: {r['wall'] * NATIONAL_ROLL / n:5.0f} s")


def compare_section(tmp: Path, n: int, repeat: int) -> None:
    from bench_evaluate import generate

    src = tmp / "compare.csv"
    generate(src, n, seed=11)
    variant = tmp / "variant.yaml"
    variant.write_text(VARIANT, encoding="utf-8")
    print(f"compare: {n:,} records, national vs a variant where most records change")
    for fmt in ("text", "json", "html"):
        for jobs in ((1, 2) if fmt != "html" else (1,)):
            out = tmp / f"compare.{fmt}"
            cmd = KINERJA + ["compare", str(NATIONAL), str(variant), str(src), "--format", fmt, "--jobs", str(jobs),
                             "-o", str(out)]
            runs = [child(cmd) for _ in range(max(1, repeat - 1))]
            r = best(runs)
            summary = next((x for x in runs[0]["stderr"].splitlines() if x.startswith("records:")), "")
            print(f"  {summary.split(';')[0]}") if fmt == "text" and jobs == 1 else None
            print(f"  --format {fmt:5s} --jobs {jobs}: wall {r['wall']:6.2f} s  cpu {r['cpu']:6.2f} s  "
                  f"peak RSS {r['rss']:5.0f} MB (goal < 300)  report {out.stat().st_size / 1e6:6.1f} MB")


def start_section(tmp: Path, repeat: int) -> None:
    sample = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"
    cmds = {"python -c pass": [sys.executable, "-c", "pass"],
            "kinerja --version": KINERJA + ["--version"],
            "evaluate 200 records": KINERJA + ["evaluate", str(NATIONAL), str(sample), "-o", str(tmp / "s.jsonl")]}
    runs: dict[str, list] = {k: [] for k in cmds}
    for _ in range(max(5, repeat)):
        for name, cmd in cmds.items():
            runs[name].append(child(cmd))
    base = best(runs["python -c pass"])["wall"]
    print("start-up (best wall time):")
    for name in cmds:
        r = best(runs[name])
        print(f"  {name:21s} {r['wall'] * 1000:6.0f} ms  ({r['wall'] / base:4.1f}x python -c pass)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-compare", action="store_true")
    ap.add_argument("--as-is", action="store_true", help="the children in this environment (bytecode as it is)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.as_is:
            global ENV
            ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        evaluate_section(Path(tmp), args.records, args.repeat)
        if not args.skip_compare:
            compare_section(Path(tmp), args.records, args.repeat)
        start_section(Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
