"""The shipped policy library: every policy validates, evaluates its sample records without an
error row, and passes its own tests with full coverage of rules, band entries and table rows."""

from __future__ import annotations

import importlib.util
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import Evaluator, evaluate_record
from kinerja.evaluate.population import PopulationRun
from kinerja.policy.documents import read_document, resolve
from kinerja.records.read import read_records
from kinerja.testing import suite as testing
from kinerja.validate import validate_paths

ROOT = Path(__file__).parents[1]
POLICIES = ROOT / "policies"

# policy file, its sample records, the number of records in the sample
SAMPLES = [
    ("nasional/permenpanrb-6-2022.yaml", "nasional/permenpanrb-6-2022.sample.csv", 208),
    ("nasional/pp-46-2011.yaml", "nasional/pp-46-2011.sample.yaml", 22),
    ("nasional/pp-30-2019.yaml", "nasional/pp-30-2019.sample.csv", 26),
    ("agency/surakarta-pengembangan-karier.yaml", "agency/surakarta-pengembangan-karier.sample.csv", 40),
    ("agency/amplas-kompetensi.yaml", "agency/amplas-kompetensi.sample.csv", 40),
    ("agency/lhokseumawe-manajemen-kinerja.yaml", "agency/lhokseumawe-manajemen-kinerja.sample.csv", 50),
    ("agency/palembang-bkpsdm.yaml", "agency/palembang-bkpsdm.sample.yaml", 30),
    ("agency/surakarta-berbasis-capaian.yaml", "agency/surakarta-berbasis-capaian.sample.csv", 40),
]

# policy id → number of tests in its *.test.yaml file
TEST_FILE_COUNTS = {
    "permenpanrb-6-2022": 49,  # + 17 in permenpanrb-6-2022.siklus.test.yaml
    "pp-46-2011": 29,
    "pp-30-2019": 20,
    "surakarta-pengembangan-karier": 27,  # + 6 in its .siklus.test.yaml (the cycle rules it inherits)
    "amplas-kompetensi": 34,  # + 6 in its .siklus.test.yaml (the cycle rules it inherits)
    "lhokseumawe-manajemen-kinerja": 29,  # + 6 in its .siklus.test.yaml (the cycle rules it inherits)
    "palembang-bkpsdm": 27,  # + 6 in its .siklus.test.yaml (the cycle rules it inherits)
    "surakarta-berbasis-capaian": 34,  # + 6 in its .siklus.test.yaml (the cycle rules it inherits)
}


def compiled(path: Path):
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert findings == [], [f"{f.code} {f.file}:{f.line} {f.message}" for f in findings]
    return policy


def test_the_whole_library_validates_without_a_finding():
    result = validate_paths([str(POLICIES)])
    assert [f"{f.code} {f.file}:{f.line} {f.message}" for f in result.findings] == []
    checked = {Path(f).relative_to(POLICIES).as_posix() for f in result.files}
    for policy, _, _ in SAMPLES:
        assert policy in checked
        assert policy.replace(".yaml", ".test.yaml") in checked
    assert not any(name.endswith(".sample.yaml") for name in checked)  # records, not policies


@pytest.mark.parametrize("policy,sample,count", SAMPLES, ids=[s[0].split("/")[1][:-5] for s in SAMPLES])
def test_sample_records_evaluate_without_error_rows(policy, sample, count):
    evaluator = Evaluator(compiled(POLICIES / policy))
    statuses = Counter()
    errors = []
    for result in evaluator.run(read_records(str(POLICIES / sample))):
        statuses[result.status] += 1
        if not result.ok:
            errors.append((result.row, result.errors))
    assert errors == []
    assert statuses == {"ok": count}


def test_sample_through_the_cli():
    runner = CliRunner()
    result = runner.invoke(main, ["evaluate", str(POLICIES / "nasional/permenpanrb-6-2022.yaml"),
                                  str(POLICIES / "nasional/permenpanrb-6-2022.sample.csv"), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 208
    assert "records: 208, ok: 208, errors: 0" in result.stderr


@pytest.fixture(scope="module")
def test_run():
    return testing.run(testing.collect([str(POLICIES)]), coverage=True, explain=False)


def test_every_policy_test_passes_with_full_coverage(test_run):
    assert [f"{f.file}:{f.line} {f.message}" for f in test_run.findings + test_run.missing] == []
    suites = {s.id: s for s in test_run.suites}
    for pid in TEST_FILE_COUNTS:
        suite = suites[pid]
        assert not suite.broken, suite.findings
        failures = [f"{o.name}: {f.text()}" for o in suite.outcomes for f in o.failures]
        assert failures == [], pid
        assert [i.message for i in suite.coverage.uncovered] == [], pid
        assert suite.coverage.percent() == 100


def test_each_policy_has_its_test_file(test_run):
    suites = {s.id: s for s in test_run.suites}
    counts = {pid: sum(1 for t in suites[pid].tests if t.file.endswith(".test.yaml")) for pid in TEST_FILE_COUNTS}
    assert counts == TEST_FILE_COUNTS


def test_national_sample_is_the_generator_output():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "benchmarks" / "make_sample.py")
    make_sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_sample)
    out = io.StringIO()
    make_sample.write(out, make_sample.DEFAULT_N, make_sample.DEFAULT_SEED, cases=True)
    shipped = (POLICIES / "nasional/permenpanrb-6-2022.sample.csv").read_text("utf-8")
    assert out.getvalue() == shipped
    header = shipped.splitlines()[0].split(",")
    assert header == ["nip", "nama", "jenis_asn", "golongan", "jenis_jabatan", "jenjang_fungsional", "unit_kerja",
                      "tahun_dalam_pangkat", "rating_hasil_kerja", "rating_perilaku_kerja", "predikat_tahun_lalu",
                      "jp_pengembangan", "hukuman_disiplin", "potensial", "bulan_dinilai", "pendidikan_terakhir",
                      "tahun_dalam_jabatan"]


def test_generator_is_deterministic_and_nips_are_valid():
    import datetime as dt

    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "benchmarks" / "make_sample.py")
    make_sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_sample)
    first = list(make_sample.generate(500, 7))
    assert first == list(make_sample.generate(500, 7))
    assert len({r["nip"] for r in first}) == 500
    for r in first:
        assert len(r["nip"]) == 18 and r["nip"].isdigit()
        dt.date(int(r["nip"][:4]), int(r["nip"][4:6]), int(r["nip"][6:8]))  # a real birth date
        assert (r["golongan"] == "") == (r["jenis_asn"] == "PPPK")
        assert (r["jenjang_fungsional"] == "") == (r["jenis_jabatan"] != "Fungsional")


def test_lhokseumawe_workshops_per_unit_over_the_sample():
    policy = compiled(POLICIES / "agency/lhokseumawe-manajemen-kinerja.yaml")
    population = PopulationRun([c for c in policy.population if c.kind == "count"])
    evaluator = Evaluator(policy, keep_env=True)
    for result in evaluator.run(read_records(str(POLICIES / "agency/lhokseumawe-manajemen-kinerja.sample.csv"))):
        population.add(result)
    actions = [(o.action["id"], o.group, o.action["count"], o.action["reason"])
               for o in population.finish() if o.status == "action"]
    assert actions == [
        ("workshop-manajerial", "Dinas Pekerjaan Umum dan Penataan Ruang", 4,
         "4 pegawai Dinas Pekerjaan Umum dan Penataan Ruang lemah dalam manajerial"),
        ("workshop-literasi-digital", "RSUD Cut Meutia", 4, "4 pegawai RSUD Cut Meutia lemah dalam literasi digital"),
    ]


QUARTERS = [
    {"triwulan_ke": 1, "target_akurasi": 98, "akurasi_data": 98, "target_ketepatan_waktu": 90, "ketepatan_waktu": 90},
    {"triwulan_ke": 2, "target_akurasi": 98, "akurasi_data": 98, "target_ketepatan_waktu": 90, "ketepatan_waktu": 90},
    {"triwulan_ke": 3, "target_akurasi": 98, "akurasi_data": 98, "target_ketepatan_waktu": 90, "ketepatan_waktu": 99},
    # 100 of 83.33 = 120.0048… → capped at 120
    {"triwulan_ke": 4, "target_akurasi": 98, "akurasi_data": 98, "target_ketepatan_waktu": Decimal("83.33"),
     "ketepatan_waktu": 100},
]
PALEMBANG_RECORD = {
    "nip": "198904162014022003", "jenis_asn": "PNS", "golongan": "III/b", "jenis_jabatan": "Pelaksana",
    "unit_kerja": "Sekretariat", "tahun_dalam_pangkat": 2, "rating_perilaku_kerja": "Sesuai Ekspektasi",
    "jp_pengembangan": 24, "hukuman_disiplin": "tidak_ada",
}


def test_palembang_annual_score_mean_or_last_quarter(tmp_path):
    # quarters 100, 100, 60 + 44 = 104, 60 + 48 = 108: mean 103, last 108
    quarters = QUARTERS
    mean = evaluate_record(compiled(POLICIES / "agency/palembang-bkpsdm.yaml"),
                           {**PALEMBANG_RECORD, "triwulan": [dict(q) for q in quarters]})
    assert mean.outputs["nilai_triwulan"] == (Decimal("100.00"), Decimal("100.00"), Decimal("104.00"),
                                              Decimal("108.00"))
    assert (mean.outputs["nilai_tahunan"], mean.outputs["rating_hasil_kerja"]) == (Decimal("103.00"),
                                                                                   "Di Atas Ekspektasi")
    child = tmp_path / "palembang-triwulan-akhir.yaml"
    child.write_text("kinerja: 1\nid: palembang-triwulan-akhir\nname: Nilai tahunan dari triwulan IV\n"
                     "version: '1'\nextends: palembang-bkpsdm\nparams:\n  pakai_triwulan_terakhir: true\n", "utf-8")
    last = evaluate_record(compiled(child), {**PALEMBANG_RECORD, "triwulan": [dict(q) for q in quarters]})
    assert last.outputs["nilai_triwulan_akhir"] == (None, None, None, Decimal("108.00"))
    assert last.outputs["nilai_tahunan"] == Decimal("108.00")


def test_amplas_rater_weights_are_normalised(tmp_path):
    record = {"nip": "198703172010012004", "jenis_asn": "PNS", "golongan": "III/b", "jenis_jabatan": "Pelaksana",
              "unit_kerja": "Seksi Pelayanan Umum", "tahun_dalam_pangkat": 2,
              "rating_hasil_kerja": "Sesuai Ekspektasi", "rating_perilaku_kerja": "Sesuai Ekspektasi",
              "jp_pengembangan": 24, "hukuman_disiplin": "tidak_ada",
              "nilai_perilaku_diri": Decimal("3.5"), "nilai_perilaku_rekan": 4, "jumlah_penilai_rekan": 3,
              "nilai_perilaku_atasan": 4, "kompetensi_pelayanan_publik": 3, "kompetensi_komunikasi": 2,
              "kompetensi_penyelesaian_masalah": 2}
    child = tmp_path / "amplas-bobot.yaml"
    child.write_text("kinerja: 1\nid: amplas-bobot\nname: Bobot 2/3/5\nversion: '1'\nextends: amplas-kompetensi\n"
                     "params:\n  bobot_penilai_diri: 2\n  bobot_penilai_rekan: 3\n  bobot_penilai_atasan: 5\n",
                     "utf-8")
    # (3.5 × 2 + 4 × 3 + 4 × 5) / 10 = 3.9, the same as 20/30/50
    for policy in (compiled(POLICIES / "agency/amplas-kompetensi.yaml"), compiled(child)):
        assert evaluate_record(policy, record).outputs["nilai_perilaku_360"] == Decimal("3.90")
