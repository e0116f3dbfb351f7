"""Static types, limits and problems of the expression language, shared by its checker,
compiler and diagnosing interpreter (engine/expr/language.py is the entry point)."""

from __future__ import annotations

import ast
import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal, DecimalException
from typing import Any

from kinerja.expr.functions import EvalError
from kinerja.i18n import N_, _


@dataclass(frozen=True)
class Limits:
    max_length: int = 4000
    max_nodes: int = 400
    max_depth: int = 32


LIMITS = Limits()


@dataclass(frozen=True)
class Type:
    """Static type of a name or sub-expression. `labels` narrows a string to an enum."""

    kind: str  # number | string | bool | date | list | none | any
    labels: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return _({"number": N_("number"), "string": N_("text"), "bool": N_("true/false"), "date": N_("date"),
                  "list": N_("list"), "none": "None", "any": N_("value")}[self.kind])


NUMBER, STRING, BOOL, DATE, LIST, NONE, ANY = (Type(k) for k in
                                                ("number", "string", "bool", "date", "list", "none", "any"))


def enum(labels) -> Type:
    return Type("string", tuple(labels))


@dataclass(frozen=True)
class Problem:
    """A static problem inside one expression; line/column are 1-based within its text."""

    code: str
    message: str
    line: int = 1
    column: int = 1
    hint: str | None = None


class ExprError(EvalError):
    """An evaluation failure, located inside the expression text."""

    def __init__(self, message: str, expression: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message, self.expression, self.line, self.column = message, expression, line, column


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> list[str]:
    """The lines of an expression as Python's tokenizer counts them (\\n, \\r\\n and a lone \\r)."""
    return _NEWLINE.split(text)


def _wrapped(text: str) -> str:
    """Multi-line text (a YAML block scalar) is parsed inside parentheses."""
    return f"({text}\n)" if "\n" in text or "\r" in text else text


def _col(text_lines: list[str], node: ast.AST) -> tuple[int, int]:
    """1-based (line, column) of a node; ast columns are UTF-8 byte offsets."""
    line = getattr(node, "lineno", 1)
    off = getattr(node, "col_offset", 0)
    src = text_lines[line - 1] if 0 < line <= len(text_lines) else ""
    return line, len(src.encode("utf-8")[:off].decode("utf-8", "ignore")) + 1


def _number_literal(node: ast.Constant, lines: list[str]) -> Decimal:
    """The literal as written (`0.1` stays exactly 0.1, never the float 0.1000000000000000055…)."""
    known = getattr(node, "decimal", None)
    if known is not None:
        return known
    seg = None
    if getattr(node, "end_lineno", None) == node.lineno and 0 < node.lineno <= len(lines):
        raw = lines[node.lineno - 1].encode("utf-8")
        seg = raw[node.col_offset:node.end_col_offset].decode("utf-8", "ignore")
    try:
        if isinstance(node.value, int) and not (seg and seg.lower().startswith(("0x", "0o", "0b"))):
            return Decimal(seg) if seg else Decimal(node.value)
        if isinstance(node.value, int):
            return Decimal(node.value)
        return Decimal(seg) if seg else Decimal(repr(node.value))
    except DecimalException:
        return Decimal(repr(node.value))


_CHECKED_BINOPS = {ast.Add: "_add", ast.Sub: "_sub", ast.Mult: "_mul", ast.Div: "_div", ast.FloorDiv: "_floordiv"}

_ERRORS = (ArithmeticError, TypeError, ValueError, EvalError, RecursionError, MemoryError, KeyError)


def infer_type(value: Any) -> Type:
    """Static type for a concrete value (used by `kinerja expr` without a policy)."""
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, Decimal, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, (list, tuple)):
        return LIST
    if value is None:
        return ANY
    if isinstance(value, _dt.date):
        return DATE
    return ANY
