"""Writers for evaluation results: json, jsonl, csv (streaming) and table (for people).

Decimals are written as JSON numbers exactly as computed: a value declared with `places: 2`
is written with two places (`12.50`), never through a binary float.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from decimal import Decimal
from typing import IO, Any

from ..evaluate import Result, result_row

_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]


def dumps(value: Any, indent: int | None = None, _level: int = 0) -> str:
    """JSON text with Decimal written exactly; dates as ISO strings; tuples as lists."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _encode_str(value)
    if isinstance(value, Decimal):
        text = str(value)
        return text if "E" not in text else format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return _encode_str(value.isoformat())
    if isinstance(value, dict):
        if not value:
            return "{}"
        if indent is None:
            return "{" + ", ".join(f"{_encode_str(str(k))}: {dumps(v)}" for k, v in value.items()) + "}"
        pad, inner = " " * (indent * _level), " " * (indent * (_level + 1))
        items = ",\n".join(f"{inner}{_encode_str(str(k))}: {dumps(v, indent, _level + 1)}" for k, v in value.items())
        return "{\n" + items + "\n" + pad + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if indent is None:
            return "[" + ", ".join(dumps(v) for v in value) + "]"
        pad, inner = " " * (indent * _level), " " * (indent * (_level + 1))
        return "[\n" + ",\n".join(inner + dumps(v, indent, _level + 1) for v in value) + "\n" + pad + "]"
    return _encode_str(str(value))


class Writer:
    def __init__(self, out: IO[str], outputs: list[str], info: dict):
        self.out, self.outputs, self.info = out, outputs, info

    def write(self, result: Result) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class JsonlWriter(Writer):
    def write(self, result: Result) -> None:
        self.out.write(dumps(result_row(result, self.info)))
        self.out.write("\n")


class JsonWriter(Writer):
    def __init__(self, *args):
        super().__init__(*args)
        self.first = True
        self.out.write("[")

    def write(self, result: Result) -> None:
        self.out.write("\n  " if self.first else ",\n  ")
        self.first = False
        self.out.write(dumps(result_row(result, self.info)))

    def close(self) -> None:
        self.out.write("\n]\n" if not self.first else "]\n")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v) for v in value)
    return str(value)


def error_text(errors: list[dict]) -> str:
    parts = []
    for e in errors:
        where = e.get("cell") or e.get("field") or e.get("name") or ""
        value = f" = {e['value']!r}" if e.get("value") not in (None, "") else ""
        parts.append(f"{where}{value}: {e.get('reason', '')}" if where else str(e.get("reason", "")))
    return "; ".join(parts)


class CsvWriter(Writer):
    def __init__(self, *args):
        super().__init__(*args)
        self.csv = csv.writer(self.out, lineterminator="\n")
        self.csv.writerow(["row", "nip", "status", *self.outputs, "actions", "errors",
                           "policy_id", "policy_version", "policy_sha256"])

    def write(self, result: Result) -> None:
        outs = [cell_text(result.outputs.get(n)) for n in self.outputs]
        actions = "; ".join(a["id"] for a in result.actions)
        self.csv.writerow([result.row, result.nip or "", result.status, *outs, actions,
                           error_text(result.errors), self.info["id"], self.info["version"], self.info["sha256"]])


class TableWriter(Writer):
    """Aligned columns for a terminal; wide cells are cut to fit its width."""

    def __init__(self, *args, width: int | None = None):
        super().__init__(*args)
        self.rows: list[list[str]] = []
        self.width = width or shutil.get_terminal_size((160, 24)).columns

    def write(self, result: Result) -> None:
        if result.ok:
            detail = [cell_text(result.outputs.get(n)) for n in self.outputs]
            actions = ", ".join(a["id"] for a in result.actions)
        else:
            detail = [""] * len(self.outputs)
            actions = "ERROR " + error_text(result.errors)
        self.rows.append([str(result.row), result.nip or "", result.status, *detail, actions])

    def close(self) -> None:
        header = ["row", "nip", "status", *self.outputs, "actions"]
        rows = [header] + self.rows
        widths = [min(max(len(r[i]) for r in rows), 40) for i in range(len(header))]
        widths[-1] = max(len(r[-1]) for r in rows)
        for r in rows:
            line = "  ".join(c[:w].ljust(w) if len(c) <= w else c[:w - 1] + "…" for c, w in zip(r, widths))
            line = line.rstrip()
            if len(line) > self.width:
                line = line[: self.width - 1] + "…"
            self.out.write(line + "\n")


WRITERS = {"json": JsonWriter, "jsonl": JsonlWriter, "csv": CsvWriter, "table": TableWriter}
