"""Static checks of an expression: every node against the whitelist, and a type check that
runs over the whole tree — taken branches or not — before any record is seen."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping

from kinerja.expr.functions import FUNCTIONS
from kinerja.expr.types import ANY, BOOL, NONE, NUMBER, STRING, Problem, Type, _col, _lines, _number_literal
from kinerja.i18n import N_, _
from kinerja.suggest import close_match

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.Call,
    ast.Constant, ast.Name, ast.Load, ast.Tuple, ast.List, ast.keyword,
    ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.USub, ast.UAdd, ast.Not, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn,
)

_FORBIDDEN_WORDS = {
    ast.Attribute: N_("attribute access (x.y) is not allowed"),
    ast.Subscript: N_("indexing (x[...]) is not allowed"),
    ast.Lambda: N_("lambda is not allowed"),
    ast.JoinedStr: N_("f-strings are not allowed"),
    ast.FormattedValue: N_("f-strings are not allowed"),
    ast.ListComp: N_("comprehensions are not allowed"), ast.GeneratorExp: N_("comprehensions are not allowed"),
    ast.SetComp: N_("comprehensions are not allowed"), ast.DictComp: N_("comprehensions are not allowed"),
    ast.NamedExpr: N_("assignment (:=) is not allowed"), ast.Dict: N_("dictionaries are not allowed"),
    ast.Set: N_("sets are not allowed"), ast.Starred: N_("* unpacking is not allowed"),
    ast.Is: N_("`is` is not allowed: use == or is_missing(x)"),
    ast.IsNot: N_("`is not` is not allowed: use != or not is_missing(x)"),
    ast.BitAnd: N_("bitwise & is not allowed: use `and`"), ast.BitOr: N_("bitwise | is not allowed: use `or`"),
    ast.BitXor: N_("^ is not allowed: use ** for powers"), ast.LShift: N_("<< is not allowed"),
    ast.RShift: N_(">> is not allowed"), ast.Invert: N_("~ is not allowed"), ast.MatMult: N_("@ is not allowed"),
}


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
        bad = _(bad) if bad is not None else None
        if bad is None and not isinstance(node, _ALLOWED_NODES):
            bad = _("{name} is not allowed in expressions").format(name=type(node).__name__)
        if bad:
            self.report(node, "K307", bad)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.check(child)
            return ANY
        typ = getattr(self, "_" + type(node).__name__, self._generic)(node)
        node.kinerja_type = typ  # type: ignore[attr-defined]  # our own note, read by _Rewriter: checked arithmetic unless both sides are numbers
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
                self.report(node, "K308", _("this number is too large"))
            return NUMBER
        if isinstance(v, str):
            return STRING
        self.report(node, "K307", _("{name} literals are not allowed").format(name=type(v).__name__))
        return ANY

    def _Name(self, node) -> Type:
        if node.id in self.names:
            self.used.add(node.id)
            return self.names[node.id]
        if node.id in FUNCTIONS:
            self.report(node, "K305", _("`{id}` is a function: call it as {id}(...)").format(id=node.id))
            return ANY
        close = close_match(node.id, list(self.names))
        self.report(node, "K302", _("unknown name `{id}`").format(id=node.id),
                    _('did you mean "{close}"?').format(close=close) if close
                    else _("names must be declared fields, values or params"))
        return ANY

    def _Tuple(self, node) -> Type:
        self.report(node, "K307", _("a list is only allowed after `in` / `not in`"))
        return ANY

    _List = _Tuple

    def _operator_allowed(self, node) -> bool:
        """BinOp/UnaryOp carry their operator as a child the tree walk never checks: do it here."""
        if isinstance(node.op, _ALLOWED_NODES):
            return True
        bad = _FORBIDDEN_WORDS.get(type(node.op))
        self.report(node, "K307", _(bad) if bad else _("{name} is not allowed").format(name=type(node.op).__name__))
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
            self.report(node, "K305", _("cannot use {value} on {t}").format(
                value='-' if isinstance(node.op, ast.USub) else '+', t=t))
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
        self.report(node, "K305", _("cannot compute {left} {sym} {right}").format(left=left, sym=sym, right=right),
                    _("arithmetic works on numbers only") if "string" in kinds else None)
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
                    self.report(node, "K307", _(_FORBIDDEN_WORDS.get(type(op), N_("operator not allowed"))))
                right = self.check(right_node)
                self._compare_types(node, op, left_node, left, right_node, right)
            left_node, left = right_node, right
        return BOOL

    def _membership(self, left_node, left: Type, right_node) -> None:
        if not isinstance(right_node, (ast.Tuple, ast.List)):
            self.report(right_node, "K307", _("`in` needs a literal list, like x in (\"A\", \"B\")"))
            self.check(right_node)
            return
        for elt in right_node.elts:
            if not isinstance(elt, ast.Constant) or not isinstance(elt.value, (str, int, float, bool, type(None))):
                self.report(elt, "K307", _("items after `in` must be plain values (text, numbers, True/False, None)"))
                continue
            self._label_check(left_node, left, elt)

    def _label_check(self, name_node, t: Type, const: ast.Constant) -> None:
        """`rating == "Di Atas"` where the labels are `Di Atas Ekspektasi`, … is a load-time error."""
        if t.labels is None or not isinstance(const.value, str) or const.value in t.labels:
            return
        what = f"`{name_node.id}`" if isinstance(name_node, ast.Name) else _("this value")
        close = difflib.get_close_matches(const.value, t.labels, n=1, cutoff=0.4)
        if close:
            hint = _("did you mean \"{close}\"?").format(close=close[0])
        else:
            hint = _("allowed: ") + ", ".join(f'"{x}"' for x in t.labels)
        self.report(const, "K306", _("\"{value}\" is not a label of {what}").format(value=const.value, what=what), hint)

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
                hint = _("the text side never equals a number: put the number in quotes, or compare numbers")
            self.report(node, "K305", _("comparing {lt} with {rt} is always {value}").format(
                lt=lt, rt=rt, value=isinstance(op, ast.NotEq)), hint)
            return
        self.report(node, "K305", _("cannot order {lt} and {rt} with <, <=, >, >=").format(lt=lt, rt=rt))

    def _Call(self, node) -> Type:
        if not isinstance(node.func, ast.Name):
            self.report(node, "K307", _("only the listed functions can be called, by name"))
            self._generic(node)
            return ANY
        name = node.func.id
        fn = FUNCTIONS.get(name)
        arg_types = [self.check(a) for a in node.args]
        for kw in node.keywords:
            self.check(kw.value)
        if fn is None:
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=1, cutoff=0.6)
            hint = _("did you mean \"{close}\"?").format(close=close[0]) if close \
                else _("functions: ") + ", ".join(sorted(FUNCTIONS))
            self.report(node, "K303", _("unknown function `{name}`").format(name=name), hint)
            return ANY
        for kw in node.keywords:
            if kw.arg not in fn.keywords:
                self.report(kw, "K304", _("{name}() has no argument called `{arg}`").format(name=name, arg=kw.arg)
                            if kw.arg else _("{name}() does not take ** arguments").format(name=name))
        count = len(node.args) + len(node.keywords)
        if node.keywords and len(node.args) < fn.min_args <= count:
            message = _("{name}() needs its first {min_args} argument(s) without a name=, got {args}")
            self.report(node, "K304", message.format(name=name, min_args=fn.min_args, args=len(node.args)))
        elif count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            want = (f"{fn.min_args}" if fn.max_args == fn.min_args else
                    _("{min} to {max}").format(min=fn.min_args, max=fn.max_args) if fn.max_args
                    else _("at least {min}").format(min=fn.min_args))
            self.report(node, "K304", _("{name}() takes {want} argument(s), got {count}").format(
                name=name, want=want, count=count))
        self._argument_types(node, name, arg_types)
        return Type(fn.returns)

    def _argument_types(self, node, name: str, types: list[Type]) -> None:
        if name in ("is_missing", "coalesce"):
            return
        if name == "date":
            arg = node.args[0] if node.args else None
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                self.report(node, "K305", _("date() takes a literal like date(\"2024-12-31\")"))
            else:
                import datetime as _dt
                try:
                    _dt.date.fromisoformat(arg.value)
                except ValueError:
                    self.report(arg, "K305", _("\"{value}\" is not a date like \"2024-12-31\"").format(value=arg.value))
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
            self.report(arg, "K305", (_("{name}() needs a date here, got {type}") if wants == "date" else
                                      _("{name}() needs a number here, got {type}")).format(name=name, type=t))
