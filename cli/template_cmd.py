"""`kinerja template` (an input workbook for a policy) and `kinerja list` (what is shipped)."""

from __future__ import annotations

import io
import os
import sys
from importlib import resources
from pathlib import Path

import click

from kinerja.i18n import _, os_reason

from kinerja.cli.common import EXIT_OK, fail, load_policy

SAMPLE_SUFFIXES = (".sample.csv", ".sample.yaml", ".sample.json", ".sample.jsonl")


def _sample_records(ref: str, policy) -> list[dict]:
    """The records of the policy's sample file (`<name>.sample.csv` beside it), if it has one."""
    from kinerja.policy.documents import shipped_policies
    from kinerja.records.read import read_records
    from kinerja.records.source import RecordsError

    candidates = []
    if os.path.exists(ref):
        path = Path(ref)
        stem = path.name.rsplit(".", 1)[0]
        candidates = [(s, path.with_name(stem + s)) for s in SAMPLE_SUFFIXES if path.with_name(stem + s).is_file()]
        candidates = [(s, p.read_bytes()) for s, p in candidates]
    else:
        for display, item in shipped_policies():
            if display == policy.resolved.doc.file:  # policies/<folder>/<name>.yaml
                stem = item.name.rsplit(".", 1)[0]
                folder = resources.files("kinerja.policies").joinpath(*display.split("/")[1:-1])
                candidates = [(s, folder.joinpath(stem + s).read_bytes()) for s in SAMPLE_SUFFIXES
                              if folder.joinpath(stem + s).is_file()]
    for suffix, data in candidates[:1]:
        try:
            return [s.data for s in read_records("-", suffix.rsplit(".", 1)[-1], stdin=io.BytesIO(data))
                    if isinstance(s.data, dict)][:200]
        except RecordsError:
            return []
    return []


@click.command()
@click.argument("policy")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The workbook to write, e.g. pegawai.xlsx.")
def template(policy, output):
    """Write an Excel workbook for POLICY's input: one column per field, validated, with instructions.

    Sheet Data takes one employee a row (headed by the fields' labels, NIP as text, drop-down
    lists, number ranges); Contoh holds example rows; Petunjuk explains every column in
    Indonesian. Filled in, it evaluates with no mapping: kinerja evaluate POLICY FILE.xlsx.
    """
    from kinerja.report.template import EXAMPLES, GUIDE, DATA, build_template

    if not output.lower().endswith((".xlsx", ".xlsm")):
        fail(_("{output}: the template is an Excel workbook; give a file name ending in .xlsx").format(output=output))
    compiled = load_policy(policy)
    lists = [n for n, f in compiled.fields.items() if f.type == "list" and (f.required or f.required_when)]
    if lists:
        fail(_("{id} needs {value}: a list of items for each employee, which one spreadsheet cell cannot hold; give its records as JSON or YAML (see the policy's sample file)").format(id=compiled.id, value=', '.join(lists)))
    made = build_template(compiled, _sample_records(policy, compiled))
    try:
        made.book.save(output)
    except OSError as exc:
        fail(_("cannot write {output}: {value}").format(output=output, value=os_reason(exc)))
    click.echo(_("wrote {output}: {columns} columns on sheet {DATA}, {examples} example row(s) on {EXAMPLES}, instructions on {GUIDE}").format(output=output, columns=len(made.columns), DATA=DATA, examples=made.examples, EXAMPLES=EXAMPLES, GUIDE=GUIDE), err=True)
    if made.skipped:
        click.echo(_("note: list fields cannot be typed into one cell and were left out: {value}").format(value=', '.join(made.skipped)),
                   err=True)
    sys.exit(EXIT_OK)


@click.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_shipped(fmt):
    """List the shipped policies and column mappings (id, name, regime, extends)."""
    from kinerja.library import shipped_library
    from kinerja.report.results import dumps

    items = shipped_library()
    if fmt == "json":
        click.echo(dumps(items, indent=2))
        sys.exit(EXIT_OK)
    rows = [["id", _("kind"), _("regime"), "extends", _("name")]]
    rows += [[i["id"], i["kind"], i["regime"] or "-", i["extends"] or "-", i["name"]] for i in items]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4])
    click.echo(_("\nUse an id anywhere a policy or mapping file is asked for: kinerja show ID, kinerja template ID -o pegawai.xlsx, kinerja evaluate ID FILE --map MAPPING."))
    sys.exit(EXIT_OK)
