"""kinerja from Python: the five calls an agency's own script needs, also the entry points the
`kinerja` commands use. Each takes a policy (a compiled `Policy`, a file path or a shipped id)
and records (a file path, or a list of dicts), returns plain data or the documented result
objects, and never prints or exits. Exposed as `kinerja.load_policy`, `kinerja.validate`,
`kinerja.evaluate`, `kinerja.explain` and `kinerja.compare`; the README's "Python API" shows each.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from kinerja.comparison.job import compare_records, comparison_options
from kinerja.compile.load import PolicyError, PolicyLike, load_policy
from kinerja.evaluation.evaluator import Evaluator, Result
from kinerja.evaluation.run import EvaluateRun
from kinerja.explanation.explain import Explanation
from kinerja.explanation.explain import explain as _explain_result
from kinerja.i18n import using
from kinerja.model import Policy
from kinerja.records.read import read_records
from kinerja.records.source import Source
from kinerja.validation import Validation, validate_paths

Records = str | os.PathLike | Iterable[Mapping[str, Any]]

__all__ = ["PolicyError", "compare", "evaluate", "explain", "explain_sources", "load_policy", "validate"]


def validate(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> Validation:
    """Check policy, test and mapping files (or folders of them) as `kinerja validate` does: the
    files checked (`.files`) and every finding (`.findings`, with code, severity, message, hint,
    file, line, column and JSON path). The policy is usable when no finding is an error."""
    given = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    return validate_paths([os.fspath(p) for p in given])


def _sources(records: Records, fmt: str | None) -> Iterator[Source]:
    if isinstance(records, (str, os.PathLike)):
        return read_records(os.fspath(records), fmt)
    return (Source(i, dict(r)) for i, r in enumerate(records, 1))


class _Collect:
    """A writer that keeps the results."""

    def __init__(self) -> None:
        self.results: list[Result] = []

    def write(self, result: Result) -> None:
        self.results.append(result)

    def close(self) -> None:
        pass


def evaluate(policy: PolicyLike, records: Records, *, fmt: str | None = None, annual: bool = False,
             keep_values: bool = False) -> list[Result]:
    """Every record evaluated, one `Result` per record in input order (a bad record is a result
    with `status == "error"` and its `errors`, never an exception): `row`, `nip`, `status` (ok,
    error, excluded), `outputs` (every value, band, table and scorecard by name), `actions`, `errors`.
    `records`: a file (csv, json, jsonl, yaml, xlsx; `fmt` overrides its extension) or dicts.
    `annual`: add each employee's annual result after their period rows (the policy's `cycle:`).
    `keep_values`: keep each result's `env` (every name's value) and `trace` (what was decided).
    Raises PolicyError, and RecordsError for a file that cannot be read at all."""
    compiled = load_policy(policy)
    run = EvaluateRun(compiled, str(getattr(policy, "id", policy)), keep_values=keep_values, annual=annual)
    kept = _Collect()
    run.run(_sources(records, fmt), kept)
    return kept.results


def explain_sources(policy: Policy, sources: Iterable[Source], *, nips: Iterable[str] = (), rows: Iterable[int] = (),
                    lang: str = "id") -> list[Explanation]:
    """The explanations of the records with these NIPs or record numbers, in input order; of
    every record when neither is given."""
    wanted_nips, wanted_rows = set(nips), set(rows)
    every = not wanted_nips and not wanted_rows
    evaluator = Evaluator(policy, trace=True)
    found = []
    for source in sources:
        data = source.data if isinstance(source.data, dict) else {}
        raw_nip = str(data.get("nip", "")).strip()
        if every or source.row in wanted_rows or raw_nip in wanted_nips:
            with using(lang):  # the record's errors are part of the explanation: in its language
                found.append(_explain_result(policy, evaluator.evaluate(source), lang))
            if not every and not wanted_nips and len(found) >= len(wanted_rows):
                break
    return found


def explain(policy: PolicyLike, records: Records, *, nip: str | Iterable[str] = (), row: int | Iterable[int] = (),
            lang: str = "id", fmt: str | None = None) -> list[Explanation]:
    """How the results of the records with this NIP (or these NIPs) or record number(s) were
    reached, step by step, in `lang` ("id" or "en"); with neither, of every record. Each
    `Explanation` has `.text()` (what `kinerja explain` prints), `.lines()` and `.as_dict()`
    (the steps as plain data)."""
    nips = [nip] if isinstance(nip, str) else list(nip)
    rows = [row] if isinstance(row, int) else list(row)
    return explain_sources(load_policy(policy), _sources(records, fmt), nips=nips, rows=rows, lang=lang)


def compare(policy_a: PolicyLike, policy_b: PolicyLike, records: Records, *, by_output: str = "predikat",
            group_by: Iterable[str] = (), favourable: str | None = None, min_group: int = 5,
            fmt: str | None = None, tick: Callable[[int], None] = lambda n: None) -> dict:
    """What changes when `policy_b` replaces `policy_a` for these records, as the plain data
    `kinerja compare --format json` writes: "summary" (records, valid, invalid, changed), "actions"
    (per action: a, b, gained, lost, changed), "transitions" of `by_output`, "changed" (each
    employee with the differences and why), "invalid", "groups", "fairness", "policy_diff".
    Raises PolicyError, and ValueError for an option neither policy knows."""
    a, b = load_policy(policy_a), load_policy(policy_b)
    options = comparison_options(a, b, by_output=by_output, group_by=group_by, favourable=favourable,
                                 min_group=min_group)
    return compare_records(a, b, _sources(records, fmt), options, tick=tick).report()
