"""The HTML report of `kinerja compare`, rendered in headless Chromium: self-contained, and every
chart bar, heat cell and fairness ratio drawn equals the JSON output; the search box filters."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main

POLICY = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
CHILD = """\
kinerja: 1
id: potensial-85
extends: permenpanrb-6-2022
name: Tinggi mulai 85
version: "2"
params:
  kp_min_tahun_dalam_pangkat: 3
bands:
  kategori_potensial:
    input: potensial
    range: {min: 0, max: 100}
    bands:
      - {min: 85, label: Tinggi}
      - {min: 78, label: Menengah}
      - {min: 0, label: Rendah}
"""
ORG = "Dinas A=Baik,Dinas B=Baik,Dinas C=Butuh Perbaikan"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium: install it (apt-get install chromium) to render the HTML report")


def record(i: int) -> dict:
    return {"nip": f"1986092620150{5 + i % 2}{1 + i % 2}{i:03d}", "jenis_asn": "PNS", "golongan": "III/b",
            "jenis_jabatan": ("Pelaksana", "Pengawas")[i % 2], "unit_kerja": ("Dinas A", "Dinas B", "Dinas C")[i % 3],
            "tahun_dalam_pangkat": str(2 + i % 4), "rating_hasil_kerja": (DA, SE, DB)[i % 3],
            "rating_perilaku_kerja": (DA, SE, SE, DB)[i % 4], "predikat_tahun_lalu": "Baik",
            "jp_pengembangan": "20", "hukuman_disiplin": "tidak_ada", "potensial": str(70 + i % 30)}


class Dom(HTMLParser):
    """Elements with their attributes and text, flat, in document order."""

    def __init__(self):
        super().__init__()
        self.elements: list[dict] = []
        self.stack: list[dict] = []

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, **{k: v for k, v in attrs}, "_text": ""}
        self.elements.append(el)
        if tag not in ("input", "meta", "br", "line", "rect", "img"):
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, **{k: v for k, v in attrs}, "_text": ""})

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for el in self.stack:
            el["_text"] += data

    def find(self, tag=None, **attrs) -> list[dict]:
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and all(e.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def dump_dom(browser: str, url: str, tmp_path: Path) -> Dom:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    proc = subprocess.run([browser, *CHROME_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout, proc.stderr[-2000:]
    dom = Dom()
    dom.feed(proc.stdout)
    return dom


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    (tmp / "child.yaml").write_text(CHILD, encoding="utf-8")
    (tmp / "records.json").write_text(json.dumps([record(i) for i in range(90)]), encoding="utf-8")
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


def test_rendered_charts_match_the_json(report, tmp_path):
    path, data = report
    dom = dump_dom(chromium(), path.as_uri(), tmp_path)
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
            drawn = {b["data-label"]: int(b["data-count"]) for b in dom.find("rect", data_chart=chart, data_variant=side)}
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


def test_search_box_filters_the_changed_list(report, tmp_path):
    path, data = report
    target = data["changed"][3]
    dom = dump_dom(chromium(), path.as_uri() + f"#q={target['nip']}", tmp_path)
    rows = [r for r in dom.find("tr") if "data-row" in r]
    assert [int(r["data-row"]) for r in rows] == [target["row"]]
    count = dom.find("p", id="changed-count")[0]
    assert count["data-matches"] == "1"
    assert count["_text"] == f"1 dari {data['summary']['changed']} ditampilkan"  # Indonesian by default
    dom = dump_dom(chromium(), path.as_uri() + '#q="Dinas%20B"%20kategori_potensial', tmp_path)
    want = [e["row"] for e in data["changed"] if e["groups"]["unit_kerja"] == "Dinas B"
            and any(d["name"] == "kategori_potensial" for d in e["differences"])]
    assert want and [int(r["data-row"]) for r in dom.find("tr") if "data-row" in r] == want


def test_screenshot_renders(report, tmp_path):
    path, _ = report
    shot = tmp_path / "report.png"
    proc = subprocess.run([chromium(), *CHROME_FLAGS, f"--user-data-dir={tmp_path / 'shot-profile'}",
                           f"--screenshot={shot}", "--window-size=1280,2000", path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and os.path.getsize(shot) > 20000
