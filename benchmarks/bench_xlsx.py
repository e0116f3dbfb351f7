"""Reading .xlsx records: the calamine reader (records/xlsx_fast.py) against the openpyxl reader
(records/xlsx.py) on the same generated workbook of national records, and the CSV reader on the
same records for scale. CPU seconds, best of --repeat, the readers interleaved in one process;
peak RSS of each reader in a fresh child process (calamine's memory is outside Python's heap).

    python benchmarks/bench_xlsx.py [--records 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import openpyxl  # noqa: E402
from bench_evaluate import generate  # noqa: E402

from kinerja.records.read import read_records  # noqa: E402
from kinerja.records.xlsx import read_xlsx  # noqa: E402
from kinerja.records.xlsx_fast import calamine_reads, read_xlsx_fast  # noqa: E402

NUMBERS = {"tahun_dalam_pangkat", "jp_pengembangan", "potensial", "bulan_dinilai"}  # stored as numbers, as Excel would


def to_xlsx(source: Path, target: Path) -> None:
    """The CSV's records as a workbook: NIPs and labels as text, numbers as numbers."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    with open(source, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        ws.append(header)
        numeric = [h in NUMBERS for h in header]
        for row in rows:
            ws.append([float(v) if n and v else v for v, n in zip(row, numeric)])
    wb.save(target)


def count(reader, path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in reader(fh, str(path)))


READERS = {
    "openpyxl": lambda p: count(read_xlsx, p),
    "calamine": lambda p: count(read_xlsx_fast, p),
    "csv": lambda p: sum(1 for _ in read_records(str(p))),
}


def cpu(fn, path: Path) -> tuple[float, int]:
    start = time.process_time()
    n = fn(path)
    return time.process_time() - start, n


def peak_rss_mb(name: str, path: Path) -> float:
    """Peak RSS of a fresh process that reads the file with one reader (VmHWM: the high-water
    mark of this process alone; ru_maxrss would carry over the parent's)."""
    code = (f"import sys, pathlib; sys.path.insert(0, {str(HERE)!r}); import bench_xlsx as b; "
            f"b.READERS[{name!r}](pathlib.Path({str(path)!r})); "
            "print(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return int(out.split()[-2]) / 1024


def import_rss_mb() -> float:
    """Peak RSS of a process that only imports the readers (what every reader pays)."""
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import bench_xlsx; "
            "print(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return int(out.split()[-2]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = Path(tmp) / "pegawai.csv", Path(tmp) / "pegawai.xlsx"
        generate(csv_path, args.records)
        to_xlsx(csv_path, xlsx_path)
        with open(xlsx_path, "rb") as fh:
            assert calamine_reads(fh, str(xlsx_path)), "the workbook went to the openpyxl reader"
        paths = {"openpyxl": xlsx_path, "calamine": xlsx_path, "csv": csv_path}
        best = {name: float("inf") for name in READERS}
        for _ in range(args.repeat):
            for name, fn in READERS.items():
                seconds, n = cpu(fn, paths[name])
                assert n == args.records, (name, n)
                best[name] = min(best[name], seconds)
        size = xlsx_path.stat().st_size / 1e6
        print(f"{args.records:,} records, {size:.1f} MB workbook; CPU s, best of {args.repeat}")
        for name in READERS:
            print(f"  {name:9} {best[name]:6.2f} s  {args.records / best[name]:9,.0f} records/s")
        print(f"  openpyxl ÷ calamine: {best['openpyxl'] / best['calamine']:.2f}x;  "
              f"calamine ÷ csv: {best['calamine'] / best['csv']:.2f}x;  "
              f"openpyxl ÷ csv: {best['openpyxl'] / best['csv']:.2f}x")
        print(f"  peak RSS (imports alone: {import_rss_mb():.0f} MB): "
              + ", ".join(f"{name} {peak_rss_mb(name, paths[name]):.0f} MB" for name in READERS))


if __name__ == "__main__":
    main()
