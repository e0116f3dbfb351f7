"""The sandboxed expression language: parsed and checked once, compiled to a closure.

An expression is a Python-like formula an HR officer writes in a policy
(`capaian(realisasi, target) * 0.6`, `predikat in ("Sangat Baik", "Baik")`). At load it is
parsed with `ast`, every node is checked against a whitelist and a static type check, and
the limits below are enforced; what passes is rewritten into a lambda whose only reachable
names are the record view `_e`, the whitelisted functions and constants. Numbers are
`Decimal`, so 0.1 × 3 == 0.3 and `**` cannot build a gigantic integer. simpleeval stays the
reference semantics (tests/test_expr_differential.py).
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from typing import Any

from kinerja.expr.check import _Checker
from kinerja.expr.diagnose import _interpret, _Located, _plain
from kinerja.expr.functions import FUNCTIONS, OPERATOR_HELPERS, short, type_name
from kinerja.expr.types import (
    _CHECKED_BINOPS,
    _ERRORS,
    ANY,
    BOOL,
    DATE,
    LIMITS,
    LIST,
    NONE,
    NUMBER,
    STRING,
    ExprError,
    Limits,
    Problem,
    Type,
    _col,
    _lines,
    _number_literal,
    _wrapped,
    enum,
    infer_type,
)
from kinerja.i18n import N_, _, num
from kinerja.limits import MAX_NUMBER_EXPONENT, MAX_TEXT, shown

_PYTHON_WORDS = [  # Python's syntax error texts an expression writer meets most, in the reader's language
    (re.compile(r"invalid syntax"), N_("invalid syntax")),
    (re.compile(r"'(.)' was never closed"), N_("'{0}' was never closed")),
    (re.compile(r"unmatched '(.)'"), N_("unmatched '{0}'")),
    (re.compile(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'"),
     N_("closing parenthesis '{0}' does not match opening parenthesis '{1}'")),
    (re.compile(r"unterminated string literal.*"), N_("text in quotes is never closed")),
    (re.compile(r"invalid decimal literal"), N_("invalid number")),
    (re.compile(r"Perhaps you forgot a comma\?"), N_("perhaps a comma is missing?")),
    (re.compile(r"unexpected EOF while parsing|expected an expression.*"), N_("the expression ends too early")),
]


def _python_words(msg: str) -> str:
    for pattern, words in _PYTHON_WORDS:
        m = pattern.fullmatch(msg)
        if m:
            return _(words).format(*m.groups())
    return msg

__all__ = [
    "ANY",
    "BOOL",
    "DATE",
    "LIMITS",
    "LIST",
    "NONE",
    "NUMBER",
    "STRING",
    "ExprError",
    "Expression",
    "Limits",
    "Problem",
    "Type",
    "compile_expression",
    "constant_beyond_limits",
    "enum",
    "infer_type",
    "parse",
]

def parse(text: str, limits: Limits = LIMITS) -> tuple[ast.Expression | None, list[Problem]]:
    """Parse and enforce the size limits; never raises."""
    if not isinstance(text, str):
        return None, [Problem("K305", _("expected an expression as text, got {value}").format(value=type_name(text)))]
    if len(text) > limits.max_length:
        return None, [Problem("K308", _("expression is {length} characters long (limit {max_length})").format(
            length=len(text), max_length=limits.max_length), hint=_("split it into named values"))]
    if not text.strip():
        return None, [Problem("K301", _("expression is empty"))]
    source = _wrapped(text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        line, col = exc.lineno or 1, exc.offset or 0
        if col <= 0:  # "unexpected end": point just after the text on that line
            src_lines = _lines(source)
            col = len(src_lines[line - 1]) + 1 if 0 < line <= len(src_lines) else 1
        if source is not text and line == 1:
            col -= 1
        msg = _python_words(exc.msg.replace("invalid syntax. ", ""))
        return None, [Problem("K301", _("syntax error: {msg}").format(msg=msg), line, max(col, 1))]
    except (RecursionError, MemoryError):
        return None, [Problem("K308", _("expression is nested too deeply"))]
    except Exception as exc:  # e.g. ValueError for NUL bytes
        return None, [Problem("K301", _("syntax error: {exc}").format(exc=exc))]
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            return None, [Problem("K308", _("expression has more than {max_nodes} parts").format(
                max_nodes=limits.max_nodes), hint=_("split it into named values"))]
        if depth > limits.max_depth:
            return None, [Problem("K308", _("expression is nested more than {max_depth} levels deep").format(
                max_depth=limits.max_depth), hint=_("split it into named values"))]
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    if source is not text:
        body = tree.body
        if body.lineno == 1 and body.col_offset == 0 and not isinstance(body, (ast.Tuple, ast.GeneratorExp)):
            # `1\n) + (2` would close the wrapping parenthesis early: not an expression as written
            return None, [Problem("K301", _("syntax error: unmatched ')'"))]
        placed: Any  # a node with a position (expr, keyword, arg…): ast.AST itself declares none
        for placed in ast.walk(tree):  # undo the wrapping parenthesis on line 1
            if getattr(placed, "lineno", 0) == 1 and hasattr(placed, "col_offset"):
                placed.col_offset = max(placed.col_offset - 1, 0)
            if getattr(placed, "end_lineno", 0) == 1 and getattr(placed, "end_col_offset", None) is not None:
                placed.end_col_offset = max(placed.end_col_offset - 1, 0)
    lines = _lines(text)
    for literal in ast.walk(tree):  # every number literal keeps its exact written value
        if isinstance(literal, ast.Constant) and isinstance(literal.value, (int, float)) \
                and not isinstance(literal.value, bool):
            literal.decimal = _number_literal(literal, lines)  # type: ignore[attr-defined]  # our own note on the node
    return tree, []


class _Rewriter(ast.NodeTransformer):
    """Turn the checked tree into the lambda's body: names read from `_e`, numbers as Decimal."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.consts: dict[str, Any] = {}

    def _const(self, value) -> ast.Name:
        key = f"_c{len(self.consts)}"
        self.consts[key] = value
        return ast.Name(key, ast.Load())

    def visit_Name(self, node):
        return ast.Subscript(ast.Name("_e", ast.Load()), ast.Constant(node.id), ast.Load())

    def visit_Constant(self, node):
        v = node.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return self._const(_number_literal(node, self.lines))
        return node

    def visit_Compare(self, node):
        node.left = self.visit(node.left)
        comps = []
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                comps.append(self._const(tuple(_literal(e, self.lines) for e in right.elts)))
            else:
                comps.append(self.visit(right))
        node.comparators = comps
        return node

    def visit_BinOp(self, node):
        kinds = {_kind(node.left), _kind(node.right)}
        self.generic_visit(node)
        helper = {ast.Pow: "_pow", ast.Mod: "_mod"}.get(type(node.op))
        if helper is None and kinds != {"number"}:  # text + text too: its length is capped
            helper = _CHECKED_BINOPS[type(node.op)]
        if helper:
            return ast.Call(ast.Name(helper, ast.Load()), [node.left, node.right], [])
        return node

    def visit_UnaryOp(self, node):
        kind = _kind(node.operand)
        self.generic_visit(node)
        if isinstance(node.op, (ast.USub, ast.UAdd)) and kind != "number":
            helper = "_neg" if isinstance(node.op, ast.USub) else "_pos"
            return ast.Call(ast.Name(helper, ast.Load()), [node.operand], [])
        return node

    def visit_Call(self, node):
        node.args = [self.visit(a) for a in node.args]
        for kw in node.keywords:
            kw.value = self.visit(kw.value)
        node.func = ast.Name("_f_" + node.func.id, ast.Load())
        return node




_UNBOUNDED = Context(Emax=MAX_EMAX, Emin=MIN_EMIN)


def constant_beyond_limits(expr: Expression) -> Problem | None:
    """K308 when the expression reads no name (`10 ** 30`, `"x" + "y"`) and so gives every
    record a number or text beyond the limits (engine/limits.py). Used by policy compilation."""
    if expr.names:
        return None
    try:
        value, why = _interpret(expr.tree.body, {}), None
    except _Located as loc:
        value, why = None, loc.message if "too large" in loc.message or "characters long" in loc.message else None
    except Exception:  # a constant that fails otherwise is not a limit (and is reported at run)
        value, why = None, None
    if isinstance(value, Decimal) and value.is_finite() and value and value.adjusted() > MAX_NUMBER_EXPONENT:
        why = _("is {value}, beyond the limit of 10^{value2}").format(
            value=shown(value.normalize(_UNBOUNDED)), value2=MAX_NUMBER_EXPONENT + 1)
    elif isinstance(value, str) and len(value) > MAX_TEXT:
        why = _("is {value} characters long, beyond the limit of {MAX_TEXT}").format(
            value=num(len(value), group=True), MAX_TEXT=num(MAX_TEXT, group=True))
    if not why:
        return None
    seg = expr.text.strip()
    seg = seg if len(seg) <= 40 else seg[:39] + "…"
    return Problem("K308", f"`{seg}` {why}", 1, 1, hint=_("every record would fail here"))


def _kind(node: ast.AST) -> str:
    typ = getattr(node, "kinerja_type", None)
    return typ.kind if typ is not None else "any"


def _literal(node: ast.Constant, lines) -> Any:
    v = node.value
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _number_literal(node, lines)
    return v


_BASE_GLOBALS: dict[str, Any] = {"__builtins__": {}}
_BASE_GLOBALS.update({"_f_" + name: fn.impl for name, fn in FUNCTIONS.items()})
_BASE_GLOBALS.update(OPERATOR_HELPERS)



@dataclass
class Expression:
    """A checked, compiled expression. Call it with a mapping of names to values."""

    text: str
    tree: ast.Expression
    type: Type
    names: frozenset[str]
    fn: Callable[[Mapping[str, Any]], Any] = field(repr=False)
    condition: bool = False

    def __call__(self, env: Mapping[str, Any]) -> Any:
        try:
            result = self.fn(env)
        except _ERRORS:
            raise self.diagnose(env) from None
        if self.condition and result is not True and result is not False:
            raise ExprError(_("condition gave {value} {value2}, not true/false").format(
                value=type_name(result), value2=short(result)), self.text)
        return result

    def diagnose(self, env: Mapping[str, Any]) -> ExprError:
        """Re-run step by step (only on failure) to say which part failed, and why."""
        lines = _lines(self.text)
        try:
            _interpret(self.tree.body, env)
        except _Located as loc:
            line, col = _col(lines, loc.node)
            return ExprError(loc.message, self.text, line, col)
        except _ERRORS as exc:
            return ExprError(_plain(exc), self.text)
        return ExprError(_("evaluation failed"), self.text)

    def inline(self) -> tuple[ast.expr, dict[str, Any]]:
        """`fn`'s body (each name read as `_e["name"]`) and the objects it refers to by name
        (constants, functions, operator helpers), for code that runs the expression inline
        (evaluation/plain.py): rewritten again from the checked tree, exactly as `fn` was."""
        rewriter = _Rewriter(_lines(self.text))
        body = rewriter.visit(copy.deepcopy(self.tree.body))
        names = {k: v for k, v in _BASE_GLOBALS.items() if k != "__builtins__"}
        return body, {**names, **rewriter.consts}

    def segment(self, node: ast.AST) -> str:
        return (ast.get_source_segment(self.text, node) or ast.unparse(node)).strip()

    def conjuncts(self) -> list[Expression]:
        """The parts of a top-level `a and b and c`, each compiled on its own (for explain)."""
        body = self.tree.body
        if not (isinstance(body, ast.BoolOp) and isinstance(body.op, ast.And)):
            return [self]
        parts = []
        for value in body.values:
            text = self.segment(value)
            parts.append(_compile_tree(text, ast.Expression(value), BOOL, self.names, True))
        return parts

    def threshold(self, env: Mapping[str, Any] | None = None) -> tuple[str, str, Any] | None:
        """(name, operator, bound) when the expression is `name OP bound`, the bound being a
        number or (given `env`) a name the record does not vary, such as a param."""
        body = self.tree.body
        if not (isinstance(body, ast.Compare) and len(body.ops) == 1):
            return None
        ops = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
        flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
        sym = ops.get(type(body.ops[0]))
        if sym is None:
            return None
        lines = self.text.split("\n")

        def bound(node):
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                    and not isinstance(node.value, bool):
                return _number_literal(node, lines)
            return None

        a, b = body.left, body.comparators[0]
        if isinstance(a, ast.Name) and bound(b) is not None:
            return a.id, sym, bound(b)
        if isinstance(b, ast.Name) and bound(a) is not None:
            return b.id, flip[sym], bound(a)
        if env is not None and isinstance(a, ast.Name) and isinstance(b, ast.Name):
            return a.id, sym, env.get(b.id)
        return None


def _compile_tree(text: str, tree: ast.Expression, typ: Type, names, condition: bool) -> Expression:
    lines = _lines(text)
    rewriter = _Rewriter(lines)
    body = rewriter.visit(copy.deepcopy(tree.body))
    lam = ast.Expression(ast.Lambda(
        ast.arguments(posonlyargs=[], args=[ast.arg("_e")], kwonlyargs=[], kw_defaults=[], defaults=[]), body))
    ast.fix_missing_locations(lam)
    glb = dict(_BASE_GLOBALS)
    glb.update(rewriter.consts)
    fn = eval(compile(lam, "<kinerja expression>", "eval"), glb)  # the tree is whitelisted above
    used = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in names)
    return Expression(text, tree, typ, used, fn, condition)


def compile_expression(text: str, names: Mapping[str, Type], *, condition: bool = False,
                       limits: Limits = LIMITS) -> tuple[Expression | None, list[Problem]]:
    """Parse, check and compile one expression. Returns (expression, []) or (None, problems)."""
    tree, problems = parse(text, limits)
    if tree is None:
        return None, problems
    checker = _Checker(text, names)
    typ = checker.check(tree)
    if checker.problems:
        return None, checker.problems
    if condition and typ.kind not in ("bool", "any"):
        return None, [Problem("K309", _("a condition must be true or false, but this gives {typ}").format(typ=typ),
                              hint=_("compare it, e.g. `x >= 4` or `x == \"Baik\"`"))]
    try:
        return _compile_tree(text, tree, typ, names, condition), []
    except (RecursionError, MemoryError, SyntaxError, ValueError):
        return None, [Problem("K308", _("expression is too complex to compile"))]
