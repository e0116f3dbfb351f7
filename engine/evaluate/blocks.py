"""The block driver shared by `evaluate --jobs N` and `compare --jobs N`: records read once in
this process, shipped in blocks to N worker processes, and each block's result yielded in
input order (evaluate/parallel.py and compare/blocks.py hold the work done on one block).

The parent reads the records with the one reader that understands the file (a CSV field may
hold a newline; a JSON list is one document) and ships blocks of raw records, at most
`IN_FLIGHT` blocks per worker at a time (bounded memory).
"""

from __future__ import annotations

import gc
import operator
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields as dataclass_fields
from typing import Any

from kinerja.i18n import _, set_lang
from kinerja.i18n import lang as current_lang
from kinerja.records.source import Source

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


def source_of(item: Any, row: int) -> Source:
    """A block item as a Source: a Source, its fields as a tuple (as run_blocks ships them), or
    a plain record numbered `row`."""
    if isinstance(item, Source):
        return item
    if isinstance(item, tuple):
        return Source(*item)
    return Source(row, item, f"record {row}")


def _blocks(sources: Iterable[Source], size: int) -> Iterator[list]:
    """Blocks of Source fields as tuples (they pickle quickly); a reading error comes after the block
    of the records read before it (they are written, as in a single run)."""
    it = iter(sources)
    end = object()
    fields_of = operator.attrgetter(*(f.name for f in dataclass_fields(Source)))  # every field, in order
    while True:
        block: list = []
        failure: Exception | None = None
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
    import multiprocessing  # here, not at the top: only a run with workers needs it (start-up time)
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
                failed = _("evaluation failed in a worker: {error}").format(error=f"{type(exc).__name__}: {exc}")
                raise WorkerError(failed) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if frozen:
            gc.unfreeze()
    if failure is not None:
        raise failure


__all__ = ["BLOCK_SIZE", "IN_FLIGHT", "PolicyLoadError", "WorkerError", "run_blocks", "source_of", "start_method",
           "usable_cores"]
