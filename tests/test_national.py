"""The national policy (PermenPANRB 6/2022), pinned cell by cell and boundary by boundary."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.evaluator import evaluate_record
from kinerja.policy.documents import read_document, resolve

POLICY = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"


@pytest.fixture(scope="module")
def policy():
    compiled, findings = compile_policy(resolve(read_document(str(POLICY))))
    assert findings == []
    return compiled


def record(**changes) -> dict:
    base = {
        "nip": "198609262015051001", "nama": "Budi Santoso", "jenis_asn": "PNS", "golongan": "III/b",
        "jenis_jabatan": "Pelaksana", "jenjang_fungsional": "", "unit_kerja": "Bagian Umum",
        "tahun_dalam_pangkat": "4", "rating_hasil_kerja": SE, "rating_perilaku_kerja": SE,
        "predikat_tahun_lalu": "Baik", "jp_pengembangan": "20", "hukuman_disiplin": "tidak_ada",
        "potensial": "", "bulan_dinilai": "",
    }
    base.update(changes)
    return base


def run(policy, **changes):
    result = evaluate_record(policy, record(**changes))
    assert result.status == "ok", result.errors
    return result


def action_ids(result) -> list[str]:
    return [a["id"] for a in result.actions]


# PermenPANRB 6/2022 kuadran kinerja pegawai (domain.md §1.4): rows hasil kerja, columns perilaku.
KUADRAN = [
    (DA, DA, "Sangat Baik"), (DA, SE, "Baik"), (DA, DB, "Kurang/Misconduct"),
    (SE, DA, "Baik"), (SE, SE, "Baik"), (SE, DB, "Kurang/Misconduct"),
    (DB, DA, "Butuh Perbaikan"), (DB, SE, "Butuh Perbaikan"), (DB, DB, "Sangat Kurang"),
]


@pytest.mark.parametrize("hasil,perilaku,predikat", KUADRAN, ids=[f"{h[:6]}x{p[:6]}" for h, p, _ in KUADRAN])
def test_every_kuadran_cell(policy, hasil, perilaku, predikat):
    assert run(policy, rating_hasil_kerja=hasil, rating_perilaku_kerja=perilaku).outputs["predikat"] == predikat


# Peraturan BKN 3/2023: AK = koefisien × % predikat × bulan/12, half-up to 2 places (domain.md §3.2).
ANGKA_KREDIT = [
    ("Ahli Pertama", DB, DB, "12", "3.13"),    # 12.5 × 25% = 3.125 → 3.13, never 3.12
    ("Ahli Pertama", SE, SE, "2", "2.08"),     # BKN slide example: 2/12 × 100% × 12.5 = 2.0833
    ("Ahli Pertama", DA, DA, "12", "18.75"),
    ("Ahli Muda", SE, SE, "12", "25.00"),
    ("Ahli Madya", DB, SE, "12", "28.13"),     # 37.5 × 75% = 28.125
    ("Ahli Utama", SE, DB, "6", "12.50"),      # 50 × 50% × 6/12
    ("Pemula", DB, DB, "12", "0.94"),          # 3.75 × 25% = 0.9375
    ("Terampil", DA, DA, "1", "0.63"),         # 5 × 150% / 12 = 0.625
    ("Mahir", SE, SE, "12", "12.50"),
    ("Penyelia", DA, DA, "12", "37.50"),
]


@pytest.mark.parametrize("jenjang,hasil,perilaku,bulan,expected", ANGKA_KREDIT,
                         ids=[f"{j}-{b}bln-{e}" for j, _, _, b, e in ANGKA_KREDIT])
def test_angka_kredit_rounding(policy, jenjang, hasil, perilaku, bulan, expected):
    result = run(policy, jenis_jabatan="Fungsional", jenjang_fungsional=jenjang, rating_hasil_kerja=hasil,
                 rating_perilaku_kerja=perilaku, bulan_dinilai=bulan)
    value = result.outputs["angka_kredit"]
    assert isinstance(value, Decimal) and str(value) == expected


def test_angka_kredit_is_empty_outside_fungsional(policy):
    assert run(policy).outputs["angka_kredit"] is None


# PermenPANRB 3/2020 9-box with potensial Tinggi ≥ 90, Menengah ≥ 78 (domain.md §3.3).
@pytest.mark.parametrize("potensial,kategori,kotak", [
    ("77.99", "Rendah", 2), ("78", "Menengah", 5), ("89.99", "Menengah", 5), ("90", "Tinggi", 8),
    ("0", "Rendah", 2), ("100", "Tinggi", 8),
])
def test_talent_box_boundaries(policy, potensial, kategori, kotak):
    out = run(policy, potensial=potensial).outputs
    assert (out["kategori_potensial"], out["kotak_talenta"]) == (kategori, Decimal(kotak))


@pytest.mark.parametrize("hasil,perilaku,kotak", [(DA, DA, 9), (SE, SE, 8), (DB, SE, 6), (SE, DB, 6)])
def test_talent_box_kinerja_axis(policy, hasil, perilaku, kotak):
    out = run(policy, rating_hasil_kerja=hasil, rating_perilaku_kerja=perilaku, potensial="95").outputs
    assert out["kotak_talenta"] == Decimal(kotak)


def test_no_potensial_means_no_box(policy):
    out = run(policy).outputs
    assert out["kotak_talenta"] is None and out["kategori_potensial"] is None


@pytest.mark.parametrize("changes,fires", [
    ({"tahun_dalam_pangkat": "3.99"}, False),
    ({"tahun_dalam_pangkat": "4"}, True),
    ({"hukuman_disiplin": "ringan"}, True),
    ({"hukuman_disiplin": "sedang"}, False),
    ({"hukuman_disiplin": "berat"}, False),
    ({"predikat_tahun_lalu": ""}, False),
    ({"predikat_tahun_lalu": "Butuh Perbaikan"}, False),
    ({"predikat_tahun_lalu": "Sangat Baik"}, True),
    ({"rating_hasil_kerja": DB}, False),
    ({"jenis_asn": "PPPK", "golongan": ""}, False),
    ({"jenis_jabatan": "Fungsional", "jenjang_fungsional": "Ahli Muda"}, False),
    # PP 99/2000 Pasal 6: reguler only for PNS without a struktural or functional post
    ({"jenis_jabatan": "JPT"}, False),
    ({"jenis_jabatan": "Administrator"}, False),
    ({"jenis_jabatan": "Pengawas"}, False),
    ({"golongan": "IV/e"}, False),                                  # the highest pangkat
    # PP 99/2000's ijazah list: below the ijazah ceiling (SLTA III/b, S-1 III/d)
    ({"pendidikan_terakhir": "SMA", "golongan": "III/a"}, True),
    ({"pendidikan_terakhir": "SMA", "golongan": "III/b"}, False),
    ({"pendidikan_terakhir": "S-1", "golongan": "III/c"}, True),
    ({"pendidikan_terakhir": "S-1", "golongan": "III/d"}, False),
    ({"pendidikan_terakhir": "", "golongan": "III/d"}, True),        # unchecked, and said so
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v))
def test_kenaikan_pangkat_reguler_boundaries(policy, changes, fires):
    assert ("kenaikan-pangkat-reguler" in action_ids(run(policy, **changes))) is fires


@pytest.mark.parametrize("changes,catatan_ijazah,catatan_masa_jabatan", [
    ({"pendidikan_terakhir": "SMA", "golongan": "III/a"}, "di bawah batas ijazah SMA (III/b)", None),
    ({"pendidikan_terakhir": "SMA", "golongan": "III/b"}, "sudah mencapai batas ijazah SMA (III/b)", None),
    ({"pendidikan_terakhir": ""}, "batas pangkat menurut ijazah belum diperiksa: pendidikan terakhir kosong", None),
    ({"jenis_jabatan": "Fungsional", "jenjang_fungsional": "Ahli Muda", "pendidikan_terakhir": "S-1"}, None, None),
    ({"jenis_jabatan": "Pengawas", "tahun_dalam_jabatan": "0.5"}, None, "belum memenuhi"),
    ({"jenis_jabatan": "Pengawas", "tahun_dalam_jabatan": ""}, None, "belum diperiksa: kosong"),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v))
def test_what_the_kp_checks_say(policy, changes, catatan_ijazah, catatan_masa_jabatan):
    out = run(policy, **changes).outputs
    assert (out["catatan_ijazah"], out["catatan_masa_jabatan"]) == (catatan_ijazah, catatan_masa_jabatan)


# PP 99/2000 Pasal 9 ff.: KP pilihan for JPT / Administrator / Pengawas; 1 year in the jabatan.
@pytest.mark.parametrize("changes,fires,checked", [
    ({"jenis_jabatan": "Administrator", "tahun_dalam_jabatan": "1"}, True, True),
    ({"jenis_jabatan": "Administrator", "tahun_dalam_jabatan": "0.99"}, False, None),
    ({"jenis_jabatan": "Pengawas", "tahun_dalam_jabatan": ""}, True, False),
    ({"jenis_jabatan": "JPT", "golongan": "IV/e", "tahun_dalam_jabatan": "3"}, False, None),
    ({"jenis_jabatan": "Pelaksana", "tahun_dalam_jabatan": "3"}, False, None),
    ({"jenis_jabatan": "JPT", "jenis_asn": "PPPK", "golongan": ""}, False, None),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v))
def test_kenaikan_pangkat_pilihan(policy, changes, fires, checked):
    actions = {a["id"]: a for a in run(policy, **changes).actions}
    assert ("kenaikan-pangkat-pilihan" in actions) is fires
    if fires:
        assert actions["kenaikan-pangkat-pilihan"]["masa_jabatan_diperiksa"] is checked


# PP 30/2019 Pasal 56–58 for PNS; PP 49/2018 (perjanjian kerja) for PPPK.
@pytest.mark.parametrize("asn,golongan,expected", [
    ("PNS", "III/b", ["pembinaan-kinerja", "sanksi-kinerja"]),
    ("PPPK", "", ["pembinaan-kinerja", "evaluasi-perjanjian-kerja"]),
])
def test_sangat_kurang_consequence_by_status(policy, asn, golongan, expected):
    result = run(policy, jenis_asn=asn, golongan=golongan, rating_hasil_kerja=DB, rating_perilaku_kerja=DB)
    assert action_ids(result) == expected


@pytest.mark.parametrize("jp,fires,missing", [("19", True, "1"), ("20", False, None), ("0", True, "20")])
def test_pengembangan_kompetensi_boundary(policy, jp, fires, missing):
    result = run(policy, jp_pengembangan=jp)
    actions = {a["id"]: a for a in result.actions}
    assert ("pengembangan-kompetensi" in actions) is fires
    if fires:
        assert str(actions["pengembangan-kompetensi"]["kekurangan_jp"]) == missing


def test_pppk_gets_no_jp_action(policy):
    assert "pengembangan-kompetensi" not in action_ids(run(policy, jenis_asn="PPPK", golongan="", jp_pengembangan="0"))


@pytest.mark.parametrize("hasil,perilaku,expected", [
    (SE, SE, []),
    (DB, SE, ["pembinaan-kinerja"]),
    (SE, DB, ["pembinaan-kinerja"]),
    (DB, DB, ["pembinaan-kinerja", "sanksi-kinerja"]),
])
def test_pembinaan_and_sanksi(policy, hasil, perilaku, expected):
    ids = action_ids(run(policy, rating_hasil_kerja=hasil, rating_perilaku_kerja=perilaku))
    assert [i for i in ids if i in ("pembinaan-kinerja", "sanksi-kinerja")] == expected


@pytest.mark.parametrize("potensial,fires", [("77.99", False), ("78", False), ("90", True)])
def test_rencana_suksesi(policy, potensial, fires):
    ids = action_ids(run(policy, rating_hasil_kerja=DA, rating_perilaku_kerja=DA, potensial=potensial))
    assert ("rencana-suksesi" in ids) is (fires or potensial == "78")  # Di Atas × Menengah is box 7


@pytest.mark.parametrize("changes,field,code", [
    ({"nip": "19860926201505100"}, "nip", "K405"),           # 17 digits
    ({"nip": "19860926201505100X"}, "nip", "K405"),
    ({"rating_hasil_kerja": "Di Atas"}, "rating_hasil_kerja", "K403"),
    ({"tahun_dalam_pangkat": "-1"}, "tahun_dalam_pangkat", "K404"),
    ({"tahun_dalam_pangkat": "NaN"}, "tahun_dalam_pangkat", "K402"),
    ({"jp_pengembangan": "2.5"}, "jp_pengembangan", "K402"),
    ({"unit_kerja": ""}, "unit_kerja", "K401"),
    ({"golongan": ""}, "golongan", "K401"),                  # required for PNS
    ({"jenis_jabatan": "Fungsional"}, "jenjang_fungsional", "K401"),
    ({"jenjang_fungsional": "Ahli Muda"}, "jenjang_fungsional", "K402"),  # only for Fungsional
    ({"potensial": "100.5"}, "potensial", "K404"),
    ({"bulan_dinilai": "13"}, "bulan_dinilai", "K404"),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v))
def test_bad_records_report_field_and_reason(policy, changes, field, code):
    result = evaluate_record(policy, record(**changes))
    assert result.status == "error"
    assert [(e["field"], e["code"]) for e in result.errors] == [(field, code)]


def _csv(rows: list[dict]) -> str:
    cols = list(record())
    lines = [",".join(cols)] + [",".join(r.get(c, "") for c in cols) for r in rows]
    return "\n".join(lines) + "\n"


def test_mixed_file_one_row_per_input_in_order_and_exit_1(tmp_path):
    rows = [record(), record(nip="123"), record(rating_perilaku_kerja="Bagus", unit_kerja=""), record(),
            record(rating_hasil_kerja=DB, rating_perilaku_kerja=DB)]
    path = tmp_path / "pegawai.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl"])
    assert res.exit_code == 1, res.output
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["row"], r["status"]) for r in out] == [(1, "ok"), (2, "error"), (3, "error"), (4, "ok"), (5, "ok")]
    assert [e["field"] for e in out[2]["errors"]] == ["unit_kerja", "rating_perilaku_kerja"] or \
        sorted(e["field"] for e in out[2]["errors"]) == ["rating_perilaku_kerja", "unit_kerja"]
    assert out[1]["errors"][0] == {"field": "nip", "value": "123", "code": "K405",
                                   "reason": "a NIP is 18 digits; this one has 3 characters"}
    assert out[4]["outputs"]["predikat"] == "Sangat Kurang"
    assert out[0]["policy"]["id"] == "permenpanrb-6-2022" and len(out[0]["policy"]["sha256"]) == 64
    assert "records: 5, ok: 3, errors: 2" in res.stderr


def test_semicolon_bom_csv_with_decimal_comma(tmp_path):
    text = _csv([record(tahun_dalam_pangkat="3,99", potensial="89,99")]).replace(",", ";")
    text = text.replace("3;99", "3,99").replace("89;99", "89,99")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    [row] = json.loads(res.stdout)
    assert row["outputs"]["kategori_potensial"] == "Menengah"
    assert "kenaikan-pangkat-reguler" not in [a["id"] for a in row["actions"]]


def test_decimal_outputs_keep_declared_places(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record(jenis_jabatan="Fungsional", jenjang_fungsional="Mahir")) + "\n")
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl"])
    assert '"angka_kredit": 12.50' in res.stdout


@pytest.mark.parametrize("lang,lines", [
    ("id", ["Tabel predikat: rating_hasil_kerja_akhir = Sesuai Ekspektasi, rating_perilaku_kerja = Sesuai Ekspektasi "
            "→ baris 3 → Baik",
            "Rentang nilai kategori_potensial: potensial = 88,40 → Menengah (≥ 78 dan < 90)",
            "  potensial 88,40 perlu +1,60 untuk mencapai Tinggi (≥ 90)",
            "Tindak lanjut kenaikan-pangkat-reguler (promosi) tidak berlaku:",
            "  ✗ `tahun_dalam_pangkat >= kp_min_tahun_dalam_pangkat` tidak terpenuhi "
            "(kp_min_tahun_dalam_pangkat = 4, tahun_dalam_pangkat = 3,5)",
            "    perlu +0,5 untuk mencapai >= 4"]),  # Indonesian prose: decimal comma
    ("en", ["Table predikat: rating_hasil_kerja_akhir = Sesuai Ekspektasi, rating_perilaku_kerja = Sesuai Ekspektasi "
            "→ row 3 → Baik",
            "  potensial 88.40 needs +1.60 to reach Tinggi (≥ 90)",
            "Action kenaikan-pangkat-reguler (promosi) does not apply:",
            "    needs +0.5 to reach >= 4"]),
])
def test_explain_full_path_in_both_languages(tmp_path, lang, lines):
    path = tmp_path / "r.csv"
    path.write_text(_csv([record(tahun_dalam_pangkat="3.5", potensial="88.40")]))
    res = CliRunner().invoke(main, ["explain", str(POLICY), str(path), "--nip", "198609262015051001",
                                    "--lang", lang])
    assert res.exit_code == 0, res.output
    for line in lines:
        assert line in res.stdout.splitlines()


def test_explain_json_and_missing_nip(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(_csv([record()]))
    res = CliRunner().invoke(main, ["explain", str(POLICY), str(path), "--row", "1", "--format", "json"])
    [ex] = json.loads(res.stdout)
    steps = {s["kind"] for s in ex["steps"]}
    assert {"table", "value", "band", "rule"} <= steps, steps
    res = CliRunner().invoke(main, ["explain", str(POLICY), str(path), "--nip", "199999999999999999"])
    assert res.exit_code == 1 and "not found in the records: NIP 199999999999999999" in res.stderr


@pytest.mark.parametrize("args,code,message", [
    (["evaluate", str(POLICY), "nope.csv"], 2, "cannot read nope.csv"),
    (["evaluate", str(POLICY), "x.pdf"], 2, "cannot tell the format"),
    (["evaluate", "no-such-policy", "x.csv"], 2, "policy 'no-such-policy' not found"),
    (["explain", str(POLICY), "x.csv"], 2, "--nip NIP or --row N"),
])
def test_cli_errors_are_one_line(args, code, message):
    res = CliRunner().invoke(main, args)
    assert res.exit_code == code and message in res.stderr and "Traceback" not in res.output


def test_evaluate_with_explain_adds_the_path_to_each_row(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(_csv([record(), record(nip="1")]))
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl", "--explain",
                                    "--lang", "en"])
    ok, bad = [json.loads(line) for line in res.stdout.splitlines()]
    assert "Action pengembangan-kompetensi (pelatihan) does not apply:" in ok["explain"]["text"]
    assert bad["explain"]["text"][2:] == ["The record could not be appraised:",
                                          "  - nip: a NIP is 18 digits; this one has 1 characters"]


def test_explain_flag_needs_a_json_format(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(_csv([record()]))
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--explain", "--format", "csv"])
    assert res.exit_code == 2 and "--explain adds explanations to json or jsonl rows, not to csv" in res.stderr


def test_broken_records_file_says_how_far_it_got(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps([record()])[:-1] + ', {"nip": ')
    res = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 2
    assert res.stderr == "kinerja: invalid JSON in record 2: Expecting value (1 record(s) before it were written)\n"
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 1
