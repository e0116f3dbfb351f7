"""The compare HTML for a decision meeting: a one-threshold variant's changed action, with its
counts and the names of who gains and loses, is on the first screen of a real browser; headings are
Indonesian (English with --lang en); fairness looks at the changed action; a long changed list
goes to a CSV beside a page of bounded size."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from click.testing import CliRunner

from kinerja.cli.main import main

POLICY = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
SAMPLE = POLICY.with_name("permenpanrb-6-2022.sample.csv")
VARIANT = """\
kinerja: 1
id: kp-3-tahun
extends: permenpanrb-6-2022
name: Kenaikan pangkat setelah 3 tahun
version: "2"
params:
  kp_min_tahun_dalam_pangkat: 3
"""
# Measures, in the rendered page, where the actions section and its parts are; the result is
# written into the DOM so --dump-dom reads it back (the page's own script is left as it is).
PROBE = """<script>
window.addEventListener('load', function(){
  var out = {};
  document.querySelectorAll('#actions .counts, #actions li[data-row]').forEach(function(el){
    var r = el.getBoundingClientRect();
    var key = el.getAttribute('data-row') || el.closest('[data-action]').getAttribute('data-action') + ':counts';
    out[key] = r.bottom;
  });
  out.viewport = window.innerHeight;
  document.body.setAttribute('data-probe', JSON.stringify(out));
});
</script></body>"""


def compare(tmp_path, *extra) -> tuple[Path, dict]:
    variant = tmp_path / "kp-3-tahun.yaml"
    variant.write_text(VARIANT, encoding="utf-8")
    out = tmp_path / "dampak.html"
    args = ["compare", str(POLICY), str(variant), str(SAMPLE)]
    res = CliRunner().invoke(main, [*args, "--format", "html", "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).stdout)
    return out, data


def test_changed_action_counts_and_names_are_on_the_first_screen(tmp_path, chromium):
    page, data = compare(tmp_path)
    kp = data["actions"]["kenaikan-pangkat-reguler"]
    assert kp["gained"] > 0 and kp["lost"] == 0
    gainers = [e for e in data["changed"] if any(d["name"] == "kenaikan-pangkat-reguler" and d["b"]
                                                  for d in e["differences"])]
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE), encoding="utf-8")
    dom = chromium.dom(probe.as_uri(), "--window-size=1366,768", "--virtual-time-budget=3000")
    [card] = dom.find("div", data_action="kenaikan-pangkat-reguler")
    assert (card["data-gained"], card["data-lost"]) == (str(kp["gained"]), "0")
    assert f"+{kp['gained']}mendapat" in card["_text"].replace(" ", "")
    for person in gainers[:5]:  # names, as written in the records
        assert person["name"] and person["name"] in card["_text"]
    where = json.loads(dom.find("body")[0]["data-probe"])  # bottom edges in CSS pixels, and the window height
    assert where["kenaikan-pangkat-reguler:counts"] <= where["viewport"]  # +N / −N without scrolling
    assert where[str(gainers[0]["row"])] <= where["viewport"]  # and the first names
    assert where[str(gainers[4]["row"])] <= where["viewport"]
    # the screenshot a person would see (kept beside the test's files for a look)
    shot = chromium.screenshot(page.as_uri(), tmp_path / "first-screen.png", window="1366,768")
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"


def test_headings_are_indonesian_or_english(tmp_path):
    page, _ = compare(tmp_path)
    html = page.read_text(encoding="utf-8")
    headings = re.findall(r"<h2>([^<]*)", html)
    assert headings[:3] == ["Ringkasan", "Tindak lanjut yang berubah", "Perpindahan predikat: A (baris) → B (kolom)"]
    page, _ = compare(tmp_path, "--lang", "en")
    headings = re.findall(r"<h2>([^<]*)", page.read_text(encoding="utf-8"))
    assert headings[:3] == ["Summary", "Actions that change", "predikat: A (rows) → B (columns)"]


def test_fairness_defaults_to_the_changed_action(tmp_path, policy_variant):
    _, data = compare(tmp_path)
    # both KP rules read kp_min_tahun_dalam_pangkat (PP 99/2000: reguler and pilihan)
    assert data["fairness"]["favourable"] == "action kenaikan-pangkat-reguler or kenaikan-pangkat-pilihan"
    variant = tmp_path / "pot.yaml"
    variant.write_text(policy_variant("kp-3-tahun", name="Kenaikan pangkat setelah 3 tahun", tinggi_from=85,
                                      menengah_from=70), encoding="utf-8")
    res = CliRunner().invoke(main, ["compare", str(POLICY), str(variant), str(SAMPLE), "--format", "json"])
    assert json.loads(res.stdout)["fairness"]["favourable"] == "action rencana-suksesi"
    res = CliRunner().invoke(main, ["compare", str(POLICY), str(variant), str(SAMPLE), "--format", "json",
                                    "--favourable", "pengembangan-kompetensi"])
    assert json.loads(res.stdout)["fairness"]["favourable"] == "action pengembangan-kompetensi"


def test_text_is_escaped(tmp_path):
    sample = tmp_path / "p.csv"
    text = SAMPLE.read_text(encoding="utf-8").replace("Ayu Maharani", "<script>alert(1)</script>")
    sample.write_text(text, encoding="utf-8")
    variant = tmp_path / "v.yaml"
    variant.write_text(VARIANT, encoding="utf-8")
    out = tmp_path / "x.html"
    CliRunner().invoke(main, ["compare", str(POLICY), str(variant), str(sample), "--format", "html", "-o", str(out)])
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html


def test_a_long_changed_list_goes_to_a_csv_beside_the_page(tmp_path, monkeypatch):
    monkeypatch.setattr("kinerja.report.html.EMBED_ROWS", 3)
    page, data = compare(tmp_path, "--jobs", "1")
    assert data["summary"]["changed"] > 3
    beside = tmp_path / "dampak.changed.csv"
    with open(beside, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["row"]) for r in rows] == [e["row"] for e in data["changed"]]
    text = page.read_text(encoding="utf-8")
    embedded = json.loads(re.search(r'id="kinerja-data">(.*?)</script>', text, re.S).group(1))
    assert len(embedded["changed"]) == 3
    n = data["summary"]["changed"]
    assert f"Pencarian mencakup 3 pertama dari {n}; semua {n} ada di <b>dampak.changed.csv</b>" in text
    assert 'href="dampak.changed.csv"' in text  # on the first screen too, as a link


def test_a_long_changed_list_on_stdout_says_how_to_get_all(tmp_path, monkeypatch):
    monkeypatch.setattr("kinerja.report.html.EMBED_ROWS", 3)
    variant = tmp_path / "v.yaml"
    variant.write_text(VARIANT, encoding="utf-8")
    res = CliRunner().invoke(main, ["compare", str(POLICY), str(variant), str(SAMPLE), "--format", "html"])
    assert res.exit_code == 0
    assert "Pencarian mencakup 3 pertama dari" in res.stdout and "gunakan --format json, atau -o FILE.html" \
        in res.stdout
    assert res.stdout.startswith("<!doctype html>")


def test_text_and_markdown_name_the_changed_employees(tmp_path):
    variant = tmp_path / "v.yaml"
    variant.write_text(VARIANT, encoding="utf-8")
    args = ["compare", str(POLICY), str(variant), str(SAMPLE)]
    first = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).stdout)["changed"][0]
    assert first["name"]  # the sample has a nama column
    text = CliRunner().invoke(main, [*args, "--format", "text"]).stdout
    assert f"  row {first['row']}, nip {first['nip']} ({first['name']})" in text.splitlines()
    markdown = CliRunner().invoke(main, [*args, "--format", "markdown"]).stdout
    assert f"| {first['row']} | {first['nip']} {first['name']} |" in markdown
