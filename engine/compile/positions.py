"""Where a finding stands: the driver that turns a check's `Issue` into a located `Finding`,
and the position of a character inside a scalar's text (an expression's column, a reason's
placeholder) in the policy file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import yaml

from kinerja.checks.registry import Issue
from kinerja.expr.language import Problem
from kinerja.findings import Finding
from kinerja.i18n import _
from kinerja.policy.nodes import Scalar
from kinerja.policy.reading import json_path
from kinerja.policy.resolve import Entry

MAX_LOCATED_TEXT = 20_000  # a longer text's findings point at its start (locating inside is linear in it)


class Place(Protocol):
    """Something a finding can be written against: a policy entry or a whole document."""

    def finding(self, code: str, message: str, path: list, hint: str | None = None, key: bool = False) -> Finding:
        ...


class Locator:
    """Locates findings in the files of one policy; splits each file into lines once."""

    def __init__(self) -> None:
        self._lines: dict[int, tuple] = {}

    def lines_of(self, doc) -> list[str]:
        """The lines of a policy file, split once (a policy with thousands of findings stays linear)."""
        cached = self._lines.get(id(doc))
        if cached is None or cached[0] is not doc:
            cached = self._lines[id(doc)] = (doc, doc.text.splitlines())
        return cached[1]

    def in_text(self, entry: Entry, sub: list, p: Problem, text: str) -> Finding:
        """A problem at line/column `p` inside the text at `sub` of an entry (an expression, a reason)."""
        node = entry.node(sub)
        line, col = (node.line, node.column) if node is not None else (1, 1)
        if isinstance(node, Scalar) and node.source == text and len(text) <= MAX_LOCATED_TEXT:
            lines = text.split("\n")
            offset = sum(len(s) + 1 for s in lines[:max(p.line, 1) - 1]) + p.column - 1
            line, col = source_position(self.lines_of(entry.doc), node, min(max(offset, 0), len(text))) \
                or (line, col)
        where = "/".join(str(s) for s in [entry.section, entry.name, *sub])
        message = _("{message} (in {where})").format(message=p.message, where=where)
        return Finding(p.code, message, entry.file, line, col, json_path(entry.path + list(sub)), p.hint)

    def locate(self, place: Place | Entry, issue: Issue) -> Finding:
        """The finding of a check's issue, written against an entry (below it) or a document."""
        if issue.inside is not None and isinstance(place, Entry):
            line, col = issue.inside
            problem = Problem(issue.code, issue.message, line, col, issue.hint)
            return self.in_text(place, list(issue.at), problem, str(_value_at(place.spec, issue.at)))
        return place.finding(issue.code, issue.message, list(issue.at), issue.hint, key=issue.key)

    def all(self, place: Place | Entry, issues: Iterable[Issue]) -> list[Finding]:
        return [self.locate(place, issue) for issue in issues]


def _value_at(spec: Any, at: tuple) -> Any:
    for part in at:
        spec = spec[part]
    return spec


_ESCAPES = yaml.scanner.Scanner.ESCAPE_REPLACEMENTS
_ESCAPE_CODES = yaml.scanner.Scanner.ESCAPE_CODES


def source_position(lines: list[str], node: Scalar, offset: int) -> tuple[int, int] | None:
    """Where character `offset` of a scalar's text stands in the file (1-based line, column).

    Works for every scalar style (plain over several lines, quoted with escapes, `|` and `>`
    blocks) by pairing the text's non-blank characters, in order, with the source's: folding,
    indentation and quoting only add or drop blanks, or write one character as several.
    None when the two do not pair up (then the caller keeps the scalar's own position).
    """
    want = [c for c in node.source if not c.isspace()]
    before = sum(1 for c in node.source[:offset] if not c.isspace())
    quote = node.style if node.style in ("'", '"') else None
    if node.style in ("|", ">"):  # the text starts on the line after the `|` / `>` header
        row, col = node.line, 0
    else:
        row, col = node.line - 1, node.column - 1 + (1 if quote else 0)
    got: list[tuple[str, int, int, int]] = []
    while row < min(node.end_line, len(lines)) and len(got) <= len(want):
        src = lines[row]
        stop = node.end_column - 1 if row == node.end_line - 1 else len(src)
        while col < min(stop, len(src)):
            c, width = src[col], 1
            if quote == "'" and c == "'":
                if src[col + 1:col + 2] != "'":
                    break
                width = 2
            elif quote == '"' and c == '"':
                break
            elif quote == '"' and c == "\\":
                e = src[col + 1:col + 2]
                if e in _ESCAPES:
                    c, width = _ESCAPES[e], 2
                elif e in _ESCAPE_CODES:
                    digits = src[col + 2:col + 2 + _ESCAPE_CODES[e]]
                    try:
                        c, width = chr(int(digits, 16)), 2 + len(digits)
                    except ValueError:
                        return None
                else:  # a line continuation
                    break
            if not c.isspace():
                got.append((c, row + 1, col + 1, width))
            col += width
        row, col = row + 1, 0
    if [g[0] for g in got] != want:
        return None
    if before < len(got):
        return got[before][1:3]
    return (got[-1][1], got[-1][2] + got[-1][3]) if got else None  # just after the text
