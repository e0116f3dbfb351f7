"""One `compare` job, the engine's entry point for it: the options completed with their defaults,
then the records through both policies in one process or in N, into one `Comparison`.

Nothing here prints or exits; a usage problem is a ValueError naming the option.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kinerja.compare.blocks import CompareJob, compare_job
from kinerja.compare.run import Comparison, Options, affected_actions, check_options
from kinerja.evaluate.blocks import run_blocks
from kinerja.evaluate.fairness import favourable_actions, parse_favourable
from kinerja.evaluate.parallel import PolicyRef
from kinerja.model import Policy
from kinerja.records.units import Units, prepare


class OptionError(ValueError):
    """An option of a comparison that cannot be used; `option` names it (None: several)."""

    def __init__(self, message: str, option: str | None = None):
        super().__init__(message)
        self.option = option


def comparison_options(a: Policy, b: Policy, *, by_output: str = "predikat", group_by: Iterable[str] = (),
                       favourable: str | None = None, min_group: int = 5, org_predikat: dict | None = None,
                       units: Units | None = None) -> Options:
    """The options of comparing `a` with `b`, with the defaults `kinerja compare` documents:
    fairness looks at the action(s) the variant can change (else kenaikan-pangkat-reguler), and
    records are grouped by unit_kerja when both policies have it."""
    try:
        fav = parse_favourable(favourable)
    except ValueError as exc:
        raise OptionError(str(exc), "--favourable") from None
    if not favourable:
        changed = affected_actions(a, b)
        if changed:
            fav = favourable_actions(changed)
    groups = tuple(group_by) or (("unit_kerja",) if "unit_kerja" in a.fields and "unit_kerja" in b.fields else ())
    options = Options(by_output, tuple(dict.fromkeys(groups)), fav, org_predikat, min_group, units)
    problems = check_options(a, b, options)
    if problems:
        raise OptionError("; ".join(problems))
    return options


def compare_records(a: Policy, b: Policy, sources: Iterable, options: Options, *, refs: tuple[str, str] | None = None,
                    jobs: int = 1, tick: Callable[[int], None] = lambda n: None) -> Comparison:
    """Every source under both policies, in input order, into one Comparison (`report()` gives the
    plain data). `refs`: how worker processes find the two policies (needed when jobs > 1); with a
    units file the records are compared in this process."""
    comparison = Comparison(a, b, options)
    units = options.units if isinstance(options.units, Units) else None
    if units is not None:
        sources = prepare(sources, a, units, also=b.fields)
    if jobs > 1 and units is None and refs is not None:
        job = CompareJob(PolicyRef.of(refs[0], a), PolicyRef.of(refs[1], b), options)
        local = Comparison(a, b, options)
        for state in run_blocks(compare_job, job, sources, jobs,
                                local=lambda block, index: compare_job(job, block, index, local)):
            comparison.merge(state)
            tick(comparison.records)
    else:
        for source in sources:
            comparison.add(source)
            tick(comparison.records)
    return comparison
