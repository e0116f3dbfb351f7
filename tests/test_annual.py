"""Periods and `evaluate --annual`: a result per period row, one annual result per employee by
the policy's declared rule, angka kredit summed over the periods (Peraturan BKN 3/2023:
koefisien × persentase × bulan/12 per period; domain.md §1.6, §3.2, §7)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

NASIONAL = Path(__file__).parents[1] / "policies" / "nasional"
POLICY = NASIONAL / "permenpanrb-6-2022.yaml"
TRIWULAN = NASIONAL / "permenpanrb-6-2022.triwulan.csv"
UNITS = NASIONAL / "permenpanrb-6-2022.units.csv"
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
NIP = "199001012015032001"


def row(periode: str, nip: str = NIP, **changes) -> dict:
    base = {"nip": nip, "jenis_asn": "PNS", "golongan": "III/b", "jenis_jabatan": "Fungsional",
            "jenjang_fungsional": "Ahli Pertama", "unit_kerja": "Dinas A", "tahun_dalam_pangkat": "1",
            "rating_hasil_kerja": SE, "rating_perilaku_kerja": SE, "jp_pengembangan": "20",
            "hukuman_disiplin": "tidak_ada", "periode": periode}
    base.update(changes)
    return base


@pytest.fixture()
def annual(tmp_path, kinerja, write_csv):
    """`evaluate --annual` of these rows: the result and its JSON lines."""

    def run(rows, *extra):
        r = kinerja("evaluate", POLICY, write_csv(tmp_path / "r.csv", rows), "--annual", "--format", "jsonl", *extra)
        return r, [json.loads(line) for line in r.stdout.splitlines()]

    return run


def test_four_quarters_give_four_results_and_one_annual_with_the_summed_angka_kredit(annual):
    # Ahli Pertama in TW1–TW2, Ahli Muda from TW3: 12.5 × 100% × 3/12 = 3.125 → 3.13 (half-up, 2 places)
    # twice, 25 × 100% × 3/12 = 6.25 twice; the year: 3.13 + 3.13 + 6.25 + 6.25 = 18.76
    rows = [row("TW1"), row("TW2"), row("TW3", jenjang_fungsional="Ahli Muda", golongan="III/c"),
            row("TW4", jenjang_fungsional="Ahli Muda", golongan="III/c")]
    r, out = annual(rows)
    assert r.exit_code == 0, r.output
    assert [(o["row"], o.get("annual", {}).get("periode"), o["outputs"]["angka_kredit"]) for o in out] == [
        (1, None, 3.13), (2, None, 3.13), (3, None, 6.25), (4, None, 6.25), (4, "tahunan", 18.76)]
    year = out[-1]
    assert year["annual"] == {"periode": "tahunan", "periods": ["TW1", "TW2", "TW3", "TW4"], "rows": [1, 2, 3, 4],
                              "basis": "predikat Baik from the last period (TW4); angka_kredit = 3.13 + 3.13 + "
                                       "6.25 + 6.25 = 18.76", "from_periods": ["predikat", "angka_kredit"]}
    assert year["outputs"]["predikat"] == "Baik" and year["outputs"]["koefisien_angka_kredit"] == 25
    assert "records: 4, ok: 4, errors: 0, excluded: 0, annual: 1 (ok: 1, errors: 0, excluded: 0)," in r.stderr


def test_without_annual_a_quarterly_file_is_a_result_per_row(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [row("TW1"), row("TW2")])
    out = kinerja("evaluate", POLICY, recs, "--format", "csv").stdout
    table = list(csv.DictReader(io.StringIO(out)))
    assert [(t["row"], t["angka_kredit"]) for t in table] == [("1", "3.13"), ("2", "3.13")]
    assert "periode" not in table[0]


def test_a_row_with_its_own_bulan_dinilai_keeps_it(annual):
    # a CPNS from the middle of TW3: 2 months, 12.5 × 2/12 = 2.083 → 2.08; TW4 3 months 3.13; the year 5.21
    rows = [row("TW3", status_pegawai="cpns", bulan_dinilai="2"), row("TW4", status_pegawai="cpns")]
    r, out = annual(rows)
    assert [o["outputs"]["angka_kredit"] for o in out] == [2.08, 3.13, 5.21]
    assert out[-1]["annual"]["basis"].endswith("periode TW1, TW2 not in the records (K620)")
    assert "note: 1 employee(s) with a periode missing (K620" in r.stderr and r.exit_code == 0


def test_the_raters_annual_ratings_decide_when_present(annual):
    rows = [row(p) for p in ("TW1", "TW2", "TW3")] + [
        row("TW4", rating_hasil_kerja_tahunan=DA, rating_perilaku_kerja_tahunan=DA)]
    _, out = annual(rows)
    assert [o["outputs"]["predikat"] for o in out] == ["Baik"] * 4 + ["Sangat Baik"]
    assert out[-1]["annual"]["basis"].startswith("predikat from the rater's annual ratings")
    assert out[-1]["outputs"]["angka_kredit"] == 12.52  # 4 × 3.13: the sum, whatever the annual predikat


def test_without_the_last_period_the_most_frequent_predikat(annual):
    rows = [row("TW1", rating_hasil_kerja=DA, rating_perilaku_kerja=DA), row("TW2"), row("TW3")]
    _, out = annual(rows)
    assert out[-1]["outputs"]["predikat"] == "Baik"
    assert out[-1]["annual"]["basis"].startswith("predikat Baik from the most frequent of the periods (2 of 3)")


def test_a_tie_goes_to_the_later_period(annual):
    rows = [row("TW1"), row("TW2", rating_hasil_kerja=DA, rating_perilaku_kerja=DA)]
    _, out = annual(rows)
    assert out[-1]["outputs"]["predikat"] == "Sangat Baik"


@pytest.mark.parametrize("rows,code,reason", [
    ([row("TW1"), row("TW1"), row("TW2")], "K621", "periode given twice: TW1 (rows 1, 2)"),
    ([row("TW1"), row("TW2", rating_hasil_kerja="")], "K406",
     "the annual result needs every period; row(s) with errors: 2 (TW2)"),
    ([row("TW1"), row("")], "K621", "rows without a known periode: (kosong)"),
], ids=["duplicated", "a period with errors", "no periode"])
def test_a_period_problem_is_an_error_on_that_employees_annual_result(rows, code, reason, annual):
    r, out = annual(rows)
    assert r.exit_code == 1
    year = out[-1]
    assert year["status"] == "error" and year["errors"] == [{"code": code, "reason": reason}]
    assert year["annual"]["periode"] == "tahunan"


def test_rows_of_one_nip_must_stand_together(annual):
    other = "199202022016041002"
    rows = [row("TW1"), row("TW1", nip=other), row("TW2")]
    _, out = annual(rows)
    assert [(o["row"], o["nip"], o["status"], "annual" in o) for o in out] == [
        (1, NIP, "ok", False), (1, NIP, "ok", True), (2, other, "ok", False), (2, other, "ok", True),
        (3, NIP, "ok", False), (3, NIP, "error", True)]
    assert out[-1]["errors"][0]["code"] == "K622"
    assert "sort the records by NIP" in out[-1]["errors"][0]["reason"]


def test_an_employee_excluded_all_year_has_an_excluded_annual_result(annual):
    rows = [row(p, status_pegawai="cltn", rating_hasil_kerja="") for p in ("TW1", "TW2", "TW3", "TW4")]
    r, out = annual(rows)
    assert [o["status"] for o in out] == ["excluded"] * 5
    assert "annual: 1 (ok: 0, errors: 0, excluded: 1)" in r.stderr and r.exit_code == 0


def test_an_excluded_quarter_is_not_summed(annual):
    rows = [row("TW1"), row("TW2", status_pegawai="cltn"), row("TW3"), row("TW4")]
    _, out = annual(rows)
    assert out[-1]["outputs"]["angka_kredit"] == 9.39  # 3 × 3.13
    assert out[-1]["annual"]["periods"] == ["TW1", "TW2", "TW3", "TW4"]


def test_annual_needs_a_policy_that_declares_it(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [row("TW1")])
    r = kinerja("evaluate", NASIONAL / "pp-30-2019.yaml", recs, "--annual")
    assert r.exit_code == 2 and "--annual: the policy declares no annual rule (cycle: annual)" in r.stderr


def test_csv_and_table_name_each_rows_period_with_annual(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [row("TW1"), row("TW2")])
    out = kinerja("evaluate", POLICY, recs, "--annual", "--format", "csv").stdout
    table = list(csv.DictReader(io.StringIO(out)))
    assert [(t["row"], t["periode"], t["angka_kredit"]) for t in table] == [
        ("1", "TW1", "3.13"), ("2", "TW2", "3.13"), ("2", "tahunan", "6.26")]
    lines = kinerja("evaluate", POLICY, recs, "--annual", "--format", "table").stdout.splitlines()
    assert lines[0].split()[:3] == ["row", "nip", "periode"]  # the table for people: the period after the NIP
    assert [line.split()[2] for line in lines[1:4]] == ["TW1", "TW2", "tahunan"]


def test_the_shipped_quarterly_sample_with_units(tmp_path, kinerja):
    pop = tmp_path / "pop.json"
    r = kinerja("evaluate", POLICY, TRIWULAN, "--units", UNITS, "--annual", "--format", "jsonl",
               "--population-output", pop)
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len([o for o in out if "annual" not in o]) == 18 and len([o for o in out if "annual" in o]) == 5
    years = {o["nip"]: o for o in out if "annual" in o}
    assert years["199001012015032001"]["outputs"]["angka_kredit"] == 18.76  # jabatan change mid-year
    assert years["199805052025011003"]["outputs"]["angka_kredit"] == 6.26  # CPNS from TW3
    assert years["198912122014022005"]["outputs"]["predikat"] == "Sangat Baik"  # the rater's annual ratings
    head = [o for o in out if o["nip"] == "197404171999071241"]
    # Dinas Kesehatan is Istimewa in TW3 only: its head is Di Atas there, Sesuai in the other quarters
    assert [o["outputs"]["rating_hasil_kerja_akhir"] for o in head] == [SE, SE, DA, SE, SE]
    kurva = {o.get("periode", ""): o["org_predikat"] for o in json.loads(pop.read_text())["population"]}
    assert kurva == {"TW1": "Baik", "TW2": "Baik", "TW3": "Istimewa", "TW4": "Baik", "": "Baik"}


def test_the_annual_record_takes_the_units_annual_predikat(tmp_path, annual):
    units = tmp_path / "units.csv"
    units.write_text("unit_kerja,induk,predikat_organisasi,nip_pimpinan,periode\n"
                     f"Dinas A,,Istimewa,{NIP},\nDinas A,,Baik,{NIP},TW1\n")
    rows = [row("TW1", jenis_jabatan="Administrator", jenjang_fungsional="")]
    _, out = annual(rows, "--units", units)
    assert [o["outputs"]["rating_hasil_kerja_pimpinan"] for o in out] == [SE, DA]
    # the annual predikat itself follows the declared rule (here: the last period present, none → most frequent)
    assert out[-1]["annual"]["basis"].startswith("predikat Baik from the most frequent")


def test_a_quarter_row_takes_its_periods_months_in_policy_tests_and_compare_too(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [row("TW1")])
    r = kinerja("compare", POLICY, POLICY, recs, "--format", "json", "--by-output", "angka_kredit")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["transitions"]["3.13"]["3.13"] == 1


def test_json_names_the_period_and_fairness_counts_each_employee_once(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [row("TW1"), row("TW2")])
    r = kinerja("evaluate", POLICY, recs, "--annual", "--format", "jsonl", "--fairness", "jenis_kelamin")
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o.get("periode") for o in out] == ["TW1", "TW2", None]
    assert "  P: 0 of 1 (0.0%)" in r.stderr  # one employee (NIP digit 15: 2 = wanita), not three rows


def test_xlsx_marks_the_annual_row(tmp_path, kinerja, write_csv):
    from openpyxl import load_workbook
    recs = write_csv(tmp_path / "r.csv", [row("TW1"), row("TW2")])
    kinerja("evaluate", POLICY, recs, "--annual", "--format", "xlsx", "-o", tmp_path / "h.xlsx")
    header, *body = load_workbook(tmp_path / "h.xlsx")["Hasil"].iter_rows(values_only=True)
    assert [r[header.index("Status")] for r in body] == ["ok", "ok", "ok (tahunan)"]


def test_the_annual_explanation_says_where_the_predikat_came_from(annual):
    # the annual record's own ratings would give Sangat Baik; the year's predikat is the last period's
    rows = [row("TW1"), row("TW2", rating_hasil_kerja=DA, rating_perilaku_kerja=DA)]
    rows[1]["periode"] = "TW4"
    _, out = annual(rows, "--explain")
    text = out[-1]["explain"]["text"]
    assert text[2] == ("Penilaian tahunan dari periode TW1, TW4 (baris 1, 2): predikat Sangat Baik from the last "
                       "period (TW4); angka_kredit = 3.13 + 4.69 = 7.82; periode TW2, TW3 not in the records (K620)")
    assert not any(line.startswith("Tabel predikat:") for line in text)
    assert any(line.startswith("Tabel sumbu_kinerja: predikat = Sangat Baik") for line in text)


def test_a_flood_of_rows_for_one_nip_is_counted_not_held(annual):
    rows = [row("TW1") for _ in range(50)]
    _, out = annual(rows)
    assert len(out) == 51 and out[-1]["status"] == "error"
    assert out[-1]["errors"] == [{"code": "K621", "reason": "50 rows for one employee, more than the 4 periods of "
                                                              "the year twice over"}]
    assert out[-1]["annual"]["rows"] == list(range(1, 9))


def test_annual_rules_fire_on_the_annual_result_only(tmp_path, kinerja, write_csv, annual):
    # a Pelaksana 4 years in pangkat, Baik, 12 JP: KP reguler and the 20 JP shortfall follow from
    # the year's appraisal (cycle.annual_rules), not from each quarter
    rows = [row(p, jenis_jabatan="Pelaksana", jenjang_fungsional="", tahun_dalam_pangkat="4",
                predikat_tahun_lalu="Baik", jp_pengembangan="12") for p in ("TW1", "TW2")]
    _, out = annual(rows)
    assert [[a["id"] for a in o["actions"]] for o in out] == [
        [], [], ["kenaikan-pangkat-reguler", "pengembangan-kompetensi"]]
    recs = write_csv(tmp_path / "one.csv", [{**rows[0], "periode": ""}])
    [plain] = [json.loads(line) for line in kinerja("evaluate", POLICY, recs, "--format", "jsonl").stdout.splitlines()]
    assert [a["id"] for a in plain["actions"]] == ["kenaikan-pangkat-reguler", "pengembangan-kompetensi"]
