"""Record text that `compare` echoes is inert: Markdown for a pull-request comment opens no link,
image, HTML or mention, and the changed-records CSV beside a large HTML report runs no formula."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.report.compare_out import write_changed_csv

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"
VARIANT = """\
kinerja: 1
id: kp-3-tahun
extends: permenpanrb-6-2022
name: KP after 3 years
version: "2"
params:
  kp_min_tahun_dalam_pangkat: 3
"""
HOSTILE = '=HYPERLINK("http://x.invalid") @tim-bkpsdm ![p](http://x.invalid/p.png) <img src=x> [a](b) |'


def _records(tmp_path: Path) -> Path:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["nama"] = HOSTILE
    out = tmp_path / "pegawai.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return out


def _compare(tmp_path: Path, fmt: str) -> str:
    (tmp_path / "variant.yaml").write_text(VARIANT, encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", "permenpanrb-6-2022", str(tmp_path / "variant.yaml"),
                                       str(_records(tmp_path)), "--format", fmt, "--jobs", "1", "--lang", "en"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_markdown_echoes_record_text_inert(tmp_path):
    md = _compare(tmp_path, "markdown")
    assert "Changed records" in md
    for active in (r"!\[p\]\(", r"<img", r"\[a\]\(b\)"):  # nothing unescaped opens an image, HTML or a link
        assert not re.search(r"(?<!\\)" + active, md), active
    assert "@tim-bkpsdm" not in md
    line = next(x for x in md.splitlines() if "tim-bkpsdm" in x)
    assert ("=HYPERLINK(\"http://x.invalid\") @\u200btim-bkpsdm \\!\\[p\\](http://x.invalid/p.png) "
            "\\<img src=x\\> \\[a\\](b) \\|") in line
    # the row keeps its five table cells: the escaped pipe in the name opens no new cell
    assert line.replace("\\|", "").count("|") == 5


def test_changed_csv_runs_no_formula(tmp_path):
    data = json.loads(_compare(tmp_path, "json"))
    assert data["changed"], "the variant must change someone for this test to mean anything"
    buf = io.StringIO()
    write_changed_csv(data, buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    nips = {e["nip"] for e in data["changed"]}
    assert len(rows) == len(data["changed"]) + 1
    for row in rows[1:]:
        assert row[1] in nips  # a NIP of digits is written as it is
        assert all(cell[:1] not in "=+-@\t\r" for cell in row[1:]), row
