"""Options shared by `evaluate` and `compare` for population checks and the fairness view, and
the stderr / JSON reporting of them after an `evaluate` run."""

from __future__ import annotations

import click

from kinerja.cli.common import fail
from kinerja.evaluate.fairness import DERIVED, FairnessTally, parse_favourable
from kinerja.evaluate.population import PopulationRun
from kinerja.evaluate.run import Tally
from kinerja.i18n import _, os_reason
from kinerja.records.org_predikat import normalise_org_predikat, read_org_predikat
from kinerja.report.population_out import finding_line, population_json, text_lines


def org_predikat_option(spec: str | None, checks: list) -> dict | None:
    """Parse --org-predikat and match its labels to the policy's; a usage error stops with exit 2."""
    if not spec:
        return None
    try:
        given = read_org_predikat(spec)
    except ValueError as exc:
        fail(f"--org-predikat: {exc}")
    if not any(c.kind == "distribution" for c in checks):
        fail(_("--org-predikat: the policy has no distribution check (population: kind: distribution)"))
    mapping, problems = normalise_org_predikat(checks, given)
    if problems:
        fail(_("--org-predikat: ") + "; ".join(problems))
    return mapping


def units_option(f):
    return click.option("--units", "units_file", type=click.Path(dir_okay=False),
                        help="Units file (csv/xlsx: unit_kerja, induk, predikat_organisasi, nip_pimpinan, "
                        "optional periode): the unit tree, each unit's predikat and head.")(f)


def load_units(path: str | None, policies: list):
    """Read --units (a usage error stops with exit 2); print the file's own findings."""
    if not path:
        return None
    from kinerja.records.units import known_labels, read_units
    labels: list[str] = []
    for p in policies:
        labels += [lab for lab in known_labels(p) if lab not in labels]
    try:
        units = read_units(path, labels)
    except ValueError as exc:
        fail(f"--units: {exc}")
    for f in units.findings:
        click.echo(finding_line(f), err=True)
    return units


def population_options(f):
    f = click.option("--favourable", help="Fairness: favourable outcome, an action id (default "
                     "kenaikan-pangkat-reguler) or OUTPUT=LABEL[,LABEL…].")(f)
    f = click.option("--fairness", "fairness", multiple=True,
                     help="Fairness view by a field (repeatable; jenis_kelamin is derived from the NIP).")(f)
    f = click.option("--population-output", type=click.Path(dir_okay=False),
                     help="Write population check results (and fairness) as JSON to a file.")(f)
    f = click.option("--org-predikat", "org_predikat", help="Organisation predikat per unit for the kurva "
                     "check, the short form of --units: 'Dinas A=Baik,Dinas B=Istimewa' or @file.csv|.json|.yaml.")(f)
    return units_option(f)


class PopulationReport:
    """Built before an `evaluate` run: validates the options into the engine's `Tally` (which the
    run fills), reports its outcomes at the end."""

    def __init__(self, policy, org_predikat: str | None, output: str | None, fairness: tuple, favourable,
                 units=None, annual: bool = False):
        self.policy, self.output, self.units = policy, output, units
        if units is not None and org_predikat:
            fail(_("give each unit's predikat with --units or with --org-predikat, not both"))
        self.org = org_predikat_option(org_predikat, policy.population)
        period_field = policy.cycle.period_field if policy.cycle is not None else None
        run = PopulationRun(policy.population, units, period_field) if policy.population else None
        fair = None
        if fairness:
            try:
                fav = parse_favourable(favourable)
            except ValueError as exc:
                fail(f"--favourable: {exc}")
            known = set(policy.fields) | set(policy.output_names()) | set(DERIVED)
            for name in fairness:
                if name not in known:
                    fail(_("--fairness {name}: not a field or output of the policy").format(name=name))
            derived = frozenset(n for n in fairness if n in DERIVED and n not in policy.fields)
            fair = FairnessTally(list(dict.fromkeys(fairness)), fav, derived, min_group=5)
        self.tally = Tally(run, fair, annual)

    @property
    def active(self) -> bool:
        return self.tally.active

    def finish(self, unit_findings: list | None = None) -> bool:
        """Print the outcomes to stderr, write --population-output (with the units file's findings);
        True when an error-severity check failed."""
        run, fair = self.tally.population, self.tally.fairness
        outcomes = run.finish(self.org) if run is not None else []
        fairness = fair.table() if fair is not None else {}
        for line in text_lines(outcomes, fairness):
            click.echo(line, err=True)
        if self.output:
            org = self.org or (self.units.org_predikat() if self.units is not None else {})
            text = population_json(self.policy.info(), org, outcomes, fairness, self.units, unit_findings or [])
            try:
                with open(self.output, "w", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError as exc:
                fail(_("cannot write {output}: {value}").format(output=self.output, value=os_reason(exc)))
        return any(o.failed_error for o in outcomes)
