"""`--jobs 2` with workers reading their own byte ranges against the parent reading every record.

Interleaved in one process tree on the same generated national records (CSV → JSONL): kinerja
--jobs 1, --jobs 2 with the parent reading and shipping every record (byte ranges off: one range
as large as the file), and --jobs 2 with byte ranges (the default). Prints best wall and CPU
time of each and the ratios; the three outputs are checked to be byte-identical.

    python benchmarks/bench_ranges.py [--records 200000] [--repeat 3] [--format csv|jsonl]
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_national import NATIONAL, best, child  # noqa: E402

RUN = ("import sys, atexit, resource\n"
       "from kinerja.evaluation import blocks; blocks.BLOCK_BYTES = int(sys.argv.pop(1))\n"
       "def own():\n    u = resource.getrusage(resource.RUSAGE_SELF)\n"
       "    print(f'parent-cpu: {u.ru_utime + u.ru_stime}', file=sys.stderr)\n"
       "atexit.register(own); from kinerja.cli.main import main; sys.argv[0] = 'kinerja'; main()")


def parent_cpu(run: dict) -> float:
    """The CPU time of the parent process alone (it prints it as it exits)."""
    return float(run["stderr"].rsplit("parent-cpu: ", 1)[1].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="the records file's format")
    args = parser.parse_args()
    from bench_evaluate import generate

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "pegawai.csv"
        generate(src, args.records)
        if args.format == "jsonl":
            import csv
            import json
            with open(src, encoding="utf-8", newline="") as fh, open(tmp / "pegawai.jsonl", "w") as out:
                for record in csv.DictReader(fh):
                    out.write(json.dumps({k: v for k, v in record.items() if v}) + "\n")
            src = tmp / "pegawai.jsonl"
        from kinerja.evaluation.blocks import BLOCK_BYTES
        runs: dict[str, tuple[list[str], Path]] = {}
        for name, jobs, block in (("--jobs 1", 1, BLOCK_BYTES), ("--jobs 2, parent reads", 2, 1 << 62),
                                  ("--jobs 2, byte ranges", 2, BLOCK_BYTES)):
            out = tmp / f"{len(runs)}.jsonl"
            runs[name] = ([sys.executable, "-c", RUN, str(block), "evaluate", str(NATIONAL), str(src), "--format",
                           "jsonl", "--jobs", str(jobs), "-o", str(out)], out)
        measured: dict[str, list[dict]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, (cmd, _out) in runs.items():
                measured[name].append(child(cmd))
        outs = [out for _cmd, out in runs.values()]
        same = all(filecmp.cmp(outs[0], o, shallow=False) for o in outs[1:])
        print(f"{args.records:,} national records, {args.format} → jsonl, best of {args.repeat}, interleaved")
        figures = {name: best(r) for name, r in measured.items()}
        for name, r in figures.items():
            parent = min(parent_cpu(run) for run in measured[name])
            print(f"  {name:24s} wall {r['wall']:6.2f} s  cpu {r['cpu']:6.2f} s (parent {parent:5.2f} s, "
                  f"{parent / args.records * 1e6:4.1f} µs a record)  peak RSS {r['rss']:5.0f} MB")
        one = figures["--jobs 1"]
        for name in ("--jobs 2, parent reads", "--jobs 2, byte ranges"):
            r = figures[name]
            print(f"  {name}: wall ÷ --jobs 1 wall {r['wall'] / one['wall']:.2f}, "
                  f"CPU ÷ --jobs 1 CPU {r['cpu'] / one['cpu']:.2f}")
        for name in measured:  # per round: the ratio on a shared machine, round by round
            walls = [r["wall"] for r in measured[name]]
            print(f"  {name:24s} walls: " + ", ".join(f"{w:.2f}" for w in walls))
        print(f"  outputs identical: {same}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
