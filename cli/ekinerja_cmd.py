"""`kinerja ekinerja`: check an e-Kinerja BKN export and list only the rows to look at.

The same as `kinerja evaluate ekinerja-cek EXPORT --map ekinerja-bkn`, narrowed to the rows
whose recorded hasil_akhir disagrees with the kuadran, has none, or cannot be read.
"""

from __future__ import annotations

import sys

import click

from kinerja.cli.common import EXIT_FINDINGS, EXIT_OK, Output, fail, load_policy
from kinerja.cli.run_cmds import INPUT_FORMATS, open_records
from kinerja.evaluate.evaluator import Evaluator
from kinerja.i18n import _
from kinerja.records.source import RecordsError
from kinerja.report.ekinerja_out import EKINERJA_FORMATS
from kinerja.report.results import error_text


def _finding(result) -> dict | None:
    """The row to show for one result, or None when e-Kinerja and the kuadran agree."""
    raw = result.raw if isinstance(result.raw, dict) else {}
    row = {"row": result.row, "where": result.where, "nip": result.nip or "", "nama": _text(raw.get("nama")),
           "unit_kerja": _text(raw.get("unit_kerja")), "hasil_akhir": _text(raw.get("hasil_akhir")),
           "predikat": ""}
    if not result.ok:
        return row | {"finding": "error", "reason": error_text(result.errors)}
    row["predikat"] = _text(result.outputs.get("predikat"))
    action = next((a for a in result.actions if a["kind"] == "catatan"), None)
    if action is None:
        return None
    return row | {"finding": action["id"], "reason": action.get("reason", "")}


def _text(value) -> str:
    return "" if value is None or hasattr(value, "reason") else str(value)


@click.command()
@click.argument("export")
@click.option("--policy", "policy_ref", default="ekinerja-cek", show_default=True,
              help="Policy that recomputes the predikat (a file or a shipped id).")
@click.option("--map", "map_file", default="ekinerja-bkn", show_default=True,
              help="Column mapping of the export (a *.map.yaml file or a shipped id).")
@click.option("--sheet", help="Sheet name (default: the first sheet).")
@click.option("--header-row", type=click.IntRange(1), help="Row number of the header (default: found by its names).")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), help="Export format (default: from the extension).")
@click.option("--format", "fmt", type=click.Choice(list(EKINERJA_FORMATS)), default="table",
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the list to a file.")
def ekinerja(export, policy_ref, map_file, sheet, header_row, input_format, fmt, output):
    """List the rows of an e-Kinerja BKN EXPORT whose hasil_akhir disagrees with the kuadran
    (PermenPANRB 6/2022), is empty, or cannot be read. Exit 1 when there is any."""
    policy = load_policy(policy_ref)
    evaluator = Evaluator(policy)
    notes: list[str] = []
    found: list[dict] = []
    total = 0
    try:
        for result in evaluator.run(open_records(export, input_format, sheet, header_row, map_file, notes)):
            total += 1
            row = _finding(result)
            if row is not None:
                found.append(row)
    except RecordsError as exc:
        fail(str(exc))
    out = Output(output)
    try:
        EKINERJA_FORMATS[fmt](found, out.stream)
    finally:
        out.close()
    for note in notes:
        click.echo(_("note: {note}").format(note=note), err=True)
    kinds = {k: sum(r["finding"] == k for r in found) for k in ("predikat-tidak-sesuai", "hasil-akhir-kosong", "error")}
    click.echo(_("rows: {total}, disagree: {disagree}, hasil_akhir empty: {empty}, unreadable: {unreadable}").format(
        total=total, disagree=kinds["predikat-tidak-sesuai"], empty=kinds["hasil-akhir-kosong"],
        unreadable=kinds["error"]), err=True)
    sys.exit(EXIT_FINDINGS if found else EXIT_OK)
