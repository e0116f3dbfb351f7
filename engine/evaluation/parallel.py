"""Records evaluated in blocks, in worker processes, with everything out in input order.

`evaluate_block` is the public, pure unit of work: a policy (by reference) and a block of raw
records in, one `Result` per record out, in input order. It has no side effects and keeps no
state but a per-process cache of compiled policies, so any engine that maps a function over
partitions (multiprocessing, Dask, Spark; see docs/parallel.md) can run it.

`evaluate_job` is what `evaluate --jobs N` runs on each block, driven by `run_blocks`
(evaluate/blocks.py): each worker (and the parent, on a block of its own while it waits for
them) coerces, evaluates, explains when asked, renders the rows of a streaming format (json,
jsonl, csv) with the same writer class as a single process would, and tallies the population
and fairness checks; the parent writes the blocks and merges the tallies in input order. The
bytes are those of `--jobs 1`.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.blocks import PolicyLoadError, WorkerError, run_blocks, source_of, usable_cores
from kinerja.evaluation.evaluator import Evaluator, Result
from kinerja.evaluation.fairness import FairnessTally
from kinerja.evaluation.population import PopulationRun
from kinerja.findings import has_errors
from kinerja.i18n import _
from kinerja.model import Policy
from kinerja.policy.documents import Document, find_policy, read_document, resolve
from kinerja.spill import Parked

_COMPILED: dict = {}  # PolicyRef → Policy, per process


@dataclass(frozen=True)
class PolicyRef:
    """How a worker finds a policy: a file path or a shipped policy id, as a user gives it
    (`extends` parents are found from the file's folder, or shipped). `text`, when given, is
    the file's content (so workers need not read the file); `sha256`, when given, is the
    hash the compiled policy must have: a worker that compiles anything else refuses."""

    ref: str
    sha256: str | None = None
    text: str | None = None

    @classmethod
    def of(cls, ref: str, policy: Policy) -> PolicyRef:
        """The reference to a policy compiled here from `ref` (cached: fork-started workers inherit it)."""
        made = cls(ref, policy.sha256)
        _COMPILED[made] = policy
        return made


def compile_ref(ref: PolicyRef) -> Policy:
    """The compiled policy for `ref`, compiled once per process. Raises PolicyLoadError."""
    policy = _COMPILED.get(ref)
    if policy is not None:
        return policy
    doc: Document | None
    if ref.text is not None:
        doc = read_document(ref.ref, text=ref.text)
    elif os.path.isfile(ref.ref):
        doc = read_document(ref.ref)
    else:
        doc = find_policy(ref.ref, None) if not ref.ref.endswith((".yaml", ".yml")) else None
        if doc is None:
            raise PolicyLoadError(f"policy {ref.ref!r} not found")
    policy, findings = compile_policy(resolve(doc))
    if policy is None or has_errors(findings):
        first = next((f for f in findings if f.severity == "error"), None)
        detail = f": {first.message}" if first else ""
        raise PolicyLoadError(_("policy {ref} has errors").format(ref=ref.ref) + detail)
    if ref.sha256 is not None and policy.sha256 != ref.sha256:
        raise PolicyLoadError(_("policy {ref} changed while the records were evaluated (sha256 {now}, expected "
                                "{then}); run again").format(ref=ref.ref, now=policy.sha256[:12], then=ref.sha256[:12]))
    _COMPILED[ref] = policy
    return policy


_EVALUATORS: dict[tuple[int, bool, bool], tuple[Policy, Evaluator]] = {}


def _evaluator(policy: Policy, keep_env: bool, trace: bool = False) -> Evaluator:
    """One Evaluator per policy per process (it holds what is built once per policy)."""
    key = (id(policy), keep_env, trace)
    hit = _EVALUATORS.get(key)
    if hit is None or hit[0] is not policy:
        hit = _EVALUATORS[key] = (policy, Evaluator(policy, keep_env=keep_env, trace=trace))
    return hit[1]


def evaluate_block(policy: PolicyRef | str | Policy, records: Iterable[Any], *, first_row: int = 1,
                   keep_env: bool = False, trace: bool = False) -> list[Result]:
    """Evaluate one block of raw records: one `Result` per record, in order, never fewer.

    `policy` is a `PolicyRef`, a policy path or shipped id, or a compiled `Policy`;
    `records` holds raw records as a reader gives them (dicts of field → value, as in a CSV
    row or a JSON object) or `Source` items; a plain record gets row number `first_row + i`.
    A record that cannot be coerced or evaluated is a result with status "error", exactly as
    in a single run; only a policy that cannot be compiled raises (PolicyLoadError).
    `keep_env` keeps every name's value on the result; `trace` also its decision trace (what
    `kinerja.explanation.explain.explain` reads)."""
    if isinstance(policy, str):
        policy = PolicyRef(policy)
    compiled = policy if isinstance(policy, Policy) else compile_ref(policy)
    evaluator = _evaluator(compiled, keep_env, trace)
    return [evaluator.evaluate(source_of(item, first_row + i)) for i, item in enumerate(records)]


# --- what `--jobs N` runs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tallies:
    """The population and fairness checks a worker tallies for each block (plain settings, so
    they pickle): fairness is (fields, Favourable, derived fields, min_group) or None."""

    population: bool = False
    fairness: tuple | None = None

    def start(self, policy: Policy):
        period_field = policy.cycle.period_field if getattr(policy, "cycle", None) is not None else None
        run = PopulationRun(policy.population, None, period_field) if self.population and policy.population else None
        fair = None
        if self.fairness is not None:
            fields, favourable, derived, min_group = self.fairness
            fair = FairnessTally(list(fields), favourable, derived, min_group=min_group)
        return run, fair


@dataclass(frozen=True)
class EvaluateJob:
    """What every block of one `evaluate --jobs N` run shares."""

    policy: PolicyRef
    writer: type | None = None  # a streaming writer class (rows rendered in the worker), or None: ship results
    writer_options: tuple = ()  # (name, value) pairs the writer is made with, as in the single run
    keep_env: bool = False
    explain_lang: str | None = None  # add each result's explanation in this language, made by `explainer`
    explainer: Callable[..., Any] | None = None  # (policy, result, lang) → an explanation with as_dict(); a
    # module-level function (it pickles by name), kinerja.explanation.explain.explain
    tallies: Tallies = field(default_factory=Tallies)
    ship_env: bool = False  # shipped results keep their env (the xlsx writer reads and explains from it)
    ship_trace: bool = True  # with ship_env: and their decision trace (False: no explanation sheet to write)
    encoding: str | None = None  # rendered rows come back as bytes in this encoding (`byte_rows`)
    rows_dir: str | None = None  # with `encoding`: those bytes are parked in a file of this folder (spill.Parked)


@dataclass
class BlockOut:
    """One block's share of the run, in the order its records came."""

    index: int
    records: int = 0
    ok: int = 0
    error: int = 0
    statuses: dict = field(default_factory=dict)  # status → records (ok, error, and any other)
    text: str | bytes | Parked | None = None  # the rendered rows (a streaming writer), as bytes with `encoding`,
    # parked in a file with `rows_dir`
    results: list[Result] | None = None  # or the results themselves
    population: list | None = None  # PopulationRun tallies
    fairness: dict | None = None  # FairnessTally counts


def byte_rows(out: Any) -> str | None:
    """The encoding in which workers can render rows for `out` as bytes, or None: `out` is a
    text file that writes UTF-8 with backslashreplace, on a system whose line end is "\n" (a
    file `-o` opened, cli/common.py Output), whose bytes are then exactly what writing the text would give. The parent
    only copies them (no decoding and encoding again in the one process that writes)."""
    if not isinstance(out, io.TextIOWrapper) or out.errors != "backslashreplace":
        return None
    if codecs.lookup(out.encoding).name != "utf-8" or os.linesep != "\n":  # "\n" written as it is
        return None
    return "utf-8"


class RowBuffer:
    """Where a worker's row writer writes: the pieces as written, joined (`text`) or encoded
    (`encoded`) at the end. Kept apart, one row with a character beyond Latin-1 (an en dash in a
    reason) does not make the whole block one wide string to encode; ASCII rows encode as a copy."""

    __slots__ = ("parts", "write")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.write = self.parts.append

    def clear(self) -> None:
        del self.parts[:]

    def text(self) -> str:
        return "".join(self.parts)

    def encoded(self, encoding: str) -> bytes:
        return b"".join([p.encode(encoding, "backslashreplace") for p in self.parts])


def row_writer(writer_cls: type, outputs: list[str], info: dict, first: bool, **options) -> tuple[Any, RowBuffer]:
    """A `writer_cls` writing rows into a buffer exactly as in a single run, without the header
    or opening bracket its constructor writes (`first`: whether its rows open the output)."""
    buf = RowBuffer()
    writer = writer_cls(buf, outputs, info, **options)
    buf.clear()
    if hasattr(writer, "first"):
        writer.first = first
    return writer, buf


def evaluate_job(job: EvaluateJob, block: Iterable, index: int, policy: Policy | None = None) -> BlockOut:
    """A worker's part: evaluate, explain, tally and render one block, record by record (no
    block of results kept alive: the garbage collector would walk them again and again)."""
    compiled = policy if policy is not None else compile_ref(job.policy)
    explain = job.explainer if job.explain_lang is not None else None
    if job.explain_lang is not None and explain is None:
        raise ValueError("EvaluateJob: explain_lang needs an explainer")
    evaluator = _evaluator(compiled, job.keep_env, trace=explain is not None or (job.ship_env and job.ship_trace))
    out = BlockOut(index)
    run, fair = job.tallies.start(compiled)
    writer = buf = results = None
    if job.writer is not None:
        writer, buf = row_writer(job.writer, evaluator.outputs, evaluator.info, index == 0, **dict(job.writer_options))
    else:
        results = []
    statuses = out.statuses
    records = 0
    for i, item in enumerate(block):  # a list of records, or the Source items of a byte range as they are read
        records = i + 1
        r = evaluator.evaluate(source_of(item, i + 1))
        statuses[r.status] = statuses.get(r.status, 0) + 1
        if explain is not None and job.explain_lang is not None:
            r.explanation = explain(compiled, r, job.explain_lang).as_dict()
        if run is not None:
            run.add(r)
        if fair is not None:
            fair.add(r)
        if writer is not None:
            writer.write(r)
        else:
            if not job.ship_env:
                r.env = r.trace = None
            results.append(r)
    out.records, out.ok, out.error = records, statuses.get("ok", 0), statuses.get("error", 0)
    out.population = run.tallies if run is not None else None
    out.fairness = fair.counts if fair is not None else None
    if buf is not None:  # encoded here, in the worker, when the parent's file takes bytes (`byte_rows`)
        out.text = buf.encoded(job.encoding) if job.encoding else buf.text()
        if job.rows_dir is not None and out.text and isinstance(out.text, bytes):
            out.text = Parked.park(out.text, job.rows_dir)
    out.results = results
    return out


__all__ = ["BlockOut", "EvaluateJob", "PolicyLoadError", "PolicyRef", "Tallies", "WorkerError", "compile_ref",
           "evaluate_block", "evaluate_job", "row_writer", "run_blocks", "usable_cores"]
