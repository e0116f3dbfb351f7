"""`kinerja compare`: two policies on the same records, one pass; what changes and why."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kinerja.engine.compare import Comparison, Options, affected_actions, check_options
from kinerja.engine.fairness import favourable_actions, parse_favourable
from kinerja.engine.records import RecordsError
from kinerja.engine.report.compare_out import RENDERERS

from .common import EXIT_FINDINGS, EXIT_OK, Output, fail, load_policy
from .population_opts import load_units, org_predikat_option, units_option
from .run_cmds import Progress, estimate_records, match_columns, open_records, records_options


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
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when any record changes.")
@click.option("--lang", type=click.Choice(["id", "en"]), default="id", show_default=True,
              help="Language of the HTML report's headings.")
@records_options
@units_option
def compare(policy_a, policy_b, records, by_output, group_by, favourable, min_group, org_predikat, fmt, output,
            fail_on_change, lang, input_format, sheet, header_row, map_file, units_file):
    """Evaluate RECORDS under POLICY_A and POLICY_B and report what changes, for whom and why.

    Fairness looks, unless --favourable says otherwise, at the action(s) the variant can change."""
    a, b = load_policy(policy_a), load_policy(policy_b)
    try:
        fav = parse_favourable(favourable)
    except ValueError as exc:
        fail(f"--favourable: {exc}")
    if not favourable:
        changed = affected_actions(a, b)
        if changed:
            fav = favourable_actions(changed)
    if not group_by:
        group_by = ("unit_kerja",) if "unit_kerja" in a.fields and "unit_kerja" in b.fields else ()
    units = load_units(units_file, [a, b])
    if units is not None and org_predikat:
        fail("give each unit's predikat with --units or with --org-predikat, not both")
    org = org_predikat_option(org_predikat, a.population + b.population)
    options = Options(by_output, tuple(dict.fromkeys(group_by)), fav, org, min_group, units)
    problems = check_options(a, b, options)
    if problems:
        fail("; ".join(problems))
    comparison = Comparison(a, b, options)
    try:
        sources = open_records(records, input_format, sheet, header_row, map_file)
    except RecordsError as exc:
        fail(str(exc))
    sources = match_columns({**b.fields, **a.fields}, sources, records, input_format)
    if units is not None:
        from kinerja.engine.units import prepare
        sources = prepare(sources, a, units, also=b.fields)
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
    to_file = bool(output and output != "-")
    if fmt == "html":
        from kinerja.engine.report.html import changed_csv, needs_csv, render
        csv_path = str(Path(output).with_suffix("")) + ".changed.csv" if to_file else None
        text = render(data, lang, Path(csv_path).name if csv_path else None)
        if needs_csv(data):
            if csv_path is None:
                click.echo("note: the changed list is long; the page holds its first part "
                           "(give -o FILE.html to get the full list as a CSV beside it)", err=True)
            else:
                try:
                    Path(csv_path).write_text(changed_csv(data), encoding="utf-8")
                except OSError as exc:
                    fail(f"cannot write {csv_path}: {exc.strerror or exc}")
                click.echo(f"the full changed list: {csv_path}", err=True)
    else:
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
