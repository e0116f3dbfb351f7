"""`kinerja evaluate` and `kinerja explain`: records in, results or explanations out."""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from typing import Any

import click

from kinerja.cli.common import EXIT_FINDINGS, EXIT_OK, Output, fail, load_policy
from kinerja.cli.population_opts import PopulationReport, load_units, population_options, units_option
from kinerja.evaluation.parallel import WorkerError
from kinerja.evaluation.run import EvaluateRun
from kinerja.i18n import _, document_lang, num
from kinerja.records.read import FORMATS, read_records, reader_for
from kinerja.records.source import RecordsError
from kinerja.report.population_out import finding_line
from kinerja.report.results import EXPLANATION_FORMATS
from kinerja.report.writers import RESULT_FORMATS

INPUT_FORMATS = list(FORMATS)  # from the reader registry (records/read.py)


def records_options(f):
    f = click.option("--input-format", type=click.Choice(INPUT_FORMATS),
                     help="Records format (default: from the file extension).")(f)
    f = click.option("--sheet", help="XLSX: sheet name (default: the first sheet).")(f)
    f = click.option("--header-row", type=click.IntRange(1), help="XLSX: row number of the header.")(f)
    f = click.option("--map", "map_file", help="Column mapping file (*.map.yaml) or a shipped mapping id.")(f)
    return f


def open_records(records, input_format, sheet, header_row, map_file, notes=None):
    mapping = None
    if map_file:
        from kinerja.records.mapping import load_mapping
        mapping = load_mapping(map_file)
    stdin = sys.stdin.buffer if records == "-" else None
    if records == "-" and not input_format:
        fail(_("reading records from stdin needs --input-format"))
    return read_records(records, input_format, stdin=stdin, sheet=sheet, header_row=header_row, mapping=mapping,
                        notes=notes)


def match_columns(fields: dict, sources, records: str, fmt: str | None = None):
    """Match the file's header to the policy's fields and report it once, before any row; a
    required column missing (or two columns for one field) is one finding and exit 1. JSON and
    YAML records have no header (each record names its own keys): they are matched silently."""
    from kinerja.records.headers import HeaderMatch

    matched = HeaderMatch(fields, sources)
    try:
        report = matched.start()
        tabular = reader_for(records, fmt).tabular if records != "-" or fmt else False
    except RecordsError as exc:
        fail(str(exc))
    if report is not None and tabular:
        for line in report.lines():
            click.echo(line, err=True)
        if report.fatal:
            name = "<stdin>" if records == "-" else records
            for problem in report.problems():
                click.echo(f"{name}: error {'K401' if 'not found' in problem else 'K409'} {problem}", err=True)
            fail(_("no record was evaluated: fix the header (or give --map FILE.map.yaml)"), EXIT_FINDINGS)
    return matched


def estimate_records(records: str, fmt: str | None) -> int | None:
    """About how many records a CSV/JSONL file holds (its line count), for the progress bar."""
    try:
        if records == "-" or not reader_for(records, fmt).line_per_record:
            return None
        lines = 0
        with open(records, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                lines += chunk.count(b"\n")
        return max(lines, 1)
    except (OSError, RecordsError):
        return None


class Progress:
    """click's progress bar (percentage, time left) on stderr, only on a terminal and only once a
    run takes more than a second; a plain counter when the number of records is not known."""

    def __init__(self, total: int | None = None):
        self.start = time.perf_counter()
        self.enabled = sys.stderr.isatty()
        self.total = total
        self.bar: Any = None  # click's progress bar, made once the run is slow enough to show it
        self.shown = False
        self.done_n = 0

    @classmethod
    def of(cls, records: str, fmt: str | None) -> Progress:
        """The progress of a run over this records file: its records are counted (one more pass
        over the file) only when the bar can be seen."""
        return cls(estimate_records(records, fmt) if sys.stderr.isatty() else None)

    def tick(self, n: int) -> None:
        if not self.enabled or n % 500 or time.perf_counter() - self.start <= 1.0:
            return
        if self.total:
            if self.bar is None:
                self.bar = click.progressbar(length=self.total, label="records", file=sys.stderr,
                                             show_eta=True, show_percent=True)
                self.bar.__enter__()
            self.bar.update(min(n, self.total) - self.done_n)
            self.done_n = min(n, self.total)
        else:
            click.echo(f"\r{n:,} records…", nl=False, err=True)
            self.shown = True

    def done(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
        if self.shown:
            click.echo("\r" + " " * 30 + "\r", nl=False, err=True)


def table_columns(policy, chosen: str | None, order: list[str]) -> list[str]:
    """The table's columns after row and NIP: --columns, else the name, then `summary:` outputs
    (default: every band and table), each checked against the policy's fields and outputs."""
    known = list(policy.fields) + policy.output_names()
    if chosen:
        names = [c.strip() for c in chosen.split(",") if c.strip()]
        for name in names:
            if name not in known and name not in ("nip", "actions"):
                import difflib
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                fail(_("--columns {name}: not a field or output of the policy").format(name=name)
                     + (_(" (did you mean \"{close}\"?)").format(close=close[0]) if close else ""))
        return [n for n in names if n not in ("nip", "actions")]
    from kinerja.model import Band, Table
    lead = ["nama"] if "nama" in policy.fields else []
    if policy.summary:
        return lead + [n for n in policy.summary if n not in lead]
    nodes = policy.node_by_output()
    key = [n for n in order if isinstance(nodes.get(n), (Band, Table))]
    return lead + (key or list(order))  # a policy of values only: show them all


def jobs_option(f):
    return click.option("--jobs", "-j", type=click.IntRange(1), default=None,
                        help="Processes at work: this one and N - 1 workers (default: the usable CPU cores; "
                             "1: this process only). The output is the same for every N.")(f)


def _explainer():
    """`--explain`'s explanation function, imported only when asked for (a fast start)."""
    from kinerja.explanation.explain import explain

    return explain


def resolve_jobs(jobs: int | None) -> int:
    if jobs is not None:
        return jobs
    from kinerja.evaluation.parallel import usable_cores
    return usable_cores()


@click.command()
@click.argument("policy")
@click.argument("records")
@click.option("--format", "fmt", type=click.Choice(list(RESULT_FORMATS)), default=None,
              help="Output format (default: table on a terminal, jsonl otherwise; xlsx needs -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write results to a file.")
@click.option("--explain", "with_explain", is_flag=True, help="Add each record's explanation (json/jsonl).")
@click.option("--columns", help="Table: the fields and outputs to show, e.g. nama,predikat,angka_kredit "
              "(default: the name, then the policy's `summary:` outputs, else its bands and tables).")
@click.option("--explain-sheet/--no-explain-sheet", default=None,
              help="xlsx: the explanation sheet, one row per record (default: on up to 20,000 records, off above; "
                   "building it is most of the report's time).")
@click.option("--annual", is_flag=True, help="Add one annual result per employee after the employee's period "
              "rows, by the policy's `cycle: annual` rule (the rows of one NIP must stand together).")
@records_options
@population_options
@jobs_option
def evaluate(policy, records, fmt, output, with_explain, explain_sheet, columns, annual, input_format, sheet,
             header_row, map_file, org_predikat, population_output, fairness, favourable, units_file, jobs):
    """Evaluate employee RECORDS (csv, json, jsonl, yaml, xlsx or -) against POLICY."""
    lang = document_lang()
    compiled = load_policy(policy)
    if annual and (compiled.cycle is None or compiled.cycle.annual is None):
        fail(_("--annual: the policy declares no annual rule (cycle: annual)"))
    units = load_units(units_file, [compiled])
    population = PopulationReport(compiled, org_predikat, population_output, fairness, favourable, units, annual)
    if fmt is None:
        fmt = "table" if output is None and sys.stdout.isatty() else "jsonl"
    kind = RESULT_FORMATS[fmt]
    if kind.needs_file and (not output or output == "-"):
        fail(_(kind.needs_file))
    if with_explain and not kind.explanations:
        fail(_("--explain adds explanations to json or jsonl rows, not to {fmt} (xlsx has an explanation sheet: "
               "--explain-sheet; for one employee use kinerja explain)").format(fmt=fmt))
    if columns and not kind.columns:
        fail(_("--columns chooses the columns of the table format, not of {fmt}").format(fmt=fmt))
    if explain_sheet is not None and not kind.explain_sheet:
        fail(_("--explain-sheet and --no-explain-sheet choose the explanation sheet of the xlsx format, not of {fmt}")
             .format(fmt=fmt))
    job = EvaluateRun(compiled, policy, keep_values=kind.explains_itself, tally=population.tally,
                      explainer=_explainer() if with_explain else None, explain_lang=lang, annual=annual, units=units,
                      jobs=resolve_jobs(jobs), keep_trace=kind.explains_itself and explain_sheet is not False)
    shown = table_columns(compiled, columns, job.outputs) if kind.columns else None
    started = time.perf_counter()
    notes: list[str] = []  # what the reader skipped on purpose (xlsx: empty rows, merged cells)
    try:
        sources = open_records(records, input_format, sheet, header_row, map_file, notes)
    except RecordsError as exc:
        fail(str(exc))
    # The header is matched (and the file opened) before the output exists: a run that stops
    # here leaves no file behind.
    sources = match_columns(compiled.fields, sources, records, input_format)
    progress = Progress.of(records, input_format)
    out = Output(output, binary=kind.binary)
    counts = job.counts
    try:
        writer = kind.writer(out.fh if kind.binary else out.stream, job.outputs, job.info, periode=job.periode,
                             columns=shown, policy=compiled, lang=lang,
                             **({"explain_sheet": explain_sheet} if kind.explain_sheet else {}))
        job.run(sources, writer, progress.tick)
    except WorkerError as exc:
        progress.done()
        out.close()
        fail(_("{error}; {n} record(s) before it were written").format(error=exc, n=counts.records))
    except RecordsError as exc:
        progress.done()
        if counts.records:
            out.close()
            fail(_("{exc} ({counts} record(s) before it were written)").format(exc=exc, counts=counts.records))
        out.discard()
        fail(str(exc))
    finally:
        out.close()
    progress.done()
    elapsed = time.perf_counter() - started
    for note in notes:
        click.echo(_("note: {note}").format(note=note), err=True)
    left_out = getattr(writer, "explain_sheet_left_out", None)
    if left_out is not None:
        click.echo(_("note: the explanation sheet is left out above {limit} records ({n} in this run); "
                     "--explain-sheet adds it, kinerja explain --nip NIP explains one employee").format(
            limit=num(writer.explain_sheet_limit, group=True), n=num(left_out, group=True)), err=True)
    unit_findings = job.unit_findings(records)
    for f in unit_findings[len(units.findings) if units is not None else 0:]:
        click.echo(finding_line(f), err=True)
    if job.missing_periods:
        click.echo(_("note: {n} employee(s) with a periode missing (K620; see their annual results)").format(
            n=job.missing_periods), err=True)
    annual_counts = counts.annual
    click.echo(_("records: {records}, ok: {ok}, errors: {errors}, excluded: {excluded}, ").format(
        records=counts.records, ok=counts.ok, errors=counts.error, excluded=counts.excluded)
        + (_("annual: {n} (ok: {ok}, errors: {errors}, excluded: {excluded}), ").format(
            n=sum(annual_counts.values()), ok=annual_counts["ok"], errors=annual_counts["error"],
            excluded=annual_counts["excluded"]) if annual else "")
        + _("time: {seconds} s").format(seconds=num(Decimal(f"{elapsed:.2f}"))), err=True)
    population_failed = population.finish(unit_findings) if population.active else False
    units_failed = any(f.severity == "error" for f in unit_findings)
    sys.exit(EXIT_FINDINGS if counts.failed or population_failed or units_failed else EXIT_OK)


@click.command()
@click.argument("policy")
@click.argument("records")
@click.option("--nip", multiple=True, help="Explain the record(s) with this NIP (repeatable).")
@click.option("--row", "rows", type=click.IntRange(1), multiple=True, help="Explain record number N (1-based).")
@click.option("--format", "fmt", type=click.Choice(list(EXPLANATION_FORMATS)), default="text")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file.")
@records_options
@units_option
def explain(policy, records, nip, rows, fmt, output, input_format, sheet, header_row, map_file, units_file):
    """Explain, step by step, how the result of one employee was reached."""
    from kinerja.api import explain_sources  # the explanation stage: imported by this command only

    lang = document_lang()
    if not nip and not rows:
        fail(_("say which record to explain: --nip NIP or --row N"))
    compiled = load_policy(policy)
    units = load_units(units_file, [compiled])
    try:
        sources = match_columns(compiled.fields, open_records(records, input_format, sheet, header_row, map_file),
                                records, input_format)
        if units is not None:
            from kinerja.records.units import prepare
            sources = prepare(sources, compiled, units)
        found = explain_sources(compiled, sources, nips=nip, rows=rows, lang=lang)
    except RecordsError as exc:
        fail(str(exc))
    missing = [f"NIP {n}" for n in set(nip) if not any(e.nip == n for e in found)]
    missing += [_("row {row}").format(row=r) for r in set(rows) if not any(e.row == r for e in found)]
    out = Output(output)
    try:
        out.stream.write(EXPLANATION_FORMATS[fmt](found))
    finally:
        out.close()
    if missing:
        fail(_("not found in the records: ") + ", ".join(missing), EXIT_FINDINGS)
    sys.exit(EXIT_OK)
