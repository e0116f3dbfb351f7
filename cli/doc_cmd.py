"""`kinerja doc`: the policy handbook (Pedoman Penilaian Kinerja) as HTML or Markdown."""

from __future__ import annotations

import click

from kinerja import __version__
from kinerja.cli.common import EXIT_OK, Output, load_policy
from kinerja.i18n import document_lang
from kinerja.report.handbook import FORMATS, render


@click.command()
@click.argument("policy")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True,
              help="html: one self-contained file that prints on A4; md: Markdown.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the handbook to a file.")
def doc(policy, fmt, output):
    """Write the handbook of POLICY (a file or a shipped id): its data, parameters,
    scorecards, bands, decision tables and rules in plain words."""
    compiled = load_policy(policy)
    text = render(compiled, fmt, document_lang(), __version__)
    out = Output(output)
    try:
        out.stream.write(text)
    finally:
        out.close()
    raise SystemExit(EXIT_OK)
