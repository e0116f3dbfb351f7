"""`kinerja template`: an input workbook for one policy, ready for an HR officer to fill in.

Sheet `Data` has one column per input field in the policy's order, headed by the field's label
(its id in the cell's note), typed and validated as the field declares: NIP as text, drop-down
lists of the allowed labels, number ranges, percent cells for `unit: percent` fields, a frozen
header. `Contoh` holds a few example rows that evaluate without errors (a separate sheet, so an
example is never evaluated as a real employee); `Petunjuk` explains every column in Indonesian.
The workbook evaluates with no mapping: headers are matched by label (engine/records/headers.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kinerja.evaluate.evaluator import Evaluator
from kinerja.model import FieldDef, Policy
from kinerja.records.headers import match_header
from kinerja.records.source import Source

DATA, EXAMPLES, GUIDE, LISTS = "Data", "Contoh", "Petunjuk", "Daftar"
LAST_ROW = 1048576  # validations cover the whole column, as far as Excel goes
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "dd/mm/yyyy"
HEADER_FILL = PatternFill("solid", fgColor="1F3B57")
KINDS = {"nip": "NIP (teks, 18 digit)", "string": "Teks", "integer": "Bilangan bulat", "number": "Angka",
         "boolean": "Ya/Tidak", "date": "Tanggal (dd/mm/yyyy)", "enum": "Pilihan dari daftar"}


@dataclass
class Template:
    """The workbook and what the command says about it."""

    book: Workbook
    columns: list[str]  # field ids, in column order
    examples: int
    skipped: list[str] = field(default_factory=list)  # list fields: not typed into one cell


def headers_for(fields: dict[str, FieldDef]) -> dict[str, str]:
    """field id -> header: the label, or the id when the label would not match back to the field
    (two fields with one label, a label that is another field's id)."""
    wanted = {name: (f.label.strip() or name) for name, f in fields.items()}
    rename, _ = match_header(fields, list(wanted.values()))
    return {name: h if rename.get(h) == name and list(wanted.values()).count(h) == 1 else name
            for name, h in wanted.items()}


def build_template(policy: Policy, samples: Iterable[dict] = ()) -> Template:
    fields = {n: f for n, f in policy.fields.items() if f.type != "list"}
    skipped = [n for n, f in policy.fields.items() if f.type == "list"]
    headers = headers_for(fields)
    book = Workbook()
    data = book.worksheets[0]  # the new workbook's one sheet
    data.title = DATA
    examples = book.create_sheet(EXAMPLES)
    guide = book.create_sheet(GUIDE)
    lists = book.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    rows = example_rows(policy, fields, samples)
    for sheet in (data, examples):
        _header(sheet, policy, fields, headers)
    list_col = 0
    for col, (name, f) in enumerate(fields.items(), 1):
        letter = get_column_letter(col)
        for sheet in (data, examples):
            _format_column(sheet, letter, f)
        if f.type in ("enum", "boolean"):
            list_col += 1
            choices = list(f.values or ()) if f.type == "enum" else ["Ya", "Tidak"]
            lists.cell(1, list_col, name)
            for i, value in enumerate(choices, 2):
                lists.cell(i, list_col, value)
            source = f"{LISTS}!${get_column_letter(list_col)}$2:${get_column_letter(list_col)}${len(choices) + 1}"
            _validate(data, letter, DataValidation(type="list", formula1=f"={source}", allow_blank=True,
                                                   error="Pilih salah satu isian dari daftar.",
                                                   errorTitle=headers[name]))
        elif f.type in ("integer", "number") and (f.min is not None or f.max is not None):
            _validate(data, letter, _range(f, headers[name]))
        elif f.type == "nip":
            _validate(data, letter, DataValidation(type="textLength", operator="equal", formula1="18",
                                                   allow_blank=True, errorTitle=headers[name],
                                                   error="NIP terdiri dari 18 digit, ditulis sebagai teks."))
    for r, record in enumerate(rows, 2):
        for col, name in enumerate(fields, 1):
            _put(examples.cell(r, col), record.get(name), fields[name])
    _guide(guide, policy, fields, headers, rows, skipped)
    return Template(book, list(fields), len(rows), skipped)


def _header(sheet, policy: Policy, fields: dict[str, FieldDef], headers: dict[str, str]) -> None:
    specs = policy.resolved.sections["fields"]
    for col, (name, f) in enumerate(fields.items(), 1):
        cell = sheet.cell(1, col, headers[name])
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        description = specs[name].spec.get("description") if name in specs else None
        note = f"kode: {name}\n{_required(f)}" + (f"\n{description}" if description else "")
        cell.comment = Comment(note, "kinerja", width=260, height=120)
        sheet.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(headers[name]) + 4))
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def _format_column(sheet, letter: str, f: FieldDef) -> None:
    """Column-wide number format, so a value typed later is stored right (NIP as text)."""
    fmt = {"nip": "@", "string": "@", "date": DATE_FORMAT}.get(f.type)
    if f.unit == "percent":
        fmt = PERCENT_FORMAT
    if fmt:
        sheet.column_dimensions[letter].number_format = fmt


def _range(f: FieldDef, title: str) -> DataValidation:
    scale = Decimal(100) if f.unit == "percent" else Decimal(1)  # a percent cell stores 98% as 0.98
    lo = None if f.min is None else f.min / scale
    hi = None if f.max is None else f.max / scale
    kind: Literal["whole", "decimal"] = "whole" if f.type == "integer" else "decimal"
    if lo is not None and hi is not None:
        dv = DataValidation(type=kind, operator="between", formula1=str(lo), formula2=str(hi))
        words = f"antara {f.min} dan {f.max}"
    elif lo is not None:
        dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(lo))
        words = f"paling sedikit {f.min}"
    else:
        dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=str(hi))
        words = f"paling banyak {f.max}"
    dv.allow_blank = True
    dv.errorTitle = title
    dv.error = f"Isi {'bilangan bulat' if kind == 'whole' else 'angka'} {words}" + \
        ("%" if f.unit == "percent" else "") + "."
    return dv


def _validate(sheet, letter: str, dv: DataValidation) -> None:
    dv.showErrorMessage = True
    dv.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(dv)


def _put(cell, value: Any, f: FieldDef) -> None:
    """A value as a person would type it: NIP and text as text, numbers as numbers, a percentage
    as a percent cell, a date as a date, ya/tidak for true/false."""
    if value is None or value == "":
        return
    if f.type in ("integer", "number"):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if f.unit == "percent":
            number = number / 100
            cell.number_format = PERCENT_FORMAT
        cell.value = int(number) if number == number.to_integral_value() else float(number)
    elif f.type == "boolean":
        cell.value = "Ya" if value is True or str(value).lower() in ("true", "ya", "1") else "Tidak"
    elif f.type == "date":
        cell.value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        cell.number_format = DATE_FORMAT
    else:
        cell.value = str(value)
        cell.number_format = "@"


def _required(f: FieldDef) -> str:
    if f.required:
        return "Wajib diisi"
    parts = []
    if f.required_when:
        parts.append("Wajib jika " + " dan ".join(c.text for c in f.required_when))
    if f.only_when:
        parts.append("Diisi hanya jika " + " dan ".join(c.text for c in f.only_when))
    return "; ".join(parts) or ("Boleh kosong (bawaan: " + str(f.default) + ")" if f.default is not None
                                else "Boleh kosong")


def _accepted(f: FieldDef) -> str:
    if f.type == "enum":
        return "; ".join(f.values or ())
    if f.type in ("integer", "number"):
        unit = "%" if f.unit == "percent" else ""
        if f.min is not None and f.max is not None:
            return f"{f.min}{unit} s.d. {f.max}{unit}"
        if f.min is not None:
            return f"paling sedikit {f.min}{unit}"
        if f.max is not None:
            return f"paling banyak {f.max}{unit}"
        return "angka (koma atau titik desimal)"
    return {"nip": "18 digit, ditulis sebagai teks", "boolean": "Ya atau Tidak",
            "date": "tanggal, mis. 31/12/2024"}.get(f.type, "teks bebas")


def _guide(sheet, policy: Policy, fields, headers, rows, skipped) -> None:
    specs = policy.resolved.sections["fields"]
    lines = [
        f"Petunjuk pengisian: {policy.name} ({policy.id}, versi {policy.version})",
        "",
        f"1. Isi satu baris per pegawai di lembar {DATA}, mulai baris 2. Judul kolom jangan diubah "
        "(huruf besar/kecil dan spasi boleh berbeda).",
        "2. NIP ditulis sebagai teks 18 digit: kolom NIP sudah berformat teks. Jangan mengetik NIP sebagai "
        "angka, karena Excel hanya menyimpan 15 digit angka.",
        "3. Kolom pilihan: pilih isian dari daftar (drop-down). Kolom angka menolak isian di luar batasnya.",
        "4. Kolom persen (%): ketik 98 di sel berformat persen (tampil 98%); kinerja membacanya sebagai 98.",
        "5. Tanggal: ketik sebagai tanggal (31/12/2024) atau teks 2024-12-31.",
        f"6. Contoh pengisian ada di lembar {EXAMPLES}; lembar itu tidak ikut dinilai.",
        f"7. Nilai dengan: kinerja evaluate {policy.id} pegawai.xlsx   (hasil ke Excel: "
        "--format xlsx -o hasil.xlsx)",
    ]
    if skipped:
        lines.append(f"8. Isian berupa daftar ({', '.join(skipped)}) tidak dapat diisi di satu sel; "
                     "gunakan berkas JSON atau YAML untuk isian tersebut.")
    for r, text in enumerate(lines, 1):
        sheet.cell(r, 1, text).font = Font(bold=r == 1, size=13 if r == 1 else 11)
    top = len(lines) + 2
    head = ["Kolom", "Kode", "Wajib", "Jenis isian", "Isian yang diterima", "Keterangan", "Contoh"]
    for c, text in enumerate(head, 1):
        cell = sheet.cell(top, c, text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    example = rows[0] if rows else {}
    for r, (name, f) in enumerate(fields.items(), top + 1):
        kind = KINDS.get(f.type, f.type) + (" (persen)" if f.unit == "percent" else "")
        description = (specs[name].spec.get("description") if name in specs else None) or ""
        value = example.get(name)
        shown = "" if value in (None, "") else str(value) + ("%" if f.unit == "percent" else "")
        for c, text in enumerate([headers[name], name, _required(f), kind, _accepted(f), description, shown], 1):
            cell = sheet.cell(r, c, text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = "@"
    for c, width in enumerate([34, 26, 30, 22, 40, 50, 22], 1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = f"A{top + 1}"


# --- example rows --------------------------------------------------------------------------------


def example_rows(policy: Policy, fields: dict[str, FieldDef], samples: Iterable[dict], wanted: int = 3) -> list[dict]:
    """Up to `wanted` records that evaluate without errors: from the policy's sample file when it
    has one, else made from the field declarations (and checked the same way)."""
    evaluator = Evaluator(policy)
    rows = []
    for i, record in enumerate(samples, 1):
        if evaluator.evaluate(Source(i, dict(record))).ok:
            rows.append({k: v for k, v in record.items() if k in fields})
            if len(rows) == wanted:
                return rows
    if rows:
        return rows
    made = _made_up(fields)
    for _ in range(len(fields) + 1):  # settle required_when / only_when, one field at a time
        result = evaluator.evaluate(Source(1, dict(made)))
        if result.ok:
            return [made]
        changed = False
        for e in result.errors:
            name = e.get("field")
            if name not in fields:
                continue
            reason = str(e.get("reason", ""))
            if reason.startswith("must be empty"):
                made.pop(name, None)
                changed = True
            elif reason.startswith("required") and name not in made:
                made[name] = _value(fields[name])
                changed = True
        if not changed:
            break
    return []


def _made_up(fields: dict[str, FieldDef]) -> dict:
    return {name: _value(f) for name, f in fields.items()
            if f.required or not (f.required_when or f.only_when)}


def _value(f: FieldDef) -> Any:
    if f.type == "nip":
        return "199001012015031001"
    if f.type == "enum":
        return (f.values or ("",))[0]
    if f.type in ("integer", "number"):
        lo, hi = f.min, f.max
        if lo is not None and hi is not None:
            return ((lo + hi) / 2).to_integral_value() if f.type == "integer" else (lo + hi) / 2
        return lo if lo is not None else (hi if hi is not None and hi < 1 else Decimal(1))
    if f.type == "boolean":
        return "Tidak"
    if f.type == "date":
        return dt.date(dt.date.today().year, 1, 1).isoformat()
    if f.name == "nama":
        return "Contoh Pegawai"
    return "Contoh"
