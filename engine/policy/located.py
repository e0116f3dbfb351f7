"""Safe YAML loading for policy files: a located node tree, typed by the YAML 1.2 core schema.

Policy files may come from hostile pull requests, so the tree is built from PyYAML's pure-Python
event stream with an explicit stack (no recursion, no aliases, no tags, no object construction),
and every problem comes back as a `Finding`; nothing is ever raised to the caller.

Decisions: mapping keys are always strings (a plain key keeps its source text, so `2024:` is the
key "2024"); only collection keys and empty keys are K012. `max_depth` counts nested collections
(the root collection is depth 1). The root is None after K001-K004, K006, K010 and K011; after the
other findings the tree is returned with the offending entry left out (K005, K008, K012), its tag
ignored (K007), the bad number kept as its text (K013), or only the first document (K009).
"""

from __future__ import annotations

import json
import os
import re
import stat
from decimal import Decimal

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.reader import ReaderError

from kinerja.findings import Finding
from kinerja.i18n import N_, _, lang, num
from kinerja.policy.nodes import Mapping, Node, Scalar, Sequence, format_path, key_at, node_at, to_plain

__all__ = [
    "Mapping",
    "Node",
    "Scalar",
    "Sequence",
    "format_path",
    "key_at",
    "load_path",
    "load_text",
    "node_at",
    "to_plain",
]

MAX_BYTES = 1_048_576
MAX_DEPTH = 64
MAX_DIGITS = 4300  # Python's own int<->str limit: bigger numbers would fail or stall later checks


_CONSTANTS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
              "null": None, "Null": None, "NULL": None, "~": None, "": None}
_INT = re.compile(r"[-+]?[0-9]+")
_OCT_HEX = re.compile(r"0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_NUMBER_START = frozenset("0123456789+-.")
_BREAKS = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
_CONTENT = re.compile(r"(?:^|[\r\x85\u2028\u2029])[^\S\n]*[^\s#]", re.M)  # a line that is not blank or a comment
_SPACES = re.compile(" *")
_COMMENT = re.compile("#[^\0\r\n\x85\u2028\u2029]*")
_NOT_PLAIN_TEXT = frozenset("\n\r\x85\u2028\u2029\ufeff")
_NOKEY, _DROP = object(), object()


class _Loader(yaml.SafeLoader):
    """PyYAML's pure-Python SafeLoader with its hottest checks short-cut; tokens and marks are unchanged."""

    def need_more_tokens(self):
        if self.tokens and not self.possible_simple_keys:
            return False
        return super().need_more_tokens()

    def stale_possible_simple_keys(self):
        keys = self.possible_simple_keys  # saved in file order, so if the oldest is fresh, all are
        if keys:
            oldest = next(iter(keys.values()))
            if oldest.line != self.line or self.index - oldest.index > 1024:
                super().stale_possible_simple_keys()

    def scan_to_next_token(self):
        if self.index == 0 and self.peek() == "\ufeff":
            self.forward()
        buffer = self.buffer  # the whole text: the input is always a str
        while True:
            spaces = _SPACES.match(buffer, self.pointer).end() - self.pointer
            if spaces:
                self.forward(spaces)
            if buffer[self.pointer] == "#":
                self.forward(_COMMENT.match(buffer, self.pointer).end() - self.pointer)
            if not self.scan_line_break():
                return
            if not self.flow_level:
                self.allow_simple_key = True

    def forward(self, length=1):
        p = self.pointer
        if p + length + 1 < len(self.buffer) and _NOT_PLAIN_TEXT.isdisjoint(self.buffer[p:p + length]):
            self.pointer, self.index, self.column = p + length, self.index + length, self.column + length
        else:
            super().forward(length)


def _show(text: str) -> str:
    return json.dumps(text if len(text) <= 60 else text[:57] + "...", ensure_ascii=False)


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line/column of a character offset, counting line breaks the way PyYAML does."""
    line, start = 1, 0
    for m in _BREAKS.finditer(text, 0, index):
        line, start = line + 1, m.end()
    return line, index - start + 1


def _too_large(file: str | None, max_bytes: int) -> list[Finding]:
    message = _("the file is larger than the limit of {max_bytes} bytes").format(max_bytes=num(max_bytes, group=True))
    return [Finding("K003", message, file=file)]


def _decode(data: bytes | str, file: str | None, max_bytes: int) -> tuple[str | None, list[Finding]]:
    """Size-check and decode to text (BOM stripped), or explain why not."""
    if len(data) > max_bytes:
        return None, _too_large(file, max_bytes)
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as exc:
            line, col = _line_col(text, exc.start)
            message = _("the text contains a lone surrogate U+{value:04X}, which is not valid Unicode")
            return None, [Finding("K002", message.format(value=ord(text[exc.start])), file=file, line=line, column=col)]
        return (None, _too_large(file, max_bytes)) if size > max_bytes else (text, [])
    raw = bytes(data)
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        return raw[bom:].decode("utf-8"), []
    except UnicodeDecodeError as exc:
        head = raw[bom:bom + exc.start].decode("utf-8")
        line, col = _line_col(head, len(head))
        message = _("byte 0x{raw:02X} at offset {value} is not valid UTF-8; save the file as UTF-8")
        return None, [Finding("K002", message.format(raw=raw[bom + exc.start], value=bom + exc.start), file=file,
                              line=line, column=col)]


_PLAIN_WORDS = [  # (part of PyYAML's context or problem text, the same in plain words); first match wins
    ("while scanning an alias", N_("a value starting with '*' is an alias in YAML; put the value in quotes")),
    ("while scanning an anchor", N_("a value starting with '&' is an anchor in YAML; put the value in quotes")),
    ("while scanning a tag", N_("a value starting with '!' is a tag in YAML; put the value in quotes")),
    ("while scanning a directive", N_("a line starting with '%' is a YAML directive; put the value in quotes")),
    ("while scanning a block scalar", N_("the header after '|' or '>' is not valid")),
    ("found character '\\t'", N_("found a tab character where indentation was expected; indent with spaces")),
    ("found character", N_("found a character that cannot start a value here; put the value in quotes")),
    ("could not find expected ':'", N_("this line has no ':' after the key; expected `key: value`")),
    ("mapping values are not allowed", N_("found ': ' where it is not allowed; put a value containing ': ' in quotes, "
                                          "or check the indentation")),
    ("sequence entries are not allowed", N_("found a '- ' list item where it is not allowed; check the indentation")),
    ("mapping keys are not allowed", N_("found a '? ' complex key where it is not allowed")),
    ("expected <block end>", N_("this line's indentation does not match the lines above")),
    ("expected ',' or ']'", N_("a [ list ] is not closed, or its items are not separated by commas")),
    ("expected ',' or '}'", N_("a mapping { … } is not closed, or its entries are not separated by commas")),
    ("found unexpected end of stream", N_("quoted text is never closed")),
    ("found unexpected document separator", N_("quoted text runs into a '---' or '...' line; close the quote")),
    ("found unknown escape character", N_("unknown backslash escape in double-quoted text; write \\\\ for a backslash "
                                          "or use single quotes")),
    ("expected escape sequence", N_("a \\x, \\u or \\U escape in double-quoted text has too few hex digits")),
    ("expected the node content", N_("expected a value here")),
    ("expected '<document start>'", N_("found more content after the document ended; check the indentation")),
    ("found undefined tag handle", N_("a value starting with '!' is a tag in YAML; put the value in quotes")),
]
_NOUNS = [("quoted", N_("quoted text")), ("simple key", N_("key")), ("mapping", N_("mapping")),
          ("sequence", N_("list"))]


def _syntax_finding(exc: yaml.MarkedYAMLError, file: str | None) -> Finding:
    """K004 in plain words with PyYAML's own text in brackets, located at the problem."""
    problem, context = exc.problem or "", exc.context or ""
    plain = _(next((p for part, p in _PLAIN_WORDS if part in f"{context}|{problem}"), N_("the YAML is not valid")))
    mark, start = exc.problem_mark or exc.context_mark, exc.context_mark
    if problem.startswith("could not find expected ':'") and start is not None:
        mark = start  # PyYAML points past the line that lacks the ':'
    if start is not None and mark is not None and mark is not start and start.line != mark.line:
        noun = _(next((n for part, n in _NOUNS if part in context), N_("block")))
        plain += _("; the {noun} starts at line {value}").format(noun=noun, value=start.line + 1)
    code = "K007" if problem.startswith("found undefined tag handle") else "K004"
    if lang() == "en":  # PyYAML's own words, for readers of English only
        plain += f" [YAML: {problem or context}]"
    return Finding(code, plain, file=file,
                   line=mark.line + 1 if mark else 0, column=mark.column + 1 if mark else 0)


class _Fatal(Exception):
    """Stops building; the finding is already recorded. The argument says whether to keep the root."""


class _Builder:
    """Turns the PyYAML event stream into nodes with an explicit stack of open collections."""

    def __init__(self, text: str, file: str | None, max_depth: int):
        self.text, self.file, self.max_depth = text, file, max_depth
        self.findings: list[Finding] = []
        self.root: Node | None = None
        self.stack: list[list] = []  # per open collection: [node, slot in parent, key, key node, last end, flow]

    def run(self) -> tuple[Node | None, list[Finding]]:
        if not _CONTENT.search(self.text):
            return None, [self._empty()]
        events = yaml.parse(self.text, Loader=_Loader)
        try:
            self._consume(events)
        except _Fatal as stop:
            self.root = self.root if stop.args[0] else None
        except yaml.MarkedYAMLError as exc:
            self.root = None
            self.findings.append(_syntax_finding(exc, self.file))
        except ReaderError as exc:
            self.root = None
            line, col = _line_col(self.text, exc.position)
            char = exc.character if isinstance(exc.character, int) else ord(exc.character)
            message = _("the file contains the character U+{char:04X}, which is not allowed in YAML text")
            self.findings.append(Finding("K004", message.format(char=char), file=self.file, line=line, column=col))
        finally:
            events.close()  # type: ignore[attr-defined]  # yaml.parse returns a generator, typed as an Iterator
        root = self.root
        if (root is None and not self.findings) or (
                isinstance(root, Scalar) and root.style is None and root.source == ""):
            self.root = None
            self.findings.append(self._empty())
        return self.root, self.findings

    def _empty(self) -> Finding:
        return Finding("K011", _("the file is empty (it has only whitespace or comments)"), file=self.file)

    def _consume(self, events) -> None:
        documents = 0
        for ev in events:
            cls = ev.__class__
            if cls is ScalarEvent:
                self._properties(ev)
                self._attach(self._scalar(ev))
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                self._properties(ev)
                if len(self.stack) >= self.max_depth:
                    message = _("nesting is deeper than {max_depth} levels").format(max_depth=self.max_depth)
                    self._report("K010", message, ev.start_mark, self._slot(), fatal=True)
                line, col = ev.start_mark.line + 1, ev.start_mark.column + 1
                node = (Mapping if cls is MappingStartEvent else Sequence)(line, col, line, col)
                self.stack.append([node, self._slot(), _NOKEY, None, None, ev.flow_style])
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                node, *_skipped, end, flow = self.stack.pop()
                if flow or end is None:
                    end = (ev.end_mark.line + 1, ev.end_mark.column + 1)
                node.end_line, node.end_column = end
                self._attach(node)
            elif cls is AliasEvent:
                self._report("K006",
                             _("alias *{anchor} is not allowed; write the value out in full").format(anchor=ev.anchor),
                             ev.start_mark, self._slot(), fatal=True)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self._report("K009", _("a second YAML document starts here; a policy file holds one document"),
                                 ev.start_mark, None, fatal=True, keep=True)

    def _properties(self, ev) -> None:
        if ev.anchor is not None:
            self._report("K006",
                         _("anchor &{anchor} is not allowed; write each value out in full").format(anchor=ev.anchor),
                         ev.start_mark, self._slot(), fatal=True)
        if ev.tag is not None:
            tag = "!!" + ev.tag[18:] if ev.tag.startswith("tag:yaml.org,2002:") else ev.tag
            message = _("explicit tag {tag} is not allowed; remove it (quote the value if it is text)").format(tag=tag)
            self._report("K007", message, ev.start_mark, self._slot())

    def _scalar(self, ev) -> Scalar:
        start, end, src = ev.start_mark, ev.end_mark, ev.value
        top = self.stack[-1] if self.stack else None
        is_key = top is not None and top[2] is _NOKEY and top[0].__class__ is Mapping
        value = self._resolve(src, ev) if ev.style is None and not is_key else src
        return Scalar(start.line + 1, start.column + 1, end.line + 1, end.column + 1, value, src, ev.style)

    def _resolve(self, src: str, ev) -> str | int | Decimal | bool | None:
        """Type a plain scalar per the YAML 1.2 core schema; numbers become int or exact Decimal."""
        if src in _CONSTANTS:
            return _CONSTANTS[src]
        if src[0] not in _NUMBER_START:
            return src
        if _INT.fullmatch(src):
            if len(src.lstrip("+-0")) <= MAX_DIGITS:
                return int(src)
        elif _OCT_HEX.fullmatch(src):
            number = int(src[2:], 8 if src[1] == "o" else 16)
            if number.bit_length() <= MAX_DIGITS * 3.32:
                return number
        elif _FLOAT.fullmatch(src):
            exact = Decimal(src)
            if not exact or abs(exact.adjusted()) <= MAX_DIGITS:
                return exact
        elif _NOT_FINITE.fullmatch(src):
            message = _("{src} is not a finite number; numbers must be finite (put it in quotes if it is text)") \
                .format(src=src)
            self._report("K013", message, ev.start_mark, self._slot(), end=ev.end_mark)
            return src
        else:
            return src
        message = _("the number {src} has more than {MAX_DIGITS} digits; put it in quotes if it is text") \
            .format(src=_show(src), MAX_DIGITS=MAX_DIGITS)
        self._report("K013", message, ev.start_mark, self._slot(), end=ev.end_mark)
        return src

    def _attach(self, node: Node) -> None:
        if not self.stack:
            self.root = self.root or node
            return
        top = self.stack[-1]
        top[4] = (node.end_line, node.end_column)
        container = top[0]
        if container.__class__ is Sequence:
            container.items.append(node)
        elif top[2] is _NOKEY:
            top[2], top[3] = self._key(container, node), node
        else:
            if top[2] is not _DROP:
                container.items[top[2]] = (top[3], node)
            top[2], top[3] = _NOKEY, None

    def _key(self, mapping: Mapping, node: Node) -> object:
        """The key's text, or _DROP (after reporting) when the entry cannot be kept."""
        if not isinstance(node, Scalar):
            self._at(node, "K012", _("a mapping key must be plain text, not a list or mapping"))
            return _DROP
        key = node.source
        if node.style is None and key in ("", "<<"):
            if key:
                self._at(node, "K008", _("merge keys (<<) are not allowed; write the entries out in full"))
            else:
                self._at(node, "K012", _("a mapping key is empty; write a name before the ':'"))
            return _DROP
        first = mapping.items.get(key)
        if first is not None:
            if first[0].line != node.line:
                where = _("line {line}, again at line {line2}").format(line=first[0].line, line2=node.line)
            else:
                where = _("line {line} column {column}, again at column {column2}").format(
                    line=node.line, column=first[0].column, column2=node.column)
            message = _("key {key} appears twice in this mapping (first at {where})")
            self._at(node, "K005", message.format(key=_show(key), where=where), key)
            return _DROP
        return key

    def _slot(self) -> object:
        """Where the next node goes in the innermost open collection (None when it is a key)."""
        if not self.stack:
            return None
        top = self.stack[-1]
        if top[0].__class__ is Sequence:
            return len(top[0].items)
        return None if top[2] is _NOKEY or top[2] is _DROP else top[2]

    def _path(self, slot: object) -> str:
        parts = [frame[1] for frame in self.stack[1:] if frame[1] is not None]
        return format_path([*parts, slot] if isinstance(slot, (str, int)) else parts)

    def _report(self, code: str, message: str, mark, slot: object, *, fatal=False, keep=False, end=None) -> None:
        self.findings.append(Finding(code, message, file=self.file, line=mark.line + 1, column=mark.column + 1,
                                     path=self._path(slot), end_line=end.line + 1 if end else 0,
                                     end_column=end.column + 1 if end else 0))
        if fatal:
            raise _Fatal(keep)

    def _at(self, node: Node, code: str, message: str, slot: object = None) -> None:
        self.findings.append(Finding(code, message, file=self.file, line=node.line, column=node.column,
                                     path=self._path(slot), end_line=node.end_line, end_column=node.end_column))


def load_text(data: bytes | str, file: str | None = None, *, max_bytes: int = MAX_BYTES,
              max_depth: int = MAX_DEPTH) -> tuple[Node | None, list[Finding]]:
    """Parse one policy document into located nodes; problems come back as findings, never raised."""
    try:
        text, findings = _decode(data, file, max_bytes)
        return (None, findings) if text is None else _Builder(text, file, max_depth).run()
    except Exception as exc:  # the loader's promise: any input gives findings, not a traceback
        detail = f"{type(exc).__name__}: {exc}"[:200]
        return None, [Finding("K004", _("the YAML could not be read ({detail})").format(detail=detail), file=file)]


_OS_WORDS = [(FileNotFoundError, N_("it does not exist")), (IsADirectoryError, N_("this is a folder, not a file")),
             (NotADirectoryError, N_("a part of the path is a file, not a folder")),
             (PermissionError, N_("permission to read it was denied"))]


def load_path(path: str | os.PathLike, *, display: str | None = None, **limits) -> tuple[Node | None, list[Finding]]:
    """Read and parse a file; `display` is the name put in findings (default: the path)."""
    max_bytes = limits.get("max_bytes", MAX_BYTES)
    try:
        name = display if display is not None else os.fsdecode(path)
    except (TypeError, ValueError):
        name = repr(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if info.st_size > max_bytes:
            return None, _too_large(name, max_bytes)
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        why = next((_(words) for kind, words in _OS_WORDS if isinstance(exc, kind)), exc.strerror or str(exc))
        return None, [Finding("K001", _("the file cannot be read: {why}").format(why=why), file=name)]
    except (TypeError, ValueError) as exc:
        message = _("the file cannot be read: the path is not valid ({exc})").format(exc=exc)
        return None, [Finding("K001", message, file=name)]
    return load_text(data, name, **limits)
