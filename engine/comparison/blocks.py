"""`compare --jobs N`: the work done on one block of records in a worker process.

Each block runs through a fresh `Comparison`'s counters; the parent merges the states in input
order (`Comparison.merge`). The blocks are driven by evaluate/blocks.py, as `evaluate --jobs N`.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

from kinerja.comparison.run import Comparison
from kinerja.evaluation.blocks import source_of
from kinerja.evaluation.parallel import PolicyRef, compile_ref


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
            _COMPARISON[:] = [(job, Comparison(compile_ref(job.a), compile_ref(job.b), job.options))]
        comparison = _COMPARISON[0][1]
    comparison.start(spill=False)
    for i, item in enumerate(block):
        comparison.add(source_of(item, i + 1))
    state = comparison.state()
    for name in ("changed", "invalid"):  # pickled once here, written as they are by the parent
        state[name] = (len(state[name]), pickle.dumps(state[name], protocol=pickle.HIGHEST_PROTOCOL))
    return state


__all__ = ["CompareJob", "compare_job"]
