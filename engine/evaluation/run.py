"""One `evaluate` job, the engine's entry point for it: records in, every result (and, with an
annual rule, each employee's annual result) handed to a writer in input order, counted and
tallied for the population checks and the fairness view, in one process or in N.

The caller chooses the writer and shows what the run counted; nothing here prints or exits.
A records error (RecordsError) or a failed worker (WorkerError) ends the run as it happens,
with the counts of what was written before it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kinerja.evaluation.annual import AnnualRun
from kinerja.evaluation.blocks import run_blocks
from kinerja.evaluation.evaluator import Evaluator, Result
from kinerja.evaluation.fairness import FairnessTally
from kinerja.evaluation.parallel import EvaluateJob, PolicyRef, Tallies, byte_rows, evaluate_job
from kinerja.evaluation.population import PopulationRun
from kinerja.model import Policy
from kinerja.records.units import UnitCheck, Units, prepare


class Tally:
    """The population checks and the fairness view over one run's results."""

    def __init__(self, population: PopulationRun | None = None, fairness: FairnessTally | None = None,
                 annual: bool = False):
        self.population, self.fairness = population, fairness
        self.annual = annual  # with an annual rule, fairness counts each employee once, on the annual result

    @property
    def active(self) -> bool:
        return self.population is not None or self.fairness is not None

    @property
    def needs_env(self) -> bool:
        return (self.population is not None and self.population.needs_env) or self.fairness is not None

    def add(self, result: Result) -> None:
        if self.population is not None:
            self.population.add(result)
        if self.fairness is not None and (not self.annual or result.annual is not None):
            self.fairness.add(result)

    def tallies(self) -> Tallies:
        """What a worker must tally for `merge` (evaluate --jobs N)."""
        fair = self.fairness
        return Tallies(self.population is not None, None if fair is None else
                       (tuple(fair.fields), fair.favourable, fair.derived, fair.min_group))

    def merge(self, population, fairness) -> None:
        """Add a block's tallies, in input order."""
        if self.population is not None and population is not None:
            self.population.merge(population)
        if self.fairness is not None and fairness is not None:
            self.fairness.merge(fairness)


@dataclass
class Counts:
    """How many records a run read, by status; and its annual results, by status."""

    records: int = 0
    ok: int = 0
    error: int = 0
    excluded: int = 0
    annual: dict[str, int] = field(default_factory=lambda: {"ok": 0, "error": 0, "excluded": 0})

    def add(self, status: str, n: int = 1) -> None:
        setattr(self, status, getattr(self, status) + n)

    @property
    def failed(self) -> bool:
        return bool(self.error or self.annual["error"])


class EvaluateRun:
    """Evaluate records against one compiled policy and hand each result to a writer.

    `ref`: how worker processes find the policy (its file or shipped id); `keep_values`: the
    writer reads each row's values and explains it from them (xlsx); `keep_trace`: whether it
    explains them (default: `keep_values`; False for an xlsx report without its explanation
    sheet, which then costs no decision trace); `explainer(policy, result, lang)`: each
    result's explanation in `explain_lang`, added to its row as plain data (a module-level
    function: worker processes get it by name); `annual`: add each
    employee's annual result after their period rows; `units`: the units file; `jobs`: processes
    at work, this one and `jobs` - 1 workers (an annual rule or a units file keep to one process:
    they join rows across blocks).
    """

    def __init__(self, policy: Policy, ref: str, *, keep_values: bool = False, tally: Tally | None = None,
                 explainer: Callable[[Policy, Result, str], Any] | None = None, explain_lang: str = "id",
                 annual: bool = False, units: Units | None = None, jobs: int = 1, keep_trace: bool | None = None):
        self.policy, self.ref = policy, ref
        self.tally = tally if tally is not None else Tally()
        self.explainer, self.explain_lang, self.keep_values = explainer, explain_lang, keep_values
        keep_env = explainer is not None or keep_values or self.tally.needs_env or annual
        # an explanation reads the decision trace: recorded only when a row is explained
        self.keep_trace = keep_values if keep_trace is None else keep_trace
        self.evaluator = Evaluator(policy, keep_env=keep_env, trace=explainer is not None or self.keep_trace)
        if annual and (policy.cycle is None or policy.cycle.annual is None):
            raise ValueError("the policy declares no annual rule (cycle: annual)")
        self.yearly = AnnualRun(self.evaluator, policy.cycle, units) if annual else None
        self.units = units
        self.unit_check = UnitCheck(units) if units is not None else None
        self.jobs = jobs if self.yearly is None and units is None else 1
        self.counts = Counts()

    @property
    def outputs(self) -> list[str]:
        return self.evaluator.outputs

    @property
    def info(self) -> dict:
        return self.evaluator.info

    @property
    def periode(self) -> str | None:
        """The period field each row names (with an annual rule), else None."""
        return self.policy.cycle.period_field if self.yearly is not None and self.policy.cycle is not None else None

    @property
    def missing_periods(self) -> int:
        """Employees with a period missing from the records (K620)."""
        return self.yearly.missing if self.yearly is not None else 0

    def run(self, sources: Iterable, writer: Any, tick: Callable[[int], None] = lambda n: None) -> Counts:
        """Every source through the policy to `writer`, in input order; `tick(records read)` after
        each; the writer is closed at the end. Returns the counts (also kept in `self.counts`)."""
        if self.units is not None:
            sources = prepare(sources, self.policy, self.units, self.unit_check)
        if self.jobs > 1:
            self._blocks(sources, writer, tick)
        else:
            self._one_process(sources, writer, tick)
        writer.close()
        return self.counts

    def unit_findings(self, records: str) -> list:
        """The units file's own findings, then what the run found against it (heads not in the
        records, records in an unknown unit)."""
        if self.units is None:
            return []
        return list(self.units.findings) + (self.unit_check.findings(records) if self.unit_check is not None else [])

    def _emit(self, result: Result, writer: Any) -> None:
        if self.explainer is not None:
            result.explanation = self.explainer(self.policy, result, self.explain_lang).as_dict()
        writer.write(result)
        self.tally.add(result)

    def _one_process(self, sources: Iterable, writer: Any, tick: Callable[[int], None]) -> None:
        counts, yearly = self.counts, self.yearly
        for source in sources:
            result = self.evaluator.evaluate(source)
            counts.records += 1
            counts.add(result.status)
            for r in yearly.add(source, result) if yearly is not None else (result,):
                if r is not result:
                    counts.annual[r.status] += 1
                self._emit(r, writer)
            tick(counts.records)
        for r in yearly.finish() if yearly is not None else ():
            counts.annual[r.status] += 1
            self._emit(r, writer)

    def _blocks(self, sources: Iterable, writer: Any, tick: Callable[[int], None]) -> None:
        """Blocks evaluated in worker processes (and here, while they work), written in input
        order (the same bytes, counts and population checks as one process). Rows the workers
        render for a file that takes bytes come back parked in files of a private temporary
        folder (spill.Parked), copied into the output by the kernel."""
        compiled = self.policy
        options = (("periode", writer.periode),) if getattr(writer, "periode", None) else ()
        encoding = byte_rows(getattr(writer, "out", None))
        with contextlib.ExitStack() as stack:
            rows_dir = None
            if encoding is not None:
                # no temporary folder to write to (OSError): the bytes come through the pipe
                with contextlib.suppress(OSError):
                    rows_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="kinerja-"))
            job = EvaluateJob(PolicyRef.of(self.ref, compiled), writer.__class__ if getattr(writer, "rows_apart", False)
                              else None, options, keep_env=self.evaluator.keep_env,
                              explain_lang=self.explain_lang if self.explainer is not None else None,
                              explainer=self.explainer,
                              tallies=self.tally.tallies(), ship_env=self.keep_values, ship_trace=self.keep_trace,
                              encoding=encoding, rows_dir=rows_dir)
            here = dataclasses.replace(job, rows_dir=None)  # rows rendered here stay in memory
            blocks = stack.enter_context(contextlib.closing(run_blocks(
                evaluate_job, job, sources, self.jobs,
                local=lambda block, index: evaluate_job(here, block, index, compiled))))
            for block in blocks:
                if block.text is not None:
                    writer.write_text(block.text)
                else:
                    for result in block.results:
                        writer.write(result)
                self.tally.merge(block.population, block.fairness)
                self.counts.records += block.records
                for status, n in block.statuses.items():
                    self.counts.add(status, n)
                tick(self.counts.records)
