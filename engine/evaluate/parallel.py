"""Records evaluated in blocks, in worker processes, with everything out in input order.

`evaluate_block` is the public, pure unit of work: a policy (by reference) and a block of raw
records in, one `Result` per record out, in input order. It has no side effects and keeps no
state but a per-process cache of compiled policies, so any engine that maps a function over
partitions (multiprocessing, Dask, Spark; see docs/parallel.md) can run it.

`run_blocks` is what `--jobs N` uses: the parent reads the records with the one reader that
understands the file (a CSV field may hold a newline; a JSON list is one document) and ships
blocks of raw records to N spawned workers, at most `IN_FLIGHT` blocks per worker at a time
(bounded memory); each worker coerces, evaluates, renders the rows of a streaming format
(json, jsonl, csv) with the same writer class as a single process would, and tallies the
population and fairness checks; the parent writes the blocks and merges the tallies in input
order. The bytes are those of `--jobs 1`.
"""

from __future__ import annotations

import gc
import io
import operator
import os
import pickle
import signal
from collections import deque
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any, Callable, Iterable, Iterator

from kinerja.i18n import _, lang as current_lang, set_lang
from kinerja.evaluate.evaluator import Evaluator, Result
from kinerja.model import Policy
from kinerja.records.read import Source

BLOCK_SIZE = 2000  # records per block: large enough that shipping costs little, small enough to stay flat
IN_FLIGHT = 2  # blocks per worker submitted ahead of the one being written


def usable_cores() -> int:
    """The CPUs this process may run on (the affinity mask or container quota, not the machine's)."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if count is not None:
        return max(1, count() or 1)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class PolicyLoadError(Exception):
    """A worker could not compile the policy it was given, or compiled a different one."""


class WorkerError(Exception):
    """A block could not be evaluated in a worker (the process died, or a bug); the run stops."""


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
    def of(cls, ref: str, policy: Policy) -> "PolicyRef":
        """The reference to a policy compiled here from `ref` (cached: fork-started workers inherit it)."""
        made = cls(ref, policy.sha256)
        _COMPILED[made] = policy
        return made


def compile_ref(ref: PolicyRef) -> Policy:
    """The compiled policy for `ref`, compiled once per process. Raises PolicyLoadError."""
    policy = _COMPILED.get(ref)
    if policy is not None:
        return policy
    from kinerja.compile.compiler import compile_policy
    from kinerja.findings import has_errors
    from kinerja.policy.documents import find_policy, read_document, resolve

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
        raise PolicyLoadError(_("policy {ref} has errors").format(ref=ref.ref) + (f": {first.message}" if first else ""))
    if ref.sha256 is not None and policy.sha256 != ref.sha256:
        raise PolicyLoadError(_("policy {ref} changed while the records were evaluated (sha256 {now}, expected "
                                "{then}); run again").format(ref=ref.ref, now=policy.sha256[:12], then=ref.sha256[:12]))
    _COMPILED[ref] = policy
    return policy


_EVALUATORS: dict[tuple[int, bool], tuple[Policy, Evaluator]] = {}


def _evaluator(policy: Policy, keep_env: bool) -> Evaluator:
    """One Evaluator per policy per process (it holds what is built once per policy)."""
    hit = _EVALUATORS.get((id(policy), keep_env))
    if hit is None or hit[0] is not policy:
        hit = _EVALUATORS[(id(policy), keep_env)] = (policy, Evaluator(policy, keep_env=keep_env))
    return hit[1]


def _source(item: Any, row: int) -> Source:
    if isinstance(item, Source):
        return item
    if isinstance(item, tuple):  # a Source's fields in order, as run_blocks ships them
        return Source(*item)
    return Source(row, item, f"record {row}")


def evaluate_block(policy: PolicyRef | str | Policy, records: Iterable[Any], *, first_row: int = 1,
                   keep_env: bool = False) -> list[Result]:
    """Evaluate one block of raw records: one `Result` per record, in order, never fewer.

    `policy` is a `PolicyRef`, a policy path or shipped id, or a compiled `Policy`;
    `records` holds raw records as a reader gives them (dicts of field → value, as in a CSV
    row or a JSON object) or `Source` items; a plain record gets row number `first_row + i`.
    A record that cannot be coerced or evaluated is a result with status "error", exactly as
    in a single run; only a policy that cannot be compiled raises (PolicyLoadError).
    `keep_env` keeps every name's value on the result (for explanations)."""
    if isinstance(policy, str):
        policy = PolicyRef(policy)
    compiled = policy if isinstance(policy, Policy) else compile_ref(policy)
    evaluator = _evaluator(compiled, keep_env)
    return [evaluator.evaluate(_source(item, first_row + i)) for i, item in enumerate(records)]


# --- what `--jobs N` runs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tallies:
    """The population and fairness checks a worker tallies for each block (plain settings, so
    they pickle): fairness is (fields, Favourable, derived fields, min_group) or None."""

    population: bool = False
    fairness: tuple | None = None

    def start(self, policy: Policy):
        from kinerja.evaluate.fairness import FairnessTally
        from kinerja.evaluate.population import PopulationRun

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
    explain_lang: str | None = None  # add each result's explanation in this language
    tallies: Tallies = field(default_factory=Tallies)
    ship_env: bool = False  # shipped results keep their env (the xlsx writer explains from it)


@dataclass
class BlockOut:
    """One block's share of the run, in the order its records came."""

    index: int
    records: int = 0
    ok: int = 0
    error: int = 0
    statuses: dict = field(default_factory=dict)  # status → records (ok, error, and any other)
    text: str | None = None  # the rendered rows (a streaming writer)
    results: list[Result] | None = None  # or the results themselves
    population: list | None = None  # PopulationRun tallies
    fairness: dict | None = None  # FairnessTally counts


def row_writer(writer_cls: type, outputs: list[str], info: dict, first: bool, **options) -> tuple[Any, io.StringIO]:
    """A `writer_cls` writing rows into a buffer exactly as in a single run, without the header
    or opening bracket its constructor writes (`first`: whether its rows open the output)."""
    buf = io.StringIO()
    writer = writer_cls(buf, outputs, info, **options)
    buf.seek(0)
    buf.truncate()
    if hasattr(writer, "first"):
        writer.first = first
    return writer, buf


def evaluate_job(job: EvaluateJob, block: list, index: int, policy: Policy | None = None) -> BlockOut:
    """A worker's part: evaluate, explain, tally and render one block, record by record (no
    block of results kept alive: the garbage collector would walk them again and again)."""
    compiled = policy if policy is not None else compile_ref(job.policy)
    evaluator = _evaluator(compiled, job.keep_env)
    out = BlockOut(index)
    explain = None
    if job.explain_lang is not None:
        from kinerja.explain.explanation import explain
    run, fair = job.tallies.start(compiled)
    writer = buf = results = None
    if job.writer is not None:
        writer, buf = row_writer(job.writer, evaluator.outputs, evaluator.info, index == 0, **dict(job.writer_options))
    else:
        results = []
    statuses = out.statuses
    for i, item in enumerate(block):
        r = evaluator.evaluate(_source(item, i + 1))
        statuses[r.status] = statuses.get(r.status, 0) + 1
        if explain is not None:
            r.explanation = explain(compiled, r, job.explain_lang).as_dict()
        if run is not None:
            run.add(r)
        if fair is not None:
            fair.add(r)
        if writer is not None:
            writer.write(r)
        else:
            if not job.ship_env:
                r.env = None
            results.append(r)
    out.records, out.ok, out.error = len(block), statuses.get("ok", 0), statuses.get("error", 0)
    out.population = run.tallies if run is not None else None
    out.fairness = fair.counts if fair is not None else None
    out.text = buf.getvalue() if buf is not None else None
    out.results = results
    return out


@dataclass(frozen=True)
class CompareJob:
    """What every block of one `compare --jobs N` run shares (options: compare.Options)."""

    a: PolicyRef
    b: PolicyRef
    options: Any


_COMPARISON: list = []  # [(job, Comparison)]: the one this worker process last built


def compare_job(job: CompareJob, block: list, index: int, comparison=None) -> dict:
    """A worker's part of `compare`: one block through a fresh Comparison's counters; the
    state is merged by the parent, in input order (compare.Comparison.merge)."""
    if comparison is None:
        if not _COMPARISON or _COMPARISON[0][0] != job:
            from kinerja.compare.run import Comparison
            _COMPARISON[:] = [(job, Comparison(compile_ref(job.a), compile_ref(job.b), job.options))]
        comparison = _COMPARISON[0][1]
    comparison.start(spill=False)
    for i, item in enumerate(block):
        comparison.add(_source(item, i + 1))
    state = comparison.state()
    for name in ("changed", "invalid"):  # pickled once here, written as they are by the parent
        state[name] = (len(state[name]), pickle.dumps(state[name], protocol=pickle.HIGHEST_PROTOCOL))
    return state


def _blocks(sources: Iterable[Source], size: int) -> Iterator[list]:
    """Blocks of Source fields as tuples (they pickle quickly); a reading error comes after the block
    of the records read before it (they are written, as in a single run)."""
    it = iter(sources)
    end = object()
    fields_of = operator.attrgetter(*(f.name for f in dataclass_fields(Source)))  # every field, in order
    while True:
        block, failure = [], None
        try:
            while len(block) < size:
                s = next(it, end)
                if s is end:
                    break
                block.append(fields_of(s))
        except Exception as exc:  # RecordsError, mostly: raised after this block is out
            failure = exc
        if block:
            yield block
        if failure is not None:
            raise failure
        if len(block) < size:
            return


def start_method() -> str:
    """How workers start. Everything they run is spawn-safe (module-level functions, the policy
    compiled from its reference in each worker), and spawn is used where fork is unsafe; on
    Linux a single-threaded parent forks (about 1 s less per run on 2 cores: no interpreter
    start, no import, the compiled policy inherited through the cache). KINERJA_START_METHOD
    (fork|spawn|forkserver) overrides, for tests."""
    import sys
    import threading

    chosen = os.environ.get("KINERJA_START_METHOD")
    if chosen in ("fork", "spawn", "forkserver"):
        return chosen
    return "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"


def _quiet_worker(language: str | None = None) -> None:
    """Ctrl-C is the parent's to handle: it stops the pool (no traceback from every worker). A
    worker writes its messages in the parent's language (a spawned one would not know --lang)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_lang(language)


def run_blocks(work: Callable[..., Any], job: Any, sources: Iterable[Source], jobs: int, *,
               block_size: int | None = None, local: Callable[[list, int], Any] | None = None) -> Iterator[Any]:
    """`work(job, block, index)` for every block of `sources`, in `jobs` spawned processes,
    yielded in input order. Input that fits in one block (or `jobs` 1) runs here, through
    `local(block, index)`. A worker that dies or fails raises WorkerError; a reading error is
    raised after the blocks read before it have been yielded."""
    blocks = _blocks(sources, block_size or BLOCK_SIZE)
    try:
        head = next(blocks)
    except StopIteration:
        return
    run_here = local or (lambda block, index: work(job, block, index))
    if jobs <= 1:
        yield run_here(head, 0)
        for index, block in enumerate(blocks, 1):
            yield run_here(block, index)
        return
    try:
        second = next(blocks)
    except StopIteration:
        yield run_here(head, 0)  # one block: starting processes would cost more than it saves
        return
    except Exception:
        yield run_here(head, 0)
        raise
    yield from _pool(work, job, [head, second], blocks, jobs)


def _pool(work, job, first: list, blocks: Iterator[list], jobs: int) -> Iterator[Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    method = start_method()
    frozen = method == "fork"
    if frozen:  # forked workers share what exists now: keep the collector off it (no copy-on-write, no rescans)
        gc.freeze()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_quiet_worker, initargs=(current_lang(),))
    pending: deque = deque()
    queued = deque(first)
    failure: Exception | None = None
    index = 0
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < jobs * IN_FLIGHT:
                if queued:
                    block = queued.popleft()
                else:
                    try:
                        block = next(blocks)
                    except StopIteration:
                        exhausted = True
                        break
                    except Exception as exc:  # a reading error: finish what was read, then raise it
                        failure, exhausted = exc, True
                        break
                try:
                    pending.append(pool.submit(work, job, block, index))
                except BrokenProcessPool:  # a worker died while idle
                    raise WorkerError(_("a worker process stopped unexpectedly (out of memory, or killed)")) from None
                index += 1
            if not pending:
                break
            future = pending.popleft()
            try:
                yield future.result()
            except BrokenProcessPool:
                raise WorkerError(_("a worker process stopped unexpectedly (out of memory, or killed)")) from None
            except PolicyLoadError as exc:
                raise WorkerError(_("a worker could not load the policy: {error}").format(error=exc)) from None
            except Exception as exc:
                raise WorkerError(_("evaluation failed in a worker: {error}").format(error=f"{type(exc).__name__}: {exc}")) \
                    from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if frozen:
            gc.unfreeze()
    if failure is not None:
        raise failure


__all__ = ["BLOCK_SIZE", "BlockOut", "CompareJob", "EvaluateJob", "PolicyLoadError", "PolicyRef", "Tallies", "WorkerError",
           "compare_job", "compile_ref", "evaluate_block", "evaluate_job", "row_writer", "run_blocks", "usable_cores"]
