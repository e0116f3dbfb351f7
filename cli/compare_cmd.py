"""`kinerja compare`: two policies on the same records, one pass; what changes and why."""

from __future__ import annotations

import sys

import click

from kinerja.compare.run import Comparison, Options, affected_actions, check_options
from kinerja.evaluate.fairness import favourable_actions, parse_favourable
from kinerja.i18n import _, document_lang
from kinerja.records.source import RecordsError
from kinerja.evaluate.parallel import WorkerError
from kinerja.report.compare_out import RENDERERS, write_report

from kinerja.cli.common import EXIT_FINDINGS, EXIT_OK, Output, fail, load_policy
from kinerja.cli.population_opts import load_units, org_predikat_option, units_option
from kinerja.cli.run_cmds import Progress, estimate_records, jobs_option, match_columns, open_records, records_options, \
    resolve_jobs


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
@records_options
@units_option
@jobs_option
def compare(policy_a, policy_b, records, by_output, group_by, favourable, min_group, org_predikat, fmt, output,
            fail_on_change, input_format, sheet, header_row, map_file, units_file, jobs):
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
        fail(_("give each unit's predikat with --units or with --org-predikat, not both"))
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
    progress = Progress(estimate_records(records, input_format))
    jobs = resolve_jobs(jobs)
    try:
        if units is not None:
            from kinerja.records.units import prepare
            sources = prepare(sources, a, units, also=b.fields)
        if jobs > 1 and units is None:  # with --units: one process (its units travel with every block otherwise)
            _compare_blocks(comparison, policy_a, policy_b, sources, jobs, progress)
        else:
            for source in sources:
                comparison.add(source)
                progress.tick(comparison.records)
    except (RecordsError, WorkerError) as exc:
        progress.done()
        fail(str(exc))
    progress.done()
    data = comparison.report()
    if fmt == "html" and output and output != "-":
        _changed_beside(data, output)
    out = Output(output)
    try:
        if fmt == "html":  # a document for the decision meeting: Indonesian unless --lang/KINERJA_LANG say en
            from kinerja.report.html import render
            out.stream.write(render(data, document_lang()))
        else:
            write_report(data, fmt, out.stream)
    finally:
        out.close()
    s = data["summary"]
    if output and output != "-":
        click.echo(_("records: {records}, valid: {valid}, invalid: {invalid}, changed: {changed}; report written to {output}").format(
            records=s["records"], valid=s["valid"], invalid=s["invalid"], changed=s["changed"], output=output), err=True)
    sys.exit(EXIT_FINDINGS if fail_on_change and s["changed"] else EXIT_OK)


def _compare_blocks(comparison, ref_a, ref_b, sources, jobs, progress) -> None:
    """`compare --jobs N`: blocks compared in N worker processes, merged in input order."""
    from kinerja.compare.blocks import CompareJob, compare_job
    from kinerja.evaluate.parallel import PolicyRef, run_blocks

    job = CompareJob(PolicyRef.of(ref_a, comparison.a), PolicyRef.of(ref_b, comparison.b), comparison.options)
    local = Comparison(comparison.a, comparison.b, comparison.options)
    for state in run_blocks(compare_job, job, sources, jobs, local=lambda block, index: compare_job(job, block, index,
                                                                                                      local)):
        comparison.merge(state)
        progress.tick(comparison.records)


def _changed_beside(data: dict, output: str) -> None:
    """A long list of changed records goes beside the HTML report as CSV (the page embeds a bounded part)."""
    from pathlib import Path

    from kinerja.report.compare_out import write_changed_csv
    from kinerja.report.html import EMBED_ROWS

    if len(data["changed"]) <= EMBED_ROWS:
        return
    path = Path(output).with_suffix(".changed.csv")
    try:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            write_changed_csv(data, fh)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    data["changed_csv"] = path.name
