"""`kinerja template` (an input workbook for a policy) and `kinerja list` (what is shipped)."""

from __future__ import annotations

import sys

import click

from kinerja.cli.common import EXIT_OK, fail, load_policy
from kinerja.i18n import _, os_reason
from kinerja.library import sample_records, shipped_library
from kinerja.report.library_out import LIBRARY_FORMATS


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
    from kinerja.report.template import DATA, EXAMPLES, GUIDE, build_template

    if not output.lower().endswith((".xlsx", ".xlsm")):
        fail(_("{output}: the template is an Excel workbook; give a file name ending in .xlsx").format(output=output))
    compiled = load_policy(policy)
    lists = [n for n, f in compiled.fields.items() if f.type == "list" and (f.required or f.required_when)]
    if lists:
        fail(_("{id} needs {value}: a list of items for each employee, which one spreadsheet cell cannot hold; give "
               "its records as JSON or YAML (see the policy's sample file)").format(id=compiled.id,
                                                                             value=", ".join(lists)))
    made = build_template(compiled, sample_records(policy, compiled))
    try:
        made.book.save(output)
    except OSError as exc:
        fail(_("cannot write {output}: {value}").format(output=output, value=os_reason(exc)))
    click.echo(_("wrote {output}: {columns} columns on sheet {DATA}, {examples} example row(s) on {EXAMPLES}, "
                 "instructions on {GUIDE}").format(output=output, columns=len(made.columns), DATA=DATA,
                                                   examples=made.examples, EXAMPLES=EXAMPLES, GUIDE=GUIDE), err=True)
    if made.skipped:
        click.echo(_("note: list fields cannot be typed into one cell and were left out: {value}").format(
            value=', '.join(made.skipped)),
                   err=True)
    sys.exit(EXIT_OK)


@click.command(name="list")
@click.option("--format", "fmt", type=click.Choice(list(LIBRARY_FORMATS)), default="text", show_default=True)
def list_shipped(fmt):
    """List the shipped policies and column mappings (id, name, regime, extends)."""
    click.echo(LIBRARY_FORMATS[fmt](shipped_library()), nl=False)
    sys.exit(EXIT_OK)
