"""Benchmark: one `compare` (two policies, one pass) against one `evaluate` (one policy → JSONL).

Both run in this process over the same generated records (CSV-like text values, so coercion is
included), alternating, best of --repeat. `evaluate` is the Evaluator plus the JSONL writer into
a sink; `compare` is the Comparison over the national policy and a variant (Tinggi from 85,
KP after 5 years) including the final report data. Target: compare ≤ 2.2 × evaluate.

    python benchmarks/bench_compare.py [--records 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from pathlib import Path

from kinerja.compare.run import Comparison, Options
from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import Evaluator
from kinerja.policy.documents import read_document, resolve
from kinerja.records.source import Source
from kinerja.report.results import JsonlWriter

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
VARIANT = """\
kinerja: 1
id: bench-variant
extends: permenpanrb-6-2022
name: bench variant
version: "1"
params:
  kp_min_tahun_dalam_pangkat: 5
bands:
  kategori_potensial:
    input: potensial
    range: {min: 0, max: 100}
    bands:
      - {min: 85, label: Tinggi}
      - {min: 78, label: Menengah}
      - {min: 0, label: Rendah}
"""
RATINGS = ["Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"]
PREDIKAT = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang", ""]
GOLONGAN = [f"{g}/{r}" for g in ("I", "II", "III", "IV") for r in "abcd"]
JABATAN = ["JPT", "Administrator", "Pengawas", "Pelaksana", "Fungsional"]
JENJANG = ["Ahli Pertama", "Ahli Muda", "Ahli Madya", "Ahli Utama", "Pemula", "Terampil", "Mahir", "Penyelia"]


def generate(n: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        asn = "PNS" if rng.random() < 0.8 else "PPPK"
        jab = rng.choice(JABATAN)
        out.append({
            "nip": f"19{rng.randint(60, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}20{rng.randint(10, 23)}"
                   f"{rng.randint(1, 12):02d}{rng.randint(1, 2)}{i % 1000:03d}",
            "nama": f"Pegawai {i}", "jenis_asn": asn, "golongan": rng.choice(GOLONGAN) if asn == "PNS" else "",
            "jenis_jabatan": jab, "jenjang_fungsional": rng.choice(JENJANG) if jab == "Fungsional" else "",
            "unit_kerja": f"Unit {rng.randint(1, 40)}", "tahun_dalam_pangkat": f"{rng.randint(0, 80) / 10}",
            "rating_hasil_kerja": rng.choices(RATINGS, (2, 7, 1))[0],
            "rating_perilaku_kerja": rng.choices(RATINGS, (2, 7, 1))[0],
            "predikat_tahun_lalu": rng.choice(PREDIKAT), "jp_pengembangan": str(rng.randint(0, 40)),
            "hukuman_disiplin": rng.choices(["tidak_ada", "ringan", "sedang", "berat"], (90, 5, 3, 2))[0],
            "potensial": f"{rng.randint(500, 1000) / 10}" if rng.random() < 0.5 else "",
            "bulan_dinilai": str(rng.randint(1, 12))})
    return out


class Sink(io.TextIOBase):
    """Counts characters, keeps nothing (a /dev/null for text)."""

    def __init__(self):
        self.chars = 0

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


def load(path: Path):
    policy, findings = compile_policy(resolve(read_document(str(path))))
    if policy is None:
        sys.exit(f"{path}: {[f.message for f in findings]}")
    return policy


def run_evaluate(policy, records) -> float:
    started = time.perf_counter()
    evaluator = Evaluator(policy)
    writer = JsonlWriter(Sink(), evaluator.outputs, evaluator.info)
    for i, raw in enumerate(records, 1):
        writer.write(evaluator.evaluate(Source(i, raw)))
    writer.close()
    return time.perf_counter() - started


def run_compare(a, b, records) -> tuple[float, dict]:
    started = time.perf_counter()
    comparison = Comparison(a, b, Options(group_by=("unit_kerja",)))
    for i, raw in enumerate(records, 1):
        comparison.add(Source(i, raw))
    data = comparison.report()
    return time.perf_counter() - started, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    national = load(NATIONAL)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "variant.yaml"
        path.write_text(VARIANT, encoding="utf-8")
        variant = load(path)
    records = generate(args.records)
    ev, cp, data = [], [], None
    for _ in range(args.repeat):
        ev.append(run_evaluate(national, records))
        seconds, data = run_compare(national, variant, records)
        cp.append(seconds)
    best_ev, best_cp = min(ev), min(cp)
    s = data["summary"]
    print(f"records: {args.records:,} (valid {s['valid']:,}, invalid {s['invalid']:,}, changed {s['changed']:,})")
    print(f"evaluate (1 policy → JSONL): {best_ev:.2f} s  ({args.records / best_ev:,.0f} records/s)")
    print(f"compare  (2 policies, diff): {best_cp:.2f} s  ({args.records / best_cp:,.0f} records/s)")
    ratio = best_cp / best_ev
    print(f"ratio compare/evaluate: {ratio:.2f} (target ≤ 2.2) {'OK' if ratio <= 2.2 else 'OVER'}")


if __name__ == "__main__":
    main()
