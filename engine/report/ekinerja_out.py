"""The formats of `kinerja ekinerja`: the rows of an e-Kinerja export to look at (each a dict
with the keys of COLUMNS), as an aligned table, CSV or JSON. One signature: (rows, stream)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import IO

from kinerja.report.results import dumps, inert, printable

COLUMNS = ["row", "where", "nip", "nama", "unit_kerja", "hasil_akhir", "predikat", "finding", "reason"]


def write_json(rows: list[dict], stream: IO[str]) -> None:
    stream.write(dumps(rows, indent=2) + "\n")


def write_csv(rows: list[dict], stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: inert(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows)


def write_table(rows: list[dict], stream: IO[str]) -> None:
    if not rows:
        return
    shown = ["row", "where", "nip", "nama", "hasil_akhir", "predikat", "reason"]
    table = [shown] + [[str(r[c]) for c in shown] for r in rows]
    widths = [min(max(len(t[i]) for t in table), 40) for i in range(len(shown))]
    widths[-1] = max(len(t[-1]) for t in table)  # the reason is the point: never cut
    for t in table:
        stream.write(printable("  ".join(c[:w].ljust(w) for c, w in zip(t, widths)).rstrip()) + "\n")


EKINERJA_FORMATS: dict[str, Callable[[list[dict], IO[str]], None]] = {
    "table": write_table, "csv": write_csv, "json": write_json}
