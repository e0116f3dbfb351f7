"""The legacy national regimes, pinned with exact Decimal values.

pp-46-2011: PP 46/2011 + Perka BKN 1/2013 (domain.md §2.1) — kuantitas RO/TO×100, kualitas
RK/TK×100, waktu and biaya by the 1.76 formula with its efisiensi ≤ 24 / > 24 branches, a
kegiatan not carried out scores 0, SKP 60% + perilaku 40%, sebutan ≥ 91/76/61/51.
pp-30-2019: PP 30/2019 Pasal 41 (domain.md §2.2) — SKP capped at 120, 70/30 or 60/40 with 360,
Sangat Baik from 110 only with an innovation, Baik ≥ 90, Cukup ≥ 70 (Pasal 41(5) huruf c), Kurang ≥ 50 [U].
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.evaluator import evaluate_record
from kinerja.policy.documents import read_document, resolve

NASIONAL = Path(__file__).parents[1] / "policies" / "nasional"
D = Decimal


def compiled(path: Path):
    policy, findings = compile_policy(resolve(read_document(str(path))))
    assert findings == [], [f.message for f in findings]
    return policy


@pytest.fixture(scope="module")
def pp46():
    return compiled(NASIONAL / "pp-46-2011.yaml")


@pytest.fixture(scope="module")
def pp30():
    return compiled(NASIONAL / "pp-30-2019.yaml")


def run(policy, record: dict):
    result = evaluate_record(policy, record)
    assert result.status == "ok", result.errors
    return result


# --- PP 46/2011 ---------------------------------------------------------------------------------

PERILAKU_90 = {"orientasi_pelayanan": 90, "integritas": 90, "komitmen": 90, "disiplin": 90, "kerjasama": 90}


def kegiatan(ro=10, to=10, rk=100, tk=100, rw=12, tw=12, **biaya) -> dict:
    return {"kegiatan": "Menyusun laporan", "target_kuantitas": to, "realisasi_kuantitas": ro,
            "target_kualitas": tk, "realisasi_kualitas": rk, "target_waktu": tw, "realisasi_waktu": rw, **biaya}


def pns46(skp: list[dict], perilaku: dict = PERILAKU_90, **extra) -> dict:
    return {"nip": "197806122003121003", "golongan": "III/c", "jenis_jabatan": "Fungsional Umum",
            "unit_kerja": "Bagian Keuangan", "skp": skp, **perilaku, **extra}


@pytest.mark.parametrize("rw,skor", [
    # efisiensi = 100 − 9.12/12 × 100 = 24 exactly: first formula, (1.76 × 12 − 9.12)/12 × 100 = 100
    (D("9.12"), D("100")),
    # efisiensi 24.083…: second formula, 76 − ((21.12 − 9.11)/12 × 100 − 100) = 75.91666… → 75.92
    (D("9.11"), D("75.92")),
    # efisiensi 25: 76 − (101 − 100) = 75
    (D("9"), D("75")),
    # on time: efisiensi 0, first formula = 76 (Baik)
    (D("12"), D("76")),
    # late: efisiensi −8.33…, first formula (21.12 − 13)/12 × 100 = 67.666… → 67.67
    (D("13"), D("67.67")),
], ids=["efisiensi-24", "efisiensi-24.08", "efisiensi-25", "tepat-waktu", "terlambat"])
def test_pp46_waktu_both_branches(pp46, rw, skor):
    result = run(pp46, pns46([kegiatan(rw=rw)]))
    assert result.outputs["skor_waktu"] == (skor,)


def test_pp46_kegiatan_not_carried_out_scores_zero(pp46):
    # Perka BKN 1/2013: realisasi 0 → the kegiatan scores 0; (0 + 92) / 2 = 46 < 50 → hukuman disiplin
    result = run(pp46, pns46([kegiatan(ro=0, rk=0, rw=0), kegiatan()], {k: 70 for k in PERILAKU_90}))
    out = result.outputs
    assert out["skor_kuantitas"] == (D(0), D(100))
    assert out["skor_kualitas"] == (D(0), D(100))
    assert out["skor_waktu"] == (D(0), D(76))
    assert out["nilai_capaian_kegiatan"] == (D(0), D(92))
    assert out["nilai_skp"] == D("46.00")
    assert out["nilai_prestasi_kerja"] == D("55.60")
    assert out["sebutan"] == "Kurang"
    assert [a["id"] for a in result.actions] == ["pembinaan-prestasi-kerja", "hukuman-disiplin-skp"]


def test_pp46_biaya_present_and_absent(pp46):
    skp = [
        # biaya efisiensi 10 ≤ 24: (17.6 − 9)/10 × 100 = 86; (100 + 100 + 76 + 86)/4 = 90.5
        kegiatan(ro=1, to=1, tw=6, rw=6, target_biaya=10_000_000, realisasi_biaya=9_000_000),
        # biaya efisiensi 30 > 24: 76 − (106 − 100) = 70; (100 + 90 + 76 + 70)/4 = 84
        kegiatan(ro=20, to=20, rk=90, tw=3, rw=3, target_biaya=250_000_000, realisasi_biaya=175_000_000),
        # no biaya: 3 aspects, (100 + 80 + 76)/3 = 85.333… → 85.33
        kegiatan(ro=1, to=1, rk=80, tw=1, rw=1),
    ]
    out = run(pp46, pns46(skp)).outputs
    assert out["skor_biaya"] == (D("86"), D("70"), None)
    assert out["nilai_capaian_kegiatan"] == (D("90.5"), D("84"), D("85.33"))
    assert out["nilai_skp"] == D("86.61")  # 259.83 / 3 = 86.61
    assert out["nilai_prestasi_kerja"] == D("87.97")  # 51.966 + 36 = 87.966


def test_pp46_kepemimpinan_averages_six_aspects_for_struktural(pp46):
    record = pns46([kegiatan()], {**PERILAKU_90, "kepemimpinan": 84}, jenis_jabatan="Struktural")
    assert run(pp46, record).outputs["nilai_perilaku"] == D("89.00")  # 534 / 6


@pytest.mark.parametrize("kerjasama,nilai,sebutan", [
    (91, D("91.00"), "Sangat Baik"),       # SKP 91, perilaku 91
    (D("90.9"), D("90.99"), "Baik"),       # perilaku 90.98: 54.6 + 36.392 = 90.992
], ids=["91", "90.99"])
def test_pp46_sebutan_edge_91(pp46, kerjasama, nilai, sebutan):
    perilaku = {**{k: 91 for k in PERILAKU_90}, "kerjasama": kerjasama}
    out = run(pp46, pns46([kegiatan(rk=97)], perilaku)).outputs  # (100 + 97 + 76)/3 = 91
    assert (out["nilai_skp"], out["nilai_prestasi_kerja"], out["sebutan"]) == (D("91.00"), nilai, sebutan)


@pytest.mark.parametrize("kerjasama,nilai,sebutan", [
    (51, D("51.00"), "Kurang"),            # SKP 51, perilaku 51
    (D("50.9"), D("50.99"), "Buruk"),      # perilaku 50.98: 30.6 + 20.392 = 50.992
], ids=["51", "50.99"])
def test_pp46_sebutan_edge_51(pp46, kerjasama, nilai, sebutan):
    perilaku = {**{k: 51 for k in PERILAKU_90}, "kerjasama": kerjasama}
    out = run(pp46, pns46([kegiatan(ro=4, rk=37)], perilaku)).outputs  # (40 + 37 + 76)/3 = 51
    assert (out["nilai_skp"], out["nilai_prestasi_kerja"], out["sebutan"]) == (D("51.00"), nilai, sebutan)


def _form(x: Decimal) -> Decimal:
    """Half-up to 2 places, as the SKP form shows every column."""
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=150, deadline=None)
@given(tw=st.integers(1, 12), ratio=st.decimals(min_value=D(0), max_value=D("1.5"), places=4))
def test_pp46_waktu_matches_perka_formula(pp46, tw, ratio):
    """Both branches reduce to 176 − 100·R/T (R/T ≥ 0.76) and 100·R/T (R/T < 0.76)."""
    tw = D(tw)
    rw = (tw * ratio).quantize(D("0.01"))
    efisiensi = 100 - rw / tw * 100
    expected = (D("1.76") * tw - rw) / tw * 100 if efisiensi <= 24 else \
        76 - (((D("1.76") * tw - rw) / tw) * 100 - 100)
    reduced = 176 - 100 * rw / tw if rw / tw >= D("0.76") else 100 * rw / tw
    assert _form(expected) == _form(reduced)
    out = run(pp46, pns46([kegiatan(tw=tw, rw=rw)])).outputs
    assert out["skor_waktu"] == (_form(expected),)


# --- PP 30/2019 ---------------------------------------------------------------------------------


def pns30(x, **extra) -> dict:
    """Capaian SKP and every perilaku aspect equal to x: nilai kinerja is x whatever the weights."""
    return {"nip": "199003032015031004", "golongan": "III/a", "jenis_jabatan": "Pelaksana",
            "unit_kerja": "Dinas Perhubungan", "capaian_skp": x, "orientasi_pelayanan": x, "komitmen": x,
            "inisiatif_kerja": x, "kerjasama": x, **extra}


@pytest.mark.parametrize("capaian,nilai_skp", [
    (D("130"), D("120.00")), (D("120.01"), D("120.00")), (D("120"), D("120.00")), (D("119.99"), D("119.99")),
])
def test_pp30_skp_capped_at_120(pp30, capaian, nilai_skp):
    out = run(pp30, pns30(D(100), capaian_skp=capaian)).outputs
    assert out["nilai_skp"] == nilai_skp


def test_pp30_weighting_70_30_by_default(pp30):
    # 0.7 × 110 + 0.3 × 80 = 77 + 24 = 101
    out = run(pp30, pns30(D(80), capaian_skp=D(110))).outputs
    assert (out["bobot_skp"], out["bobot_perilaku"], out["nilai_kinerja"]) == (D(70), D(30), D("101.00"))


def test_pp30_weighting_60_40_with_360(tmp_path):
    child = tmp_path / "instansi-360.yaml"
    child.write_text(
        "kinerja: 1\nid: instansi-360\nname: Instansi dengan penilaian 360\nversion: '1'\n"
        "extends: pp-30-2019\nparams:\n  pakai_360: true\n", "utf-8")
    policy = compiled(child)
    # PP 30/2019 Pasal 41(4): 0.6 × 110 + 0.4 × 80 = 66 + 32 = 98
    out = run(policy, pns30(D(80), capaian_skp=D(110))).outputs
    assert (out["bobot_skp"], out["bobot_perilaku"], out["nilai_kinerja"]) == (D(60), D(40), D("98.00"))


@pytest.mark.parametrize("kerjasama,inovasi,nilai,predikat", [
    (D("110"), True, D("110.00"), "Sangat Baik"),
    (D("109.88"), True, D("109.99"), "Baik"),   # perilaku 109.97: 77 + 32.991 = 109.991
    (D("110"), False, D("110.00"), "Baik"),     # 110 without an innovation stays Baik (Pasal 41(5))
], ids=["110-inovasi", "109.99-inovasi", "110-tanpa-inovasi"])
def test_pp30_sangat_baik_needs_110_and_innovation(pp30, kerjasama, inovasi, nilai, predikat):
    record = pns30(D(110), kerjasama=kerjasama, ada_inovasi=inovasi)
    out = run(pp30, record).outputs
    assert (out["nilai_kinerja"], out["predikat"]) == (nilai, predikat)


@pytest.mark.parametrize("x,predikat", [
    ("120", "Baik"), ("90", "Baik"), ("89.99", "Cukup"), ("70", "Cukup"),
    ("69.99", "Kurang"), ("50", "Kurang"), ("49.99", "Sangat Kurang"), ("0", "Sangat Kurang"),
])
def test_pp30_every_band_edge(pp30, x, predikat):
    out = run(pp30, pns30(D(x))).outputs
    assert out["nilai_kinerja"] == D(x).quantize(D("0.01"))
    assert out["predikat"] == predikat


def test_pp30_sanksi_only_for_sangat_kurang(pp30):
    ids = [a["id"] for a in run(pp30, pns30(D("49.99"))).actions]
    assert ids == ["perbaikan-kinerja", "sanksi-kinerja"]
    assert [a["id"] for a in run(pp30, pns30(D("50"))).actions] == ["perbaikan-kinerja"]


# --- PP 46/2011, issue 11: the sebutan between the table's integers ------------------------------
# Perka BKN 1/2013: 91 ke atas / 76–90 / 61–75 / 51–60 / 50 ke bawah; x.5 falls in no row. The
# policy reads "minimal" (≥ 91/76/61/51) unless a child sets "di_atas" (> 90/75/60/50) [U].

def _sebutan_record(x: str, kualitas: str, kuantitas: int) -> dict:
    # (kuantitas + kualitas + 76) / 3 = x, and every perilaku aspect x: nilai prestasi kerja = x
    return pns46([kegiatan(ro=kuantitas, rk=D(kualitas))], {k: D(x) for k in PERILAKU_90})


GAPS = [("90.5", "95.5", 10, "Baik", "Sangat Baik"), ("75.5", "50.5", 10, "Cukup", "Baik"),
        ("60.5", "45.5", 6, "Kurang", "Cukup"), ("50.5", "35.5", 4, "Buruk", "Kurang")]


def _child(tmp_path, name: str, params: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"kinerja: 1\nid: {name}\nname: {name}\nversion: '1'\nextends: pp-46-2011\n"
                    f"params:\n{params}", "utf-8")
    return compiled(path)


@pytest.mark.parametrize("x,kualitas,kuantitas,minimal,di_atas", GAPS, ids=[g[0] for g in GAPS])
def test_pp46_sebutan_reading_at_every_gap(pp46, tmp_path, x, kualitas, kuantitas, minimal, di_atas):
    record = _sebutan_record(x, kualitas, kuantitas)
    out = run(pp46, record).outputs
    assert (out["nilai_prestasi_kerja"], out["sebutan"]) == (D(x).quantize(D("0.01")), minimal)
    child = _child(tmp_path, "bacaan-di-atas", "  sebutan_antara_bilangan: di_atas\n")
    assert run(child, record).outputs["sebutan"] == di_atas


def test_pp46_unknown_sebutan_reading_fails_every_record(tmp_path):
    child = _child(tmp_path, "bacaan-salah", "  sebutan_antara_bilangan: atas\n")
    result = evaluate_record(child, _sebutan_record("90.5", "95.5", 10))
    assert result.status == "error"
    assert result.errors[0]["name"] == "sebutan" and "-1 falls outside every band" in result.errors[0]["reason"]


# PP 53/2010 [U]: capaian 25% up to and including 50% → sedang, below 25% → berat.
@pytest.mark.parametrize("skp,nilai,tingkat", [
    ([kegiatan(ro=4, rk=D("34.03"))], "50.01", None),
    ([kegiatan(ro=4, rk=34)], "50.00", "sedang"),
    ([kegiatan(ro=0, rk=0, rw=0), kegiatan(ro=4, rk=34)], "25.00", "sedang"),
    ([kegiatan(ro=0, rk=0, rw=0), kegiatan(ro=4, rk=D("33.94"))], "24.99", "berat"),
], ids=["50.01", "50", "25", "24.99"])
def test_pp46_hukuman_disiplin_levels(pp46, skp, nilai, tingkat):
    result = run(pp46, pns46(skp))
    assert (result.outputs["nilai_skp"], result.outputs["tingkat_hukuman_skp"]) == (D(nilai), tingkat)
    assert ("hukuman-disiplin-skp" in [a["id"] for a in result.actions]) is (tingkat is not None)


# PP 99/2000 Pasal 13: jabatan fungsional tertentu after 2 years in pangkat, with the angka kredit.
@pytest.mark.parametrize("extra,fires", [
    ({"tahun_dalam_pangkat": D("1.99")}, False),
    ({"tahun_dalam_pangkat": 2}, True),
    ({"tahun_dalam_pangkat": 2, "angka_kredit_kumulatif": D("99.99"), "angka_kredit_kenaikan_pangkat": 100}, False),
    ({"tahun_dalam_pangkat": 2, "angka_kredit_kumulatif": 100, "angka_kredit_kenaikan_pangkat": 100}, True),
    ({"tahun_dalam_pangkat": 2, "jenis_jabatan": "Fungsional Umum"}, False),
    ({"tahun_dalam_pangkat": 6, "golongan": "IV/e"}, False),
], ids=["ft-1.99", "ft-2", "ft-ak-99.99", "ft-ak-100", "fu-2", "iv-e"])
def test_pp46_kenaikan_pangkat_fungsional_tertentu(pp46, extra, fires):
    record = pns46([kegiatan()], **{"jenis_jabatan": "Fungsional Tertentu", "sebutan_tahun_lalu": "Baik", **extra})
    assert ("unsur-kenaikan-pangkat" in [a["id"] for a in run(pp46, record).actions]) is fires
