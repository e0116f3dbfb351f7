"""`kinerja compare`: two policies on the same records, one pass; what changes and why."""

from __future__ import annotations

import sys

import click

from kinerja.engine.compare import Comparison, Options, check_options
from kinerja.engine.fairness import parse_favourable
from kinerja.engine.records import RecordsError
from kinerja.engine.report.compare_out import RENDERERS

from .common import EXIT_FINDINGS, EXIT_OK, Output, fail, load_policy
from .population_opts import org_predikat_option
from .run_cmds import Progress, estimate_records, match_columns, open_records, records_options


@click.command()
@click.argument("policy_a")
@click.argument("policy_b")
@click.argument("records")
@click.option("--by-output", default="predikat", show_default=True, help="Output for the transition matrix.")
@click.option("--group-by", "group_by", multiple=True,
              help="Break down by a record field (repeatable; jenis_kelamin is derived from the NIP). "
                   "Default: unit_kerja when both policies have it.")
@click.option("--favourable", help="Favourable outcome for the fairness view: an action id "
              "(default kenaikan-pangkat-reguler) or OUTPUT=LABEL[,LABEL…].")
@click.option("--min-group", type=click.IntRange(1), default=5, show_default=True,
              help="Fairness: smaller groups are shown but not flagged (a rate of 2 people says little).")
@click.option("--org-predikat", "org_predikat", help="Organisation predikat per unit for the kurva check: "
              "'Dinas A=Baik,Dinas B=Istimewa' or @file.csv|.json|.yaml.")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when any record changes.")
@records_options
def compare(policy_a, policy_b, records, by_output, group_by, favourable, min_group, org_predikat, fmt, output,
            fail_on_change, input_format, sheet, header_row, map_file):
    """Evaluate RECORDS under POLICY_A and POLICY_B and report what changes, for whom and why."""
    a, b = load_policy(policy_a), load_policy(policy_b)
    try:
        fav = parse_favourable(favourable)
    except ValueError as exc:
        fail(f"--favourable: {exc}")
    if not group_by:
        group_by = ("unit_kerja",) if "unit_kerja" in a.fields and "unit_kerja" in b.fields else ()
    org = org_predikat_option(org_predikat, a.population + b.population)
    options = Options(by_output, tuple(dict.fromkeys(group_by)), fav, org, min_group)
    problems = check_options(a, b, options)
    if problems:
        fail("; ".join(problems))
    comparison = Comparison(a, b, options)
    try:
        sources = open_records(records, input_format, sheet, header_row, map_file)
    except RecordsError as exc:
        fail(str(exc))
    sources = match_columns({**b.fields, **a.fields}, sources, records, input_format)
    progress = Progress(estimate_records(records, input_format))
    try:
        for source in sources:
            comparison.add(source)
            progress.tick(comparison.records)
    except RecordsError as exc:
        progress.done()
        fail(str(exc))
    progress.done()
    data = comparison.report()
    text = RENDERERS[fmt](data)
    out = Output(output)
    try:
        out.stream.write(text)
    finally:
        out.close()
    s = data["summary"]
    if output and output != "-":
        click.echo(f"records: {s['records']}, valid: {s['valid']}, invalid: {s['invalid']}, "
                   f"changed: {s['changed']}; report written to {output}", err=True)
    sys.exit(EXIT_FINDINGS if fail_on_change and s["changed"] else EXIT_OK)
