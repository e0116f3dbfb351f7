"""The units file (--units), the head of a unit, and status_pegawai: who is appraised at all,
on what, and who counts in the kurva distribusi (SE MenPANRB 3/2023; domain.md §1.1, §1.5, §7)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

NASIONAL = Path(__file__).parents[1] / "policies" / "nasional"
POLICY = NASIONAL / "permenpanrb-6-2022.yaml"
SAMPLE = NASIONAL / "permenpanrb-6-2022.sample.csv"
UNITS = NASIONAL / "permenpanrb-6-2022.units.csv"
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
# Written out here, not read from the policy: the kuadran of PermenPANRB 6/2022 (domain.md §1.4)
# and the head's rating from the predikat organisasi (SE MenPANRB 3/2023, domain.md §7 [U]).
KUADRAN = {(DA, DA): "Sangat Baik", (DA, SE): "Baik", (SE, DA): "Baik", (SE, SE): "Baik",
           (DA, DB): "Kurang/Misconduct", (SE, DB): "Kurang/Misconduct", (DB, DA): "Butuh Perbaikan",
           (DB, SE): "Butuh Perbaikan", (DB, DB): "Sangat Kurang"}
HEAD_RATING = {"Istimewa": DA, "Baik": SE, "Butuh Perbaikan": DB, "Kurang": DB, "Sangat Kurang": DB}


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def record(nip: str, unit: str = "Dinas A", **changes) -> dict:
    base = {"nip": nip, "jenis_asn": "PNS", "golongan": "III/b", "jenis_jabatan": "Pelaksana", "unit_kerja": unit,
            "tahun_dalam_pangkat": "2", "rating_hasil_kerja": SE, "rating_perilaku_kerja": SE,
            "jp_pengembangan": "20", "hukuman_disiplin": "tidak_ada"}
    base.update(changes)
    return base


def nip(i: int) -> str:
    return f"19860926201505{1 + i % 2}{i:03d}"


# --- done when: heads follow their unit, no one else changes, cltn is excluded ----------------


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory, kinerja, write_csv):
    """The generated national sample plus one CLTN record, with and without the shipped units file."""
    tmp = tmp_path_factory.mktemp("units")
    rows = list(csv.DictReader(io.StringIO(SAMPLE.read_text("utf-8"))))
    rows.append({**rows[0], "nip": "199101012015031999", "unit_kerja": "Dinas Sosial", "rating_hasil_kerja": "",
                 "rating_perilaku_kerja": "", "status_pegawai": "cltn"})
    records = write_csv(tmp / "pegawai.csv", rows)
    plain = kinerja("evaluate", POLICY, records, "--format", "jsonl")
    pop = tmp / "pop.json"
    with_units = kinerja("evaluate", POLICY, records, "--format", "jsonl", "--units", UNITS,
                        "--population-output", pop)
    return rows, jsonl(plain.stdout), with_units, json.loads(pop.read_text("utf-8"))


def test_every_head_follows_the_unit_predikat_through_the_kuadran(sample_runs):
    rows, plain, with_units, _ = sample_runs
    units = {r["nip_pimpinan"]: r for r in csv.DictReader(io.StringIO(UNITS.read_text("utf-8")))
             if r["nip_pimpinan"] and not r["periode"]}
    results = jsonl(with_units.stdout)
    assert len(results) == len(rows)
    heads = 0
    for row, before, after in zip(rows, plain, results):
        unit = units.get(row["nip"])
        if unit is None:
            assert after["outputs"]["predikat"] == before["outputs"]["predikat"] if after["status"] == "ok" else True
            assert "pimpinan-unit" not in [a["id"] for a in after.get("actions", [])]
            continue
        heads += 1
        hasil = HEAD_RATING[unit["predikat_organisasi"]]
        assert after["outputs"]["rating_hasil_kerja_akhir"] == hasil
        assert after["outputs"]["predikat"] == KUADRAN[(hasil, row["rating_perilaku_kerja"])]
        [note] = [a for a in after["actions"] if a["id"] == "pimpinan-unit"]
        assert note["unit"] == unit["unit_kerja"]
        assert note["reason"].startswith(f"pimpinan {unit['unit_kerja']}: rating hasil kerja {hasil} dari predikat "
                                         f"kinerja organisasi {unit['predikat_organisasi']}")
    assert heads == 12


def test_a_head_whose_own_rating_differs_is_overridden(sample_runs):
    rows, plain, with_units, _ = sample_runs
    results = jsonl(with_units.stdout)
    # Badan Pengelolaan Keuangan dan Aset Daerah: predikat organisasi Baik, its head rated Di Bawah in the record
    i = next(i for i, r in enumerate(rows) if r["nip"] == "197105021999042201")
    assert rows[i]["rating_hasil_kerja"] == DB
    assert plain[i]["outputs"]["rating_hasil_kerja_akhir"] == DB
    assert results[i]["outputs"]["rating_hasil_kerja_akhir"] == SE


def test_cltn_is_excluded_with_a_reason_and_the_sums_add_up(sample_runs):
    rows, _, with_units, pop = sample_runs
    last = jsonl(with_units.stdout)[-1]
    n = len(rows)
    assert last == {"row": n, "nip": "199101012015031999", "status": "excluded",
                    "reason": "cuti di luar tanggungan negara; tidak dinilai selama cuti (domain.md §7) [U]",
                    "actions": [{"id": "tidak-dinilai-cltn", "kind": "dikecualikan", "label": "Tidak dinilai (CLTN)",
                                 "reason": "cuti di luar tanggungan negara; tidak dinilai selama cuti "
                                           "(domain.md §7) [U]"}],
                    "policy": last["policy"]}
    assert f"records: {n}, ok: {n - 1}, errors: 0, excluded: 1," in with_units.stderr
    assert with_units.exit_code == 0
    assert pop["units"]["file"] == str(UNITS)
    assert [(f["code"], f["line"]) for f in pop["units"]["findings"]] == []
    [sosial] = [o for o in pop["population"] if o["group"] == "Dinas Sosial"]
    staff = sum(1 for r in rows if r["unit_kerja"] == "Dinas Sosial") - 1  # without the CLTN record
    assert sosial["excluded"] == 1 and sosial["valid"] == staff and sum(sosial["counts"].values()) == staff
    assert sosial["org_predikat"] == "Baik"
    for outcome in pop["population"]:
        assert sum(outcome["counts"].values()) == outcome["valid"]


def test_kurva_names_unit_predikat_counts_and_the_failed_limit(sample_runs):
    _, _, with_units, pop = sample_runs
    [perhubungan] = [o for o in pop["population"] if o["group"] == "Dinas Perhubungan"]
    assert perhubungan["org_predikat"] == "Kurang" and perhubungan["status"] == "fail"
    failed = [lim for lim in perhubungan["limits"] if not lim["ok"]]
    assert failed[0]["text"] == "Kurang/Misconduct at least 60%"
    assert "kurva-distribusi: Dinas Perhubungan (predikat organisasi Kurang, 14 records): Kurang/Misconduct at " \
           "least 60%, but Kurang/Misconduct = " in with_units.stderr


# --- status_pegawai -----------------------------------------------------------------------------


@pytest.mark.parametrize("status,expected", [
    ("", "ok"), ("aktif", "ok"), ("cltn", "excluded"), ("diberhentikan_sementara", "excluded"),
    ("tugas_belajar", "ok"), ("cpns", "ok"), ("CLTN", "excluded"), ("cuti", "error"),
], ids=lambda v: v or "missing")
def test_status_pegawai(tmp_path, status, expected, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [record(nip(1), status_pegawai=status)])
    [row] = jsonl(kinerja("evaluate", POLICY, recs, "--format", "jsonl").stdout)
    assert row["status"] == expected


def test_excluded_rows_are_in_every_output_format(tmp_path, kinerja, write_csv):
    rows = [record(nip(1)), record(nip(2), status_pegawai="cltn", rating_hasil_kerja=""), record("123")]
    recs = write_csv(tmp_path / "r.csv", rows)
    out = {}
    for fmt in ("json", "jsonl", "csv", "table"):
        r = kinerja("evaluate", POLICY, recs, "--format", fmt)
        assert r.exit_code == 1 and "records: 3, ok: 1, errors: 1, excluded: 1," in r.stderr
        out[fmt] = r.stdout
    assert [x["status"] for x in json.loads(out["json"])] == ["ok", "excluded", "error"]
    assert [x["status"] for x in jsonl(out["jsonl"])] == ["ok", "excluded", "error"]
    table = list(csv.DictReader(io.StringIO(out["csv"])))
    assert [(x["row"], x["status"]) for x in table] == [("1", "ok"), ("2", "excluded"), ("3", "error")]
    assert table[1]["actions"] == "tidak-dinilai-cltn"
    assert table[1]["errors"].startswith("cuti di luar tanggungan negara")
    lines = out["table"].splitlines()
    # the table for people: EXCLUDED in the actions column, the reason in full on the next line
    assert lines[2].split()[:2] == ["2", nip(2)] and lines[2].endswith("EXCLUDED")
    assert lines[3].strip().startswith("cuti di luar")
    r = kinerja("evaluate", POLICY, recs, "--format", "xlsx", "-o", tmp_path / "h.xlsx")
    from openpyxl import load_workbook
    ws = load_workbook(tmp_path / "h.xlsx")["Hasil"]
    header, *body = ws.iter_rows(values_only=True)
    statuses = [row[header.index("Status")] for row in body]
    assert statuses == ["ok", "excluded", "error"]


def test_an_exclusion_reads_fields_only(tmp_path, kinerja):
    policy = tmp_path / "p.yaml"
    policy.write_text("kinerja: 1\nid: p\nname: P\nversion: '1'\nfields:\n  nip: {type: nip}\n  x: {type: number}\n"
                      "values:\n  y: x * 2\nrules:\n  keluar:\n    kind: dikecualikan\n    when: y > 2\n")
    r = kinerja("validate", policy)
    assert r.exit_code == 1
    assert f"{policy}:13:11: error K302 `y` is computed, but a rule of kind dikecualikan is decided before " \
           "anything is computed" in r.stdout


def test_plt_plh_and_tugas_belajar_are_not_in_the_kurva(tmp_path, kinerja, write_csv):
    rows = [record(nip(i), rating_hasil_kerja=DA, rating_perilaku_kerja=DA) for i in range(1, 4)]
    rows += [record(nip(4), plt_plh="ya"), record(nip(5), status_pegawai="tugas_belajar")]
    recs = write_csv(tmp_path / "r.csv", rows)
    pop = tmp_path / "pop.json"
    r = kinerja("evaluate", POLICY, recs, "--org-predikat", "Dinas A=Istimewa", "--population-output", pop)
    [outcome] = json.loads(pop.read_text())["population"]
    assert (outcome["valid"], outcome["skipped"], outcome["counts"]["Sangat Baik"]) == (3, 2, 3)
    assert "Sangat Baik at most 70%, but Sangat Baik = 3 of 3 (100%)" in r.stderr
    assert "Plt/Plh or skipped 2 not counted" in r.stderr
    plt = jsonl(kinerja("evaluate", POLICY, recs, "--format", "jsonl").stdout)[3]
    assert plt["actions"][0]["reason"] == \
        "SKP sebagai Plt/Plh di Dinas A; tidak dihitung dalam kurva distribusi unit itu"


# --- the units file -----------------------------------------------------------------------------


def test_units_file_findings_and_the_run_goes_on(tmp_path, kinerja, write_csv):
    units = tmp_path / "units.csv"
    units.write_text("unit_kerja,induk,predikat_organisasi,nip_pimpinan\n"
                     "Dinas A,Pemkot,Baik,198609262015051001\n"        # line 2
                     "Pemkot,,Baik,\n"                                    # line 3
                     "Dinas B,Dinas Z,Baik,198609262015051099\n"        # line 4: unknown parent; head not in records
                     "Dinas C,Dinas D,Baik,\n"                            # line 5
                     "Dinas D,Dinas C,Luar Biasa,\n"                      # line 6: cycle; unknown predikat
                     "dinas a,Pemkot,Baik,\n")                            # line 7: twice
    recs = write_csv(tmp_path / "r.csv", [record(nip(1)), record(nip(2), unit="Dinas X"),
                                          record(nip(3), unit="Dinas X")])
    pop = tmp_path / "pop.json"
    r = kinerja("evaluate", POLICY, recs, "--units", units, "--format", "jsonl", "--population-output", pop)
    assert len(r.stdout.splitlines()) == 3
    assert [(f["code"], f["line"]) for f in json.loads(pop.read_text())["units"]["findings"]] == [
        ("K610", 4), ("K611", 5), ("K613", 6), ("K612", 7), ("K614", 2), ("K614", 4), ("K615", 3)]
    err = r.stderr
    assert f'{units}:4:1: error K610 induk "Dinas Z" of Dinas B is not a unit in this file' in err
    assert f"{units}:5:1: error K611 the units form a cycle: Dinas C → Dinas D → Dinas C" in err
    assert f'{units}:6:1: error K613 predikat organisasi "Luar Biasa" of Dinas D is not one of: Istimewa, Baik, ' \
           "Butuh Perbaikan, Kurang, Sangat Kurang" in err
    assert f"{units}:7:1: error K612 unit dinas a is listed twice (first on line 2)" in err
    assert f"{units}:4:1: warning K614 nip_pimpinan 198609262015051099 of Dinas B is not in the records" in err
    assert f'{recs}:3:1: warning K615 unit_kerja "Dinas X" of 2 record(s) (row 2, 3) is not a unit in {units}' in err
    assert r.exit_code == 1


def test_units_file_without_unit_column_is_a_usage_error(tmp_path, kinerja, write_csv):
    units = tmp_path / "units.csv"
    units.write_text("unit,predikat\nDinas A,Baik\n")
    recs = write_csv(tmp_path / "r.csv", [record(nip(1))])
    r = kinerja("evaluate", POLICY, recs, "--units", units)
    assert r.exit_code == 2 and "--units: " in r.stderr and "needs a unit_kerja column" in r.stderr
    r = kinerja("evaluate", POLICY, recs, "--units", tmp_path / "nope.csv")
    assert r.exit_code == 2 and "--units: cannot read" in r.stderr


def test_units_and_org_predikat_together_is_a_usage_error(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [record(nip(1))])
    r = kinerja("evaluate", POLICY, recs, "--units", UNITS, "--org-predikat", "Dinas A=Baik")
    assert r.exit_code == 2 and "--units or with --org-predikat, not both" in r.stderr


def test_rollup_judges_a_parent_on_everyone_below(tmp_path, kinerja, write_csv):
    policy = tmp_path / "p.yaml"
    policy.write_text("kinerja: 1\nid: p\nname: P\nversion: '1'\nextends: permenpanrb-6-2022\n"
                      "population:\n  kurva-distribusi:\n    kind: distribution\n    output: predikat\n"
                      "    group_by: unit_kerja\n    input: org_predikat\n    rollup: true\n"
                      "    limits:\n      Baik:\n        - {label: Baik, max_pct: 70}\n")
    units = tmp_path / "units.csv"
    units.write_text("unit_kerja,induk,predikat_organisasi,nip_pimpinan\nPemkot,,Baik,\n"
                     "Dinas A,Pemkot,Baik,\nDinas B,Pemkot,Baik,\n")
    rows = [record(nip(1)), record(nip(2), unit=" dinas  A", rating_hasil_kerja=DB),
            record(nip(3), unit="Dinas B"), record(nip(4), unit="Dinas B", rating_hasil_kerja=DB)]
    pop = tmp_path / "pop.json"
    kinerja("evaluate", policy, write_csv(tmp_path / "r.csv", rows), "--units", units, "--population-output", pop)
    got = {o["group"]: (o["valid"], o["counts"]["Baik"], o["status"])
           for o in json.loads(pop.read_text())["population"]}
    assert got == {"Dinas A": (2, 1, "pass"), "Pemkot": (4, 2, "pass"), "Dinas B": (2, 1, "pass")}


def test_explain_with_units_names_the_unit_the_head_leads(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [record("197404171999071241", unit="Dinas Kesehatan",
                                                 rating_hasil_kerja=DB, rating_perilaku_kerja=DA)])
    r = kinerja("explain", POLICY, recs, "--units", UNITS, "--row", "1")
    assert r.exit_code == 0, r.output
    assert "Tindak lanjut pimpinan-unit (catatan) BERLAKU: pimpinan Dinas Kesehatan: rating hasil kerja Sesuai " \
           "Ekspektasi dari predikat kinerja organisasi Baik (SE MenPANRB 3/2023 [U])" in r.stdout


def test_compare_with_units_counts_the_excluded_apart(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [record("197404171999071241", unit="Dinas Kesehatan", rating_hasil_kerja=DB),
                                          record(nip(2), unit="Dinas Kesehatan", status_pegawai="cltn")])
    r = kinerja("compare", POLICY, POLICY, recs, "--units", UNITS, "--format", "json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)["summary"]
    assert (summary["records"], summary["valid"], summary["invalid"], summary["excluded"]) == (2, 1, 0, 1)


@pytest.mark.parametrize("golongan,jenis,ok", [
    ("IX", "PPPK", True), ("I", "PPPK", True), ("XVII", "PPPK", True), ("XVIII", "PPPK", False), ("III/b", "PNS", True),
])
def test_pppk_golongan(tmp_path, golongan, jenis, ok, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [record(nip(1), jenis_asn=jenis, golongan=golongan)])
    [row] = jsonl(kinerja("evaluate", POLICY, recs, "--format", "jsonl").stdout)
    assert (row["status"] == "ok") is ok


def test_explain_of_an_excluded_record_says_why(tmp_path, kinerja, write_csv):
    recs = write_csv(tmp_path / "r.csv", [record(nip(1), status_pegawai="cltn", rating_hasil_kerja="")])
    r = kinerja("explain", POLICY, recs, "--row", "1", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[2] == ("The employee is NOT APPRAISED (tidak-dinilai-cltn): cuti di luar tanggungan "
                                        "negara; tidak dinilai selama cuti (domain.md §7) [U]")


def test_compare_lists_a_record_one_policy_excludes(tmp_path, kinerja, write_csv):
    variant = tmp_path / "v.yaml"
    variant.write_text("kinerja: 1\nid: v\nname: V\nversion: '1'\nextends: permenpanrb-6-2022\nrules:\n"
                       "  tidak-dinilai-tugas-belajar:\n    kind: dikecualikan\n"
                       "    when: status_pegawai == \"tugas_belajar\"\n    reason: tugas belajar tidak dinilai\n")
    recs = write_csv(tmp_path / "r.csv", [record(nip(1), status_pegawai="tugas_belajar"), record(nip(2))])
    r = kinerja("compare", POLICY, variant, recs, "--format", "json")
    data = json.loads(r.stdout)
    assert (data["summary"]["valid"], data["summary"]["invalid"], data["summary"]["excluded"]) == (1, 1, 0)
    [entry] = data["invalid"]
    assert entry["a"] is None
    assert entry["b"] == [{"field": "status", "reason": "not appraised: tugas belajar tidak dinilai"}]


def test_coverage_counts_an_exclusion_rule_only_when_it_took_a_record_out(tmp_path, kinerja):
    policy = tmp_path / "p.yaml"
    policy.write_text("kinerja: 1\nid: p\nname: P\nversion: '1'\nfields:\n  nip: {type: nip}\n"
                      "  status: {type: enum, values: [aktif, cltn], default: aktif}\nrules:\n"
                      "  keluar:\n    kind: dikecualikan\n    when: status == \"cltn\"\n"
                      "tests:\n  - name: aktif\n    record: {nip: \"198609262015051001\"}\n    expect: {status: ok}\n")
    r = kinerja("test", policy, "--coverage")
    assert "rule keluar never fired" in r.stdout
    policy.write_text(policy.read_text() + "  - name: cltn\n    record: {nip: \"198609262015051001\", status: cltn}\n"
                      "    expect: {status: excluded, actions: [keluar]}\n")
    r = kinerja("test", policy, "--coverage")
    assert r.exit_code == 0 and "coverage 100% (1/1)" in r.stdout


def test_a_long_chain_of_units_is_checked_in_linear_time(tmp_path, timing):
    from kinerja.records.units import read_units

    def chain(n: int) -> str:
        path = tmp_path / f"u{n}.csv"
        path.write_text("unit_kerja,induk\n" + "".join(f"U{i},U{i + 1}\n" for i in range(n)) + f"U{n},U0\n")
        assert [f.code for f in read_units(str(path)).findings] == ["K611"]  # the chain closes into a circle
        return str(path)

    small, large = chain(3000), chain(30000)
    # 10× the units: linear is ~10×, the quadratic walk was ~100× (best of three each, alternating)
    assert timing.ratio(lambda: read_units(large), lambda: read_units(small)) < 30


def test_an_xlsx_units_file_reports_sheet_rows(tmp_path, kinerja, write_csv):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "Unit"
    ws.append(["Daftar unit kerja 2025"])  # a title block above the header
    ws.append([])
    ws.append(["unit_kerja", "induk", "predikat_organisasi", "nip_pimpinan"])
    ws.append(["Dinas A", "", "Baik", nip(1)])
    ws.append(["Dinas B", "Dinas Q", "Baik", ""])
    wb.save(tmp_path / "units.xlsx")
    recs = write_csv(tmp_path / "r.csv", [record(nip(1))])
    r = kinerja("evaluate", POLICY, recs, "--units", tmp_path / "units.xlsx", "--format", "jsonl")
    assert f'{tmp_path / "units.xlsx"}:5:1: error K610 induk "Dinas Q" of Dinas B is not a unit in this file' \
        in r.stderr
    [row] = [json.loads(line) for line in r.stdout.splitlines()]
    assert row["actions"][0]["id"] == "pimpinan-unit" and row["outputs"]["rating_hasil_kerja_akhir"] == SE
