"""The xlsx report on xlsxwriter shows exactly what the openpyxl writer showed (the old writer is
kept in benchmarks/xlsx_report_openpyxl.py): both write the same results, and the two files,
read back with openpyxl, agree cell by cell (value, type, number format, font, fill, alignment),
in column widths, frozen panes and filters, for every shipped policy with its sample, in both
languages. And the explanation sheet is optional: --no-explain-sheet, --explain-sheet, and by
default on up to EXPLAIN_SHEET_LIMIT records with a notice above it."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kinerja.cli.common import load_policy
from kinerja.evaluation.evaluator import Result
from kinerja.evaluation.run import EvaluateRun
from kinerja.records.read import read_records
from kinerja.report import xlsx
from kinerja.report.xlsx import XlsxWriter

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
NATIONAL = POLICIES / "nasional" / "permenpanrb-6-2022.yaml"


def _old_writer() -> type:
    path = ROOT / "benchmarks" / "xlsx_report_openpyxl.py"
    spec = importlib.util.spec_from_file_location("xlsx_report_openpyxl", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.XlsxWriter


OldXlsxWriter = _old_writer()


class Both:
    """Hands every result to two writers."""

    def __init__(self, *writers):
        self.writers = writers

    def write(self, result: Result) -> None:
        for w in self.writers:
            w.write(result)

    def close(self) -> None:
        for w in self.writers:
            w.close()


def write_both(tmp_path: Path, policy_file: Path, records: Path, lang: str, annual: bool = False) -> tuple[Path, Path]:
    policy = load_policy(str(policy_file))
    job = EvaluateRun(policy, str(policy_file), keep_values=True, annual=annual)
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    with open(old, "wb") as a, open(new, "wb") as b:
        kw = {"periode": job.periode, "policy": policy, "lang": lang}
        job.run(read_records(str(records)), Both(OldXlsxWriter(a, job.outputs, job.info, **kw),
                                                 XlsxWriter(b, job.outputs, job.info, **kw)))
    return old, new


def font_colour(font) -> str | None:
    """The font's colour; the theme's text colour (what xlsxwriter names for a default font) is the
    default colour that openpyxl left unnamed: both show as black."""
    if font.color is None or (font.color.type == "theme" and font.color.theme == 1):
        return None
    return font.color.rgb


def look(c) -> tuple:
    """What a reader sees of a cell (a font size not given is Excel's default, 11; an empty cell has
    no type, whether written as empty text or left out)."""
    font, fill, align = c.font, c.fill, c.alignment
    return (c.value, c.data_type if c.value is not None else None, c.number_format,
            bool(font.b), font_colour(font), font.sz or 11.0,
            fill.fill_type, fill.fgColor.rgb if fill.fill_type else None, fill.bgColor.rgb if fill.fill_type else None,
            bool(align.wrap_text), align.vertical)


def widths(ws) -> dict[int, float]:
    """Each column's width (a file may give neighbours of one width as one range)."""
    return {i: d.width for d in ws.column_dimensions.values() if d.customWidth for i in range(d.min, d.max + 1)}


def assert_same_workbook(old: Path, new: Path) -> int:
    a, b = load_workbook(old), load_workbook(new)
    assert a.sheetnames == b.sheetnames
    cells = 0
    for name in a.sheetnames:
        wa, wb = a[name], b[name]
        assert (wa.max_row, wa.max_column) == (wb.max_row, wb.max_column), name
        assert wa.freeze_panes == wb.freeze_panes, name
        assert wa.auto_filter.ref == wb.auto_filter.ref, name
        assert widths(wa) == widths(wb), name
        for ra, rb in zip(wa.iter_rows(), wb.iter_rows(), strict=True):
            for ca, cb in zip(ra, rb, strict=True):
                assert look(ca) == look(cb), f"{name}!{ca.coordinate}"
                cells += 1
    return cells


SAMPLES = sorted(p for p in POLICIES.rglob("*.sample.*"))


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_shipped_sample_reads_back_the_same(tmp_path, sample, lang):
    policy = sample.with_name(sample.name.split(".sample.")[0] + ".yaml")
    old, new = write_both(tmp_path, policy, sample, lang)
    assert assert_same_workbook(old, new) > 100


def test_no_records_reads_back_the_same(tmp_path):
    records = tmp_path / "header-only.csv"
    records.write_text((POLICIES / "nasional" / "permenpanrb-6-2022.sample.csv").read_text("utf-8").splitlines()[0]
                       + "\n", "utf-8")
    old, new = write_both(tmp_path, NATIONAL, records, "id")
    assert assert_same_workbook(old, new) > 10
    assert load_workbook(new).sheetnames == ["Hasil", "Penjelasan", "Ringkasan"]


def test_annual_rows_read_back_the_same(tmp_path):
    old, new = write_both(tmp_path, NATIONAL, POLICIES / "nasional" / "permenpanrb-6-2022.triwulan.csv", "id",
                          annual=True)
    assert assert_same_workbook(old, new) > 100


HOSTILE = [  # text a spreadsheet could take for a formula, an error value, an escape or markup
    "=1+1", '=HYPERLINK("http://x","klik")', "+62 811", "-5", "@SUM(A1)", "#N/A", "#DIV/0!",
    "Siti\x01 Aminah\x1f", "  spasi  ", "a\nb", "<b>&amp;</b>", "Ni Luh\tPutu", "😀 emoji", "",
    "x" * 40_000,
]


def test_hostile_text_and_error_records_read_back_the_same(tmp_path):
    with open(POLICIES / "nasional" / "permenpanrb-6-2022.sample.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    out = [header]
    for i, text in enumerate(HOSTILE * 2):
        row = list(body[i % len(body)])
        row[header.index("nama" if i < len(HOSTILE) else "unit_kerja")] = text
        if i % 5 == 0:  # an error record: a bad NIP and an empty rating
            row[0], row[header.index("rating_hasil_kerja")] = f"bad{text[:10]}", ""
        out.append(row)
    records = tmp_path / "hostile.csv"
    with open(records, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(out)
    old, new = write_both(tmp_path, NATIONAL, records, "id")
    assert assert_same_workbook(old, new) > 100
    with zipfile.ZipFile(new) as z:  # never a formula, never an error cell
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and 't="e"' not in xml


def test_text_that_looks_like_an_excel_escape_stays_text(tmp_path):
    """Excel reads "_x0041_" in a cell as "A": xlsxwriter escapes the underscore (the openpyxl
    writer did not, and Excel showed "A")."""
    with open(POLICIES / "nasional" / "permenpanrb-6-2022.sample.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("nama")] = "_x0041_"
    records = tmp_path / "escape.csv"
    with open(records, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows[:2])
    _, new = write_both(tmp_path, NATIONAL, records, "id")
    with zipfile.ZipFile(new) as z:
        assert "<t>_x005F_x0041_</t>" in z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_the_sample_report_keeps_its_look(tmp_path):
    """Pinned without the old writer: sheets, header, NIP as text, a predikat's colours, widths."""
    _, new = write_both(tmp_path, NATIONAL, POLICIES / "nasional" / "permenpanrb-6-2022.sample.csv", "en")
    wb = load_workbook(new)
    assert wb.sheetnames == ["Hasil", "Penjelasan", "Ringkasan"]
    ws = wb["Hasil"]
    assert [c.value for c in ws[1]][:4] == ["Row", "NIP", "Name", "Status"]
    assert (ws["B2"].value, ws["B2"].data_type) == ("199806162022122317", "s")
    assert ws.freeze_panes == "D2" and wb["Penjelasan"].freeze_panes == "D2"
    assert wb["Penjelasan"].column_dimensions["D"].width == 110
    assert wb["Ringkasan"].column_dimensions["B"].width == 70
    head = ws["A1"]
    assert (head.font.b, head.fill.fgColor.rgb) == (True, "00D9E1F2")


@pytest.mark.parametrize("value,shown,number_format", [
    (Decimal("85.50"), 85.5, "General"),
    (0.1 + 0.2, 0.3, "General"),  # 16 significant digits, as openpyxl wrote them
    (float("nan"), None, "General"),
    (Decimal("1E+400"), None, "General"),
    (True, True, "General"),
    (dt.date(2024, 1, 31), dt.datetime(2024, 1, 31), "yyyy-mm-dd"),
    (dt.datetime(2024, 1, 31, 8, 30), dt.datetime(2024, 1, 31, 8, 30), "yyyy-mm-dd h:mm:ss"),
    (["a", "b"], "a; b", "General"),
], ids=["decimal", "float", "nan", "huge-decimal", "bool", "date", "datetime", "list"])
def test_values_of_every_kind(tmp_path, value, shown, number_format):
    import xlsxwriter

    path = tmp_path / "v.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("S")
    xlsx.put_row(ws, xlsx._Formats(wb), 0, [xlsx.cell(value), xlsx.cell(value, xlsx.BOLD)])
    wb.close()
    c, bold = load_workbook(path)["S"]["A1"], load_workbook(path)["S"]["B1"]
    assert (c.value, c.number_format) == (shown, number_format)
    assert (bold.value, bold.font.b) == (shown, True)


def test_a_long_text_is_cut_to_what_excel_holds():
    assert xlsx._clean("x" * 40_000) == "x" * 32_766 + "…"
    cut = xlsx._clean("😀" * 20_000)  # two UTF-16 units each: Excel counts those
    assert cut.endswith("…") and len(cut[:-1].encode("utf-16-le")) <= 2 * 32_766
    assert xlsx._clean("ok\x00\x0b") == "ok"
    assert xlsx._clean("a\ud800b") == "a\ufffdb"


# --- the explanation sheet: --explain-sheet / --no-explain-sheet, on by default up to a limit ---------

SAMPLE = POLICIES / "nasional" / "permenpanrb-6-2022.sample.csv"  # 208 records
NOTICE = {
    "en": "note: the explanation sheet is left out above 100 records (208 in this run); --explain-sheet adds it, "
          "kinerja explain --nip NIP explains one employee\n",
    "id": "catatan: lembar penjelasan tidak dibuat di atas 100 data pegawai (208 pada run ini); --explain-sheet "
          "menambahkannya, kinerja explain --nip NIP menjelaskan satu pegawai\n",
}


def report(kinerja, tmp_path, *options, lang="en"):
    out = tmp_path / f"hasil{len(list(tmp_path.iterdir()))}.xlsx"
    r = kinerja("--lang", lang, "evaluate", NATIONAL, SAMPLE, "--format", "xlsx", "-o", out, "--jobs", "1", *options)
    assert r.exit_code in (0, 1), r.output
    notes = [line + "\n" for line in r.stderr.splitlines()
             if "explanation sheet" in line or "lembar penjelasan" in line]
    return load_workbook(out), "".join(notes)


def hasil(wb) -> list[tuple]:
    return list(wb["Hasil"].iter_rows(values_only=True))


@pytest.mark.parametrize("limit,options,sheets,noticed", [
    (20_000, (), ["Hasil", "Penjelasan", "Ringkasan"], False),
    (208, (), ["Hasil", "Penjelasan", "Ringkasan"], False),  # exactly at the limit: still written
    (100, (), ["Hasil", "Ringkasan"], True),
    (100, ("--explain-sheet",), ["Hasil", "Penjelasan", "Ringkasan"], False),
    (20_000, ("--no-explain-sheet",), ["Hasil", "Ringkasan"], False),
], ids=["default-small", "at-limit", "default-above", "asked-for-above", "left-out"])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_explanation_sheet_choices(kinerja, tmp_path, monkeypatch, limit, options, sheets, noticed, lang):
    monkeypatch.setattr(xlsx, "EXPLAIN_SHEET_LIMIT", limit)
    wb, notice = report(kinerja, tmp_path, *options, lang=lang)
    assert wb.sheetnames == sheets
    assert notice == (NOTICE[lang] if noticed else "")
    if "Penjelasan" in sheets:
        rows = list(wb["Penjelasan"].iter_rows(values_only=True))
        assert [r[0] for r in rows[1:]] == list(range(1, 209))  # every record explained, in order


def test_the_results_are_the_same_with_or_without_the_sheet(kinerja, tmp_path, monkeypatch):
    with_sheet, _ = report(kinerja, tmp_path, "--explain-sheet")
    without, _ = report(kinerja, tmp_path, "--no-explain-sheet")
    monkeypatch.setattr(xlsx, "EXPLAIN_SHEET_LIMIT", 10)
    dropped, _ = report(kinerja, tmp_path)
    assert hasil(with_sheet) == hasil(without) == hasil(dropped)
    summary = list(with_sheet["Ringkasan"].iter_rows(values_only=True))
    assert summary == list(without["Ringkasan"].iter_rows(values_only=True))
    assert len(hasil(with_sheet)) == 209


@pytest.mark.parametrize("option", ["--explain-sheet", "--no-explain-sheet"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table", "json"])
def test_the_explanation_sheet_options_need_xlsx(kinerja, tmp_path, option, fmt):
    r = kinerja("evaluate", NATIONAL, SAMPLE, "--format", fmt, option)
    assert r.exit_code == 2
    assert r.stderr == ("kinerja: --explain-sheet and --no-explain-sheet choose the explanation sheet of the xlsx "
                        f"format, not of {fmt}\n")


def test_the_help_names_the_limit(kinerja):
    help_text = " ".join(kinerja("evaluate", "--help").output.split())
    assert f"on up to {xlsx.EXPLAIN_SHEET_LIMIT:,} records" in help_text


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("options,traced", [((), True), (("--no-explain-sheet",), False)], ids=["sheet", "no-sheet"])
def test_a_report_without_its_explanation_sheet_records_no_decision_trace(kinerja, tmp_path, monkeypatch, jobs,
                                                                        options, traced):
    """The trace is what the sheet explains from (about 40% of an xlsx run): recorded only for it."""
    from kinerja.evaluation import blocks, evaluator

    made: list[bool] = []
    real = evaluator.Evaluator.__init__

    def spy(self, *args, **kwargs):
        made.append(bool(kwargs.get("trace", False)))
        real(self, *args, **kwargs)

    monkeypatch.setattr(evaluator.Evaluator, "__init__", spy)
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 50)
    wb, _ = report(kinerja, tmp_path, *options, "--jobs", jobs)
    assert len(hasil(wb)) == 209
    assert made and set(made) == {traced}
