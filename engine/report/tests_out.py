"""Reporters for `kinerja test`: text for people, JSON for tools, JUnit XML and GitHub workflow
commands for CI.

Test names, expectations and explanations are written by whoever wrote the policy (a pull
request, perhaps), so no text they carry may become a workflow command in a CI log: every line
of the text report is made inert (`inert_line`), names are one line each, and the github
format escapes its data.

Each takes a finished `TestRun` (engine/testing/suite.py) and the coverage minimum (or None) and
returns the whole report as text. Times appear only in JUnit, so text and JSON are stable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kinerja.findings import ERROR, Finding, sort_key
from kinerja.i18n import _, ngettext, num
from kinerja.report.findings import SEVERITY_WORDS, escape_github_data, escape_github_property, github_line
from kinerja.report.results import dumps
from kinerja.testing.suite import Suite, TestRun

INDENT = "  "


def below_minimum(suite: Suite, minimum: Decimal | None) -> bool:
    return suite.below(minimum)


def _number(value: Decimal | None) -> str:
    """A percentage in prose (`87,5` in Indonesian)."""
    return "" if value is None else num(value.normalize())


def _plain_number(value: Decimal) -> str:
    """A percentage in JUnit names, the same in every language."""
    return format(value.normalize(), "f")


def _finding_lines(f: Finding, pad: str) -> list[str]:
    lines = [f"{pad}{f.location()}: {_(SEVERITY_WORDS.get(f.severity, f.severity))} {f.code} {f.message}"]
    if f.hint:
        lines.append(f"{pad}    " + _("hint: {hint}").format(hint=f.hint))
    return lines


def _indented(text: str, pad: str) -> list[str]:
    return [pad + line if line else "" for line in text.splitlines()]


# --- text ---------------------------------------------------------------------------------


_COMMAND_START = re.compile(r"^(\s*)(::)")
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def one_line(text: str) -> str:
    """A name on one line: line breaks shown as ⏎, other control characters as U+FFFD."""
    return _CONTROL.sub("\ufffd", _LINE_BREAKS.sub("⏎", text))


def inert_line(line: str) -> str:
    """A line a CI runner echoes as it is: not `::command::` (GitHub reads it after leading
    spaces), not `##[command]` (read anywhere in a line), no terminal escape sequences."""
    line = _CONTROL.sub("\ufffd", line)
    if "::" in line:
        line = _COMMAND_START.sub("\\1\\\\::", line)
    return line.replace("##[", "##\\[") if "##[" in line else line


def report_text(run: TestRun, minimum: Decimal | None = None) -> str:
    lines: list[str] = []
    for f in sorted(run.findings, key=sort_key):
        lines.extend(_finding_lines(f, ""))
    for name in run.skipped:
        lines.append(_("{name}: skipped, not a kinerja policy (no top-level `kinerja:` key)").format(name=name))
    for suite in run.suites:
        if lines:
            lines.append("")
        lines.extend(_suite_text(suite, minimum))
    if lines:
        lines.append("")
    lines.append(summary(run, minimum))
    return "\n".join(inert_line(line) for line in "\n".join(lines).split("\n")) + "\n"


def _suite_text(suite: Suite, minimum: Decimal | None) -> list[str]:
    lines = [f"{suite.file} ({suite.id})"]
    if suite.broken:
        lines.append(INDENT + (ngettext("policy has errors; its {n} test did not run:",
                                        "policy has errors; its {n} tests did not run:", len(suite.tests))
                               .format(n=len(suite.tests)) if suite.tests else _("policy has errors:")))
    for f in sorted(suite.findings, key=sort_key):
        lines.extend(_finding_lines(f, INDENT * 2))
    if suite.broken:
        return lines
    if not suite.outcomes:
        lines.append(INDENT + _("no tests"))
    for o in suite.outcomes:
        if o.passed:
            lines.append(INDENT + _("PASS  {name}").format(name=one_line(o.name)))
            continue
        pad = INDENT + " " * 6
        lines.append(INDENT + _("FAIL  {name}").format(name=one_line(o.name)))
        lines.append(pad + _("at {file}:{line}").format(file=o.file, line=o.line))
        lines.extend(_indented("\n".join(failure_lines(o)), pad))
    if suite.coverage is not None:
        line = f"{INDENT}{suite.coverage.summary()}"
        if below_minimum(suite, minimum):
            line += _(", below the minimum {percent}%").format(percent=_number(minimum))
        lines.append(line)
        for item in suite.coverage.uncovered:
            lines.append(f"{INDENT * 2}{item.file}:{item.line}: {item.message}")
    return lines


def failure_lines(o) -> list[str]:
    """A failing test's differences, each record's followed by the explanation of its result."""
    explained = dict(o.explanations)
    lines: list[str] = []
    done: set[str] = set()
    labels = list(dict.fromkeys(f.record for f in o.failures))
    for label in labels:
        lines.extend(f.text() for f in o.failures if f.record == label)
        if label in explained and label not in done:
            done.add(label)
            lines.append(_("result of {record}:").format(record=label) if label else _("result:"))
            lines.extend(_indented(explained[label], INDENT))
    return lines


def summary(run: TestRun, minimum: Decimal | None = None) -> str:
    passed = run.tests - run.failed
    text = ngettext("{n} policy", "{n} policies", len(run.suites)).format(n=len(run.suites)) + ", " + \
        ngettext("{n} test: {passed} passed, {failed} failed", "{n} tests: {passed} passed, {failed} failed",
                 run.tests).format(n=run.tests, passed=passed, failed=run.failed)
    broken = sum(1 for s in run.suites if s.broken)
    if broken:
        text += ngettext("; {n} policy has errors", "; {n} policies have errors", broken).format(n=broken)
    bad_files = len({f.file for f in run.findings})
    if bad_files:
        text += ngettext("; {n} test file has errors", "; {n} test files have errors", bad_files).format(n=bad_files)
    low = sum(1 for s in run.suites if below_minimum(s, minimum))
    if low:
        text += _("; {n} below {percent}% coverage").format(n=low, percent=_number(minimum))
    return text


# --- json ---------------------------------------------------------------------------------


def report_json(run: TestRun, minimum: Decimal | None = None) -> str:
    doc = {
        "version": 1,
        "summary": {"policies": len(run.suites), "tests": run.tests, "passed": run.tests - run.failed,
                    "failed": run.failed, "policy_errors": sum(1 for s in run.suites if s.broken),
                    "file_errors": len({f.file for f in run.findings}),
                    "below_minimum": sum(1 for s in run.suites if below_minimum(s, minimum))},
        "findings": [f.as_dict() for f in sorted(run.findings, key=sort_key)],
        "skipped": list(run.skipped),
        "policies": [_suite_json(s, minimum) for s in run.suites],
    }
    return dumps(doc, indent=2) + "\n"


def _suite_json(suite: Suite, minimum: Decimal | None) -> dict:
    out: dict[str, Any] = {"id": suite.id, "file": suite.file,
           "sha256": suite.policy.sha256 if suite.policy is not None else None,
           "status": "error" if suite.broken else ("failed" if suite.failed or below_minimum(suite, minimum)
                                                  else "passed"),
           "findings": [f.as_dict() for f in sorted(suite.findings, key=sort_key)],
           "tests": []}
    for o in suite.outcomes:
        test: dict[str, Any] = {"name": o.name, "file": o.file, "line": o.line,
                                "status": "passed" if o.passed else "failed"}
        if not o.passed:
            test["failures"] = [f.as_dict() for f in o.failures]
            test["explanations"] = [{"record": label or None, "text": text} for label, text in o.explanations]
        out["tests"].append(test)
    if suite.coverage is not None:
        out["coverage"] = suite.coverage.as_dict(minimum)
    return out


# --- junit --------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return _XML_BAD.sub("\ufffd", text)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def report_junit(run: TestRun, minimum: Decimal | None = None) -> str:
    root = ET.Element("testsuites", name="kinerja")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    index = 0
    by_file: dict[str, list[Finding]] = {}
    for f in run.findings:
        by_file.setdefault(f.file or "<input>", []).append(f)
    for file, findings in by_file.items():
        suite_el = _suite_el(root, file, index, 1, 0, 1, 0.0, file)
        case = ET.SubElement(suite_el, "testcase", classname=_clean(file), name="test file", time="0.000")
        _problem(case, "error", _("{n} error(s) in the test file").format(n=len(findings)), findings)
        index += 1
        totals["tests"] += 1
        totals["errors"] += 1
    for suite in run.suites:
        low = below_minimum(suite, minimum)
        if suite.broken:
            suite_el = _suite_el(root, suite.id, index, 1, 0, 1, 0.0, suite.file)
            case = ET.SubElement(suite_el, "testcase", classname=_clean(suite.file), name="policy compiles",
                                 time="0.000")
            errors = [f for f in suite.findings if f.severity == ERROR]
            _problem(case, "error", _("policy has {n} error(s); its tests did not run").format(n=len(errors)),
                     suite.findings)
            totals["tests"] += 1
            totals["errors"] += 1
            index += 1
            continue
        tests = len(suite.outcomes) + (1 if minimum is not None and suite.coverage is not None else 0)
        failures = suite.failed + (1 if low else 0)
        suite_el = _suite_el(root, suite.id, index, tests, failures, 0, suite.seconds, suite.file)
        if suite.coverage is not None:
            props = ET.SubElement(suite_el, "properties")
            ET.SubElement(props, "property", name="coverage", value=suite.coverage.percent_text())
        for o in suite.outcomes:
            case = ET.SubElement(suite_el, "testcase", classname=_clean(suite.file), name=_clean(o.name),
                                 time=_seconds(o.seconds), file=_clean(o.file), line=str(o.line))
            if not o.passed:
                body = failure_lines(o)
                el = ET.SubElement(case, "failure", message=_clean(o.failures[0].text()), type="K501")
                el.text = _clean("\n".join([_("at {file}:{line}").format(file=o.file, line=o.line)] + body))
        if minimum is not None and suite.coverage is not None:
            case = ET.SubElement(suite_el, "testcase", classname=_clean(suite.file),
                                 name=f"coverage at least {_plain_number(minimum)}%", time="0.000")
            if low:
                el = ET.SubElement(case, "failure", type="K502",
                                   message=suite.coverage.summary()
                                   + _(", below the minimum {percent}%").format(percent=_number(minimum)))
                el.text = _clean("\n".join(f"{i.file}:{i.line}: {i.message}" for i in suite.coverage.uncovered))
        totals["tests"] += tests
        totals["failures"] += failures
        totals["time"] += suite.seconds
        index += 1
    for key in ("tests", "failures", "errors"):
        root.set(key, str(totals[key]))
    root.set("time", _seconds(totals["time"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite_el(root, name: str, index: int, tests: int, failures: int, errors: int, seconds: float, file: str):
    return ET.SubElement(root, "testsuite", name=_clean(name), id=str(index), tests=str(tests),
                         failures=str(failures), errors=str(errors), skipped="0", time=_seconds(seconds),
                         file=_clean(file))


def _problem(case, tag: str, message: str, findings: list[Finding]) -> None:
    el = ET.SubElement(case, tag, message=_clean(message), type=findings[0].code if findings else "K000")
    lines = []
    for f in sorted(findings, key=sort_key):
        lines.extend(_finding_lines(f, ""))
    el.text = _clean("\n".join(lines))


# --- github -------------------------------------------------------------------------------


def report_github(run: TestRun, minimum: Decimal | None = None) -> str:
    """One `::error` workflow command per failing test, policy or test-file finding and coverage
    shortfall (annotations on the pull request), then the summary; every value escaped."""
    lines = [github_line(f) for f in sorted(run.findings, key=sort_key)]
    for suite in run.suites:
        lines.extend(github_line(f) for f in sorted(suite.findings, key=sort_key))
        if suite.broken:
            continue
        for o in suite.outcomes:
            if o.passed:
                continue
            props = ",".join(f"{k}={escape_github_property(str(v))}" for k, v in
                             (("file", o.file), ("line", o.line), ("title", f"K501 test failed: {one_line(o.name)}"))
                             if v)
            lines.append(f"::error {props}::{escape_github_data(chr(10).join(failure_lines(o)))}")
        if suite.coverage is not None and below_minimum(suite, minimum):
            props = f"file={escape_github_property(suite.file)},title=K502 coverage below the minimum"
            lines.append(f"::error {props}::{escape_github_data(suite.coverage.summary())}")
    lines.append(inert_line(summary(run, minimum)))
    return "\n".join(lines) + "\n"


def choose_format(explicit: str | None, environ) -> str:
    """The format asked for; else 'github' inside GitHub Actions (as `validate`); else 'text'."""
    if explicit:
        return explicit
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


TEST_REPORTERS: dict[str, Callable[[TestRun, Decimal | None], str]] = {
    "text": report_text, "json": report_json, "junit": report_junit, "github": report_github}
