"""Tests for kinerja.policy.located: positions, YAML 1.2 typing, hostile-input rejection, never raising."""

from __future__ import annotations

import os
import random
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.findings import CODES, Finding
from kinerja.policy.located import (
    Mapping,
    Node,
    Scalar,
    Sequence,
    _Loader,
    format_path,
    key_at,
    load_path,
    load_text,
    node_at,
    to_plain,
)

POLICY = """\
policy:
  name: Kinerja
  indicators:
    - id: k1
      weight: 0.4
    - id: k2
      weight: 60
  tags: [a, "b"]
  note: |
    line one
  empty:
"""


def load_ok(text, **kw):
    root, findings = load_text(text, "p.yaml", **kw)
    assert findings == [], findings
    return root


def only(text, **kw):
    """The single finding a bad input must produce."""
    root, findings = load_text(text, "p.yaml", **kw)
    assert len(findings) == 1, findings
    assert findings[0].file == "p.yaml"
    return root, findings[0]


# --- positions -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, kind, start, end, key", [
    pytest.param((), Mapping, (1, 1), (11, 9), None, id="root"),
    pytest.param(("policy",), Mapping, (2, 3), (11, 9), (1, 1), id="nested-mapping"),
    pytest.param(("policy", "name"), Scalar, (2, 9), (2, 16), (2, 3), id="plain-value"),
    pytest.param(("policy", "indicators"), Sequence, (4, 5), (7, 17), (3, 3), id="block-sequence"),
    pytest.param(("policy", "indicators", 0), Mapping, (4, 7), (5, 18), None, id="sequence-item"),
    pytest.param(("policy", "indicators", 1, "weight"), Scalar, (7, 15), (7, 17), (7, 7), id="deep-value"),
    pytest.param(("policy", "tags"), Sequence, (8, 9), (8, 17), (8, 3), id="flow-sequence"),
    pytest.param(("policy", "tags", 1), Scalar, (8, 13), (8, 16), None, id="flow-item-quoted"),
    pytest.param(("policy", "note"), Scalar, (9, 9), (11, 1), (9, 3), id="block-scalar"),
    pytest.param(("policy", "empty"), Scalar, (11, 9), (11, 9), (11, 3), id="empty-value"),
])
def test_positions(path, kind, start, end, key):
    root = load_ok(POLICY)
    node = node_at(root, path)
    assert type(node) is kind
    assert (node.line, node.column) == start
    assert (node.end_line, node.end_column) == end
    k = key_at(root, path)
    assert ((k.line, k.column) if k else None) == key


def test_scalar_fields():
    root = load_ok(POLICY)
    assert node_at(root, ["policy", "tags", 1]).style == '"'
    assert node_at(root, ["policy", "note"]).style == "|"
    weight = node_at(root, ["policy", "indicators", 0, "weight"])
    assert (weight.value, weight.source, weight.style) == (Decimal("0.4"), "0.4", None)


def test_bom_is_stripped_and_positions_start_at_1_1():
    for data in (b"\xef\xbb\xbfa: 1\n", "\ufeffa: 1\n"):
        root = load_ok(data)
        key = key_at(root, ["a"])
        assert (key.line, key.column, to_plain(root)) == (1, 1, {"a": 1})


# --- typing: YAML 1.2 core schema ------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    *[pytest.param(t, True, id=t) for t in ("true", "True", "TRUE")],
    *[pytest.param(t, False, id=t) for t in ("false", "False", "FALSE")],
    *[pytest.param(t, None, id=t or "empty") for t in ("null", "Null", "NULL", "~", "")],
    *[pytest.param(t, t, id=t) for t in ("no", "No", "off", "yes", "on", "y", "n", "nULL", "tRUE")],
    pytest.param("0", 0, id="zero"),
    pytest.param("010", 10, id="leading-zero-is-decimal"),
    pytest.param("-7", -7, id="negative"),
    pytest.param("+12", 12, id="plus-sign"),
    pytest.param("0o17", 15, id="octal"),
    pytest.param("0x1F", 31, id="hex"),
    pytest.param("0x1f", 31, id="hex-lower"),
    pytest.param("0.1", Decimal("0.1"), id="decimal-exact"),
    pytest.param("2.50", Decimal("2.50"), id="decimal-keeps-scale"),
    pytest.param(".5", Decimal(".5"), id="leading-dot"),
    pytest.param("1.", Decimal("1."), id="trailing-dot"),
    pytest.param("1e3", Decimal("1e3"), id="exponent"),
    pytest.param("-1.5E-2", Decimal("-1.5E-2"), id="negative-exponent"),
    pytest.param("12:30", "12:30", id="sexagesimal-is-string"),
    pytest.param("2024-01-01", "2024-01-01", id="date-is-string"),
    pytest.param("1_000", "1_000", id="underscore-is-string"),
    pytest.param("0b101", "0b101", id="binary-is-string"),
    pytest.param("-0x1F", "-0x1F", id="signed-hex-is-string"),
    pytest.param("0o8", "0o8", id="bad-octal-is-string"),
    pytest.param("1.2.3", "1.2.3", id="version-is-string"),
    pytest.param("1e", "1e", id="bare-e-is-string"),
    pytest.param("inf", "inf", id="inf-without-dot-is-string"),
    pytest.param("+", "+", id="plus-alone"),
    pytest.param("-x", "-x", id="dash-word"),
    pytest.param(".", ".", id="dot"),
    pytest.param("'true'", "true", id="single-quoted-bool"),
    pytest.param('"010"', "010", id="double-quoted-number"),
    pytest.param("'~'", "~", id="quoted-null"),
    pytest.param("|-\n  12", "12", id="block-literal-number"),
    pytest.param(">-\n  true", "true", id="block-folded-bool"),
])
def test_typing(text, expected):
    value = to_plain(load_ok(f"v: {text}\n"))["v"]
    assert type(value) is type(expected)
    assert value == expected
    if isinstance(expected, Decimal):
        assert str(value) == str(expected)


def test_source_is_kept_for_quoting_hints():
    node = node_at(load_ok("nip: 010\n"), ["nip"])
    assert (node.value, node.source, node.style) == (10, "010", None)


@pytest.mark.parametrize("text, key", [
    pytest.param("2024: x\n", "2024", id="int-key"),
    pytest.param("true: x\n", "true", id="bool-key"),
    pytest.param("~: x\n", "~", id="null-key"),
    pytest.param("0.10: x\n", "0.10", id="float-key-keeps-text"),
    pytest.param("'<<': x\n", "<<", id="quoted-merge-is-a-plain-key"),
    pytest.param("\"a b\": x\n", "a b", id="quoted-key"),
])
def test_scalar_keys_become_their_text(text, key):
    root = load_ok(text)
    assert list(root.items) == [key]
    assert key_at(root, [key]).value == key


# --- rejections ------------------------------------------------------------------------------------

BILLION_LAUGHS = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"


@pytest.mark.parametrize("text, code, line, column, path", [
    pytest.param("weight: 1\nname: x\nweight: 2\n", "K005", 3, 1, "$.weight", id="K005-duplicate"),
    pytest.param("a:\n  b:\n    w: 1\n    w: 2\n", "K005", 4, 5, "$.a.b.w", id="K005-nested"),
    pytest.param("a: {b: 1, b: 2}\n", "K005", 1, 11, "$.a.b", id="K005-flow"),
    pytest.param("- x: 1\n  '1': 2\n  x: 3\n", "K005", 3, 3, "$[0].x", id="K005-in-sequence"),
    pytest.param("2024: a\n'2024': b\n", "K005", 2, 1, "$[\"2024\"]", id="K005-int-and-quoted-key"),
    pytest.param("a: &x 1\n", "K006", 1, 4, "$.a", id="K006-anchor"),
    pytest.param("base: &b\n  x: 1\n", "K006", 1, 7, "$.base", id="K006-anchor-on-mapping"),
    pytest.param("a: 1\nb: *x\n", "K006", 2, 4, "$.b", id="K006-alias"),
    pytest.param("- 1\n- *x\n", "K006", 2, 3, "$[1]", id="K006-alias-in-sequence"),
    pytest.param(BILLION_LAUGHS, "K006", 1, 4, "$.a", id="K006-billion-laughs"),
    pytest.param("a: !!python/object/apply:os.system ['ls']\n", "K007", 1, 4, "$.a", id="K007-python-apply"),
    pytest.param("a: !!python/object:os.system {}\n", "K007", 1, 4, "$.a", id="K007-python-object"),
    pytest.param("a: !!str 5\n", "K007", 1, 4, "$.a", id="K007-str"),
    pytest.param("a: !foo x\n", "K007", 1, 4, "$.a", id="K007-local"),
    pytest.param("a: ! x\n", "K007", 1, 4, "$.a", id="K007-non-specific"),
    pytest.param("!!map {a: 1}\n", "K007", 1, 1, "$", id="K007-on-root"),
    pytest.param("- 1\n- !!binary aGk=\n", "K007", 2, 3, "$[1]", id="K007-in-sequence"),
    pytest.param("a: !e!x y\n", "K007", 1, 4, "$", id="K007-undefined-handle"),
    pytest.param("<<: {a: 1}\nb: 2\n", "K008", 1, 1, "$", id="K008-merge"),
    pytest.param("x:\n  <<: {a: 1}\n", "K008", 2, 3, "$.x", id="K008-nested"),
    pytest.param("a: 1\n---\nb: 2\n", "K009", 2, 1, "$", id="K009-second-document"),
    pytest.param("---\na: 1\n---\nb: 2\n", "K009", 3, 1, "$", id="K009-explicit-first"),
    pytest.param("a: 1\n...\n---\nb: 1\n", "K009", 3, 1, "$", id="K009-after-end-marker"),
    pytest.param("", "K011", 0, 0, "$", id="K011-empty"),
    pytest.param("  \n\n\t\n", "K011", 0, 0, "$", id="K011-whitespace"),
    pytest.param("# comment\n   # another\n", "K011", 0, 0, "$", id="K011-comments"),
    pytest.param("\t# tab-indented comment\r\n", "K011", 0, 0, "$", id="K011-tabbed-comment"),
    pytest.param("---\n", "K011", 0, 0, "$", id="K011-bare-document-marker"),
    pytest.param("? [a, b]\n: x\n", "K012", 1, 3, "$", id="K012-sequence-key"),
    pytest.param("? {a: 1}\n: x\n", "K012", 1, 3, "$", id="K012-mapping-key"),
    pytest.param("{? [a]: 1}\n", "K012", 1, 4, "$", id="K012-flow-key"),
    pytest.param("? \n: x\n", "K012", 1, 2, "$", id="K012-empty-key"),
    pytest.param("a: .inf\n", "K013", 1, 4, "$.a", id="K013-inf"),
    pytest.param("a:\n  - -.Inf\n", "K013", 2, 5, "$.a[0]", id="K013-negative-inf"),
    pytest.param("a: +.INF\n", "K013", 1, 4, "$.a", id="K013-plus-inf"),
    pytest.param("a: .nan\n", "K013", 1, 4, "$.a", id="K013-nan"),
    pytest.param("a: .NaN\n", "K013", 1, 4, "$.a", id="K013-NaN"),
    pytest.param("a: " + "9" * 5000 + "\n", "K013", 1, 4, "$.a", id="K013-too-many-digits"),
    pytest.param("a: 1e99999\n", "K013", 1, 4, "$.a", id="K013-huge-exponent"),
    pytest.param("a: 0x" + "f" * 4000 + "\n", "K013", 1, 4, "$.a", id="K013-huge-hex"),
    pytest.param("a:\n\tb: 1\n", "K004", 2, 1, "$", id="K004-tab-indent"),
    pytest.param("a: b: c\n", "K004", 1, 5, "$", id="K004-colon-in-value"),
    pytest.param("a: 'unclosed\n", "K004", 2, 1, "$", id="K004-unclosed-quote"),
    pytest.param("a: [1, 2\nb: 3\n", "K004", 2, 2, "$", id="K004-unclosed-bracket"),
    pytest.param("a:\n  b: 1\n c: 2\n", "K004", 3, 2, "$", id="K004-bad-indent"),
    pytest.param("a: 1\n- b\n", "K004", 2, 1, "$", id="K004-list-after-mapping"),
    pytest.param("a: b\nc\n", "K004", 2, 1, "$", id="K004-missing-colon"),
    pytest.param("x: @foo\n", "K004", 1, 4, "$", id="K004-reserved-char"),
    pytest.param("x: *bold*\n", "K004", 1, 9, "$", id="K004-star-text"),
    pytest.param('a: "\\q"\n', "K004", 1, 6, "$", id="K004-bad-escape"),
    pytest.param("a: |0\n x\n", "K004", 1, 5, "$", id="K004-block-header"),
    pytest.param("a: \x00\n", "K004", 1, 4, "$", id="K004-nul"),
    pytest.param("a: 1\nb: \x07\n", "K004", 2, 4, "$", id="K004-control-char"),
    pytest.param(b"a: 1\nb: \xff\n", "K002", 2, 4, "$", id="K002-bad-byte"),
    pytest.param(b"a: 1\nb: caf\xc3\n", "K002", 2, 7, "$", id="K002-truncated-sequence"),
    pytest.param(b"\xff\xfea\x00:\x00", "K002", 1, 1, "$", id="K002-utf16"),
    pytest.param(b"\xef\xbb\xbfa: \xff", "K002", 1, 4, "$", id="K002-after-bom"),
    pytest.param("a: \ud800\n", "K002", 1, 4, "$", id="K002-lone-surrogate"),
])
def test_rejections(text, code, line, column, path):
    _, finding = only(text)
    assert (finding.code, finding.line, finding.column, finding.path) == (code, line, column, path)
    assert finding.severity == CODES[code][0]


def test_duplicate_key_names_both_lines_and_keeps_the_first():
    root, finding = only("weight: 1\nname: x\nweight: 2\n")
    assert finding.message == 'key "weight" appears twice in this mapping (first at line 1, again at line 3)'
    assert to_plain(root) == {"weight": 1, "name": "x"}


def test_duplicate_key_on_one_line_names_columns():
    _, finding = only("a: {b: 1, b: 2}\n")
    assert "first at line 1 column 5, again at column 11" in finding.message


@pytest.mark.parametrize("text, plain, pyyaml", [
    pytest.param("a:\n\tb: 1\n", "found a tab character where indentation was expected",
                 "found character '\\t' that cannot start any token", id="tab"),
    pytest.param("a: 'x\n", "quoted text is never closed; the quoted text starts at line 1",
                 "found unexpected end of stream", id="unclosed-quote"),
    pytest.param("a: b: c\n", "put a value containing ': ' in quotes", "mapping values are not allowed here",
                 id="colon"),
    pytest.param("a: [1, 2\nb: 3\n", "the list starts at line 1", "expected ',' or ']'", id="flow"),
])
def test_syntax_errors_are_in_plain_words_with_pyyaml_text(text, plain, pyyaml):
    _, finding = only(text)
    assert finding.code == "K004"
    assert plain in finding.message and pyyaml in finding.message


def test_tag_message_shows_the_tag_and_does_not_construct():
    root, finding = only("a: !!python/object/apply:os.system ['echo hacked']\n")
    assert "!!python/object/apply:os.system" in finding.message
    assert to_plain(root) == {"a": ["echo hacked"]}


@pytest.mark.parametrize("text", [
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param("a: &a 1\n", id="anchor"),
    pytest.param("a:\n\tb: 1\n", id="syntax"),
    pytest.param("[" * 100, id="too-deep"),
])
def test_fatal_findings_return_no_tree(text):
    assert load_text(text)[0] is None


@pytest.mark.parametrize("text, plain", [
    pytest.param("<<: {a: 1}\nb: 2\n", {"b": 2}, id="merge-dropped"),
    pytest.param("? [a]\n: 1\nb: 2\n", {"b": 2}, id="collection-key-dropped"),
    pytest.param("a: 1\n---\nb: 2\n", {"a": 1}, id="first-document-kept"),
    pytest.param("a: .inf\n", {"a": ".inf"}, id="non-finite-kept-as-text"),
])
def test_recoverable_findings_keep_the_rest(text, plain):
    assert to_plain(load_text(text)[0]) == plain


# --- depth -----------------------------------------------------------------------------------------

DEEP_LINES = "".join(" " * i + "a:\n" for i in range(1_000))


# Each is measured against a baseline in the same process: the same shape at a tenth of the size
# (rejected too; once past the depth limit more input must cost nothing, so not ~10× — PyYAML's
# scanner looks at most 1024 characters ahead), or for the indentation, which must be read line
# by line, a comment of the same length (the least any loader does with that many characters).
@pytest.mark.parametrize("text, baseline, line, column", [
    pytest.param("[" * 100_000, "[" * 10_000, 1, 65, id="100k-brackets"),
    pytest.param("{" * 100_000, "{" * 10_000, 1, 65, id="100k-braces"),
    pytest.param("[\n" * 100_000, "[\n" * 10_000, 65, 1, id="100k-brackets-on-lines"),
    pytest.param("- " * 100_000 + "x", "- " * 10_000 + "x", 1, 129, id="100k-dashes"),
    pytest.param(DEEP_LINES, "#" * (len(DEEP_LINES) - 1) + "\n", 65, 65, id="deep-indentation"),
])
def test_too_deep_is_rejected_fast(text, baseline, line, column, timing):
    root, finding = only(text)
    assert timing.ratio(lambda: load_text(text), lambda: load_text(baseline)) < 4
    assert (root, finding.code, finding.line, finding.column) == (None, "K010", line, column)


@pytest.mark.parametrize("max_depth, text, ok", [
    pytest.param(3, "a:\n  b:\n    c: 1\n", True, id="at-limit"),
    pytest.param(3, "a:\n  b:\n    c:\n      d: 1\n", False, id="over-limit"),
    pytest.param(1, "[1, 2]", True, id="flat-list"),
    pytest.param(1, "[[1]]", False, id="nested-list"),
])
def test_max_depth_counts_collections(max_depth, text, ok):
    _, findings = load_text(text, max_depth=max_depth)
    assert [f.code for f in findings] == ([] if ok else ["K010"])


def test_deep_path_in_depth_finding():
    _, finding = only("a:\n  - b:\n      - [x]\n", max_depth=4)
    assert (finding.line, finding.column, finding.path) == (3, 9, "$.a[0].b[0]")


# --- size ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    pytest.param(b"a: 1\n" * 3, id="bytes"),
    pytest.param("a: 1\n" * 3, id="str"),
    pytest.param("a: \u00e9\n" * 2, id="str-multibyte-over-in-utf8"),
])
def test_size_limit(data):
    _, finding = only(data, max_bytes=11)
    assert (finding.code, finding.line, finding.column) == ("K003", 0, 0)
    assert "11 bytes" in finding.message


def test_size_limit_is_inclusive():
    assert to_plain(load_ok(b"a: 12345678", max_bytes=11)) == {"a": 12345678}


NATIONAL = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"


def test_huge_input_is_refused_before_parsing(timing):
    data, national = b"[" * 50_000_000, NATIONAL.read_text(encoding="utf-8")
    _, finding = only(data)
    assert finding.code == "K003"
    # refusing 50 MB costs less than loading the 24 kB national policy (it reads the size, nothing more)
    assert timing.ratio(lambda: load_text(data), lambda: load_text(national)) < 0.5


# --- load_path -------------------------------------------------------------------------------------

def test_load_path_reads_and_names_the_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"a: 1\na: 2\n")
    root, findings = load_path(path, display="policies/p.yaml")
    assert to_plain(root) == {"a": 1}
    assert [(f.code, f.file, f.line, f.column) for f in findings] == [("K005", "policies/p.yaml", 2, 1)]
    assert load_path(str(path))[1][0].file == str(path)


@pytest.mark.parametrize("make, words", [
    pytest.param(lambda d: d / "missing.yaml", "it does not exist", id="missing"),
    pytest.param(lambda d: d, "folder", id="directory"),
    pytest.param(lambda d: (d / "f").write_text("x") and d / "f" / "p.yaml", "not a folder", id="file-as-folder"),
    pytest.param(lambda d: str(d / "a\0b"), "not valid", id="nul-in-path"),
])
def test_load_path_unreadable(tmp_path, make, words):
    root, findings = load_path(make(tmp_path), display="x.yaml")
    assert root is None
    assert [(f.code, f.file, f.line) for f in findings] == [("K001", "x.yaml", 0)]
    assert words in findings[0].message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_load_path_permission_denied(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a: 1\n")
    path.chmod(0)
    assert "permission" in load_path(path)[1][0].message


def test_load_path_refuses_a_big_file(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:
        fh.truncate(20 * 1024 * 1024)  # sparse
    root, findings = load_path(path)
    assert (root, [(f.code, f.line, f.column) for f in findings]) == (None, [("K003", 0, 0)])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_load_path_reads_at_most_the_limit_from_an_endless_file(timing):
    root, findings = load_path("/dev/zero")
    assert (root, [f.code for f in findings]) == (None, ["K003"])
    national = NATIONAL.read_text(encoding="utf-8")  # an endless file costs less than parsing a real policy
    assert timing.ratio(lambda: load_path("/dev/zero"), lambda: load_text(national)) < 0.5


def test_load_path_limits_are_passed_on(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("[[1]]")
    assert [f.code for f in load_path(path, max_depth=1)[1]] == ["K010"]
    assert [f.code for f in load_path(path, max_bytes=4)[1]] == ["K003"]


# --- never raise -----------------------------------------------------------------------------------

def assert_findings_only(result):
    root, findings = result
    assert root is None or isinstance(root, Node)
    assert isinstance(findings, list)
    for f in findings:
        assert isinstance(f, Finding) and f.code in CODES
        assert isinstance(f.line, int) and isinstance(f.column, int) and f.line >= 0 and f.column >= 0
        assert f.path.startswith("$")
    if root is None:
        assert findings
    to_plain(root)


GARBAGE = [
    b"\x00" * 1000, b"\x00a: 1", b"a: 1\x00", "\x00\x01\x02\x03", "\ufffe\uffff", "\u2028a: 1\u2029b: 2",
    b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", "]]]]", "}}}", "{]", "[}", ": : :", "- - -\n  - :",
    "? ? ?", "&&&&", "***", "!!!!", "%%%%", "%YAML 2.0\n---\na: 1", "%TAG !e! tag:x,2000:\n--- !e!foo 1",
    "'" * 1001, '"' * 1001, "|" * 100, ">\n" * 100, "a: |\n  x\n b", "\t" * 100, "\r" * 100, "\r\n" * 100,
    "a:\r  b: 1\r", "---\n...\n---\n...", "..." * 100, "--- " * 100, "#" * 10000, "a" * 100_000,
    "a: " + "b " * 50_000, "[" * 10 + "]" * 11, "{a: [b, {c: [d, {e: f}]}]}" * 3, "- " * 64 + "x",
    "\ud800", "a\udfffb: c",
]


@pytest.mark.parametrize("data", GARBAGE, ids=[f"garbage{i}" for i in range(len(GARBAGE))])
def test_garbage_gives_findings_not_exceptions(data):
    assert_findings_only(load_text(data))


@pytest.mark.parametrize("seed", range(20))
def test_random_binary_and_text(seed):
    rng = random.Random(seed)
    size = rng.choice([1, 10, 1000, 100_000])
    assert_findings_only(load_text(rng.randbytes(size)))
    alphabet = "[]{}:,-?!&*#|>'\"\n\r\t %@`~.0123456789abxyzeE+\\\ufeff\u00e9"
    assert_findings_only(load_text("".join(rng.choice(alphabet) for _ in range(size))))


def test_huge_ordinary_input_near_the_limit():
    data = ("k: " + "v" * 1000 + "\n") * 1000  # just under 1 MiB, one key repeated
    root, findings = load_text(data)
    assert root is not None and {f.code for f in findings} == {"K005"}


@pytest.mark.parametrize("value", [None, 42, 3.5, object(), ["a: 1"]], ids=["None", "int", "float", "object", "list"])
def test_wrong_argument_types_do_not_raise(value):
    assert_findings_only(load_text(value))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000),
                 st.text(alphabet="[]{}:,-?!&*#|>'\"\n \t.0123456789abc~%@`\\", max_size=300)))
def test_fuzz_never_raises(data):
    assert_findings_only(load_text(data, max_depth=8))


# --- the sped-up loader gives exactly PyYAML's events ----------------------------------------------

def events(text, loader):
    try:
        return [(type(e).__name__, getattr(e, "value", None), getattr(e, "anchor", None), getattr(e, "tag", None),
                 e.start_mark.index, e.start_mark.line, e.start_mark.column, e.end_mark.line, e.end_mark.column)
                for e in yaml.parse(text, Loader=loader)]
    except yaml.YAMLError as exc:
        return ["error", str(exc)]


@pytest.mark.parametrize("text", [POLICY, BILLION_LAUGHS, "a: 'x\n", "a:\r\n  b: \"\\u00e9\"\r\n  c: [1, 2]\r\n",
                                  "\u2028a: 1\x85b: [x]\n", "a: 1\n\ufeffb: 2\n", "- [[[[a]]]]\n" * 5,
                                  "{" + "a" * 2000 + ": 1}", "a:\n  " + "x " * 1000 + "\n"],
                         ids=lambda t: repr(t)[:20])
def test_fast_loader_matches_pyyaml(text):
    assert events(text, _Loader) == events(text, yaml.SafeLoader)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(alphabet="[]{}:,-?#|>'\"\n\r \t.0a1\u2028\x85\ufeff", max_size=200))
def test_fast_loader_matches_pyyaml_fuzz(text):
    assert events(text, _Loader) == events(text, yaml.SafeLoader)


# --- helpers ---------------------------------------------------------------------------------------

def test_to_plain():
    assert to_plain(load_ok(POLICY)) == {"policy": {
        "name": "Kinerja",
        "indicators": [{"id": "k1", "weight": Decimal("0.4")}, {"id": "k2", "weight": 60}],
        "tags": ["a", "b"], "note": "line one\n", "empty": None}}
    assert to_plain(None) is None
    assert to_plain(load_ok("5")) == 5


def test_to_plain_is_not_recursive():
    depth = 3000
    root = load_ok("[\n" * depth + "]" * depth, max_depth=depth)
    plain = to_plain(root)
    for _ in range(depth - 1):
        plain = plain[0]
    assert plain == []


@pytest.mark.parametrize("path, expected", [
    pytest.param([], (1, 1), id="empty-path-is-root"),
    pytest.param(["policy", "indicators", 1, "id"], (6, 11), id="full-path"),
    pytest.param(["policy", "indicators", 7, "id"], (4, 5), id="index-out-of-range"),
    pytest.param(["policy", "indicators", -1], (4, 5), id="negative-index"),
    pytest.param(["policy", "indicators", "0"], (4, 5), id="string-on-sequence"),
    pytest.param(["policy", 0], (2, 3), id="int-on-mapping"),
    pytest.param(["policy", "name", "deeper"], (2, 9), id="through-a-scalar"),
    pytest.param(["nope"], (1, 1), id="missing-first-step"),
    pytest.param(["policy", "indicators", True], (4, 5), id="bool-is-not-an-index"),
])
def test_node_at(path, expected):
    node = node_at(load_ok(POLICY), path)
    assert (node.line, node.column) == expected


@pytest.mark.parametrize("path, expected", [
    pytest.param(["policy"], (1, 1), id="top-key"),
    pytest.param(["policy", "indicators", 1, "weight"], (7, 7), id="nested-key"),
    pytest.param([], None, id="empty-path"),
    pytest.param(["policy", "indicators", 1], None, id="ends-at-index"),
    pytest.param(["policy", "missing"], None, id="missing-key"),
    pytest.param(["missing", "name"], None, id="missing-parent"),
    pytest.param(["policy", "name", "x"], None, id="parent-is-scalar"),
])
def test_key_at(path, expected):
    key = key_at(load_ok(POLICY), path)
    assert ((key.line, key.column) if key else None) == expected
    if key:
        assert key.value == key.source == path[-1]


@pytest.mark.parametrize("parts, expected", [
    pytest.param([], "$", id="root"),
    pytest.param(["indicators", "kinerja", "weight"], "$.indicators.kinerja.weight", id="dots"),
    pytest.param(["rules", 2], "$.rules[2]", id="index"),
    pytest.param(["a b", "é", "x-y", "2024"], '$["a b"]["é"]["x-y"]["2024"]', id="quoted"),
])
def test_format_path(parts, expected):
    assert format_path(parts) == expected


# --- speed -----------------------------------------------------------------------------------------

def test_one_megabyte_policy_loads_quickly(timing):
    block = (
        "# Indicator {i}: measured every quarter by the unit head\n"
        "indicator_{i}:\n"
        '  name: "Persentase penyelesaian laporan kinerja tepat waktu nomor {i}"\n'
        "  description: >\n"
        "    Jumlah laporan yang diselesaikan tepat waktu dibandingkan dengan\n"
        "    jumlah laporan yang wajib disusun selama periode penilaian.\n"
        "  weight: 12.5\n"
        "  bands: [{{min: 0, max: 60, label: kurang}}, {{min: 60, max: 100, label: baik}}]\n"
        "  when: \"unit == 'biro umum' and masa_kerja >= 2\"\n"
    )
    parts, size, i = [], 0, 0
    while size < 1_000_000:
        parts.append(block.format(i=i))
        size += len(parts[-1])
        i += 1
    text = "".join(parts[:-1])
    root, findings = load_text(text)
    assert findings == [] and len(root.items) == i - 1
    # A ratio against PyYAML's own pure-Python loader on the same text, in the same process (absolute
    # times are noisy on shared machines); on a quiet machine this file loads in about 1.2 s.
    ratio = timing.ratio(lambda: load_text(text), lambda: yaml.load(text, Loader=yaml.SafeLoader), repeat=2)
    assert ratio < 1.5
