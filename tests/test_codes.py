"""The code catalogue (kinerja.findings.CODES) matches what the code produces.

A code is produced when the source of the package or the CLI names it as a string on its own
(`Finding("K203", …)`, `entry.finding("K203", …)`, `"K602" if … else "K601"`) or inside a
message a user is shown (`_("… (K620)")`). Comments and docstrings do not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kinerja.findings import CODES, SEVERITIES

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "engine").rglob("*.py"), *(ROOT / "cli").rglob("*.py")])
CATALOGUE = ROOT / "engine" / "findings.py"
CODE = re.compile(r"K\d{3}")
MESSAGE_CALLS = {"_", "N_", "ngettext"}
# Not codes: K000 is the placeholder handed to `finding()` only to compute a location (and
# junit's failure type when a failure has no finding); it is never reported.
NOT_CODES = {"K000"}


def produced_codes(tree: ast.AST) -> set[str]:
    """Codes a module names as a whole string, or inside a message it shows."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.fullmatch(node.value):
            out.add(node.value)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in MESSAGE_CALLS:
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    out |= set(re.findall(r"\b(K\d{3})\b", arg.value))
    return out


def produced() -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for path in SOURCES:
        if path == CATALOGUE:
            continue
        for code in produced_codes(ast.parse(path.read_text("utf-8"))):
            where.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return where


def test_every_listed_code_is_produced_somewhere():
    assert sorted(set(CODES) - set(produced())) == []


def test_every_produced_code_is_listed():
    unlisted = {code: files for code, files in produced().items() if code not in CODES and code not in NOT_CODES}
    assert unlisted == {}


def test_every_code_has_a_severity_and_a_title():
    for code, (severity, title) in CODES.items():
        assert CODE.fullmatch(code) and severity in SEVERITIES and title, code


@pytest.mark.parametrize("source, expected", [
    ('Finding("K203", "weights")', {"K203"}),
    ('f = "K602" if bad else "K601"', {"K601", "K602"}),
    ('_("periode {p} not in the records (K620)")', {"K620"}),
    ('"""A cycle is K209."""', set()),  # a docstring names a code, produces none
    ('print("see K209 in the README")', set()),  # a text that is not a message
    ('x = "K2030"', set()),
], ids=["finding", "conditional", "message", "docstring", "not-a-message", "too-long"])
def test_what_counts_as_producing_a_code(source, expected):
    assert produced_codes(ast.parse(source)) == expected


def test_every_kind_of_problem_shares_one_base_and_one_catalogue():
    from kinerja.evaluate.population import Outcome
    from kinerja.findings import Finding, Reportable
    from kinerja.records.coerce import Problem
    from kinerja.testing.expect import Failure

    problems = [
        Finding("K218", "band range 0..90 does not cover 0..100"),
        Problem("nilai", "abc", "not a number", "K402"),
        Failure("outputs.predikat", "expected Baik, got Cukup", "Baik", "Cukup"),
        Outcome("kurva", "distribution", "unit_kerja", "Biro Umum", "fail", 10, 0, "too many", "advisory", "K601"),
    ]
    assert all(isinstance(p, Reportable) for p in problems)
    assert [(p.code, p.severity) for p in problems] == [
        ("K218", "warning"), ("K402", "error"), ("K501", "error"), ("K601", "advisory")]
    assert [p.title for p in problems[:3]] == [
        "band range does not cover its input's range", "value has the wrong type", "policy test failed"]
