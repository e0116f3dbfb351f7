"""Policy tests as code: find them, run them against the compiled policy, collect coverage.

A test lives in a policy (`tests:`) or in a `*.test.yaml` file that names its policy. `collect`
turns files and folders into suites, one per policy, holding the embedded tests and those of
every test file in the run that targets it; `run` evaluates each test record and compares the
result with what the test expects (engine/testing/expect.py). Plain data in, plain data out.
"""

from __future__ import annotations

import difflib
import os
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.evaluator import Evaluator
from kinerja.explanation.explain import explain as explain_result
from kinerja.findings import Finding, has_errors
from kinerja.i18n import _, os_reason
from kinerja.model import Policy
from kinerja.policy.documents import (
    LINK_REFUSED,
    TESTS_SCHEMA,
    Document,
    ParentRefused,
    find_policy,
    link_escapes,
    project_path,
    read_capped,
    read_document,
    resolve,
    shipped_index,
)
from kinerja.records.read import read_records
from kinerja.records.source import RecordsError, Source
from kinerja.testing.coverage import Coverage, Tracker
from kinerja.testing.expect import Context, Failure, compare, expect_problems, show, unknown_fields
from kinerja.validation import expand, is_map_file, is_test_file

_POLICY_MARK = re.compile(rb"^kinerja\s*:", re.M)


@dataclass
class Case:
    """One record of a test with what it must give."""

    raw: Any
    expect: dict
    label: str  # "" for a test's single record, else "record 2 (line 40)"
    line: int
    problems: list[Failure] = field(default_factory=list)  # mistakes in a per-record expectation


@dataclass
class TestDef:
    name: str
    file: str
    line: int
    cases: list[Case]
    problems: list[str] = field(default_factory=list)  # the test itself cannot run (records file…)


@dataclass
class TestOutcome:
    name: str
    file: str
    line: int
    failures: list[Failure]
    explanations: list[tuple[str, str]]  # (record label, explanation text) for failing records
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class Suite:
    """One policy and the tests that target it within a run."""

    file: str
    id: str
    policy: Policy | None
    findings: list[Finding]
    tests: list[TestDef] = field(default_factory=list)
    outcomes: list[TestOutcome] = field(default_factory=list)
    coverage: Coverage | None = None
    seconds: float = 0.0

    @property
    def broken(self) -> bool:
        return self.policy is None or has_errors(self.findings)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.passed)

    def below(self, minimum: Decimal | None) -> bool:
        """Its coverage was measured and is under `minimum` percent (a broken policy has none)."""
        return minimum is not None and self.coverage is not None and not self.broken and \
            not self.coverage.meets(minimum)


@dataclass
class TestRun:
    suites: list[Suite] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # test files that cannot be used
    missing: list[Finding] = field(default_factory=list)  # paths that do not exist (usage errors)
    skipped: list[str] = field(default_factory=list)  # named files that are not policies
    minimum: Decimal | None = None  # the coverage each policy must reach (percent), if any

    @property
    def tests(self) -> int:
        return sum(len(s.outcomes) for s in self.suites)

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.suites)

    @property
    def broken(self) -> int:
        return sum(1 for s in self.suites if s.broken) + len({f.file for f in self.findings})

    @property
    def passed(self) -> bool:
        """Every test passed, every policy and test file could be used, every coverage minimum met."""
        return not (self.failed or self.broken or any(s.below(self.minimum) for s in self.suites))


# --- collecting -------------------------------------------------------------------------------


def _key(file: str) -> str:
    return os.path.realpath(file) if os.path.exists(file) else "shipped:" + file


class _Collector:
    def __init__(self) -> None:
        self.run = TestRun()
        self.suites: dict[str, Suite] = {}
        self.by_id: dict[str, Suite] = {}

    def add_policy(self, doc: Document, embedded: bool = True) -> Suite:
        key = _key(doc.file)
        if key in self.suites:
            return self.suites[key]
        resolved = resolve(doc)
        policy, findings = compile_policy(resolved)
        pid = str(doc.data.get("id", "")) if isinstance(doc.data, dict) else ""
        suite = Suite(doc.file, pid or Path(doc.file).stem, policy, findings)
        self.suites[key] = suite
        self.run.suites.append(suite)
        if pid:
            self.by_id.setdefault(pid, suite)
        if embedded and isinstance(doc.data, dict):
            for i, spec in enumerate(doc.data.get("tests") or []):
                suite.tests.append(_test_def(spec, doc, ["tests", i]))
        return suite

    def target(self, doc: Document) -> Suite | None:
        """The suite a test file's `policy:` names, loading the policy when not in the run yet."""
        ref = str(doc.data["policy"])
        path_like = ref.endswith((".yaml", ".yml")) or "/" in ref
        if not path_like and ref in self.by_id:
            return self.by_id[ref]
        base = Path(doc.file).parent
        try:
            near = project_path(ref, base, "policy") if path_like else None
            if near is not None and near.is_file():
                return self.add_policy(read_document(near, display=os.path.relpath(near)), embedded=False)
            found = find_policy(ref, base if base.is_dir() else None)
        except ParentRefused as exc:
            self.run.findings.append(doc.finding("K503", str(exc), ["policy"]))
            return None
        if found is None:
            names = list(self.by_id) + list(shipped_index())
            close = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
            self.run.findings.append(doc.finding(
                "K503", _("policy \"{ref}\" not found").format(ref=ref), ["policy"],
                _("did you mean \"{close}\"?").format(close=close[0]) if close else
                _("give a path relative to this test file or the id of a shipped policy")))
            return None
        return self.add_policy(found, embedded=False)

    def add_test_file(self, doc: Document) -> None:
        if doc.findings:
            self.run.findings.extend(doc.findings)
            return
        suite = self.target(doc)
        if suite is None:
            return
        for i, spec in enumerate(doc.data.get("tests") or []):
            suite.tests.append(_test_def(spec, doc, ["tests", i]))


def _looks_like_policy(data: bytes) -> bool:
    """A top-level `kinerja:` key (records, mappings and CI files have none)."""
    return bool(_POLICY_MARK.search(data.removeprefix(b"\xef\xbb\xbf")))


def collect(paths: list[str]) -> TestRun:
    """Policies and test files under `paths` (files or folders), grouped into suites."""
    files, missing = expand(paths)
    col = _Collector()
    col.run.missing.extend(missing)
    explicit = {os.path.realpath(p) for p in paths if os.path.isfile(p)}
    policies, tests, seen = [], [], set()
    for f in files:
        real = os.path.realpath(f)
        if real in seen or is_map_file(f):
            continue
        seen.add(real)
        if is_test_file(f):
            tests.append(f)
            continue
        try:
            data = read_capped(f)  # a larger file is a K003 finding below; a pipe never hangs the run
        except OSError as exc:
            col.run.findings.append(Finding("K001", _("cannot read the file: {value}").format(value=os_reason(exc)), f))
            continue
        if not _looks_like_policy(data):
            if real in explicit:
                col.run.skipped.append(f)
            continue
        policies.append((f, data))
        if real in explicit:  # a policy named on its own brings the test files beside it
            for sibling in sorted(Path(f).parent.glob("*.test.y*ml")):
                if link_escapes(sibling):
                    col.run.findings.append(Finding("K001", _(LINK_REFUSED), str(sibling)))
                elif os.path.realpath(sibling) not in seen:
                    tests.append(str(sibling))
                    seen.add(os.path.realpath(sibling))
    for f, data in policies:
        col.add_policy(read_document(f, text=data))
    for f in tests:
        doc = read_document(f, schema_name=TESTS_SCHEMA)
        if f not in files and not doc.findings and not _targets(col, doc):
            continue  # a sibling test file for another policy: not asked for
        col.add_test_file(doc)
    return col.run


def _targets(col: _Collector, doc: Document) -> bool:
    ref = str(doc.data["policy"])
    if ref in col.by_id:
        return True
    base = Path(doc.file).parent
    return os.path.exists(base / ref) and _key(str(base / ref)) in col.suites


# --- test definitions -------------------------------------------------------------------------


def _test_def(spec: dict, doc: Document, path: list) -> TestDef:
    line = doc.locate(path)[0]
    name = str(spec.get("name", f"test {path[-1] + 1}"))
    expect = spec.get("expect") or {}
    test = TestDef(name, doc.file, line, [])
    if "record" in spec:
        test.cases.append(Case(spec["record"], expect, "", doc.locate(path + ["record"])[0]))
    elif "records" in spec:
        for i, raw in enumerate(spec["records"]):
            rline = doc.locate(path + ["records", i])[0]
            label = _("record {value} (line {rline})").format(value=i + 1, rline=rline)
            test.cases.append(Case(raw, expect, label, rline))
    elif "records_file" in spec:
        _records_file(test, spec["records_file"], doc, expect)
    return test


def _records_file(test: TestDef, ref: str, doc: Document, expect: dict) -> None:
    try:
        path = project_path(ref, Path(doc.file).parent, "records_file")
    except ParentRefused as exc:
        test.problems.append(_("records_file {ref}: {exc}").format(ref=ref, exc=exc))
        return
    try:
        for source in read_records(str(path)):
            raw, own, problems = split_expect(source.data)
            label = f"{ref} record {source.row} ({source.where})"
            own_source = Source(source.row, raw, source.where, source.cells, source.problem, source.code,
                                source.decimal_comma)
            test.cases.append(Case(own_source, merge_expect(expect, own), label, source.row, problems))
    except RecordsError as exc:
        test.problems.append(_("records_file {ref}: {exc}").format(ref=ref, exc=exc))
    if not test.cases and not test.problems:
        test.problems.append(_("records_file {ref} has no records").format(ref=ref))


def split_expect(raw: Any) -> tuple[Any, dict, list[Failure]]:
    """A record's own expectation: an `expect` mapping (JSON/YAML records) or `expect.*` columns
    (CSV): `expect.status`, `expect.actions` (ids separated by ; , or spaces), `expect.actions_include`,
    `expect.actions_exclude`, `expect.errors`, `expect.params.RULE.PARAM`, `expect.reason.RULE`,
    and `expect.NAME` (or `expect.outputs.NAME`) for an output. A blank cell checks nothing;
    `null` expects no value; `expect.actions` of `-` expects no action at all."""
    if not isinstance(raw, dict):
        return raw, {}, []
    record: dict = {}
    own: dict = {}
    for key, value in raw.items():
        if key == "expect" and isinstance(value, dict):
            own = _deep_merge(own, value)
        elif isinstance(key, str) and key.startswith("expect."):
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            own = _deep_merge(own, _column(key[len("expect."):], value))
        else:
            record[key] = value
    return record, own, expect_problems(own) if own else []


def _column(name: str, value: Any) -> dict:
    if name in ("status",):
        return {"status": str(value).strip()}
    if name in ("actions", "actions_include", "actions_exclude", "errors"):
        if isinstance(value, list):
            return {name: value}
        text = str(value).strip()
        return {name: [] if text == "-" else re.split(r"[\s;,]+", text.strip(" ;,"))}
    if name.startswith("params.") and name.count(".") >= 2:
        _, rule, param = name.split(".", 2)
        return {"params": {rule: {param: value}}}
    if name.startswith("reason."):
        return {"reason_contains": {name[len("reason."):]: str(value)}}
    if name.startswith("outputs."):
        name = name[len("outputs."):]
    if isinstance(value, str) and value.strip() == "null":
        value = None
    return {"outputs": {name: value}}


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def merge_expect(test: dict, own: dict) -> dict:
    """The test's `expect`, with a record's own expectation taking precedence item by item."""
    return _deep_merge(test, own) if own else test


# --- running ----------------------------------------------------------------------------------


def run(test_run: TestRun, *, coverage: bool = False, explain: bool = True, lang: str = "id",
        name_filter: str | None = None, minimum: Decimal | None = None) -> TestRun:
    """Evaluate every test of every suite; fills `outcomes` (and `coverage` when asked, or when a
    `minimum` coverage in percent is set: `passed` then also asks that each policy reach it)."""
    test_run.minimum = minimum
    coverage = coverage or minimum is not None
    for suite in test_run.suites:
        started = time.perf_counter()
        if name_filter:
            suite.tests = [t for t in suite.tests if name_filter.lower() in t.name.lower()]
        policy = suite.policy
        if suite.broken or policy is None:
            continue
        evaluator = Evaluator(policy, trace=True)
        ctx = Context(policy, evaluator.outputs)
        tracker = Tracker(policy) if coverage else None
        for test in suite.tests:
            suite.outcomes.append(run_test(test, policy, evaluator, ctx, tracker, explain, lang))
        if tracker is not None:
            suite.coverage = tracker.coverage()
        suite.seconds = time.perf_counter() - started
    return test_run


def run_test(test: TestDef, policy: Policy, evaluator: Evaluator, ctx: Context, tracker: Tracker | None,
             explain: bool, lang: str) -> TestOutcome:
    started = time.perf_counter()
    failures = [Failure("test", p) for p in test.problems]
    explanations = []
    for n, case in enumerate(test.cases, 1):
        source = case.raw if isinstance(case.raw, Source) else \
            Source(n, case.raw, _("line {line}").format(line=case.line))
        result = evaluator.evaluate(source)
        if tracker is not None:
            tracker.add(result)
        found = list(case.problems) + unknown_fields(source.data, ctx)
        if not case.problems:  # a malformed expectation cannot be compared safely
            found += compare(case.expect, result, ctx)
        for f in found:
            f.record = case.label
        if found and explain and (result.ok or result.env is not None):
            explanations.append((case.label, explanation(policy, result, lang)))
        failures.extend(found)
    return TestOutcome(test.name, test.file, test.line, failures, explanations, time.perf_counter() - started)


def explanation(policy: Policy, result, lang: str = "id") -> str:
    """Why the result came out as it did: its explanation (engine/explanation/) when it has a trace,
    else the result itself."""
    if result.trace is not None and result.env is not None:
        try:
            return explain_result(policy, result, lang).text()
        except Exception:
            pass
    return fallback_explanation(result)


def fallback_explanation(result) -> str:
    if result.status != "ok":
        return _("errors: ") + "; ".join(
            f"{e.get('field') or e.get('name') or e.get('stage', '')}: {e.get('reason', '')}" for e in result.errors)
    lines = [_("outputs: ") + ", ".join(f"{k} = {show(v)}" for k, v in result.outputs.items())]
    lines.append(_("actions: ") + (", ".join(a["id"] for a in result.actions) or _("none")))
    for a in result.actions:
        lines.append(f"  {a['id']}: {a.get('reason', '')}")
    return "\n".join(lines)
