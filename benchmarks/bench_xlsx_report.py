"""Writing the xlsx report: the openpyxl writer it had (benchmarks/xlsx_report_openpyxl.py, kept
as the reference) against the xlsxwriter writer (engine/report/xlsx.py), with and without the
explanation sheet, and a JSONL run for scale, on the same generated national records.

Each run is a whole `evaluate` in a fresh child process (read, evaluate, write; the policy loaded
before the clock starts): CPU seconds (user + system) and peak RSS of that child. The variants
are interleaved, best of --repeat.

    python benchmarks/bench_xlsx_report.py [--records 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NATIONAL = HERE.parent / "policies" / "nasional" / "permenpanrb-6-2022.yaml"

# name: (writer, keep values for an explanation of every row, explanation sheet)
VARIANTS = {
    "jsonl": ("jsonl", False, None),
    "openpyxl": ("openpyxl", True, None),
    "openpyxl, explanations not built": ("openpyxl", True, False),  # the writers alone
    "xlsxwriter": ("xlsxwriter", True, True),
    "xlsxwriter --no-explain-sheet": ("xlsxwriter", True, False),
    "xlsxwriter, no sheet, no values": ("xlsxwriter", False, False),  # what keeping values costs
}


def child(records: str, out: str, writer_name: str, keep_values: bool, explain_sheet: bool | None) -> None:
    """One run in this (child) process; prints its CPU seconds and peak RSS as JSON."""
    from kinerja.cli.common import load_policy
    from kinerja.evaluation.run import EvaluateRun
    from kinerja.records.read import read_records
    from kinerja.report.results import JsonlWriter
    from kinerja.report.xlsx import XlsxWriter

    policy = load_policy(str(NATIONAL))
    job = EvaluateRun(policy, str(NATIONAL), keep_values=keep_values)
    if writer_name == "openpyxl":
        spec = importlib.util.spec_from_file_location("xlsx_report_openpyxl", HERE / "xlsx_report_openpyxl.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        make = module.XlsxWriter
        if explain_sheet is False:  # the old writer has no such option: its explanations skipped
            make._explanation = lambda self, result, raw: None
    elif writer_name == "xlsxwriter":
        def make(out, outputs, info, **kw):
            return XlsxWriter(out, outputs, info, explain_sheet=explain_sheet, **kw)
    else:
        make = None
    start = time.process_time()
    with open(out, "wb" if make else "w", **({} if make else {"encoding": "utf-8"})) as fh:
        if make is None:
            writer = JsonlWriter(fh, job.outputs, job.info)
        else:
            writer = make(fh, job.outputs, job.info, policy=policy, lang="id")
        job.run(read_records(records), writer)
    cpu = time.process_time() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu": cpu, "rss": rss, "bytes": Path(out).stat().st_size}))


def run(records: Path, out: Path, variant: str) -> dict:
    writer, keep, sheet = VARIANTS[variant]
    proc = subprocess.run([sys.executable, __file__, "--child", str(records), str(out), writer, str(keep), str(sheet)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        records, out, writer, keep, sheet = sys.argv[2:7]
        child(records, out, writer, keep == "True", {"True": True, "False": False, "None": None}[sheet])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*", choices=list(VARIANTS), help="run these variants only")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from bench_evaluate import generate

    variants = args.only or list(VARIANTS)
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "records.csv"
        generate(records, args.records)
        best: dict[str, dict] = {}
        for _ in range(args.repeat):
            for name in variants:  # interleaved: the machine's noise falls on every variant alike
                got = run(records, Path(tmp) / "out", name)
                if name not in best or got["cpu"] < best[name]["cpu"]:
                    best[name] = got | {"rss": min(got["rss"], best.get(name, got)["rss"])}
    base = best.get("jsonl", {}).get("cpu")
    print(f"{args.records:,} national records, evaluate + write, best of {args.repeat} (CPU s, peak RSS MB, file MB):")
    for name in variants:
        b = best[name]
        ratio = f"  {b['cpu'] / base:5.2f}x jsonl" if base else ""
        print(f"  {name:32s} {b['cpu']:7.2f} s {b['rss']:7.0f} MB {b['bytes'] / 1e6:7.1f} MB{ratio}")
    if "openpyxl" in best and "xlsxwriter" in best:
        print(f"  xlsxwriter / openpyxl CPU: {best['xlsxwriter']['cpu'] / best['openpyxl']['cpu']:.2f}")


if __name__ == "__main__":
    main()
