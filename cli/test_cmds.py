"""`kinerja test`, `kinerja show` and `kinerja init`: policy tests, the resolved policy, a new agency policy."""

from __future__ import annotations

import os
import sys
from decimal import Decimal

import click

from kinerja import __version__
from kinerja.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Output, fail
from kinerja.findings import has_errors
from kinerja.i18n import _, document_lang, ngettext, os_reason
from kinerja.report.findings import ReportContext, render
from kinerja.report.policy_out import SHOW_FORMATS
from kinerja.report.tests_out import TEST_REPORTERS


def _write(text: str, output: str | None) -> None:
    out = Output(output)
    try:
        out.stream.write(text)
        out.stream.flush()
    finally:
        out.close()


@click.command("test")
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(list(TEST_REPORTERS)), default=None,
              help="Report format (junit: JUnit XML for CI; default: github when GITHUB_ACTIONS=true, else text).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file.")
@click.option("--coverage", "with_coverage", is_flag=True,
              help="Report which rules, band entries and table rows the tests reach.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="Fail when a policy's coverage is below PERCENT (implies --coverage).")
@click.option("-k", "name_filter", metavar="TEXT", help="Run only tests whose name contains TEXT.")
@click.option("--no-explain", is_flag=True, help="Do not explain failing results.")
def test(paths, fmt, output, with_coverage, min_coverage, name_filter, no_explain):
    """Run policy tests found in PATHS (default: .).

    Runs the `tests:` of every policy and every *.test.yaml file under PATHS (files or
    folders). Exit 0 all pass, 1 a failure, a policy error or coverage below --min-coverage.
    """
    from kinerja.report.tests_out import choose_format, summary
    from kinerja.testing.suite import collect, run

    if "-" in paths:
        fail(_("kinerja test reads policy and test files, not standard input: give files or folders"))
    minimum = Decimal(str(min_coverage)).normalize() if min_coverage is not None else None
    test_run = collect(list(paths) or ["."])
    if test_run.missing:
        for f in test_run.missing:
            click.echo(f"kinerja: {f.file}: {f.message}", err=True)
        sys.exit(EXIT_USAGE)
    run(test_run, coverage=with_coverage, explain=not no_explain, lang=document_lang(), name_filter=name_filter,
        minimum=minimum)
    _write(TEST_REPORTERS[choose_format(fmt, os.environ)](test_run, minimum), output)
    if output and output != "-":
        click.echo(summary(test_run, minimum), err=True)
    if not test_run.suites and not test_run.findings:
        click.echo(_("kinerja: no policies or policy tests found"), err=True)
    sys.exit(EXIT_OK if test_run.passed else EXIT_FINDINGS)


@click.command()
@click.argument("policy")
@click.option("--resolved", is_flag=True, help="Merge the `extends` chain; each entry names its origin.")
@click.option("--format", "fmt", type=click.Choice(list(SHOW_FORMATS)), default="yaml", help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file.")
def show(policy, resolved, fmt, output):
    """Print a policy, or with --resolved the policy after `extends`.

    POLICY is a file or a shipped policy id. --resolved merges the `extends` chain, names the
    file and line each entry comes from and prints the sha256 every result carries.
    """
    from kinerja.policy.documents import find_policy, read_document, resolve

    if os.path.isdir(policy):
        fail(_("{policy} is a folder: give one policy file").format(policy=policy))
    doc = read_document(policy) if os.path.exists(policy) else find_policy(policy, None)
    if doc is None:
        fail(_("policy {policy!r} not found (give a file path or a shipped policy id)").format(policy=policy))
    if doc.root is None or (resolved and has_errors(doc.findings)):
        _findings_exit(doc.findings, doc.file)
    if not resolved:
        _write(SHOW_FORMATS[fmt].written(doc), output)
        sys.exit(EXIT_OK)
    merged = resolve(doc)
    if has_errors(merged.findings):
        _findings_exit(merged.findings, doc.file)
    _write(SHOW_FORMATS[fmt].resolved(merged), output)
    sys.exit(EXIT_OK)


def _findings_exit(findings, file: str) -> None:
    click.echo(render(findings, "text", ReportContext([file], __version__)), err=True)
    fail(_("policy {file} has errors; fix them first (kinerja validate {file})").format(file=file), EXIT_FINDINGS)


@click.command()
@click.option("--agency", required=True, help="The agency's name, e.g. \"Badan Kepegawaian Negara\".")
@click.option("--extends", "parent", required=True, help="Parent policy: a shipped id or a file path.")
@click.option("--dir", "directory", default=".", show_default=True, help="Folder for the new files.")
@click.option("--id", "pid", help="Policy id (default: made from the agency name).")
def init(agency, parent, directory, pid):
    """Create an agency policy extending another, with a test.

    Writes DIR/<id>.yaml (extends --extends, with an example agency rule and param) and
    DIR/<id>.test.yaml with one passing test; never overwrites existing files.
    """
    from kinerja.testing.scaffold import ScaffoldError, paths_for, scaffold, slug

    pid = pid or slug(agency)
    if not pid:
        fail(_("the agency name gives no id: pass --id"))
    existing = [str(p) for p in paths_for(directory, pid) if p.exists()]
    if existing:
        fail(ngettext("{files} already exists; not overwriting (choose another --id or --dir)",
                      "{files} already exist; not overwriting (choose another --id or --dir)",
                      len(existing)).format(files=_(" and ").join(existing)))
    if os.path.exists(directory) and not os.path.isdir(directory):
        fail(_("{directory} is not a folder").format(directory=directory))
    try:
        os.makedirs(directory, exist_ok=True)
        made = scaffold(agency, parent, directory, pid)
    except ScaffoldError as exc:
        fail(str(exc), exc.code)
    except OSError as exc:
        fail(_("cannot create {directory}: {value}").format(directory=directory, value=os_reason(exc)))
    for path, text in ((made.policy_path, made.policy_text), (made.test_path, made.test_text)):
        try:
            with open(path, "x", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            fail(_("cannot write {path}: {value}").format(path=path, value=os_reason(exc)))
        click.echo(_("created {path}").format(path=path))
    click.echo(_("next: kinerja validate {policy_path} && kinerja test {policy_path}").format(
        policy_path=made.policy_path))
    sys.exit(EXIT_OK)

