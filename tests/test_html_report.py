"""The HTML report of `kinerja compare`, rendered in headless Chromium: self-contained, and every
chart bar, heat cell and fairness ratio drawn equals the JSON output; the search box filters."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main

POLICY = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
CHILD = dict(id="potensial-85", name="Tinggi mulai 85", kp_after=3, tinggi_from=85)
ORG = "Dinas A=Baik,Dinas B=Baik,Dinas C=Butuh Perbaikan"


@pytest.fixture(scope="module")
def report(tmp_path_factory, policy_variant, national_record):
    tmp = tmp_path_factory.mktemp("html")
    (tmp / "child.yaml").write_text(policy_variant(**CHILD), encoding="utf-8")
    (tmp / "records.json").write_text(json.dumps([national_record(i) for i in range(90)]), encoding="utf-8")
    args = ["compare", str(POLICY), str(tmp / "child.yaml"), str(tmp / "records.json"), "--group-by", "unit_kerja",
            "--group-by", "jenis_kelamin", "--org-predikat", ORG]
    runner = CliRunner()
    html = runner.invoke(main, [*args, "--format", "html", "-o", str(tmp / "report.html")])
    assert html.exit_code == 0, html.output
    js = runner.invoke(main, [*args, "--format", "json"])
    assert js.exit_code == 0, js.output
    return tmp / "report.html", json.loads(js.stdout, parse_float=Decimal)


def test_report_is_self_contained(report):
    path, _ = report
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>")
    assert not re.search(r"<link\b|<img\b|<iframe\b|\bsrc\s*=|@import|url\(", text, re.I)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched
    embedded = re.search(r'<script type="application/json" id="kinerja-data">(.*?)</script>', text, re.S)
    assert embedded and "</" not in embedded.group(1)


def test_rendered_charts_match_the_json(report, chromium):
    path, data = report
    dom = chromium.dom(path.as_uri())
    assert dom.find("body")[0]["data-js"] == "ready"  # the inline script ran
    embedded = json.loads(dom.find("script", id="kinerja-data")[0]["_text"])
    assert embedded["summary"] == data["summary"]
    labels, t = data["labels"], data["transitions"]
    # heat table: one cell per (from, to), equal to the transition counts
    cells = {(c["data-from"], c["data-to"]): int(c["data-count"]) for c in dom.find("td") if "data-from" in c}
    assert cells == {(x, y): t[x][y] for x in labels for y in labels}
    assert sum(cells.values()) == data["summary"]["valid"]
    # overall distribution: A = row sums, B = column sums
    bars = {(b["data-variant"], b["data-label"]): int(b["data-count"]) for b in dom.find("rect", data_chart="overall")}
    assert bars == {**{("a", x): sum(t[x].values()) for x in labels},
                    **{("b", y): sum(t[x][y] for x in labels) for y in labels}}
    # per-unit panels against the kurva: counts, status badges and limit verdicts from the population outcomes
    for side, outcomes in data["population"].items():
        for o in outcomes:
            chart = f"{o['check']}:{o['group']}"
            drawn = {b["data-label"]: int(b["data-count"])
                     for b in dom.find("rect", data_chart=chart, data_variant=side)}
            assert drawn == o["counts"]
            panel = dom.find("div", data_check=o["check"], data_group=o["group"])[0]
            shown = {"pass": "terpenuhi", "fail": "tidak terpenuhi", "not_checked": "tidak diperiksa"}[o["status"]]
            assert f"{side.upper()}: {shown}" in panel["_text"]  # Indonesian by default
    assert any(o["status"] == "fail" for o in data["population"]["a"])
    # fairness table: both ratios per group
    for name, table in data["fairness"]["fields"].items():
        for g in table["groups"]:
            [row] = dom.find("tr", data_field=name, data_group=g["group"])
            for side in ("a", "b"):
                want = g[side]["ratio"]
                assert row[f"data-ratio-{side}"] == ("-" if want is None else str(want))
    # the changed list: every changed employee drawn (fewer than the static cap)
    rows = [r for r in dom.find("tr") if "data-row" in r]
    assert [int(r["data-row"]) for r in rows] == [e["row"] for e in data["changed"]]
    assert dom.find("p", id="changed-count")[0]["data-matches"] == str(data["summary"]["changed"])


def test_search_box_filters_the_changed_list(report, chromium):
    path, data = report
    target = data["changed"][3]
    dom = chromium.dom(path.as_uri() + f"#q={target['nip']}")
    rows = [r for r in dom.find("tr") if "data-row" in r]
    assert [int(r["data-row"]) for r in rows] == [target["row"]]
    count = dom.find("p", id="changed-count")[0]
    assert count["data-matches"] == "1"
    assert count["_text"] == f"1 dari {data['summary']['changed']} ditampilkan"  # Indonesian by default
    dom = chromium.dom(path.as_uri() + '#q="Dinas%20B"%20kategori_potensial')
    want = [e["row"] for e in data["changed"] if e["groups"]["unit_kerja"] == "Dinas B"
            and any(d["name"] == "kategori_potensial" for d in e["differences"])]
    assert want and [int(r["data-row"]) for r in dom.find("tr") if "data-row" in r] == want


def test_screenshot_renders(report, chromium, tmp_path):
    path, _ = report
    png = chromium.screenshot(path.as_uri(), tmp_path / "report.png", window="1280,2000")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20000
