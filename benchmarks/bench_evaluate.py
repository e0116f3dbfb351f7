"""Benchmark: `kinerja evaluate` (national policy → JSONL) against a hand-written script.

Both read the same generated CSV, check the same field types, compute the same outputs
(kuadran predikat, angka kredit, 9-box, the five actions) and write JSONL, in one process,
alternating runs; the ratio is what counts (machines here are noisy). With --memory, peak
RSS of `kinerja evaluate` for 100k and 1M records is measured in child processes.

    python benchmarks/bench_evaluate.py [--records 200000] [--repeat 3] [--memory] [--check]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

COLUMNS = ["nip", "nama", "jenis_asn", "golongan", "jenis_jabatan", "jenjang_fungsional", "unit_kerja",
           "tahun_dalam_pangkat", "rating_hasil_kerja", "rating_perilaku_kerja", "predikat_tahun_lalu",
           "jp_pengembangan", "hukuman_disiplin", "potensial", "bulan_dinilai"]
RATINGS = ["Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"]
PREDIKAT = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"]
GOLONGAN = [f"{g}/{r}" for g in ("I", "II", "III", "IV") for r in "abcd"] + ["IV/e"]
JENJANG = {"Ahli Pertama": Decimal("12.5"), "Ahli Muda": Decimal(25), "Ahli Madya": Decimal("37.5"),
           "Ahli Utama": Decimal(50), "Pemula": Decimal("3.75"), "Terampil": Decimal(5), "Mahir": Decimal("12.5"),
           "Penyelia": Decimal(25)}
JABATAN = ["JPT", "Administrator", "Pengawas", "Pelaksana", "Fungsional"]


def generate(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(n):
            asn = "PNS" if rng.random() < 0.8 else "PPPK"
            jab = rng.choice(JABATAN)
            w.writerow([
                f"19{rng.randint(60, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}20{rng.randint(10, 23)}"
                f"{rng.randint(1, 12):02d}{rng.randint(1, 2)}{i % 1000:03d}",
                f"Pegawai {i}", asn, rng.choice(GOLONGAN) if asn == "PNS" else "", jab,
                rng.choice(list(JENJANG)) if jab == "Fungsional" else "", f"Unit {rng.randint(1, 40)}",
                f"{rng.randint(0, 80) / 10}", rng.choices(RATINGS, (2, 7, 1))[0], rng.choices(RATINGS, (2, 7, 1))[0],
                rng.choice(PREDIKAT + [""]), rng.randint(0, 40),
                rng.choices(["tidak_ada", "ringan", "sedang", "berat"], (90, 5, 3, 2))[0],
                f"{rng.randint(500, 1000) / 10}" if rng.random() < 0.5 else "", rng.randint(1, 12)])


# --- the hand-written baseline -------------------------------------------------------------

KUADRAN = {("Di Atas Ekspektasi", "Di Atas Ekspektasi"): "Sangat Baik"}
for h in RATINGS:
    for p in RATINGS:
        if (h, p) in KUADRAN:
            continue
        if p == "Di Bawah Ekspektasi":
            KUADRAN[(h, p)] = "Sangat Kurang" if h == "Di Bawah Ekspektasi" else "Kurang/Misconduct"
        elif h == "Di Bawah Ekspektasi":
            KUADRAN[(h, p)] = "Butuh Perbaikan"
        else:
            KUADRAN[(h, p)] = "Baik"
PERSEN = dict(zip(PREDIKAT, map(Decimal, (150, 100, 75, 50, 25))))
HEAD = {"Istimewa": "Di Atas Ekspektasi", "Baik": "Sesuai Ekspektasi", "Butuh Perbaikan": "Di Bawah Ekspektasi",
        "Kurang": "Di Bawah Ekspektasi", "Sangat Kurang": "Di Bawah Ekspektasi"}
SUMBU = {"Sangat Baik": "Di Atas Ekspektasi", "Baik": "Sesuai Ekspektasi"}
BOX = {("Di Atas Ekspektasi", "Rendah"): 4, ("Di Atas Ekspektasi", "Menengah"): 7, ("Di Atas Ekspektasi", "Tinggi"): 9,
       ("Sesuai Ekspektasi", "Rendah"): 2, ("Sesuai Ekspektasi", "Menengah"): 5, ("Sesuai Ekspektasi", "Tinggi"): 8,
       ("Di Bawah Ekspektasi", "Rendah"): 1, ("Di Bawah Ekspektasi", "Menengah"): 3,
       ("Di Bawah Ekspektasi", "Tinggi"): 6}


def handwritten(src: Path, dst: Path, info: dict) -> tuple[int, int]:
    ok = bad = 0
    with open(src, newline="", encoding="utf-8-sig") as fh, open(dst, "w", encoding="utf-8") as out:
        for row_no, r in enumerate(csv.DictReader(fh), 1):
            errors = []
            nip = r["nip"].strip()
            if len(nip) != 18 or not nip.isdigit():
                errors.append({"field": "nip", "reason": "a NIP is 18 digits"})
            for f, allowed in (("jenis_asn", ("PNS", "PPPK")), ("jenis_jabatan", JABATAN),
                               ("rating_hasil_kerja", RATINGS), ("rating_perilaku_kerja", RATINGS),
                               ("hukuman_disiplin", ("tidak_ada", "ringan", "sedang", "berat"))):
                if r[f] not in allowed:
                    errors.append({"field": f, "reason": "label not allowed"})
            try:
                tahun = Decimal(r["tahun_dalam_pangkat"])
                jp = Decimal(r["jp_pengembangan"])
                pot = Decimal(r["potensial"]) if r["potensial"] else None
                bulan = Decimal(r["bulan_dinilai"]) if r["bulan_dinilai"] else Decimal(12)
            except ArithmeticError:
                errors.append({"field": "?", "reason": "expected a number"})
            status = (r.get("status_pegawai") or "aktif").strip().lower()  # the cycle (docs/cycle.md)
            if status in ("cltn", "diberhentikan_sementara"):
                ok += 1
                out.write(json.dumps({"row": row_no, "nip": nip, "status": "excluded", "reason": status,
                                      "policy": info}) + "\n")
                continue
            if errors:
                bad += 1
                out.write(json.dumps({"row": row_no, "nip": nip, "status": "error", "errors": errors,
                                      "policy": info}) + "\n")
                continue
            head = (r.get("pimpinan_unit") or "").strip().lower() in ("true", "ya", "1")
            plt = (r.get("plt_plh") or "").strip().lower() in ("true", "ya", "1")
            org = r.get("predikat_organisasi") or None
            pimpinan = HEAD.get(org) if head else None
            hasil = pimpinan if head else r["rating_hasil_kerja"]
            predikat = KUADRAN[(hasil, r["rating_perilaku_kerja"])]
            persen = PERSEN[predikat]
            koef = JENJANG.get(r["jenjang_fungsional"])
            sumbu = SUMBU.get(predikat, "Di Bawah Ekspektasi")
            kat = None if pot is None else ("Tinggi" if pot >= 90 else "Menengah" if pot >= 78 else "Rendah")
            box = BOX[(sumbu, kat)] if kat else None
            ak = None
            if r["jenis_jabatan"] == "Fungsional":
                ak = (koef * persen / 100 * bulan / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
            actions = []
            pns = r["jenis_asn"] == "PNS"
            kp = (pns and r["golongan"] != "IV/e" and tahun >= 4 and predikat in ("Sangat Baik", "Baik")
                  and r["predikat_tahun_lalu"] in ("Sangat Baik", "Baik")
                  and r["hukuman_disiplin"] in ("tidak_ada", "ringan"))
            if kp and r["jenis_jabatan"] == "Pelaksana":  # no pendidikan_terakhir here: ceiling unchecked
                actions.append({"id": "kenaikan-pangkat-reguler", "kind": "promosi", "ijazah_diperiksa": False,
                                "reason": f"{tahun} tahun dalam pangkat {r['golongan']}, predikat {predikat}; "
                                          "batas pangkat menurut ijazah belum diperiksa: pendidikan terakhir kosong"})
            if kp and r["jenis_jabatan"] in ("JPT", "Administrator", "Pengawas"):
                actions.append({"id": "kenaikan-pangkat-pilihan", "kind": "promosi", "masa_jabatan_diperiksa": False,
                                "reason": f"{r['jenis_jabatan']}, {tahun} tahun dalam pangkat {r['golongan']}, "
                                          f"masa dalam jabatan - tahun (belum diperiksa: kosong), predikat {predikat}"})
            if pns and jp < 20:
                actions.append({"id": "pengembangan-kompetensi", "kind": "pelatihan", "kekurangan_jp": str(20 - jp)})
            if predikat in ("Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"):
                actions.append({"id": "pembinaan-kinerja", "kind": "pembinaan"})
            if predikat == "Sangat Kurang":
                actions.append({"id": "sanksi-kinerja" if pns else "evaluasi-perjanjian-kerja", "kind": "sanksi"})
            if box in (7, 8, 9):
                actions.append({"id": "rencana-suksesi", "kind": "talenta"})
            if head:
                actions.append({"id": "pimpinan-unit", "kind": "catatan"})
            if status in ("tugas_belajar", "cpns"):
                actions.append({"id": status, "kind": "catatan"})
            if plt:
                actions.append({"id": "penugasan-plt-plh", "kind": "catatan"})
            if not pns and jp > 24:
                actions.append({"id": "hak-pengembangan-pppk", "kind": "catatan"})
            ok += 1
            out.write(json.dumps({"row": row_no, "nip": nip, "status": "ok", "outputs": {
                "predikat": predikat, "persentase_angka_kredit": str(persen),
                "koefisien_angka_kredit": str(koef) if koef else None, "sumbu_kinerja": sumbu,
                "kotak_talenta": box, "kategori_potensial": kat, "angka_kredit": str(ak) if ak else None,
                "rating_hasil_kerja_pimpinan": pimpinan, "rating_hasil_kerja_akhir": hasil},
                "actions": actions, "policy": info}) + "\n")
    return ok, bad


def kinerja_run(policy, src: Path, dst: Path) -> tuple[int, int]:
    from kinerja.evaluate.evaluator import Evaluator
    from kinerja.records.read import read_records
    from kinerja.report.results import JsonlWriter

    evaluator = Evaluator(policy)
    ok = bad = 0
    with open(dst, "w", encoding="utf-8") as out:
        writer = JsonlWriter(out, evaluator.outputs, evaluator.info)
        for result in evaluator.run(read_records(str(src))):
            writer.write(result)
            if result.ok:
                ok += 1
            else:
                bad += 1
    return ok, bad


def peak_rss_mb(policy_path: str, records: Path, out: Path) -> float:
    code = ("import resource,sys; from kinerja.cli.main import main\n"
            "try: main(['evaluate', sys.argv[1], sys.argv[2], '--format', 'jsonl', '-o', sys.argv[3]])\n"
            "except SystemExit: pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    proc = subprocess.run([sys.executable, "-c", code, policy_path, str(records), str(out)],
                          capture_output=True, text=True, check=False)
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", action="store_true", help="also compare peak RSS for 100k vs 1M records")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()

    from kinerja.cli.common import load_policy
    policy_path = str(Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml")
    policy = load_policy(policy_path)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "pegawai.csv", Path(tmp) / "out.jsonl"
        generate(src, args.records)
        best = {"kinerja": float("inf"), "hand-written": float("inf")}
        for _ in range(args.repeat):
            for name, fn in (("hand-written", lambda: handwritten(src, out, policy.info())),
                             ("kinerja", lambda: kinerja_run(policy, src, out))):
                t0 = time.perf_counter()
                counts = fn()
                best[name] = min(best[name], time.perf_counter() - t0)
        ratio = best["kinerja"] / best["hand-written"]
        print(f"records: {args.records:,} (ok/error {counts[0]}/{counts[1]})")
        for name, secs in best.items():
            print(f"  {name:13s} {secs:7.2f} s  {args.records / secs:10,.0f} records/s")
        print(f"  ratio kinerja / hand-written: {ratio:.2f}x (target ≤ 3.0x)")
        failed |= ratio > 3.0
        if args.memory:
            small, big = Path(tmp) / "100k.csv", Path(tmp) / "1m.csv"
            generate(small, 100_000)
            generate(big, 1_000_000)
            a = peak_rss_mb(policy_path, small, out)
            b = peak_rss_mb(policy_path, big, out)
            print(f"  peak RSS: 100k {a:.0f} MB, 1M {b:.0f} MB, ratio {b / a:.2f}x (target ≤ 1.2x)")
            failed |= b / a > 1.2
    return 1 if (failed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
