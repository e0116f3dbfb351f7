"""`kinerja evaluate` and `kinerja explain`: records in, results or explanations out."""

from __future__ import annotations

import sys
import time
from decimal import Decimal

import click

from kinerja.evaluate.evaluator import Evaluator
from kinerja.i18n import _, document_lang, num, using
from kinerja.evaluate.parallel import WorkerError
from kinerja.records.read import FORMATS, read_records, reader_for
from kinerja.records.source import RecordsError
from kinerja.report.results import WRITERS, printable

from kinerja.cli.common import EXIT_FINDINGS, EXIT_OK, Output, fail, load_policy
from kinerja.cli.population_opts import PopulationReport, finding_line, load_units, population_options, units_option

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
        self.bar = None
        self.shown = False
        self.done_n = 0

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
    name = ["nama"] if "nama" in policy.fields else []
    if policy.summary:
        return name + [n for n in policy.summary if n not in name]
    nodes = policy.node_by_output()
    key = [n for n in order if isinstance(nodes.get(n), (Band, Table))]
    return name + (key or list(order))  # a policy of values only: show them all


def jobs_option(f):
    return click.option("--jobs", "-j", type=click.IntRange(1), default=None,
                        help="Worker processes (default: the usable CPU cores; 1: this process only). "
                             "The output is the same for every N.")(f)


def resolve_jobs(jobs: int | None) -> int:
    if jobs is not None:
        return jobs
    from kinerja.evaluate.parallel import usable_cores
    return usable_cores()


@click.command()
@click.argument("policy")
@click.argument("records")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv", "xlsx"]), default=None,
              help="Output format (default: table on a terminal, jsonl otherwise; xlsx needs -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write results to a file.")
@click.option("--explain", "with_explain", is_flag=True, help="Add each record's explanation (json/jsonl).")
@click.option("--columns", help="Table: the fields and outputs to show, e.g. nama,predikat,angka_kredit "
              "(default: the name, then the policy's `summary:` outputs, else its bands and tables).")
@click.option("--annual", is_flag=True, help="Add one annual result per employee after the employee's period "
              "rows, by the policy's `cycle: annual` rule (the rows of one NIP must stand together).")
@records_options
@population_options
@jobs_option
def evaluate(policy, records, fmt, output, with_explain, columns, annual, input_format, sheet, header_row,
             map_file, org_predikat, population_output, fairness, favourable, units_file, jobs):
    """Evaluate employee RECORDS (csv, json, jsonl, yaml, xlsx or -) against POLICY."""
    lang = document_lang()
    compiled = load_policy(policy)
    if annual and (compiled.cycle is None or compiled.cycle.annual is None):
        fail(_("--annual: the policy declares no annual rule (cycle: annual)"))
    units = load_units(units_file, [compiled])
    population = PopulationReport(compiled, org_predikat, population_output, fairness, favourable, units)
    population.annual = annual
    if fmt is None:
        fmt = "table" if output is None and sys.stdout.isatty() else "jsonl"
    if fmt == "xlsx" and (not output or output == "-"):
        fail(_("--format xlsx needs -o FILE.xlsx"))
    if with_explain and fmt not in ("json", "jsonl", "xlsx"):
        fail(_("--explain adds explanations to json or jsonl rows, not to {fmt} (xlsx always has an explanation sheet; for one employee use kinerja explain)").format(fmt=fmt))
    if columns and fmt != "table":
        fail(_("--columns chooses the columns of the table format, not of {fmt}").format(fmt=fmt))
    evaluator = Evaluator(compiled, keep_env=with_explain or fmt == "xlsx" or population.needs_env or annual,
                          trace=with_explain or fmt == "xlsx")
    shown = table_columns(compiled, columns, evaluator.outputs) if fmt == "table" else []
    started = time.perf_counter()
    counts = {"records": 0, "ok": 0, "error": 0, "excluded": 0}
    annual_counts = {"ok": 0, "error": 0, "excluded": 0}
    yearly = None
    if annual:
        from kinerja.evaluate.annual import AnnualRun
        yearly = AnnualRun(evaluator, compiled.cycle, units)
    unit_check = None
    if units is not None:
        from kinerja.records.units import UnitCheck
        unit_check = UnitCheck(units)
    notes: list[str] = []  # what the reader skipped on purpose (xlsx: empty rows, merged cells)
    try:
        sources = open_records(records, input_format, sheet, header_row, map_file, notes)
    except RecordsError as exc:
        fail(str(exc))
    # The header is matched (and the file opened) before the output exists: a run that stops
    # here leaves no file behind.
    sources = match_columns(compiled.fields, sources, records, input_format)
    progress = Progress(estimate_records(records, input_format))
    out = Output(output, binary=fmt == "xlsx")
    try:
        if fmt == "xlsx":
            from kinerja.report.xlsx import XlsxWriter
            writer = XlsxWriter(out.fh, evaluator.outputs, evaluator.info, compiled, lang)
        else:
            periode = compiled.cycle.period_field if annual else None
            extra = {"columns": shown} if fmt == "table" else {}
            writer = WRITERS[fmt](out.stream, evaluator.outputs, evaluator.info, periode=periode, **extra)
        explainer = None
        if with_explain:
            from kinerja.explain.explanation import explain
            explainer = explain
        if units is not None:
            from kinerja.records.units import prepare
            sources = prepare(sources, compiled, units, unit_check)

        def emit(result) -> None:
            if explainer is not None:
                result.explanation = explainer(compiled, result, lang).as_dict()
            writer.write(result)
            population.add(result)

        # --annual joins rows across blocks and --units tallies by the units file: one process for them
        if resolve_jobs(jobs) > 1 and yearly is None and units is None:
            _evaluate_blocks(policy, compiled, sources, writer, population, counts, progress, resolve_jobs(jobs),
                             keep_env=evaluator.keep_env, lang=lang if with_explain else None, xlsx=fmt == "xlsx")
        else:
            for source in sources:
                result = evaluator.evaluate(source)
                counts["records"] += 1
                counts[result.status] += 1
                for r in yearly.add(source, result) if yearly is not None else (result,):
                    if r is not result:
                        annual_counts[r.status] += 1
                    emit(r)
                progress.tick(counts["records"])
            for r in yearly.finish() if yearly is not None else ():
                annual_counts[r.status] += 1
                emit(r)
        writer.close()
    except WorkerError as exc:
        progress.done()
        out.close()
        fail(_("{error}; {n} record(s) before it were written").format(error=exc, n=counts["records"]))
    except RecordsError as exc:
        progress.done()
        if counts["records"]:
            out.close()
            fail(_("{exc} ({counts} record(s) before it were written)").format(exc=exc, counts=counts['records']))
        out.discard()
        fail(str(exc))
    finally:
        out.close()
    progress.done()
    elapsed = time.perf_counter() - started
    for note in notes:
        click.echo(_("note: {note}").format(note=note), err=True)
    unit_findings = list(units.findings) if units is not None else []
    if unit_check is not None:
        later = unit_check.findings(records)
        unit_findings += later
        for f in later:
            click.echo(finding_line(f), err=True)
    if yearly is not None and yearly.missing:
        click.echo(_("note: {n} employee(s) with a periode missing (K620; see their annual results)").format(
            n=yearly.missing), err=True)
    click.echo(_("records: {records}, ok: {ok}, errors: {errors}, excluded: {excluded}, ").format(
        records=counts["records"], ok=counts["ok"], errors=counts["error"], excluded=counts["excluded"])
        + (_("annual: {n} (ok: {ok}, errors: {errors}, excluded: {excluded}), ").format(
            n=sum(annual_counts.values()), ok=annual_counts["ok"], errors=annual_counts["error"],
            excluded=annual_counts["excluded"]) if yearly is not None else "")
        + _("time: {seconds} s").format(seconds=num(Decimal(f"{elapsed:.2f}"))), err=True)
    population_failed = population.finish(unit_findings) if population.active else False
    units_failed = any(f.severity == "error" for f in unit_findings)
    failed = counts["error"] or annual_counts["error"] or population_failed or units_failed
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _evaluate_blocks(ref, compiled, sources, writer, population, counts, progress, jobs, *, keep_env, lang, xlsx):
    """`evaluate --jobs N`: blocks evaluated in N worker processes, written in input order
    (the same bytes, counts and population checks as one process)."""
    from kinerja.evaluate.parallel import EvaluateJob, PolicyRef, evaluate_job, run_blocks
    from kinerja.explain.explanation import explain

    options = (("periode", writer.periode),) if getattr(writer, "periode", None) else ()
    job = EvaluateJob(PolicyRef.of(ref, compiled), writer.__class__ if getattr(writer, "rows_apart", False) else None,
                      options, keep_env=keep_env, explain_lang=lang, explainer=explain if lang else None,
                      tallies=population.tallies(), ship_env=xlsx)
    for block in run_blocks(evaluate_job, job, sources, jobs,
                            local=lambda block, index: evaluate_job(job, block, index, compiled)):
        if block.text is not None:
            writer.write_text(block.text)
        else:
            for result in block.results:
                writer.write(result)
        population.merge(block.population, block.fairness)
        counts["records"] += block.records
        for status, n in block.statuses.items():
            counts[status] += n
        progress.tick(counts["records"])


@click.command()
@click.argument("policy")
@click.argument("records")
@click.option("--nip", multiple=True, help="Explain the record(s) with this NIP (repeatable).")
@click.option("--row", "rows", type=click.IntRange(1), multiple=True, help="Explain record number N (1-based).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file.")
@records_options
@units_option
def explain(policy, records, nip, rows, fmt, output, input_format, sheet, header_row, map_file, units_file):
    """Explain, step by step, how the result of one employee was reached."""
    from kinerja.explain.explanation import explain as build
    from kinerja.report.results import dumps

    lang = document_lang()
    if not nip and not rows:
        fail(_("say which record to explain: --nip NIP or --row N"))
    compiled = load_policy(policy)
    units = load_units(units_file, [compiled])
    evaluator = Evaluator(compiled, trace=True)
    wanted_nips, wanted_rows = set(nip), set(rows)
    found = []
    try:
        sources = match_columns(compiled.fields, open_records(records, input_format, sheet, header_row, map_file),
                                records, input_format)
        if units is not None:
            from kinerja.records.units import prepare
            sources = prepare(sources, compiled, units)
        for source in sources:
            data = source.data if isinstance(source.data, dict) else {}
            raw_nip = str(data.get("nip", "")).strip()
            if source.row in wanted_rows or raw_nip in wanted_nips:
                with using(lang):  # the record's errors are part of the explanation: in its language
                    found.append(build(compiled, evaluator.evaluate(source), lang))
                if len(found) >= len(wanted_rows) + len(wanted_nips) and not wanted_nips:
                    break
    except RecordsError as exc:
        fail(str(exc))
    missing = [f"NIP {n}" for n in wanted_nips if not any(e.nip == n for e in found)]
    missing += [_("row {row}").format(row=r) for r in wanted_rows if not any(e.row == r for e in found)]
    out = Output(output)
    try:
        if fmt == "json":
            out.stream.write(dumps([e.as_dict() for e in found], indent=2) + "\n")
        else:
            text = "\n".join(e.text() for e in found)  # record text never drives the terminal
            out.stream.write("\n".join(printable(line) for line in text.split("\n")))
    finally:
        out.close()
    if missing:
        fail(_("not found in the records: ") + ", ".join(missing), EXIT_FINDINGS)
    sys.exit(EXIT_OK)
