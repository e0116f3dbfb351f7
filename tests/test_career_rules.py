"""Career-deciding rules against the regulation (issue 11, domain.md §7): who gets which
kenaikan pangkat and which sanction, over generated records; the rater's rating perilaku in
Amplas; the unit outcome and the head of the unit in Surakarta."""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import evaluate_record
from kinerja.policy.documents import read_document, resolve

POLICIES = Path(__file__).parents[1] / "policies"
D = Decimal
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
RATINGS = [DA, SE, DB]
# PermenPANRB 6/2022 kuadran kinerja pegawai (domain.md §1.4), written out independently.
KUADRAN = {(DA, DA): "Sangat Baik", (DA, SE): "Baik", (DA, DB): "Kurang/Misconduct",
           (SE, DA): "Baik", (SE, SE): "Baik", (SE, DB): "Kurang/Misconduct",
           (DB, DA): "Butuh Perbaikan", (DB, SE): "Butuh Perbaikan", (DB, DB): "Sangat Kurang"}


def compiled(relative: str):
    policy, findings = compile_policy(resolve(read_document(str(POLICIES / relative))))
    assert findings == [], [f.message for f in findings]
    return policy


def ids(result) -> list[str]:
    return [a["id"] for a in result.actions]


# --- Amplas: the atasan's rating perilaku is never changed by a self-assessment ----------------

@pytest.fixture(scope="module")
def amplas():
    return compiled("agency/amplas-kompetensi.yaml")


def amplas_record(hasil, perilaku, diri, rekan, atasan, jumlah_rekan=3) -> dict:
    return {"nip": "198609262015051001", "jenis_asn": "PNS", "golongan": "III/a", "jenis_jabatan": "Pelaksana",
            "unit_kerja": "Seksi Pelayanan Umum", "tahun_dalam_pangkat": 2, "rating_hasil_kerja": hasil,
            "rating_perilaku_kerja": perilaku, "jp_pengembangan": 20, "hukuman_disiplin": "tidak_ada",
            "nilai_perilaku_diri": diri, "nilai_perilaku_rekan": rekan, "jumlah_penilai_rekan": jumlah_rekan,
            "nilai_perilaku_atasan": atasan, "kompetensi_pelayanan_publik": 2, "kompetensi_komunikasi": 2,
            "kompetensi_penyelesaian_masalah": 2}


SCORE = st.decimals(min_value=D(1), max_value=D(5), places=2)


@settings(max_examples=150, deadline=None)
@given(hasil=st.sampled_from(RATINGS), perilaku=st.sampled_from(RATINGS), rekan=SCORE, atasan=SCORE,
       selves=st.lists(SCORE, min_size=1, max_size=4))
def test_amplas_self_assessment_never_changes_the_atasan_rating(amplas, hasil, perilaku, rekan, atasan, selves):
    """PermenPANRB 6/2022: the Pejabat Penilai sets the rating perilaku; 360 is feedback."""
    without_self = evaluate_record(amplas, amplas_record(hasil, perilaku, None, rekan, atasan))
    for diri in selves:
        out = evaluate_record(amplas, amplas_record(hasil, perilaku, diri, rekan, atasan)).outputs
        assert out["predikat"] == KUADRAN[(hasil, perilaku)] == without_self.outputs["predikat"]
        # the recommendation: a self-score can lower it, never lift it above peers + atasan
        assert out["nilai_perilaku_360"] <= out["nilai_perilaku_rekan_atasan"]
        high = evaluate_record(amplas, amplas_record(hasil, perilaku, D(5), rekan, atasan)).outputs
        assert out["nilai_perilaku_360"] <= high["nilai_perilaku_360"] == out["nilai_perilaku_rekan_atasan"]


@pytest.mark.parametrize("perilaku,diri,rekan,atasan,rekomendasi,flag", [
    (SE, D(5), D("3.9"), D("3.9"), SE, False),    # the case of the audit: a self-score of 5
    (SE, D(4), D(4), D(4), DA, True),
    (DA, D(4), D(4), D(4), DA, False),
    (DB, D("2.5"), D("2.5"), D("2.5"), DB, False),
], ids=["diri-5", "berbeda", "sama-da", "sama-db"])
def test_amplas_recommendation_beside_the_rating(amplas, perilaku, diri, rekan, atasan, rekomendasi, flag):
    result = evaluate_record(amplas, amplas_record(SE, perilaku, diri, rekan, atasan))
    assert result.outputs["rekomendasi_rating_perilaku"] == rekomendasi
    assert ("rekomendasi-360-berbeda" in ids(result)) is flag


# --- Surakarta: the unit outcome rates the head of the unit, not every member ------------------

@pytest.fixture(scope="module")
def surakarta():
    return compiled("agency/surakarta-berbasis-capaian.yaml")


def dinkes(kepala: bool, realisasi: str, atasan: str | None = SE, unit: str = "Dinas Kesehatan") -> dict:
    record = {"nip": "198611302011012005", "jenis_asn": "PNS", "golongan": "III/b", "jenis_jabatan": "Pelaksana",
              "unit_kerja": unit, "pimpinan_unit": kepala, "tahun_dalam_pangkat": 2,
              "rating_perilaku_kerja": SE, "jp_pengembangan": 24, "hukuman_disiplin": "tidak_ada",
              "target_imunisasi_dasar": 100, "realisasi_imunisasi_dasar": D(realisasi),
              "target_imunisasi_lanjutan": 100, "realisasi_imunisasi_lanjutan": D(realisasi)}
    if atasan:
        record["rating_hasil_kerja_atasan"] = atasan
    return record


# SE MenPANRB 3/2023 / PermenPANRB 6/2022 (domain.md §7): the unit outcome is the head's rating;
# the band reuses PP 30/2019 Pasal 41's 110 / 90 (agency choice).
@pytest.mark.parametrize("kepala,realisasi,atasan,rating,actions", [
    (True, "110", None, DA, []),
    (True, "89.99", None, DB, ["pembinaan-kinerja", "pendampingan-capaian"]),
    (True, "115", None, DA, ["penghargaan-capaian"]),
    (False, "110", SE, SE, []),                 # a member keeps the atasan's rating
    (False, "89.99", SE, SE, []),               # and is not accompanied for the unit's outcome
    (False, "115", DB, DB, ["pembinaan-kinerja"]),
], ids=["kepala-110", "kepala-89.99", "kepala-115", "anggota-110", "anggota-89.99", "anggota-115"])
def test_surakarta_unit_outcome_rates_only_the_head(surakarta, kepala, realisasi, atasan, rating, actions):
    result = evaluate_record(surakarta, dinkes(kepala, realisasi, atasan))
    assert result.status == "ok", result.errors
    assert result.outputs["nilai_capaian"] == D(realisasi).quantize(D("0.01"))  # context for everyone
    assert result.outputs["rating_hasil_kerja"] == rating
    assert [i for i in ids(result) if i not in ("kenaikan-pangkat-reguler",)] == actions


@pytest.mark.parametrize("unit,ok", [("Dinas Kesehatan", True), ("  DINAS kesehatan ", True),
                                     ("Dinas Kesehatan Kota", False), ("Dinkes", False)])
def test_surakarta_units_come_from_the_declared_list(surakarta, unit, ok):
    result = evaluate_record(surakarta, dinkes(False, "100", SE, unit))
    assert result.ok is ok
    if not ok:
        # the unknown unit is named first; its programme fields then do not belong to it either
        assert (result.errors[0]["field"], result.errors[0]["code"]) == ("unit_kerja", "K403")
        assert "Dinas Kesehatan" in result.errors[0]["reason"]


# --- National: generated records over every jabatan, golongan, status, ijazah and Sangat Kurang ---

GOLONGAN = ["I/a", "I/b", "I/c", "I/d", "II/a", "II/b", "II/c", "II/d", "III/a", "III/b", "III/c", "III/d",
            "IV/a", "IV/b", "IV/c", "IV/d", "IV/e"]
JABATAN = ["JPT", "Administrator", "Pengawas", "Pelaksana", "Fungsional"]
PENDIDIKAN = ["SD", "SMP", "SMA", "D-I", "D-II", "D-III", "D-IV", "S-1", "S-2", "S-3", ""]
# PP 99/2000's ijazah list (domain.md §3.1; S-2 and S-3 [S/U]): the highest golongan of KP reguler.
CEILING = {"SD": "II/a", "SMP": "II/c", "SMA": "III/b", "D-I": "III/b", "D-II": "III/b", "D-III": "III/c",
           "D-IV": "III/d", "S-1": "III/d", "S-2": "IV/a", "S-3": "IV/b"}
# Peraturan BKN 3/2023 (domain.md §3.2) and PermenPANRB 3/2020 9-box with JPM 85 = Menengah (§3.3).
PERSEN = {"Sangat Baik": 150, "Baik": 100, "Butuh Perbaikan": 75, "Kurang/Misconduct": 50, "Sangat Kurang": 25}
KOTAK_MENENGAH = {"Sangat Baik": 7, "Baik": 5}


def generated_records():
    for asn, jabatan, golongan, pendidikan, (hasil, perilaku) in itertools.product(
            ["PNS", "PPPK"], JABATAN, GOLONGAN, PENDIDIKAN, [(DB, DB), (SE, SE), (DA, DA), (SE, DB)]):
        if asn == "PPPK" and golongan != "I/a":
            continue  # PPPK have no golongan/ruang: one record per combination of the rest
        yield {"nip": "198609262015051001", "jenis_asn": asn, "golongan": golongan if asn == "PNS" else "",
               "pendidikan_terakhir": pendidikan, "jenis_jabatan": jabatan,
               "jenjang_fungsional": "Ahli Pertama" if jabatan == "Fungsional" else "",
               "unit_kerja": "Dinas Sosial", "tahun_dalam_pangkat": "6", "tahun_dalam_jabatan": "2",
               "rating_hasil_kerja": hasil, "rating_perilaku_kerja": perilaku, "predikat_tahun_lalu": "Baik",
               "jp_pengembangan": "20", "hukuman_disiplin": "tidak_ada", "potensial": "85", "bulan_dinilai": "12"}


def test_generated_national_records_get_the_right_kp_and_sanction():
    policy = compiled("nasional/permenpanrb-6-2022.yaml")
    seen = 0
    for record in generated_records():
        result = evaluate_record(policy, record, keep_env=False)
        assert result.status == "ok", (record, result.errors)
        got, out = set(ids(result)), result.outputs
        asn, jabatan, golongan, pendidikan = (record[k] for k in ("jenis_asn", "jenis_jabatan", "golongan",
                                                                   "pendidikan_terakhir"))
        predikat = KUADRAN[(record["rating_hasil_kerja"], record["rating_perilaku_kerja"])]
        baik = predikat in ("Sangat Baik", "Baik")
        below_ceiling = not pendidikan or not golongan or GOLONGAN.index(golongan) < GOLONGAN.index(CEILING[pendidikan])
        # PP 99/2000 Pasal 6 ff.: reguler only for PNS Pelaksana, below IV/e and the ijazah ceiling
        reguler = asn == "PNS" and jabatan == "Pelaksana" and golongan != "IV/e" and below_ceiling and baik
        pilihan = asn == "PNS" and jabatan in ("JPT", "Administrator", "Pengawas") and golongan != "IV/e" and baik
        assert ("kenaikan-pangkat-reguler" in got) is reguler, record
        assert ("kenaikan-pangkat-pilihan" in got) is pilihan, record
        # PP 30/2019 Pasal 56–58 for PNS; PP 49/2018 for PPPK
        assert ("sanksi-kinerja" in got) is (asn == "PNS" and predikat == "Sangat Kurang"), record
        assert ("evaluasi-perjanjian-kerja" in got) is (asn == "PPPK" and predikat == "Sangat Kurang"), record
        # unchanged: predikat, angka kredit, kotak talenta
        assert out["predikat"] == predikat
        expected_ak = (D("12.5") * PERSEN[predikat] / 100).quantize(D("0.01"), ROUND_HALF_UP) \
            if jabatan == "Fungsional" else None
        assert out["angka_kredit"] == expected_ak
        assert out["kotak_talenta"] == D(KOTAK_MENENGAH.get(predikat, 3))
        seen += 1
    assert seen == 17 * 5 * 11 * 4 + 5 * 11 * 4  # PNS: every golongan; PPPK: none


def test_surakarta_a_misspelt_unit_in_a_child_policy_is_a_finding(tmp_path):
    from kinerja.validate import validate_paths

    child = tmp_path / "surakarta-anak.yaml"
    child.write_text("kinerja: 1\nid: surakarta-anak\nname: Anak\nversion: '1'\nextends: surakarta-berbasis-capaian\n"
                     "rules:\n  cek:\n    kind: catatan\n    when: unit_kerja == \"Dinas Keshatan\"\n    reason: x\n",
                     "utf-8")
    [finding] = validate_paths([str(child)]).findings
    assert (finding.code, finding.line, finding.column) == ("K306", 9, 25)
    assert finding.hint == 'did you mean "Dinas Kesehatan"?'
