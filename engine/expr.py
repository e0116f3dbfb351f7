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
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, DecimalException
from typing import Any, Callable, Mapping

from .functions import FUNCTIONS, OPERATOR_HELPERS, EvalError, short, type_name


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
        return {"number": "number", "string": "text", "bool": "true/false", "date": "date",
                "list": "list", "none": "None", "any": "value"}[self.kind]


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


_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.Call,
    ast.Constant, ast.Name, ast.Load, ast.Tuple, ast.List, ast.keyword,
    ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.USub, ast.UAdd, ast.Not, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn,
)

_FORBIDDEN_WORDS = {
    ast.Attribute: "attribute access (x.y) is not allowed",
    ast.Subscript: "indexing (x[...]) is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.ListComp: "comprehensions are not allowed", ast.GeneratorExp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed", ast.DictComp: "comprehensions are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed", ast.Dict: "dictionaries are not allowed",
    ast.Set: "sets are not allowed", ast.Starred: "* unpacking is not allowed",
    ast.Is: "`is` is not allowed: use == or is_missing(x)",
    ast.IsNot: "`is not` is not allowed: use != or not is_missing(x)",
    ast.BitAnd: "bitwise & is not allowed: use `and`", ast.BitOr: "bitwise | is not allowed: use `or`",
    ast.BitXor: "^ is not allowed: use ** for powers", ast.LShift: "<< is not allowed",
    ast.RShift: ">> is not allowed", ast.Invert: "~ is not allowed", ast.MatMult: "@ is not allowed",
}


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


def parse(text: str, limits: Limits = LIMITS) -> tuple[ast.Expression | None, list[Problem]]:
    """Parse and enforce the size limits; never raises."""
    if not isinstance(text, str):
        return None, [Problem("K305", f"expected an expression as text, got {type_name(text)}")]
    if len(text) > limits.max_length:
        return None, [Problem("K308", f"expression is {len(text)} characters long (limit {limits.max_length})",
                              hint="split it into named values")]
    if not text.strip():
        return None, [Problem("K301", "expression is empty")]
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
        msg = exc.msg.replace("invalid syntax. ", "")
        return None, [Problem("K301", f"syntax error: {msg}", line, max(col, 1))]
    except (RecursionError, MemoryError):
        return None, [Problem("K308", "expression is nested too deeply")]
    except Exception as exc:  # e.g. ValueError for NUL bytes
        return None, [Problem("K301", f"syntax error: {exc}")]
    nodes, stack = 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            return None, [Problem("K308", f"expression has more than {limits.max_nodes} parts",
                                  hint="split it into named values")]
        if depth > limits.max_depth:
            return None, [Problem("K308", f"expression is nested more than {limits.max_depth} levels deep",
                                  hint="split it into named values")]
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    if source is not text:
        body = tree.body
        if body.lineno == 1 and body.col_offset == 0 and not isinstance(body, (ast.Tuple, ast.GeneratorExp)):
            # `1\n) + (2` would close the wrapping parenthesis early: not an expression as written
            return None, [Problem("K301", "syntax error: unmatched ')'")]
        for node in ast.walk(tree):  # undo the wrapping parenthesis on line 1
            if getattr(node, "lineno", 0) == 1 and hasattr(node, "col_offset"):
                node.col_offset = max(node.col_offset - 1, 0)
            if getattr(node, "end_lineno", 0) == 1 and getattr(node, "end_col_offset", None) is not None:
                node.end_col_offset = max(node.end_col_offset - 1, 0)
    lines = _lines(text)
    for node in ast.walk(tree):  # every number literal keeps its exact written value
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            node.decimal = _number_literal(node, lines)
    return tree, []


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


class _Checker:
    """Static checks over the whole tree (every branch, taken or not) and type inference."""

    def __init__(self, text: str, names: Mapping[str, Type]):
        self.lines = _lines(text)
        self.names = names
        self.problems: list[Problem] = []
        self.used: set[str] = set()

    def report(self, node, code, message, hint=None):
        line, col = _col(self.lines, node)
        self.problems.append(Problem(code, message, line, col, hint))

    def check(self, node: ast.AST) -> Type:
        bad = _FORBIDDEN_WORDS.get(type(node))
        if bad is None and not isinstance(node, _ALLOWED_NODES):
            bad = f"{type(node).__name__} is not allowed in expressions"
        if bad:
            self.report(node, "K307", bad)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.check(child)
            return ANY
        typ = getattr(self, "_" + type(node).__name__, self._generic)(node)
        node.kinerja_type = typ  # read by _Rewriter: checked arithmetic unless both sides are numbers
        return typ

    def _generic(self, node) -> Type:
        for child in ast.iter_child_nodes(node):
            self.check(child)
        return ANY

    def _Expression(self, node) -> Type:
        return self.check(node.body)

    def _Constant(self, node) -> Type:
        v = node.value
        if isinstance(v, bool):
            return BOOL
        if v is None:
            return NONE
        if isinstance(v, (int, float)):
            if not _number_literal(node, self.lines).is_finite():
                self.report(node, "K308", "this number is too large")
            return NUMBER
        if isinstance(v, str):
            return STRING
        self.report(node, "K307", f"{type(v).__name__} literals are not allowed")
        return ANY

    def _Name(self, node) -> Type:
        if node.id in self.names:
            self.used.add(node.id)
            return self.names[node.id]
        if node.id in FUNCTIONS:
            self.report(node, "K305", f"`{node.id}` is a function: call it as {node.id}(...)")
            return ANY
        close = difflib.get_close_matches(node.id, list(self.names), n=1, cutoff=0.6)
        self.report(node, "K302", f"unknown name `{node.id}`",
                    f'did you mean "{close[0]}"?' if close else "names must be declared fields, values or params")
        return ANY

    def _Tuple(self, node) -> Type:
        self.report(node, "K307", "a list is only allowed after `in` / `not in`")
        return ANY

    _List = _Tuple

    def _operator_allowed(self, node) -> bool:
        """BinOp/UnaryOp carry their operator as a child the tree walk never checks: do it here."""
        if isinstance(node.op, _ALLOWED_NODES):
            return True
        self.report(node, "K307", _FORBIDDEN_WORDS.get(type(node.op), f"{type(node.op).__name__} is not allowed"))
        for child in (node.operand,) if isinstance(node, ast.UnaryOp) else (node.left, node.right):
            self.check(child)
        return False

    def _UnaryOp(self, node) -> Type:
        if not self._operator_allowed(node):
            return ANY
        t = self.check(node.operand)
        if isinstance(node.op, ast.Not):
            return BOOL
        if t.kind not in ("number", "any", "bool"):
            self.report(node, "K305", f"cannot use {'-' if isinstance(node.op, ast.USub) else '+'} on {t}")
        return NUMBER

    def _BinOp(self, node) -> Type:
        if not self._operator_allowed(node):
            return ANY
        left, right = self.check(node.left), self.check(node.right)
        kinds = {left.kind, right.kind}
        if isinstance(node.op, ast.Add) and kinds == {"string"}:
            return STRING
        if kinds <= {"number", "bool", "any"}:
            return NUMBER if "any" not in kinds else ANY
        sym = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
               ast.Mod: "%", ast.Pow: "**"}.get(type(node.op), "?")
        self.report(node, "K305", f"cannot compute {left} {sym} {right}",
                    "arithmetic works on numbers only" if "string" in kinds else None)
        return ANY

    def _BoolOp(self, node) -> Type:
        types = {self.check(v).kind for v in node.values}
        return BOOL if types <= {"bool"} else ANY

    def _IfExp(self, node) -> Type:
        self.check(node.test)
        a, b = self.check(node.body), self.check(node.orelse)
        if a == b or b.kind == "none":
            return a
        if a.kind == "none":
            return b
        return a if a.kind == b.kind else ANY

    def _Compare(self, node) -> Type:
        left_node, left = node.left, self.check(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                self._membership(left_node, left, right_node)
                right = ANY
            else:
                if not isinstance(op, _ALLOWED_NODES):
                    self.report(node, "K307", _FORBIDDEN_WORDS.get(type(op), "operator not allowed"))
                right = self.check(right_node)
                self._compare_types(node, op, left_node, left, right_node, right)
            left_node, left = right_node, right
        return BOOL

    def _membership(self, left_node, left: Type, right_node) -> None:
        if not isinstance(right_node, (ast.Tuple, ast.List)):
            self.report(right_node, "K307", "`in` needs a literal list, like x in (\"A\", \"B\")")
            self.check(right_node)
            return
        for elt in right_node.elts:
            if not isinstance(elt, ast.Constant) or not isinstance(elt.value, (str, int, float, bool, type(None))):
                self.report(elt, "K307", "items after `in` must be plain values (text, numbers, True/False, None)")
                continue
            self._label_check(left_node, left, elt)

    def _label_check(self, name_node, t: Type, const: ast.Constant) -> None:
        """`rating == "Di Atas"` where the labels are `Di Atas Ekspektasi`, … is a load-time error."""
        if t.labels is None or not isinstance(const.value, str) or const.value in t.labels:
            return
        what = f"`{name_node.id}`" if isinstance(name_node, ast.Name) else "this value"
        close = difflib.get_close_matches(const.value, t.labels, n=1, cutoff=0.4)
        hint = f'did you mean "{close[0]}"?' if close else "allowed: " + ", ".join(f'"{x}"' for x in t.labels)
        self.report(const, "K306", f'"{const.value}" is not a label of {what}', hint)

    def _compare_types(self, node, op, ln, lt: Type, rn, rt: Type) -> None:
        if isinstance(rn, ast.Constant):
            self._label_check(ln, lt, rn)
        if isinstance(ln, ast.Constant):
            self._label_check(rn, rt, ln)
        kinds = {lt.kind, rt.kind}
        if "any" in kinds or len(kinds) == 1:
            return
        if isinstance(op, (ast.Eq, ast.NotEq)):
            if "none" in kinds:
                return
            if kinds == {"bool", "number"}:
                return
            hint = None
            if kinds == {"string", "number"}:
                hint = "the text side never equals a number: put the number in quotes, or compare numbers"
            self.report(node, "K305", f"comparing {lt} with {rt} is always {isinstance(op, ast.NotEq)}", hint)
            return
        self.report(node, "K305", f"cannot order {lt} and {rt} with <, <=, >, >=")

    def _Call(self, node) -> Type:
        if not isinstance(node.func, ast.Name):
            self.report(node, "K307", "only the listed functions can be called, by name")
            self._generic(node)
            return ANY
        name = node.func.id
        fn = FUNCTIONS.get(name)
        arg_types = [self.check(a) for a in node.args]
        for kw in node.keywords:
            self.check(kw.value)
        if fn is None:
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=1, cutoff=0.6)
            self.report(node, "K303", f"unknown function `{name}`",
                        f'did you mean "{close[0]}"?' if close else "functions: " + ", ".join(sorted(FUNCTIONS)))
            return ANY
        for kw in node.keywords:
            if kw.arg not in fn.keywords:
                self.report(kw, "K304", f"{name}() has no argument called `{kw.arg}`"
                            if kw.arg else f"{name}() does not take ** arguments")
        count = len(node.args) + len(node.keywords)
        if node.keywords and len(node.args) < fn.min_args <= count:
            self.report(node, "K304", f"{name}() needs its first {fn.min_args} argument(s) without a name=, "
                        f"got {len(node.args)}")
        elif count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            want = (f"{fn.min_args}" if fn.max_args == fn.min_args else
                    f"{fn.min_args} to {fn.max_args}" if fn.max_args else f"at least {fn.min_args}")
            self.report(node, "K304", f"{name}() takes {want} argument(s), got {count}")
        self._argument_types(node, name, arg_types)
        return Type(fn.returns)

    def _argument_types(self, node, name: str, types: list[Type]) -> None:
        if name in ("is_missing", "coalesce"):
            return
        if name == "date":
            arg = node.args[0] if node.args else None
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                self.report(node, "K305", 'date() takes a literal like date("2024-12-31")')
            else:
                import datetime as _dt
                try:
                    _dt.date.fromisoformat(arg.value)
                except ValueError:
                    self.report(arg, "K305", f'"{arg.value}" is not a date like "2024-12-31"')
            return
        wants = "date" if name in ("years_between", "months_between") else "number"
        list_ok = name in ("min", "max", "sum", "avg", "avg_present", "count", "count_true") and len(types) == 1
        for arg, t in zip(node.args, types):
            if t.kind == "any" or t.kind == wants or (list_ok and t.kind == "list"):
                continue
            if wants == "number" and t.kind == "bool" and name in ("count", "count_true", "sum"):
                continue
            if t.kind == "none" and name in ("avg_present", "count"):
                continue
            self.report(arg, "K305", f"{name}() needs {'a date' if wants == 'date' else 'a number'} here, got {t}")


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
        if helper is None and kinds != {"number"} and not (isinstance(node.op, ast.Add) and kinds == {"string"}):
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


_CHECKED_BINOPS = {ast.Add: "_add", ast.Sub: "_sub", ast.Mult: "_mul", ast.Div: "_div", ast.FloorDiv: "_floordiv"}


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

_ERRORS = (ArithmeticError, TypeError, ValueError, EvalError, RecursionError, MemoryError, KeyError)


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
            raise ExprError(f"condition gave {type_name(result)} {short(result)}, not true/false", self.text)
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
        return ExprError("evaluation failed", self.text)

    def segment(self, node: ast.AST) -> str:
        return (ast.get_source_segment(self.text, node) or ast.unparse(node)).strip()

    def conjuncts(self) -> list["Expression"]:
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
    import copy
    rewriter = _Rewriter(lines)
    body = rewriter.visit(copy.deepcopy(tree.body))
    lam = ast.Expression(ast.Lambda(
        ast.arguments(posonlyargs=[], args=[ast.arg("_e")], kwonlyargs=[], kw_defaults=[], defaults=[]), body))
    ast.fix_missing_locations(lam)
    glb = dict(_BASE_GLOBALS)
    glb.update(rewriter.consts)
    fn = eval(compile(lam, "<kinerja expression>", "eval"), glb)  # noqa: S307 - tree is whitelisted above
    used = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name)) & frozenset(names)
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
        return None, [Problem("K309", f"a condition must be true or false, but this gives {typ}",
                              hint="compare it, e.g. `x >= 4` or `x == \"Baik\"`")]
    try:
        return _compile_tree(text, tree, typ, names, condition), []
    except (RecursionError, MemoryError, SyntaxError, ValueError):
        return None, [Problem("K308", "expression is too complex to compile")]


# --- step-by-step interpreter, used only to locate a failure -------------------------------------


class _Located(Exception):
    def __init__(self, message: str, node: ast.AST):
        super().__init__(message)
        self.message, self.node = message, node


def _plain(exc: BaseException) -> str:
    if isinstance(exc, EvalError):
        return str(exc)
    if isinstance(exc, (ZeroDivisionError,)) or type(exc).__name__ in ("DivisionByZero", "DivisionUndefined"):
        return "division by zero"
    if type(exc).__name__ == "Overflow" or isinstance(exc, OverflowError):
        return "number too large"
    if isinstance(exc, (RecursionError, MemoryError)):
        return "expression too complex"
    if isinstance(exc, ArithmeticError):
        return "invalid arithmetic (for example a negative number to a fractional power)"
    return str(exc) or type(exc).__name__


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {  # always the checked helpers: never a huge text
    op: OPERATOR_HELPERS[name] for op, name in {**_CHECKED_BINOPS, ast.Mod: "_mod", ast.Pow: "_pow"}.items()}
_CMPOPS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


def _interpret(node: ast.AST, env: Mapping[str, Any]) -> Any:
    try:
        return _step(node, env)
    except _Located:
        raise
    except _ERRORS as exc:
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)) \
                and isinstance(exc, ArithmeticError) and _safe(node.right, env) == 0:
            # Decimal says InvalidOperation for 0/0 and x % 0: all are a division by zero here
            raise _Located("division by zero", node.right) from None
        raise _Located(_explain_failure(node, env, exc), node) from None


def _explain_failure(node, env, exc) -> str:
    if isinstance(exc, KeyError) and isinstance(node, ast.Name):
        return f"`{node.id}` is not in this record"
    if isinstance(exc, EvalError) and isinstance(node, ast.Call) and "missing" in str(exc):
        missing = [a.id for a in node.args if isinstance(a, ast.Name) and env.get(a.id, 0) is None]
        if missing:
            return f"{exc} (`{missing[0]}` is empty in this record)"
    if isinstance(exc, (TypeError, KeyError)) or (isinstance(exc, EvalError) and "missing" in str(exc)
                                                  and isinstance(node, (ast.BinOp, ast.UnaryOp))):
        missing = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and env.get(n.id, 0) is None]
        if missing:
            return f"`{missing[0]}` is missing (empty) in this record"
        if isinstance(exc, EvalError):
            return str(exc)
        if isinstance(node, ast.Compare):
            return "cannot compare these values: " + ", ".join(
                f"{type_name(_safe(n, env))} {short(_safe(n, env))}" for n in [node.left, *node.comparators])
        if isinstance(node, ast.BinOp):
            return (f"cannot compute {type_name(_safe(node.left, env))} and "
                    f"{type_name(_safe(node.right, env))} with this operator")
    return _plain(exc)


def _safe(node, env):
    try:
        return _step(node, env)
    except Exception:
        return None


def _step(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return _number_literal(node, [])
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_interpret(node.left, env), _interpret(node.right, env))
    if isinstance(node, ast.UnaryOp):
        v = _interpret(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not v
        return OPERATOR_HELPERS["_neg" if isinstance(node.op, ast.USub) else "_pos"](v)
    if isinstance(node, ast.BoolOp):
        result = None
        for value in node.values:
            result = _interpret(value, env)
            if isinstance(node.op, ast.And) and not result or isinstance(node.op, ast.Or) and result:
                return result
        return result
    if isinstance(node, ast.IfExp):
        return _interpret(node.body if _interpret(node.test, env) else node.orelse, env)
    if isinstance(node, ast.Compare):
        left = _interpret(node.left, env)
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(right_node, (ast.Tuple, ast.List)):
                right = tuple(_step(e, env) for e in right_node.elts)
            else:
                right = _interpret(right_node, env)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        args = [_interpret(a, env) for a in node.args]
        kwargs = {kw.arg: _interpret(kw.value, env) for kw in node.keywords}
        return FUNCTIONS[node.func.id].impl(*args, **kwargs)
    raise EvalError(f"{type(node).__name__} cannot be evaluated")


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
    import datetime as _dt
    if isinstance(value, _dt.date):
        return DATE
    return ANY
