"""The formats `kinerja evaluate` writes results in, one registry: `RESULT_FORMATS[name]`.

Every writer is made with one signature, `Writer(out, outputs, info, *, periode, columns,
policy, lang)` (report/results.py), and each format declares what it is: a binary file (xlsx:
it needs `-o FILE`), whether it can carry each record's explanation, whether it explains from
each result's values (so evaluation keeps them), whether it takes `--columns`. The command's
`--format` choices and its checks are read from here, never listed again.

The xlsx writer is imported only when chosen: xlsxwriter is slow to import and most runs never
need it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kinerja.i18n import N_
from kinerja.report.results import CsvWriter, JsonlWriter, JsonWriter, TableWriter, Writer


def _xlsx() -> type[Writer]:
    from kinerja.report.xlsx import XlsxWriter  # xlsxwriter: imported when the format is chosen (a fast start)

    return XlsxWriter


@dataclass(frozen=True)
class ResultFormat:
    """One results format and what it needs from the run."""

    load: Callable[[], type[Writer]]  # the writer class
    binary: bool = False  # writes bytes: only to a file
    needs_file: str | None = None  # the message when it is asked for without -o FILE
    explanations: bool = False  # each row can carry its explanation (--explain)
    explains_itself: bool = False  # explains every row from its values: evaluation keeps them
    columns: bool = False  # takes --columns
    explain_sheet: bool = False  # takes --explain-sheet / --no-explain-sheet

    def writer(self, out, outputs: list[str], info: dict, **options) -> Writer:
        return self.load()(out, outputs, info, **options)


RESULT_FORMATS: dict[str, ResultFormat] = {
    "table": ResultFormat(lambda: TableWriter, columns=True),
    "json": ResultFormat(lambda: JsonWriter, explanations=True),
    "jsonl": ResultFormat(lambda: JsonlWriter, explanations=True),
    "csv": ResultFormat(lambda: CsvWriter),
    "xlsx": ResultFormat(_xlsx, binary=True, needs_file=N_("--format xlsx needs -o FILE.xlsx"), explanations=True,
                         explains_itself=True, explain_sheet=True),
}
