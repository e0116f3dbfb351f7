"""Results as an Excel workbook: "Hasil" (one row per record, errors with their reasons),
"Penjelasan" (one row per record, its explanation line by line in one cell; optional, see
`explain_sheet`) and "Ringkasan" (counts by predikat, by action and by unit, with the policy id,
version and sha256).

Written with xlsxwriter in its constant-memory mode (each row goes to a temporary file as soon
as the next one starts), so memory stays flat: only the first rows are held, to fit the column
widths, and the summary counters. xlsxwriter writes the same workbook as openpyxl's write-only
mode did in about two thirds of the CPU time (benchmarks/bench_xlsx_report.py; the openpyxl
writer is kept there as the reference, and tests/test_xlsx_report.py compares the two cell by
cell).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from xlsxwriter.color import Color

from kinerja.evaluation.evaluator import Result
from kinerja.explanation.explain import explain
from kinerja.i18n import N_, in_every_language
from kinerja.model import Table
from kinerja.report.results import Writer, cell_text, error_text
from kinerja.spill import SpillList

# Predikat kinerja (PermenPANRB 6/2022) and their colours: (fill, font).
PREDIKAT_ORDER = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"]
_COLOURS = {
    "sangat baik": ("1E7B34", "FFFFFF"),  # dark green
    "baik": ("92D050", "000000"),  # green
    "butuh perbaikan": ("FFE699", "000000"),  # yellow
    "kurang/misconduct": ("F4B183", "000000"),  # orange
    "kurang": ("F4B183", "000000"),
    "misconduct": ("F4B183", "000000"),
    "sangat kurang": ("E06666", "FFFFFF"),  # red
}
# A cell's look, as a key into the workbook's formats: (fill, font colour, bold, font size, alignment).
Style = tuple[str | None, str | None, bool, int | None, str | None]
FILLS: dict[str, Style] = {k: (f, t, t == "FFFFFF", None, None) for k, (f, t) in _COLOURS.items()}
BOLD: Style = (None, None, True, None, None)
HEAD: Style = ("D9E1F2", None, True, None, None)  # a header cell: light blue, bold
TITLE: Style = (None, None, True, 13, None)
ERROR_FONT: Style = (None, "C00000", False, None, None)
WRAP: Style = (None, None, False, None, "wrap")
TOP: Style = (None, None, False, None, "top")
UNIT_FIELDS = ("unit_kerja", "unit", "unor", "satuan_kerja", "skp_unor")
MAX_TEXT = 32767  # Excel's limit for one cell, in UTF-16 units
WIDTH_SAMPLE = 500  # rows held back to fit column widths
MAX_WIDTH = 60
# The explanation sheet is written up to this many records unless told (--explain-sheet /
# --no-explain-sheet): it is most of the report's time (about 0.6 ms a record: 20,000 records
# take ~12 s more, 4.3 million would take 40 minutes); nobody reads more explanations in Excel,
# and `kinerja explain --nip` gives one. Measured in benchmarks/bench_xlsx_report.py.
EXPLAIN_SHEET_LIMIT = 20_000
DIGIT_PIXELS = 7  # Calibri 11's digit width: a width of N characters is stored exactly as N * 7 pixels

_TEXTS_EN = {  # English message ids; the Indonesian is in the catalogue
    "no": N_("Row"),
    "nip": N_("NIP"),
    "nama": N_("Name"),
    "status": N_("Status"),
    "actions": N_("Actions"),
    "reasons": N_("Reasons"),
    "errors": N_("Errors"),
    "where": N_("Source"),
    "line": N_("Explanation"),
    "title": N_("Evaluation summary"),
    "policy": N_("Policy"),
    "name": N_("Policy name"),
    "version": N_("Version"),
    "records": N_("Records"),
    "count": N_("Count"),
    "predikat": N_("Predikat"),
    "by_action": N_("Action"),
    "by_unit": N_("Unit"),
    "none": N_("no action"),
    "error": N_("(error)"),
    "excluded": N_("(not appraised)"),
}
TEXTS = in_every_language(_TEXTS_EN)

_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters XML 1.0 cannot carry
_SURROGATE = re.compile("[\ud800-\udfff]")
_DATE_FORMATS = {dt.datetime: "yyyy-mm-dd h:mm:ss", dt.date: "yyyy-mm-dd"}  # as openpyxl wrote them


def _clean(value: Any) -> Any:
    """A value Excel can hold: Decimal and dates as they are, text without control characters."""
    if value is None or isinstance(value, (bool, int, float, Decimal, dt.date, dt.datetime)):
        return value
    text = cell_text(value) if isinstance(value, (list, tuple)) else str(value)
    if not text.isprintable():  # most text is: no control character, no surrogate
        if _ILLEGAL.search(text):
            text = _ILLEGAL.sub("", text)
        if _SURROGATE.search(text):  # not valid Unicode: the file could not be written
            text = _SURROGATE.sub("\ufffd", text)
    if len(text) <= MAX_TEXT // 2 or len(text.encode("utf-16-le")) <= 2 * MAX_TEXT:
        return text
    # Excel counts UTF-16 units (a character beyond the BMP counts twice); a character cut in
    # half at the end is dropped
    return text.encode("utf-16-le")[: 2 * (MAX_TEXT - 1)].decode("utf-16-le", "ignore") + "…"


def predikat_style(value: Any) -> Style | None:
    if not isinstance(value, str):
        return None
    key = " ".join(value.split()).casefold().replace(" /", "/").replace("/ ", "/")
    return FILLS.get(key)


class _ArgbColor(Color):
    """A colour written with alpha 00, as openpyxl wrote it (Excel ignores a fill's alpha): the
    report's styles stay what they were."""

    def _attributes(self) -> list[tuple[str, str]]:
        return [("rgb", f"00{self._rgb_hex_value()}")]


class _Formats:
    """The workbook's cell formats, made once per look (and per date kind)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.made: dict[tuple, Any] = {}

    def get(self, style: Style | None, date_kind: type[dt.date] | None = None):
        if style is None and date_kind is None:
            return None
        key = (style, date_kind)
        made = self.made.get(key)
        if made is None:
            made = self.made[key] = self.wb.add_format(_properties(style, date_kind))
        return made


def _properties(style: Style | None, date_kind: type[dt.date] | None) -> dict:
    props: dict[str, Any] = {}
    if date_kind is not None:
        props["num_format"] = _DATE_FORMATS[date_kind]
    if style is None:
        return props
    fill, colour, bold, size, align = style
    if fill:
        props |= {"pattern": 1, "fg_color": _ArgbColor(int(fill, 16)), "bg_color": _ArgbColor(int(fill, 16))}
    if colour:
        props["font_color"] = _ArgbColor(int(colour, 16))
    if bold:
        props["bold"] = True
    if size:
        props["font_size"] = size
    if align == "wrap":
        props |= {"text_wrap": True, "valign": "top"}
    elif align == "top":
        props["valign"] = "top"
    return props


class _Sheet:
    """A sheet written row by row, with a styled header, fitted widths, frozen header and a filter.
    A row is a list of (value, style) pairs."""

    def __init__(self, wb: xlsxwriter.Workbook, formats: _Formats, title: str, header: list[str],
                 freeze: tuple[int, int], fixed: dict[int, int] | None = None):
        self.ws = wb.add_worksheet(title)
        self.formats = formats
        self.header, self.freeze, self.fixed = header, freeze, fixed or {}
        self.pending: list[list] = []
        self.started = False
        self.rows = 0

    def add(self, row: list) -> None:
        self.rows += 1
        if self.started:
            self._put(self.rows, row)
            return
        self.pending.append(row)
        if len(self.pending) >= WIDTH_SAMPLE:
            self.start()

    def start(self) -> None:
        if self.started:
            return
        for i, name in enumerate(self.header, 1):
            width = self.fixed.get(i)
            if width is None:
                longest = max([len(name)] + [_shown_len(r[i - 1][0]) for r in self.pending if len(r) >= i])
                width = min(max(longest + 2, 6), MAX_WIDTH)
            self.ws.set_column_pixels(i - 1, i - 1, width * DIGIT_PIXELS)
        self.ws.freeze_panes(*self.freeze)
        self._put(0, [(h, HEAD) for h in self.header])
        for n, row in enumerate(self.pending, 1):
            self._put(n, row)
        self.pending = []
        self.started = True

    def finish(self) -> None:
        self.start()
        self.ws.autofilter(0, 0, self.rows, len(self.header) - 1)

    def _put(self, r: int, row: list) -> None:
        put_row(self.ws, self.formats, r, row)


def cell(value: Any, style: Style | None = None) -> tuple[Any, Style | None]:
    """A value for a row, cleaned (see `_clean`), with its look."""
    return _clean(value), style


def put_row(ws, formats: _Formats, r: int, row: list) -> None:
    """Writes one row of (value, style) pairs from `cell`; text always as text (never a formula or an error
    value: "=1+1", "@x" or "#N/A" are data)."""
    for c, (value, style) in enumerate(row):
        cls = value.__class__
        if cls is str:
            if value:
                ws.write_string(r, c, value, formats.get(style))
            elif style is not None:
                ws.write_blank(r, c, None, formats.get(style))
        elif value is None:
            if style is not None:
                ws.write_blank(r, c, None, formats.get(style))
        elif cls is bool:
            ws.write_boolean(r, c, value, formats.get(style))
        elif isinstance(value, (dt.date, dt.datetime)):
            kind: type[dt.date] = dt.datetime if isinstance(value, dt.datetime) else dt.date
            ws.write_datetime(r, c, value, formats.get(style, kind))
        elif math.isfinite(value := float(value)):  # a Decimal too: Excel holds doubles
            ws.write_number(r, c, value, formats.get(style))
        elif style is not None:  # NaN or infinity: Excel has no such number (openpyxl left it empty)
            ws.write_blank(r, c, None, formats.get(style))


def _shown_len(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    return max((len(part) for part in str(value).splitlines()), default=0)


class XlsxWriter(Writer):
    """Writes results as they come; `close()` adds the summary and saves the workbook (bytes:
    `out` is a binary file).

    `explain_sheet`: True writes the explanation sheet, False leaves it out, None (the default)
    writes it up to `EXPLAIN_SHEET_LIMIT` records and leaves it out above (then
    `explain_sheet_left_out` holds the number of records, for the command to say so, with
    `explain_sheet_limit`). Until the
    limit is passed the explanations wait in a temporary file, so memory stays flat."""

    def __init__(self, out: IO[bytes], outputs: list[str], info: dict, *, policy: Any = None, lang: str = "id",
                 explain_sheet: bool | None = None, **options: Any):
        super().__init__(out, outputs, info, **options)
        self.policy = policy
        self.t = TEXTS.get(lang, TEXTS["id"])
        self.lang = lang
        self.wb = xlsxwriter.Workbook(out, {"constant_memory": True})
        self.formats = _Formats(self.wb)
        fields = getattr(policy, "fields", {}) or {}
        self.has_nama = "nama" in fields
        self.unit_field = next((f for f in UNIT_FIELDS if f in fields), None)
        self.predikat = _predikat_output(policy, outputs)
        t = self.t
        self.lead = [t["no"], t["nip"]] + ([t["nama"]] if self.has_nama else [])
        self.hasil = _Sheet(self.wb, self.formats, "Hasil",
                            self.lead + [t["status"], *outputs, t["actions"], t["reasons"], t["errors"], t["where"]],
                            freeze=(1, len(self.lead)))
        self.explain_sheet = explain_sheet
        self.explain_sheet_left_out: int | None = None
        self.explain_sheet_limit = EXPLAIN_SHEET_LIMIT
        self.penjelasan: _Sheet | None = self._penjelasan() if explain_sheet else None
        self.waiting: SpillList | None = SpillList(keep=0) if explain_sheet is None else None
        self.status: Counter = Counter()
        self.by_predikat: Counter = Counter()
        self.by_action: Counter = Counter()
        self.action_labels: dict[str, str] = {}
        self.by_unit: dict[str, Counter] = defaultdict(Counter)

    def _penjelasan(self) -> _Sheet:
        n = len(self.lead)
        sheet = _Sheet(self.wb, self.formats, "Penjelasan", self.lead + [self.t["line"]], freeze=(1, n),
                       fixed={1: 7, 2: 21, n + 1: 110} | ({3: 30} if self.has_nama else {}))
        sheet.start()
        return sheet

    # --- per record ----------------------------------------------------------------------------

    def write(self, result: Result) -> None:
        raw = result.raw if isinstance(result.raw, dict) else {}
        lead = [cell(result.row), cell(result.nip or "")]
        if self.has_nama:
            lead.append(cell(_value(result, raw, "nama")))
        if result.ok:
            outs = [cell(value, predikat_style(value)) for value in map(result.outputs.get, self.outputs)]
            status = cell("ok" if result.annual is None else f"ok ({result.annual.get('periode', '')})")
        else:
            outs = [(None, None)] * len(self.outputs)
            status = cell(result.status, ERROR_FONT if result.status == "error" else None)
        actions = "; ".join(a["id"] for a in result.actions)
        reasons = "; ".join(f"{a['id']}: {a.get('reason', '')}" for a in result.actions)
        errors = cell(error_text(result.errors), ERROR_FONT if result.errors else None)
        self.hasil.add(lead + [status, *outs, cell(actions), cell(reasons), errors, cell(result.where)])
        if self.penjelasan is not None or self.waiting is not None:
            self._explanation(result, raw)
        self._count(result, raw)

    def _explanation(self, result: Result, raw: dict) -> None:
        """One row per employee; the explanation's lines in one wrapped cell (one row per line
        would multiply the rows, and the time to write them, by twenty or more)."""
        lead = [result.row, result.nip or ""] + ([_value(result, raw, "nama")] if self.has_nama else [])
        row = [cell(v, TOP) for v in lead] + [cell("\n".join(self._lines(result)), WRAP)]
        if self.penjelasan is not None:
            self.penjelasan.add(row)
            return
        assert self.waiting is not None  # write() calls this only with a sheet or a wait list
        if len(self.waiting) < self.explain_sheet_limit:
            self.waiting.append(row)
        else:  # too many to read: the sheet is left out, and the command says how to get it
            self.waiting = None

    def _lines(self, result: Result) -> list[str]:
        if result.env is not None or not result.ok:
            return [str(line) for line in explain(self.policy, result, self.lang).lines()]
        lines = [f"{name} = {cell_text(result.outputs.get(name)) or '-'}" for name in self.outputs]
        lines += [f"→ {a.get('label') or a['id']}: {a.get('reason', '')}" for a in result.actions]
        return lines + ([] if result.actions else [f"→ {self.t['none']}"])

    def _count(self, result: Result, raw: dict) -> None:
        self.status[result.status] += 1
        key = self.t["excluded"] if result.status == "excluded" else self.t["error"]
        if result.ok and self.predikat:
            key = cell_text(result.outputs.get(self.predikat)) or "-"
        if self.predikat:
            self.by_predikat[key] += 1
        for a in result.actions:
            self.by_action[a["id"]] += 1
            self.action_labels.setdefault(a["id"], a.get("label") or "")
        if self.unit_field:
            unit = cell_text(_value(result, raw, self.unit_field)) or "-"
            self.by_unit[unit][key if self.predikat else result.status] += 1

    # --- at the end ----------------------------------------------------------------------------

    def close(self) -> None:
        self.hasil.finish()
        if self.waiting is not None:  # within the limit: the sheet after all
            self.penjelasan = self._penjelasan()
            for row in self.waiting:
                self.penjelasan.add(row)
            self.waiting = None
        elif self.explain_sheet is None:
            self.explain_sheet_left_out = self.hasil.rows
        if self.penjelasan is not None:
            self.penjelasan.finish()
        self._summary(self.wb.add_worksheet("Ringkasan"))
        self.wb.close()

    def _summary(self, ws) -> None:
        t, rows = self.t, []
        for col, width in enumerate((34, 70, 14, 14, 16, 18, 16, 14, 14, 14)):
            ws.set_column_pixels(col, col, width * DIGIT_PIXELS)
        rows.append([cell(t["title"], TITLE)])
        rows.append([cell(t["policy"], BOLD), cell(self.info.get("id"))])
        rows.append([cell(t["name"], BOLD), cell(getattr(self.policy, "name", ""))])
        rows.append([cell(t["version"], BOLD), cell(self.info.get("version"))])
        rows.append([cell("SHA-256", BOLD), cell(self.info.get("sha256"))])
        rows.append([])
        rows.append([cell(t["records"], BOLD), cell(sum(self.status.values()))])
        for status in ("ok", "error", "excluded"):
            rows.append([cell(status), cell(self.status.get(status, 0))])
        labels = self._predikat_labels()
        if self.predikat:
            rows.append([])
            rows.append([cell(f"{t['predikat']} ({self.predikat})", HEAD), cell(t["count"], HEAD)])
            for label in labels:
                rows.append([cell(label, predikat_style(label)), cell(self.by_predikat.get(label, 0))])
        rows.append([])
        rows.append([cell(t["by_action"], HEAD), cell(t["count"], HEAD)])
        for rule in getattr(self.policy, "rules", []):
            self.action_labels.setdefault(rule.id, rule.label)
        for action_id, label in self.action_labels.items():
            shown = f"{action_id} ({label})" if label else action_id
            rows.append([cell(shown), cell(self.by_action.get(action_id, 0))])
        if self.unit_field:
            rows.append([])
            columns = labels if self.predikat else ["ok", "error"]
            rows.append([cell(f"{t['by_unit']} ({self.unit_field})", HEAD), cell(t["count"], HEAD)]
                        + [cell(c, predikat_style(c) or HEAD) for c in columns])
            for unit in sorted(self.by_unit):
                counts = self.by_unit[unit]
                rows.append([cell(unit), cell(sum(counts.values()))] + [cell(counts.get(c, 0)) for c in columns])
        for r, row in enumerate(rows):
            put_row(ws, self.formats, r, row)

    def _predikat_labels(self) -> list[str]:
        """The predikat output's labels in the policy's order, then any others seen, then (error)."""
        node = self.policy.node_by_output().get(self.predikat) if self.predikat and hasattr(
            self.policy, "node_by_output") else None
        order: list[str] = []
        if isinstance(node, Table):
            for row in node.rows:
                if isinstance(row.output, str) and row.output not in order:
                    order.append(row.output)
            order.sort(key=lambda v: PREDIKAT_ORDER.index(v) if v in PREDIKAT_ORDER else len(PREDIKAT_ORDER))
        order += [k for k in self.by_predikat if k not in order and k not in (self.t["error"], self.t["excluded"])]
        return order + [self.t["error"]] + ([self.t["excluded"]] if self.t["excluded"] in self.by_predikat else [])


def _value(result: Result, raw: dict, name: str) -> Any:
    if result.env is not None and result.env.get(name) is not None:
        return result.env.get(name)
    v = raw.get(name)
    return None if v is None or hasattr(v, "reason") else v


def _predikat_output(policy, outputs: list[str]) -> str | None:
    """The output that holds the predikat: named so, or a table whose every result is one."""
    if "predikat" in outputs:
        return "predikat"
    nodes = policy.node_by_output() if hasattr(policy, "node_by_output") else {}
    for name in outputs:
        node = nodes.get(name)
        if isinstance(node, Table) and node.rows and all(predikat_style(r.output) for r in node.rows):
            return name
    return None
