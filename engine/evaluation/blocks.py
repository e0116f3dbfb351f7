"""The block driver shared by `evaluate --jobs N` and `compare --jobs N`: records split into
blocks for N worker processes, and each block's result yielded in input order
(evaluate/parallel.py and compare/blocks.py hold the work done on one block).

A CSV or JSONL file is cut into byte ranges that the workers read themselves
(records/ranges.py): the parent only counts newlines and quotes, checks each range against
the one before it, and writes. Other files (XLSX, a JSON list, YAML, standard input, a column
mapping), and the rest of a file from a range the workers could not read plainly, are read
here with the one reader that understands them and shipped in blocks of raw records. At most
`IN_FLIGHT` blocks per worker are out at a time (bounded memory).

`--jobs N` means N processes at work: N - 1 workers and this one, which evaluates the next
block itself whenever the oldest block out is not back yet (instead of waiting for it). A third
process beside two busy ones would cost more than it gives on two cores: each of the three then
waits its turn, and the parent's wake-ups for every block come in between.
"""

from __future__ import annotations

import gc
import itertools
import operator
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import fields as dataclass_fields
from typing import Any

from kinerja.i18n import _, set_lang
from kinerja.i18n import lang as current_lang
from kinerja.records.ranges import Range, RangeRead, Split, read_range
from kinerja.records.source import Source

BLOCK_SIZE = 2000  # records per block: large enough that shipping costs little, small enough to stay flat
BLOCK_BYTES = 1 << 18  # bytes per range of a file the workers read themselves (about 2,000 national records)
IN_FLIGHT = 2  # blocks per worker submitted ahead of the one being written
HELD = 3  # blocks per process held at most (out with the workers, or done and not yet yielded)
SWITCH_INTERVAL = 0.0005  # seconds: the interpreter's switch interval while workers run (see _Workers)


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
               block_size: int | None = None, local: Callable[[list, int], Any] | None = None
               ) -> Generator[Any, None, None]:
    """`work(job, block, index)` for every block of `sources`, in `jobs` processes (this one and
    `jobs` - 1 workers), yielded in input order. Input that fits in one block (or `jobs` 1) runs here, through
    `local(block, index)`. A worker that dies or fails raises WorkerError; a reading error is
    raised after the blocks read before it have been yielded. A CSV or JSONL file that can be
    cut in byte ranges (records/ranges.py: `sources.split`) is read by the workers themselves."""
    if jobs > 1:
        split = sources.split(BLOCK_BYTES) if hasattr(sources, "split") else None
        ranges = split.ranges() if split is not None else iter(())
        first = list(itertools.islice(ranges, 2))
        if split is not None and len(first) == 2:
            try:
                yield from _from_ranges(work, job, split, itertools.chain(first, ranges), jobs,
                                        block_size or BLOCK_SIZE, local)
            finally:  # the parent's reader of the file stopped after its first record: closed now, as read out
                getattr(sources, "close", lambda: None)()
            return
        ranges.close() if hasattr(ranges, "close") else None
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
    workers = _Workers(jobs - 1)
    try:
        yield from _in_blocks(workers, work, job, deque([head, second]), blocks, 0, run_here)
    finally:
        workers.close()


class _Workers:
    """`jobs` worker processes (started as `start_method` says); their failures as WorkerError."""

    def __init__(self, jobs: int):
        import multiprocessing  # here, not at the top: only a run with workers needs it (start-up time)
        from concurrent.futures import ProcessPoolExecutor

        method = start_method()
        self.jobs, self.frozen = jobs, method == "fork"
        if self.frozen:  # forked workers share what exists now: keep the collector off it (no copy-on-write, rescans)
            gc.freeze()
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                        initializer=_quiet_worker, initargs=(current_lang(),))
        # This process works while it waits: the thread that reads what the workers send then needs the
        # interpreter lock between two reads of a pipe, and would wait the whole switch interval (5 ms)
        # for it each time, the worker blocked on its full pipe meanwhile. A short interval while the
        # workers run (restored by `close`).
        self.interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self.interval, SWITCH_INTERVAL))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        from concurrent.futures.process import BrokenProcessPool
        try:
            return self.pool.submit(fn, *args)
        except BrokenProcessPool:  # a worker died while idle
            raise WorkerError(_("a worker process stopped unexpectedly (out of memory, or killed)")) from None

    @staticmethod
    def result(future: Any) -> Any:
        from concurrent.futures.process import BrokenProcessPool
        try:
            return future.result()
        except BrokenProcessPool:
            raise WorkerError(_("a worker process stopped unexpectedly (out of memory, or killed)")) from None
        except PolicyLoadError as exc:
            raise WorkerError(_("a worker could not load the policy: {error}").format(error=exc)) from None
        except Exception as exc:
            failed = _("evaluation failed in a worker: {error}").format(error=f"{type(exc).__name__}: {exc}")
            raise WorkerError(failed) from exc

    def out(self, pending: deque) -> int:
        """How many of the blocks in `pending` are out with the workers."""
        return sum(1 for p in pending if not isinstance(p[-1], _Here))

    def help(self, pending: deque) -> bool:
        """Whether this process should work on the next block itself: the oldest block out is not
        back yet, and fewer than HELD blocks per process are held (memory stays bounded)."""
        return bool(pending) and not pending[0][-1].done() and len(pending) < (self.jobs + 1) * HELD

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        sys.setswitchinterval(self.interval)
        if self.frozen:
            gc.unfreeze()


class _Here:
    """A block worked on in this process, in the place of a worker's future: its value, or what
    it raised, given in its turn (as a worker's would be)."""

    __slots__ = ("error", "value")

    def __init__(self, fn: Callable[..., Any], *args: Any):
        self.value: Any = None
        self.error: Exception | None = None
        try:
            self.value = fn(*args)
        except Exception as exc:
            self.error = exc

    def done(self) -> bool:
        return True

    def cancel(self) -> bool:
        return False

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def _in_blocks(workers: _Workers, work, job, queued: deque, blocks: Iterator[list], index: int,
               here: Callable[[list, int], Any]) -> Iterator[Any]:
    """Blocks of records read here, `index` the first one's: at most IN_FLIGHT per worker out, and
    `here(block, index)` runs one in this process while the oldest one out is not back."""
    pending: deque = deque()  # (future or _Here,)
    failure: Exception | None = None
    exhausted = False

    def take() -> list | None:
        nonlocal failure, exhausted
        if queued:
            return queued.popleft()
        try:
            return next(blocks)
        except StopIteration:
            exhausted = True
        except Exception as exc:  # a reading error: finish what was read, then raise it
            failure, exhausted = exc, True
        return None

    while True:
        while not exhausted and workers.out(pending) < workers.jobs * IN_FLIGHT:
            block = take()
            if block is None:
                break
            pending.append((workers.submit(work, job, block, index),))
            index += 1
        if not pending:
            break
        if not exhausted and workers.help(pending):
            block = take()
            if block is not None:
                pending.append((_Here(here, block, index),))
                index += 1
            continue
        yield workers.result(pending.popleft()[-1])
    if failure is not None:
        raise failure


def read_and_work(work: Callable[..., Any], job: Any, r: Range, index: int) -> tuple[Any, RangeRead]:
    """A worker's part with a byte range: `work` on the records it reads there, and what it read."""
    read = RangeRead()
    out = work(job, read_range(r, read), index)
    return out, read


def _from_ranges(work, job, split: Split, ranges: Iterator[Range], jobs: int, block_size: int,
                 local: Callable[[list, int], Any] | None = None) -> Iterator[Any]:
    """The ranges read and worked on by the workers (and by this process while it waits for them),
    yielded in order, each checked against what the range before it read: one started from a wrong
    line or row (blank lines, a quote inside a cell, that the parent's count could not know) is
    sent again from the right one, with those in flight behind it; from a range not plainly read on,
    the parent reads the rest in blocks."""
    here = local or (lambda block, index: work(job, block, index))
    workers = _Workers(jobs - 1)
    try:
        point = split.start()
        shift = (0, 0)
        pending: deque = deque()  # (range as sent, index, future or _Here)
        index = 0
        exhausted = False

        def take() -> Range | None:
            nonlocal exhausted
            r = next(ranges, None)
            if r is None:
                exhausted = True
                return None
            return r.at(r.line + shift[0], r.row + shift[1])

        while True:
            while not exhausted and workers.out(pending) < workers.jobs * IN_FLIGHT:
                r = take()
                if r is None:
                    break
                pending.append((r, index, workers.submit(read_and_work, work, job, r, index)))
                index += 1
            if not pending:
                break
            if not exhausted and workers.help(pending):
                r = take()
                if r is not None:
                    pending.append((r, index, _Here(read_and_work, _local_work, here, r, index)))
                    index += 1
                continue
            r, at, future = pending.popleft()
            if (r.line, r.row) != (point.line, point.row):  # sent before the range ahead of it was read
                moved = (point.line - r.line, point.row - r.row)
                shift = (shift[0] + moved[0], shift[1] + moved[1])
                again = [(r, at)] + [(p[0], p[1]) for p in pending]
                for p in [(r, at, future), *pending]:
                    p[2].cancel()  # (one already running finishes, unread)
                pending.clear()
                for a, i in again:
                    a = a.at(a.line + moved[0], a.row + moved[1])
                    pending.append((a, i, workers.submit(read_and_work, work, job, a, i)))
                continue
            out, read = workers.result(future)
            if not read.clean:
                for p in pending:
                    p[2].cancel()
                index = at
                break
            yield out
            point = point.after(r, read)
        if point.offset >= split.size:
            split.finish(point)
            return
        yield from _in_blocks(workers, work, job, deque(), _blocks(split.rest(point), block_size), index, here)
    finally:
        workers.close()


def _local_work(here: Callable[[Any, int], Any], block: Any, index: int) -> Any:
    """`here(block, index)` with the arguments of a worker's `work(job, block, index)`."""
    return here(block, index)


__all__ = ["BLOCK_BYTES", "BLOCK_SIZE", "IN_FLIGHT", "PolicyLoadError", "WorkerError", "read_and_work", "run_blocks",
           "source_of", "start_method", "usable_cores"]
