"""`kinerja doc`: the policy handbook. The HTML of the national policy is read back and checked
against the policy's own YAML, read here independently (PyYAML, not the renderer's code path):
the kuadran grid, each band, each rule, each param. Hostile text is escaped; the Markdown is
pinned on a small policy; Chromium prints the handbook to a multi-page PDF without cutting
the kuadran."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kinerja import __version__
from kinerja.cli.main import main

ROOT = Path(__file__).parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
AGENCY = ROOT / "policies" / "agency" / "surakarta-berbasis-capaian.yaml"
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"


def text(el) -> str:
    return " ".join(el["_text"].split())


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture(scope="module")
def national(tmp_path_factory, parse_html):
    out = tmp_path_factory.mktemp("doc") / "pedoman.html"
    result = invoke("doc", "permenpanrb-6-2022", "-o", out)
    assert result.exit_code == 0, result.output
    return out, parse_html(out.read_text("utf-8")), yaml.safe_load(NATIONAL.read_text("utf-8"))


def expand(cell) -> list:
    return cell if isinstance(cell, list) else [cell]


def test_kuadran_is_the_familiar_grid(national):
    _, dom, spec = national
    want = {}
    for row in spec["tables"]["predikat"]["rows"]:
        for hasil, perilaku in itertools.product(expand(row[0]), expand(row[1])):
            want[(hasil, perilaku)] = row[2]
    assert len(want) == 9
    [grid] = dom.find("table", class_="grid", data_table="predikat")
    cells = {(c["data-row"], c["data-col"]): text(c) for c in dom.find("td", within=grid)}
    assert cells == want
    # drawn as in the regulation's figure: hasil kerja on the Y axis (Di Atas at the top),
    # perilaku kerja on the X axis (Di Bawah on the left); PermenPANRB 6/2022, domain.md §1.4
    rows = [text(th) for th in dom.find("th", within=grid)]
    assert rows[1:4] == [DB, SE, DA] and rows[4:] == [DA, SE, DB]
    assert [cells[(DA, y)] for y in (DB, SE, DA)] == ["Kurang/Misconduct", "Baik", "Sangat Baik"]


def test_nine_box_grid(national):
    _, dom, spec = national
    want = {(row[0], row[1]): str(row[2]) for row in spec["tables"]["kotak_talenta"]["rows"]}
    [grid] = dom.find("table", class_="grid", data_table="kotak_talenta")
    tds = dom.find("td", within=grid)
    assert {(c["data-row"], c["data-col"]): text(c) for c in tds} == want
    # PermenPANRB 3/2020: 4 7 9 / 2 5 8 / 1 3 6, read row by row (domain.md §3.3)
    assert [text(c) for c in tds] == ["4", "7", "9", "2", "5", "8", "1", "3", "6"]


def test_other_tables_list_every_row(national):
    _, dom, spec = national
    for name in ("persentase_angka_kredit", "koefisien_angka_kredit", "sumbu_kinerja"):
        [table] = dom.find("table", class_="rows", data_table=name)
        drawn = [[text(td) for td in dom.find("td", within=tr)] for tr in dom.find("tr", within=table)
                 if "data-row" in tr]
        # the handbook is Indonesian prose: a decimal comma (12,5), never in the YAML (12.5)
        want = [[str(i), *[", ".join(map(str, expand(c))) for c in row[:-1]], str(row[-1]).replace(".", ",")]
                for i, row in enumerate(spec["tables"][name]["rows"], 1)]
        assert drawn == want, name


def test_each_band_entry_and_bound(national):
    _, dom, spec = national
    for name, band in spec["bands"].items():
        [table] = dom.find("table", class_="band", data_band=name)
        entries = sorted(band["bands"], key=lambda b: b["min"], reverse=True)
        want = []
        for i, b in enumerate(entries):
            upper = f"< {entries[i - 1]['min']}" if i else f"≤ {band['range']['max']}"
            want.append([b["label"], str(b["min"]), upper])
        drawn = [[text(td) for td in dom.find("td", within=tr)] for tr in dom.find("tr", within=table)
                 if "data-label" in tr]
        assert drawn == want


def test_each_rule_in_plain_words(national):
    _, dom, spec = national
    fields = spec["fields"]
    params = spec["params"]
    shown = [r["data-rule"] for r in dom.find("div", class_="rule")]
    assert shown == [rid for rid, r in spec["rules"].items() if r.get("enabled", True)]
    for rid, rule in spec["rules"].items():
        [div] = dom.find("div", class_="rule", data_rule=rid)
        assert rule["label"] in text(div)
        when = expand(rule["when"])
        items = dom.find("li", within=div)
        assert [li["data-condition"] for li in items] == when
        for li, condition in zip(items, when):
            [say] = dom.find("span", within=li, class_="say")
            words = text(say)
            for literal in re.findall(r'"([^"]*)"', condition):
                assert f"“{literal}”" in words, (condition, words)
            for name in re.findall(r"[a-z_][a-z0-9_]*", re.sub(r'"[^"]*"', "", condition)):
                if name in params:
                    assert f"{params[name]} (parameter {name})" in words
                elif name in fields and "label" in fields[name]:
                    assert fields[name]["label"] in words
    [div] = dom.find("div", class_="rule", data_rule="kenaikan-pangkat-reguler")
    [kp] = dom.find("li", within=div, data_condition="tahun_dalam_pangkat >= kp_min_tahun_dalam_pangkat")
    assert text(dom.find("span", within=kp, class_="say")[0]) == \
        "Masa dalam pangkat (tahun) paling sedikit 4 (parameter kp_min_tahun_dalam_pangkat)"
    assert "Pegawai memenuhi syarat tindak lanjut ini apabila semua syarat berikut terpenuhi:" in text(div)


def test_each_param_with_its_source_note(national):
    _, dom, spec = national
    lines = NATIONAL.read_text("utf-8").splitlines()
    rows = dom.find("tr")
    drawn = {tr["data-param"]: tr for tr in rows if "data-param" in tr}
    assert list(drawn) == list(spec["params"])
    for name, value in spec["params"].items():
        tds = dom.find("td", within=drawn[name])
        assert text(tds[1]) == str(value)
        comment = next(line.split("#", 1)[1].strip() for line in lines if line.strip().startswith(name + ":"))
        assert comment in text(tds[2])
        assert bool(dom.find("span", within=tds[2], class_="badge u")) == ("[U]" in comment or "[S/U]" in comment)


def test_params_say_which_rules_use_them(national):
    _, dom, _ = national
    used = {tr["data-param"]: text(dom.find("td", within=tr)[3]) for tr in dom.find("tr") if "data-param" in tr}
    assert used == {"kp_min_tahun_dalam_pangkat": "Memenuhi syarat kenaikan pangkat reguler; "
                                                  "Memenuhi syarat kenaikan pangkat pilihan (jabatan struktural)",
                    "kp_pilihan_min_tahun_dalam_jabatan":
                        "Pemeriksaan masa dalam jabatan (KP pilihan); "
                        "Memenuhi syarat kenaikan pangkat pilihan (jabatan struktural)",
                    "jp_minimal": "Perlu pengembangan kompetensi",
                    "jp_maksimal_pppk": "JP pengembangan PPPK melebihi hak"}


def test_kurva_distribusi_limits(national):
    _, dom, spec = national
    check = spec["population"]["kurva-distribusi"]
    [block] = dom.find("div", class_="block population", data_check="kurva-distribusi")
    drawn = {tr["data-org"]: [text(d) for d in dom.find("div", within=tr)] for tr in dom.find("tr", within=block)
             if "data-org" in tr}
    assert list(drawn) == list(check["limits"])
    words = {"max_pct": "paling banyak {}%", "min_pct": "paling sedikit {}%", "min_count": "paling sedikit {} pegawai"}
    for org, limits in check["limits"].items():
        want = []
        for lim in limits:
            who = lim.get("label") or " atau ".join(lim["any_of"])
            for key, n in lim.items():
                if key == "max_count":
                    assert n == 0
                    want.append(f"tidak boleh ada {who}")
                elif key in words:
                    want.append(f"{who} {words[key].format(n)}")
        assert drawn[org] == want
    assert "Bersifat saran" in text(block)  # severity: advisory


def test_fields_table(national):
    _, dom, spec = national
    rows = {tr["data-field"]: [text(td) for td in dom.find("td", within=tr)]
            for tr in dom.find("tr") if "data-field" in tr}
    assert list(rows) == list(spec["fields"])
    for name, f in spec["fields"].items():
        label, column, _, allowed, required = rows[name]
        assert (label, column) == (f.get("label", name), name)
        for value in f.get("values", []):
            assert value in allowed
        assert required.startswith("wajib" if f.get("required") or f.get("required_when") else "tidak wajib")
    assert rows["potensial"][3] == "0 – 100"
    assert rows["golongan"][4] == "wajib apabila Jenis ASN adalah “PNS”"


def test_identity_sources_and_self_contained(national):
    path, dom, spec = national
    html = path.read_text("utf-8")
    assert html.startswith("<!doctype html>")
    assert not re.search(r"<script\b|<link\b|<img\b|<iframe\b|\bsrc\s*=|@import|url\(", html, re.I)
    assert not re.search(r"https?://", html)
    assert spec["name"] in text(dom.find("h1")[0])
    sources = [text(li) for li in dom.find("li", within=dom.find("ol", class_="sources")[0])]
    assert sources == spec["sources"]
    assert "@page{size:A4" in html and "break-before:page" in html and "break-inside:avoid" in html


def test_agency_handbook_shows_changes_and_weights(tmp_path, parse_html):
    out = tmp_path / "a.html"
    assert invoke("doc", AGENCY, "-o", out).exit_code == 0
    dom = parse_html(out.read_text("utf-8"))
    spec = yaml.safe_load(AGENCY.read_text("utf-8"))
    for name, card in spec["scorecards"].items():
        [table] = dom.find("table", class_="scorecard", data_scorecard=name)
        drawn = {tr["data-indicator"]: text(dom.find("td", within=tr)[1]) for tr in dom.find("tr", within=table)
                 if "data-indicator" in tr}
        assert drawn == {i: str(v["weight"]) for i, v in card["indicators"].items()}
    changes = [[text(td) for td in dom.find("td", within=tr)] for tr in dom.find("tr") if "data-change" in tr]
    assert ["Data pegawai", "rating_hasil_kerja", "dihapus / dinonaktifkan", "Rating hasil kerja", ""] in changes
    assert ["Parameter", "batas_capaian", "ditambahkan", "", "120"] in changes
    inherited = [tr for tr in dom.find("tr") if tr.get("data-field") == "nip"]
    assert "dari permenpanrb-6-2022" in text(inherited[0])


HOSTILE = """\
kinerja: 1
id: jahat
name: "<script>alert('nama')</script>"
agency: "A & B <b>bold</b>"
version: "1 | 2"
sources: ["<img src=x onerror=alert(1)>"]
params:
  batas: 80   # </td><script>alert('catatan')</script>
fields:
  nip: {type: nip, required: true, label: "<script>alert('label')</script>"}
  nilai: {type: number, required: true, label: "Nilai | kolom"}
  unit: {type: enum, values: ["</td><script>x</script>", "B"]}
rules:
  r:
    kind: catatan
    label: "<script>alert('aturan')</script>"
    when: unit == "</td><script>x</script>" and nilai > batas
    reason: "<script>{nilai}</script>"
"""


def test_hostile_text_is_escaped(tmp_path):
    (tmp_path / "jahat.yaml").write_text(HOSTILE, encoding="utf-8")
    html = invoke("doc", tmp_path / "jahat.yaml")
    assert html.exit_code == 0, html.output
    assert "<script" not in html.stdout.lower() and "<img" not in html.stdout and "<b>bold" not in html.stdout
    assert "&lt;script&gt;alert(&#39;nama&#39;)&lt;/script&gt;" in html.stdout
    assert "&lt;/td&gt;&lt;script&gt;alert(&#39;catatan&#39;)" in html.stdout
    md = invoke("doc", tmp_path / "jahat.yaml", "--format", "md")
    assert md.exit_code == 0, md.output
    prose = re.sub(r"(`+).*?\1", "", md.stdout)  # code spans are literal text in Markdown
    assert "<script" not in prose.lower() and "<img" not in prose and "&lt;script&gt;" in prose
    assert "| Nilai \\| kolom | `nilai` |" in md.stdout  # a | in a label does not split the table row


SMALL = """\
kinerja: 1
id: contoh-kecil
name: Contoh kecil
agency: Dinas Contoh
version: "1"
sources:
  - Peraturan Contoh 1/2025
params:
  batas_baik: 80   # Peraturan Contoh Pasal 2 [U]
fields:
  nip: {type: nip, required: true, label: NIP}
  nilai: {type: number, min: 0, max: 100, required: true, label: Nilai kinerja}
  unit: {type: enum, values: [A, B], label: Unit}
bands:
  kategori:
    label: Kategori
    input: nilai
    range: {min: 0, max: 100}
    bands:
      - {min: 80, label: Baik}
      - {min: 0, label: Kurang}
rules:
  penghargaan:
    kind: penghargaan
    label: Penghargaan
    when:
      - nilai >= batas_baik
      - unit in ("A", "B")
    reason: nilai {nilai} mencapai {batas_baik}
  catatan:
    kind: catatan
    label: Catatan
    when: is_missing(unit) or max(nilai, 1) > 90
  lain:
    kind: catatan
    when: nilai > 50 if unit == "A" else nilai > 60
"""

# `\x20\x20` below: Markdown's line break (two trailing spaces), spelled out so no editor strips it
SMALL_MD = """\
# Pedoman Penilaian Kinerja: Contoh kecil

Dinas Contoh\x20\x20
Versi 1

## Identitas kebijakan

| | |
|---|---|
| Kode kebijakan | `contoh-kecil` |
| Versi | 1 |
| Instansi | Dinas Contoh |
| Pembulatan | 2 angka di belakang koma, setengah ke atas |
| Berkas | `kecil.yaml` |
| Sidik jari (sha256) | `SHA` |

### Dasar hukum dan sumber

1. Peraturan Contoh 1/2025

## Data pegawai yang dinilai

Setiap baris data pegawai memuat isian berikut. Isian wajib yang kosong membuat data pegawai itu \
tidak dapat dinilai (dilaporkan, tidak dilewati).

| Isian | Nama kolom | Jenis | Nilai yang diperbolehkan | Wajib |
|---|---|---|---|---|
| NIP | `nip` | NIP (18 digit) |  | **wajib** |
| Nilai kinerja | `nilai` | angka | 0 – 100 | **wajib** |
| Unit | `unit` | pilihan | A; B | tidak wajib |

## Parameter

Angka dan batas yang dipakai aturan. Kebijakan instansi dapat mengganti nilainya.

| Parameter | Nilai | Sumber / catatan | Dipakai oleh |
|---|--:|---|---|
| `batas_baik` | 80 | Peraturan Contoh Pasal 2 \\[U\\] **(belum dipastikan)** | Penghargaan |

> \\[U\\] belum dipastikan dengan naskah peraturan: periksa sebelum ditetapkan.

## Rentang nilai

### Kategori (`kategori`)

Kategori ditentukan dari Nilai kinerja:

| Kategori | Dari (≥) | Sampai |
|---|--:|--:|
| Baik | 80 | ≤ 100 |
| Kurang | 0 | < 80 |

Rentang yang berlaku: 0 s.d. 100

## Tindak lanjut hasil penilaian

### 1. Penghargaan

Jenis: penghargaan · `penghargaan`

Pegawai memenuhi syarat tindak lanjut ini apabila semua syarat berikut terpenuhi:

- Nilai kinerja paling sedikit **80** (parameter `batas_baik`) (rumus: `nilai >= batas_baik`)
- Unit adalah **“A”** atau **“B”** (rumus: `unit in ("A", "B")`)

Alasan yang dicatat: “nilai ⟨Nilai kinerja⟩ mencapai **80**” (⟨…⟩ diisi dengan data pegawai yang bersangkutan)

### 2. Catatan

Jenis: catatan · `catatan`

Pegawai memenuhi syarat tindak lanjut ini apabila:

- Unit kosong (tidak diisi), atau `max(nilai, 1)` lebih dari **90** (rumus: `is_missing(unit) or max(nilai, 1) > 90`)

### 3. lain

Jenis: catatan · `lain`

Pegawai memenuhi syarat tindak lanjut ini apabila:

- rumus: `nilai > 50 if unit == "A" else nilai > 60`

---

Disusun otomatis oleh kinerja VERSION dari berkas kebijakan kecil.yaml. Bila isi pedoman ini berbeda dengan \
berkas kebijakan, yang berlaku adalah berkas kebijakan.
"""


def test_markdown_is_pinned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("kecil.yaml").write_text(SMALL, encoding="utf-8")
    result = invoke("doc", "kecil.yaml", "--format", "md")
    assert result.exit_code == 0, result.output
    sha = re.search(r"`([0-9a-f]{64})`", result.stdout).group(1)
    assert result.stdout == SMALL_MD.replace("SHA", sha).replace("VERSION", __version__)


def test_english(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("kecil.yaml").write_text(SMALL, encoding="utf-8")
    result = invoke("doc", "kecil.yaml", "--format", "md", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Performance Appraisal Handbook: Contoh kecil\n")
    assert "- Nilai kinerja is at least **80** (parameter `batas_baik`) (formula: `nilai >= batas_baik`)\n" \
        in result.stdout
    assert "An employee qualifies for this action when all of the following hold:" in result.stdout


@pytest.mark.parametrize("value,want", [
    ("a|b", "`a\\|b`"), ("x `y` z", "`` x `y` z ``"), ("``", "``` `` ```"), ("a\n  b", "`a b`"),
], ids=["pipe", "backtick", "double-backtick", "newline"])
def test_markdown_code_spans(value, want):
    from kinerja.report.handbook import md_code

    assert md_code(value) == want


@pytest.mark.parametrize("args,code,message", [
    (["doc", "tidak-ada"], 2, "kinerja: policy 'tidak-ada' not found (give a file path or a shipped policy id)\n"),
    (["doc", "."], 2, "kinerja: . is a folder: give one policy file\n"),
    (["doc", "permenpanrb-6-2022", "-o", "no/such/folder/x.html"], 2,
     "kinerja: cannot write no/such/folder/x.html: it does not exist\n"),
], ids=["unknown-id", "folder", "unwritable-output"])
def test_usage_errors(tmp_path, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert (result.exit_code, result.stderr) == (code, message)


def test_policy_with_errors_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("rusak.yaml").write_text(SMALL.replace("nilai >= batas_baik", "nilai >= batas_bai"), encoding="utf-8")
    result = invoke("doc", "rusak.yaml")
    assert result.exit_code == 1 and result.stdout == ""
    assert "K302" in result.stderr and "fix them first" in result.stderr


def test_prints_to_pdf_without_cutting_the_kuadran(national, chromium, tmp_path):
    path, _, _ = national
    pdf = tmp_path / "pedoman.pdf"
    assert chromium.pdf(path.as_uri(), pdf)[:5] == b"%PDF-"
    if not shutil.which("pdftotext"):
        pages = len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
        assert pages > 1
        pytest.skip("no pdftotext (apt-get install poppler-utils): page contents not checked")
    text_of = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages = text_of.stdout.split("\f")
    pages = pages[:-1] if pages and not pages[-1].strip() else pages
    assert len(pages) > 3  # a page per section
    caption = "Predikat kinerja: Rating hasil kerja yang dipakai (baris) × Rating perilaku kerja (kolom)"
    [page] = [p for p in pages if caption in p]
    rows = [re.compile(rf"{DA}\s+Kurang/Misconduct\s+Baik\s+Sangat Baik"),
            re.compile(rf"{SE}\s+Kurang/Misconduct\s+Baik\s+Baik"),
            re.compile(rf"{DB}\s+Sangat Kurang")]  # "Butuh Perbaikan" wraps in its cell
    assert all(r.search(page) for r in rows) and page.count("Perbaikan") >= 2, page
    [page] = [p for p in pages if "Kotak talenta (9-box): Sumbu kinerja" in p]
    assert re.search(r"4\s+7\s+9", page) and re.search(r"2\s+5\s+8", page) and re.search(r"1\s+3\s+6", page)
    assert "PEDOMAN PENILAIAN KINERJA" in pages[0] and "1. Identitas kebijakan" in pages[0]  # the cover
    for heading in ("Data pegawai yang dinilai", "Parameter", "Nilai yang dihitung", "Rentang nilai",
                    "Tabel keputusan", "Tindak lanjut hasil penilaian",
                    "Pemeriksaan per kelompok pegawai"):  # every other section starts a page
        assert any(re.match(rf"\s*\d\. {heading}\n", p) for p in pages), heading
