"""Results as an Excel workbook: "Hasil" (one row per record, errors with their reasons),
"Penjelasan" (one row per record, its explanation line by line in one cell) and "Ringkasan" (counts by predikat,
by action and by unit, with the policy id, version and sha256).

Written in openpyxl's write-only mode, so memory stays flat: only the first rows are held,
to fit the column widths, and the summary counters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kinerja.evaluation.evaluator import Result
from kinerja.explanation.explain import explain
from kinerja.i18n import N_, in_every_language
from kinerja.model import Table
from kinerja.report.results import Writer, cell_text, error_text

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
FILLS = {k: (PatternFill("solid", start_color=f, end_color=f), Font(color=t, bold=t == "FFFFFF"))
         for k, (f, t) in _COLOURS.items()}
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
ERROR_FONT = Font(color="C00000")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
UNIT_FIELDS = ("unit_kerja", "unit", "unor", "satuan_kerja", "skp_unor")
MAX_TEXT = 32767  # Excel's limit for one cell
WIDTH_SAMPLE = 500  # rows held back to fit column widths
MAX_WIDTH = 60

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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """A value Excel can hold: Decimal and dates as they are, text without control characters."""
    if value is None or isinstance(value, (bool, int, float, Decimal, dt.date, dt.datetime)):
        return value
    text = cell_text(value) if isinstance(value, (list, tuple)) else str(value)
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if _SURROGATE.search(text):  # not valid Unicode: the file could not be written
        text = _SURROGATE.sub("\ufffd", text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def predikat_style(value: Any):
    if not isinstance(value, str):
        return None
    key = " ".join(value.split()).casefold().replace(" /", "/").replace("/ ", "/")
    return FILLS.get(key)


class _Sheet:
    """A write-only sheet with a styled header, fitted widths, frozen header and a filter."""

    def __init__(self, wb: Workbook, title: str, header: list[str], freeze: str, fixed: dict[int, int] | None = None):
        self.ws = wb.create_sheet(title)
        self.header, self.freeze, self.fixed = header, freeze, fixed or {}
        self.pending: list[list] = []
        self.started = False
        self.rows = 0

    def cell(self, value: Any, fill=None, font=None, alignment=None):
        """A value for `add`: plain when it needs no style (much faster to write), else a cell."""
        value = _clean(value)
        # text like "=1+1" or "#N/A" is data, never a formula or an error value
        literal = value.__class__ is str and (value[:1] == "=" or value in ERROR_CODES)
        if fill is None and font is None and alignment is None and not literal:
            return value
        c = WriteOnlyCell(self.ws, value=value)
        if literal:
            c.data_type = "s"
        if fill is not None:
            c.fill = fill
        if font is not None:
            c.font = font
        if alignment is not None:
            c.alignment = alignment
        return c

    def add(self, row: list) -> None:
        self.rows += 1
        if self.started:
            self.ws.append(row)
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
                longest = max([len(name)] + [_shown_len(r[i - 1]) for r in self.pending if len(r) >= i])
                width = min(max(longest + 2, 6), MAX_WIDTH)
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = self.freeze
        self.ws.append([self.cell(h, HEAD_FILL, BOLD) for h in self.header])
        for row in self.pending:
            self.ws.append(row)
        self.pending = []
        self.started = True

    def finish(self) -> None:
        self.start()
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.header))}{self.rows + 1}"


def _shown_len(c) -> int:
    value = getattr(c, "value", c)
    if value is None:
        return 0
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    return max((len(part) for part in str(value).splitlines()), default=0)


class XlsxWriter(Writer):
    """Writes results as they come; `close()` adds the summary and saves the workbook (bytes:
    `out` is a binary file)."""

    def __init__(self, out: IO[bytes], outputs: list[str], info: dict, *, policy: Any = None, lang: str = "id",
                 **options: Any):
        super().__init__(out, outputs, info, **options)
        self.policy = policy
        self.t = TEXTS.get(lang, TEXTS["id"])
        self.lang = lang
        self.wb = Workbook(write_only=True)
        fields = getattr(policy, "fields", {}) or {}
        self.has_nama = "nama" in fields
        self.unit_field = next((f for f in UNIT_FIELDS if f in fields), None)
        self.predikat = _predikat_output(policy, outputs)
        t = self.t
        lead = [t["no"], t["nip"]] + ([t["nama"]] if self.has_nama else [])
        self.hasil = _Sheet(self.wb, "Hasil", lead + [t["status"], *outputs, t["actions"], t["reasons"],
                                                       t["errors"], t["where"]],
                            freeze=f"{get_column_letter(len(lead) + 1)}2")
        self.penjelasan = _Sheet(self.wb, "Penjelasan", lead + [t["line"]],
                                 freeze=f"{get_column_letter(len(lead) + 1)}2",
                                 fixed={1: 7, 2: 21, len(lead) + 1: 110} | ({3: 30} if self.has_nama else {}))
        self.penjelasan.start()
        self.ringkasan = self.wb.create_sheet("Ringkasan")
        self.status: Counter = Counter()
        self.by_predikat: Counter = Counter()
        self.by_action: Counter = Counter()
        self.action_labels: dict[str, str] = {}
        self.by_unit: dict[str, Counter] = defaultdict(Counter)

    # --- per record ----------------------------------------------------------------------------

    def write(self, result: Result) -> None:
        s = self.hasil
        raw = result.raw if isinstance(result.raw, dict) else {}
        lead = [s.cell(result.row), s.cell(result.nip or "")]
        if self.has_nama:
            lead.append(s.cell(_value(result, raw, "nama")))
        if result.ok:
            outs = []
            for name in self.outputs:
                value = result.outputs.get(name)
                style = predikat_style(value) or (None, None)
                outs.append(s.cell(value, *style))
            status = s.cell("ok" if result.annual is None else f"ok ({result.annual.get('periode', '')})")
        else:
            outs = [s.cell(None) for _ in self.outputs]
            status = s.cell(result.status, font=ERROR_FONT if result.status == "error" else None)
        actions = "; ".join(a["id"] for a in result.actions)
        reasons = "; ".join(f"{a['id']}: {a.get('reason', '')}" for a in result.actions)
        errors = s.cell(error_text(result.errors), font=ERROR_FONT if result.errors else None)
        s.add(lead + [status, *outs, s.cell(actions), s.cell(reasons), errors, s.cell(result.where)])
        self._explanation(result, raw)
        self._count(result, raw)

    def _explanation(self, result: Result, raw: dict) -> None:
        """One row per employee; the explanation's lines in one wrapped cell (one row per line
        would multiply the rows, and the time to write them, by twenty or more)."""
        p = self.penjelasan
        lead = [result.row, result.nip or ""] + ([_value(result, raw, "nama")] if self.has_nama else [])
        text = "\n".join(self._lines(result))
        p.add([p.cell(v, alignment=TOP) for v in lead] + [p.cell(text, alignment=WRAP)])

    def _lines(self, result: Result) -> list[str]:
        if result.env is not None or not result.ok:
            return [str(line) for line in explain(self.policy, result, self.lang).lines()]
        if not result.ok:
            return [f"✗ {error_text([e])}" for e in result.errors] or ["✗"]
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
        self.penjelasan.finish()
        self._summary()
        self.wb.save(self.out)

    def _summary(self) -> None:
        ws, t = self.ringkasan, self.t
        for col, width in zip("ABCDEFGHIJ", (34, 70, 14, 14, 16, 18, 16, 14, 14, 14)):
            ws.column_dimensions[col].width = width

        def cell(value, fill=None, font=None):
            c = WriteOnlyCell(ws, value=_clean(value))
            if c.data_type in ("f", "e"):  # a unit named "=…" or "#N/A" stays text
                c.data_type = "s"
            if fill is not None:
                c.fill = fill
            if font is not None:
                c.font = font
            return c

        ws.append([cell(t["title"], font=Font(bold=True, size=13))])
        ws.append([cell(t["policy"], font=BOLD), cell(self.info.get("id"))])
        ws.append([cell(t["name"], font=BOLD), cell(getattr(self.policy, "name", ""))])
        ws.append([cell(t["version"], font=BOLD), cell(self.info.get("version"))])
        ws.append([cell("SHA-256", font=BOLD), cell(self.info.get("sha256"))])
        ws.append([])
        total = sum(self.status.values())
        ws.append([cell(t["records"], font=BOLD), cell(total)])
        for status in ("ok", "error", "excluded"):
            ws.append([cell(status), cell(self.status.get(status, 0))])
        labels = self._predikat_labels()
        if self.predikat:
            ws.append([])
            ws.append([cell(f"{t['predikat']} ({self.predikat})", HEAD_FILL, BOLD), cell(t["count"], HEAD_FILL, BOLD)])
            for label in labels:
                ws.append([cell(label, *(predikat_style(label) or (None, None))), cell(self.by_predikat.get(label, 0))])
        ws.append([])
        ws.append([cell(t["by_action"], HEAD_FILL, BOLD), cell(t["count"], HEAD_FILL, BOLD)])
        for rule in getattr(self.policy, "rules", []):
            self.action_labels.setdefault(rule.id, rule.label)
        for action_id, label in self.action_labels.items():
            shown = f"{action_id} ({label})" if label else action_id
            ws.append([cell(shown), cell(self.by_action.get(action_id, 0))])
        if self.unit_field:
            ws.append([])
            columns = labels if self.predikat else ["ok", "error"]
            ws.append([cell(f"{t['by_unit']} ({self.unit_field})", HEAD_FILL, BOLD), cell(t["count"], HEAD_FILL, BOLD)]
                      + [cell(c, *(predikat_style(c) or (HEAD_FILL, BOLD))) for c in columns])
            for unit in sorted(self.by_unit):
                counts = self.by_unit[unit]
                ws.append([cell(unit), cell(sum(counts.values()))] + [cell(counts.get(c, 0)) for c in columns])

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
