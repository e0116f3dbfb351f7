"""`kinerja compare`: two policies on the same records, one pass; what changes and why."""

from __future__ import annotations

import sys

import click

from kinerja.cli.common import EXIT_FINDINGS, EXIT_OK, Output, fail, load_policy
from kinerja.cli.population_opts import load_units, org_predikat_option, units_option
from kinerja.cli.run_cmds import (
    Progress,
    jobs_option,
    match_columns,
    open_records,
    records_options,
    resolve_jobs,
)
from kinerja.comparison.job import OptionError, compare_records, comparison_options
from kinerja.evaluation.parallel import WorkerError
from kinerja.i18n import _, document_lang
from kinerja.records.source import RecordsError
from kinerja.report.compare_out import COMPARE_FORMATS, changed_beside


@click.command()
@click.argument("policy_a")
@click.argument("policy_b")
@click.argument("records")
@click.option("--by-output", default="predikat", show_default=True, help="Output for the transition matrix.")
@click.option("--group-by", "group_by", multiple=True,
              help="Break down by a record field (repeatable; jenis_kelamin is derived from the NIP). "
                   "Default: unit_kerja when both policies have it.")
@click.option("--favourable", help="Favourable outcome for the fairness view: an action id or "
              "OUTPUT=LABEL[,LABEL…] (default: the action(s) the variant changes, else kenaikan-pangkat-reguler).")
@click.option("--min-group", type=click.IntRange(1), default=5, show_default=True,
              help="Fairness: smaller groups are shown but not flagged (a rate of 2 people says little).")
@click.option("--org-predikat", "org_predikat", help="Organisation predikat per unit for the kurva check: "
              "'Dinas A=Baik,Dinas B=Istimewa' or @file.csv|.json|.yaml.")
@click.option("--format", "fmt", type=click.Choice(sorted(COMPARE_FORMATS)), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when any record changes.")
@records_options
@units_option
@jobs_option
def compare(policy_a, policy_b, records, by_output, group_by, favourable, min_group, org_predikat, fmt, output,
            fail_on_change, input_format, sheet, header_row, map_file, units_file, jobs):
    """Evaluate RECORDS under POLICY_A and POLICY_B and report what changes, for whom and why.

    Fairness looks, unless --favourable says otherwise, at the action(s) the variant can change."""
    a, b = load_policy(policy_a), load_policy(policy_b)
    units = load_units(units_file, [a, b])
    if units is not None and org_predikat:
        fail(_("give each unit's predikat with --units or with --org-predikat, not both"))
    org = org_predikat_option(org_predikat, a.population + b.population)
    try:
        options = comparison_options(a, b, by_output=by_output, group_by=group_by, favourable=favourable,
                                     min_group=min_group, org_predikat=org, units=units)
    except OptionError as exc:
        fail(f"{exc.option}: {exc}" if exc.option else str(exc))
    try:
        sources = open_records(records, input_format, sheet, header_row, map_file)
    except RecordsError as exc:
        fail(str(exc))
    sources = match_columns({**b.fields, **a.fields}, sources, records, input_format)
    progress = Progress.of(records, input_format)
    try:
        comparison = compare_records(a, b, sources, options, refs=(policy_a, policy_b), jobs=resolve_jobs(jobs),
                                     tick=progress.tick)
    except (RecordsError, WorkerError) as exc:
        progress.done()
        fail(str(exc))
    progress.done()
    data = comparison.report()
    kind = COMPARE_FORMATS[fmt]
    if output and output != "-":
        try:
            changed_beside(data, output, kind)
        except OSError as exc:
            fail(f"cannot write {exc.filename}: {exc.strerror or exc}")
    out = Output(output)
    try:
        kind.write(data, out.stream, document_lang())
    finally:
        out.close()
    s = data["summary"]
    if output and output != "-":
        click.echo(_("records: {records}, valid: {valid}, invalid: {invalid}, changed: {changed}; report written to "
                     "{output}").format(records=s["records"], valid=s["valid"], invalid=s["invalid"],
                                        changed=s["changed"], output=output), err=True)
    sys.exit(EXIT_FINDINGS if fail_on_change and s["changed"] else EXIT_OK)
