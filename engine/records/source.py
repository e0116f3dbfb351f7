"""What every records reader yields and raises: `Source` (one raw record and where it came from),
the cell values a spreadsheet hands on as they are (`BadCell`, `PercentCell`), and
`RecordsError` (the file as a whole cannot be read). A leaf of records/: the readers, the
mappings and the Coercer all build on it, and it builds on none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kinerja.findings import Reportable


class RecordsError(Reportable, Exception):
    """The records file as a whole cannot be read (not one bad record: those become rows).
    A problem like every other kinerja reports (findings.Reportable): code K409, its severity
    and title from the catalogue; the CLI prints its message and exits 2."""

    code = "K409"

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": str(self)}


@dataclass
class Source:
    """One raw record and where it came from (for messages)."""

    row: int  # 1-based record number
    data: Any  # a dict normally; anything else becomes an error row
    where: str = ""  # e.g. "line 5" or "Sheet1 row 14"
    cells: Mapping[str, str] | None = None  # field -> cell reference (xlsx), for messages
    problem: str | None = None  # a reader-level problem with this record (bad JSON line, …)
    code: str = "K407"  # the code the problem is reported with
    decimal_comma: bool = False  # read "1.234,5" as 1234.5 (a `;`-separated CSV, as Excel writes it)


@dataclass(frozen=True)
class BadCell:
    """A cell a reader could take no value from (Excel error, formula without a saved value);
    the Coercer reports it against the field that reads it, with the cell reference."""

    value: Any
    reason: str
    code: str = "K402"


@dataclass(frozen=True)
class PercentCell:
    """A number a spreadsheet shows as a percentage (stored 0.98, shown 98%). The Coercer reads
    it as 98 for a field declared `unit: percent` and reports it for any other field."""

    value: Any  # as stored: 0.98

    def __str__(self) -> str:
        shown = (Decimal(repr(self.value)) * 100).normalize()
        return f"{shown:f}%"
