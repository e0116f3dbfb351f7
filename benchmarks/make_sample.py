"""Realistic, deterministic employee records for the national policy (PermenPANRB 6/2022).

    python benchmarks/make_sample.py                       # the shipped sample (200 records) to stdout
    python benchmarks/make_sample.py --n 200000 -o big.csv # a benchmark file, same seed
    python benchmarks/make_sample.py --n 500 --seed 7 -o x.csv

The same --n and --seed always give the same bytes (Python's `random.Random` with a fixed seed;
no clock, no environment). The columns are exactly those of the national policy's fields.
policies/nasional/permenpanrb-6-2022.sample.csv is `--n 200 --seed 2024 --cases`: 200 generated
records and the fixed CASES below (issue 11: PPPK with Sangat Kurang, IV/e, the ijazah ceiling,
KP pilihan); tests/test_policy_library.py checks that it still is.

What "realistic" means here (a plausible pemerintah daerah, not statistics of a real one):
NIP = birth date (a real calendar date) + TMT CPNS (year and month, at 19–35 years of age)
+ sex (1 pria, 2 wanita) + a 3-digit number, and the name matches the sex; golongan follows
age and jabatan; jenjang fungsional follows golongan (domain.md §3.2); PPPK have no golongan;
most ratings are Sesuai Ekspektasi, so most predikat are Baik.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys

COLUMNS = ["nip", "nama", "jenis_asn", "golongan", "jenis_jabatan", "jenjang_fungsional", "unit_kerja",
           "tahun_dalam_pangkat", "rating_hasil_kerja", "rating_perilaku_kerja", "predikat_tahun_lalu",
           "jp_pengembangan", "hukuman_disiplin", "potensial", "bulan_dinilai", "pendidikan_terakhir",
           "tahun_dalam_jabatan"]
DEFAULT_N, DEFAULT_SEED = 200, 2024
YEAR = 2024  # the appraisal year

FIRST_M = ["Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Imam", "Joko", "Kurniawan", "Lukman", "Muhammad",
           "Nur", "Rizky", "Slamet", "Teguh", "Wahyu", "Yusuf", "Arief", "Bambang", "Dimas", "Gilang", "Hadi",
           "Irfan", "Rahmat", "Sutrisno", "Taufik", "Zainal", "Andi", "Rudi", "Bayu"]
FIRST_F = ["Ani", "Dewi", "Endang", "Fitri", "Indah", "Kartika", "Lestari", "Maya", "Nining", "Putri", "Rina",
           "Sri", "Tri", "Wulan", "Yuni", "Ayu", "Dian", "Eka", "Hesti", "Intan", "Nurul", "Ratna", "Siti",
           "Utami", "Wahyuni", "Anisa", "Desi", "Fauziah", "Nadia", "Retno"]
LAST_M = ["Santoso", "Wijaya", "Pratama", "Saputra", "Hidayat", "Nugroho", "Setiawan", "Purnomo", "Wibowo",
          "Gunawan", "Permana", "Hakim", "Maulana", "Ramadhan", "Syahputra"]
LAST_F = ["Rahayu", "Susanti", "Handayani", "Fitriani", "Puspitasari", "Wulandari", "Anggraini", "Safitri",
          "Permatasari", "Kurniasih", "Oktaviani", "Maharani", "Novitasari", "Purwanti", "Yuliani"]
LAST_BOTH = ["Kusuma", "Siregar", "Nasution", "Lubis", "Harahap", "Sitompul", "Hasibuan", "Simanjuntak",
             "Marpaung", "Damanik", "Sembiring", "Tarigan", "Ginting", "Pane", "Daulay"]
UNITS = ["Sekretariat Daerah", "Badan Kepegawaian dan Pengembangan SDM", "Dinas Pendidikan", "Dinas Kesehatan",
         "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas Kependudukan dan Pencatatan Sipil",
         "Badan Perencanaan Pembangunan Daerah", "Badan Pengelolaan Keuangan dan Aset Daerah",
         "Dinas Perhubungan", "Dinas Sosial", "Inspektorat", "RSUD"]
# heavier units appear more often (guru and tenaga kesehatan are the largest groups)
UNIT_WEIGHTS = [8, 6, 22, 18, 7, 6, 5, 6, 5, 5, 4, 8]
GOLONGAN = ["I/a", "I/b", "I/c", "I/d", "II/a", "II/b", "II/c", "II/d", "III/a", "III/b", "III/c", "III/d",
            "IV/a", "IV/b", "IV/c", "IV/d", "IV/e"]
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
PREDIKAT = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"]


def _pick(rng: random.Random, weighted: list[tuple[object, int]]):
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


def _birth(rng: random.Random, min_age: int, max_age: int) -> dt.date:
    start = dt.date(YEAR - max_age, 1, 1)
    end = dt.date(YEAR - min_age, 12, 31)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _nip(rng: random.Random, born: dt.date, tmt: tuple[int, int], sex: int, used: set[str]) -> str:
    while True:
        nip = f"{born:%Y%m%d}{tmt[0]:04d}{tmt[1]:02d}{sex}{rng.randrange(1, 1000):03d}"
        if nip not in used:
            used.add(nip)
            return nip


# entry golongan and ceiling by highest ijazah at appointment (PP 99/2000 Pasal 7 ceilings, [NF])
PENDIDIKAN = {"SMA": (4, 9, 19), "D3": (6, 10, 21), "S1": (8, 13, 22), "S2": (9, 14, 25)}  # start, cap, min age


def _career(rng: random.Random, pendidikan: str, service: int) -> tuple[int, float]:
    """(golongan index, years in the current pangkat): a kenaikan pangkat every 4 years or so."""
    start, cap, _ = PENDIDIKAN[pendidikan]
    slack = rng.randint(0, 2)
    steps = min(max(0, (service - slack) // 4), cap - start)
    since = service - slack - 4 * steps if steps else service
    return start + steps, max(0, since) + rng.randint(0, 9) / 10


def _jabatan(rng: random.Random, asn: str, rank: int, service: int) -> str:
    if asn == "PPPK":
        return _pick(rng, [("Fungsional", 85), ("Pelaksana", 15)])
    r = rng.random()
    if rank >= 12 and service >= 15 and r < 0.10:
        return "JPT"
    if rank >= 11 and r < 0.22:
        return "Administrator"
    if rank >= 9 and r < 0.30:
        return "Pengawas"
    return _pick(rng, [("Fungsional", 55), ("Pelaksana", 45)])


def _jenjang(golongan: str, keahlian: bool) -> str:
    if keahlian:
        return {"III/a": "Ahli Pertama", "III/b": "Ahli Pertama", "III/c": "Ahli Muda", "III/d": "Ahli Muda",
                "IV/a": "Ahli Madya", "IV/b": "Ahli Madya", "IV/c": "Ahli Madya"}.get(golongan, "Ahli Utama")
    return {"II/a": "Pemula", "II/b": "Terampil", "II/c": "Terampil", "II/d": "Terampil", "III/a": "Mahir",
            "III/b": "Mahir"}.get(golongan, "Penyelia")


def record(rng: random.Random, used: set[str]) -> dict:
    asn = _pick(rng, [("PNS", 82), ("PPPK", 18)])
    sex = rng.choice([1, 2])
    pendidikan = _pick(rng, [("SMA", 18), ("D3", 20), ("S1", 52), ("S2", 10)])
    born = _birth(rng, PENDIDIKAN[pendidikan][2] + 1, 58)
    entry_age = rng.randint(PENDIDIKAN[pendidikan][2], min(35, YEAR - born.year - 1))
    if asn == "PNS":
        tmt = (born.year + entry_age, rng.randint(1, 12))
    else:  # PPPK were first appointed in 2019 (formasi 2019, 2021-2024)
        tmt = (rng.choice([2019, 2021, 2021, 2022, 2022, 2023, 2024]), rng.choice([2, 3, 4]))
    service = YEAR - tmt[0]
    rank, in_pangkat = _career(rng, pendidikan, service)
    jabatan = _jabatan(rng, asn, rank, service)
    golongan = GOLONGAN[rank] if asn == "PNS" else ""
    jenjang = ""
    if jabatan == "Fungsional":
        keahlian = pendidikan in ("S1", "S2")
        if asn == "PPPK":
            jenjang = "Ahli Pertama" if keahlian else "Terampil"
        else:
            jenjang = _jenjang(golongan, keahlian or rank > 11)  # keterampilan ends at III/d
    if asn == "PPPK":
        in_pangkat = service + rng.randint(0, 9) / 10  # masa perjanjian kerja: PPPK have no pangkat
    first = rng.choice(FIRST_M if sex == 1 else FIRST_F)
    nama = f"{first} {rng.choice((LAST_M if sex == 1 else LAST_F) + LAST_BOTH)}"
    hasil = _pick(rng, [(SE, 74), (DA, 16), (DB, 10)])
    perilaku = _pick(rng, [(SE, 76), (DA, 17), (DB, 7)])
    new = service == 0
    lalu = "" if new else _pick(rng, [("Baik", 78), ("Sangat Baik", 12), ("Butuh Perbaikan", 6),
                                      ("Kurang/Misconduct", 2), ("Sangat Kurang", 2)])
    return {
        "pendidikan_terakhir": {"SMA": "SMA", "D3": "D-III", "S1": "S-1", "S2": "S-2"}[pendidikan],
        "nip": _nip(rng, born, tmt, sex, used),
        "nama": nama,
        "jenis_asn": asn,
        "golongan": golongan,
        "jenis_jabatan": jabatan,
        "jenjang_fungsional": jenjang,
        "unit_kerja": rng.choices(UNITS, UNIT_WEIGHTS)[0],
        "tahun_dalam_pangkat": f"{in_pangkat:.1f}",
        "rating_hasil_kerja": hasil,
        "rating_perilaku_kerja": perilaku,
        "predikat_tahun_lalu": lalu,
        "jp_pengembangan": str(_pick(rng, [(rng.randint(20, 60), 80), (rng.randint(0, 19), 20)])),
        "hukuman_disiplin": _pick(rng, [("tidak_ada", 94), ("ringan", 4), ("sedang", 1.5), ("berat", 0.5)]),
        "potensial": "" if rng.random() < 0.15 else str(rng.randint(55, 98)),
        "bulan_dinilai": str(13 - tmt[1]) if new else ("12" if rng.random() > 0.03 else str(rng.randint(3, 11))),
    }


def _kenaikan_pangkat_fields(rng: random.Random, rec: dict) -> dict:
    """pendidikan_terakhir (sometimes unknown, some S-1 are D-IV) and, for the struktural posts,
    tahun_dalam_jabatan (sometimes unknown). A second random stream, so that adding these
    columns left every other column of the sample unchanged."""
    r = rng.random()
    if r < 0.08:
        rec["pendidikan_terakhir"] = ""
    elif r < 0.12 and rec["pendidikan_terakhir"] == "S-1":
        rec["pendidikan_terakhir"] = "D-IV"
    struktural = rec["jenis_jabatan"] in ("JPT", "Administrator", "Pengawas")
    years = round(rng.uniform(0.5, 8), 1)
    rec["tahun_dalam_jabatan"] = f"{years:.1f}" if struktural and rng.random() > 0.15 else ""
    return rec


def _case(nip, nama, asn, golongan, jabatan, pendidikan, tahun, hasil, perilaku, jabatan_tahun="", **extra):
    rec = {"nip": nip, "nama": nama, "jenis_asn": asn, "golongan": golongan, "jenis_jabatan": jabatan,
           "jenjang_fungsional": "", "unit_kerja": "Badan Kepegawaian dan Pengembangan SDM",
           "tahun_dalam_pangkat": tahun, "rating_hasil_kerja": hasil, "rating_perilaku_kerja": perilaku,
           "predikat_tahun_lalu": "Baik", "jp_pengembangan": "24", "hukuman_disiplin": "tidak_ada",
           "potensial": "", "bulan_dinilai": "12", "pendidikan_terakhir": pendidikan,
           "tahun_dalam_jabatan": jabatan_tahun}
    rec.update(extra)
    return rec


# Fixed cases of issue 11 (domain.md §7), after the generated records of the shipped sample.
CASES = [
    _case("199205172022032001", "Sekar Ayuningtyas", "PPPK", "", "Pelaksana", "SMA", "2.0", DB, DB),
    _case("199008082021032002", "Laila Fitriani", "PPPK", "", "Fungsional", "S-1", "3.0", DB, DB,
          jenjang_fungsional="Ahli Pertama"),
    _case("196402141990031001", "Haryanto Wibowo", "PNS", "IV/e", "Pelaksana", "S-3", "6.0", SE, SE),
    _case("197511032000121002", "Sugeng Riyadi", "PNS", "III/b", "Pelaksana", "SMA", "7.0", SE, SE),
    _case("198207222008011003", "Ahmad Fauzi", "PNS", "III/a", "Pelaksana", "", "4.5", SE, SE),
    _case("197309302001121004", "Dwi Prasetyo", "PNS", "IV/a", "Administrator", "S-2", "5.0", DA, SE, "2.0"),
    _case("198104042006042005", "Maria Ulfa", "PNS", "III/c", "Pengawas", "S-1", "4.2", SE, DA),
    _case("196812121994031006", "Rusdi Hamzah", "PNS", "IV/c", "JPT", "S-2", "3.0", DB, DB, "1.5"),
]


def generate(n: int, seed: int, cases: bool = False):
    rng = random.Random(seed)
    extra = random.Random(seed + 1)
    used: set[str] = set()
    for _ in range(n):
        yield _kenaikan_pangkat_fields(extra, record(rng, used))
    if cases:
        yield from (dict(c) for c in CASES)


def write(out, n: int, seed: int, cases: bool = False) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rec in generate(n, seed, cases):
        writer.writerow(rec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"number of records (default {DEFAULT_N})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--cases", action="store_true", help="append the fixed CASES (the shipped sample does)")
    parser.add_argument("-o", "--output", help="CSV file to write (default: stdout)")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n must be 0 or more")
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            write(fh, args.n, args.seed, args.cases)
    else:
        write(sys.stdout, args.n, args.seed, args.cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
