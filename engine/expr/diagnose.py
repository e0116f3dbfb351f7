"""A step-by-step interpreter of checked expressions, used only after the compiled closure
failed, to say which part failed and why (and at which column)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from kinerja.expr.functions import FUNCTIONS, OPERATOR_HELPERS, EvalError, short, type_name
from kinerja.expr.types import _CHECKED_BINOPS, _ERRORS, _number_literal
from kinerja.i18n import _


class _Located(Exception):
    def __init__(self, message: str, node: ast.AST):
        super().__init__(message)
        self.message, self.node = message, node


def _plain(exc: BaseException) -> str:
    if isinstance(exc, EvalError):
        return str(exc)
    if isinstance(exc, (ZeroDivisionError,)) or type(exc).__name__ in ("DivisionByZero", "DivisionUndefined"):
        return _("division by zero")
    if type(exc).__name__ == "Overflow" or isinstance(exc, OverflowError):
        return _("number too large")
    if isinstance(exc, (RecursionError, MemoryError)):
        return _("expression too complex")
    if isinstance(exc, ArithmeticError):
        return _("invalid arithmetic (for example a negative number to a fractional power)")
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
            raise _Located(_("division by zero"), node.right) from None
        raise _Located(_explain_failure(node, env, exc), node) from None


def _explain_failure(node, env, exc) -> str:
    if isinstance(exc, KeyError) and isinstance(node, ast.Name):
        return _("`{name}` is not in this record").format(name=node.id)
    if isinstance(exc, EvalError) and isinstance(node, ast.Call) and exc.missing:
        missing = [a.id for a in node.args if isinstance(a, ast.Name) and env.get(a.id, 0) is None]
        if missing:
            return _("{exc} (`{missing}` is empty in this record)").format(exc=exc, missing=missing[0])
    if isinstance(exc, (TypeError, KeyError)) or (isinstance(exc, EvalError) and exc.missing
                                                  and isinstance(node, (ast.BinOp, ast.UnaryOp))):
        missing = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and env.get(n.id, 0) is None]
        if missing:
            return _("`{missing}` is missing (empty) in this record").format(missing=missing[0])
        if isinstance(exc, EvalError):
            return str(exc)
        if isinstance(node, ast.Compare):
            return _("cannot compare these values: ") + ", ".join(
                _("{value} {value2}").format(value=type_name(_safe(n, env)), value2=short(_safe(n, env)))
                for n in [node.left, *node.comparators])
        if isinstance(node, ast.BinOp):
            return (_("cannot compute {value} and {value2} with this operator").format(
                value=type_name(_safe(node.left, env)), value2=type_name(_safe(node.right, env))))
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
            if (isinstance(node.op, ast.And) and not result) or (isinstance(node.op, ast.Or) and result):
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
        # the checker refuses `**`: every keyword has a name
        kwargs = {kw.arg: _interpret(kw.value, env) for kw in node.keywords if kw.arg is not None}
        if isinstance(node.func, ast.Name):  # the checker allows no other call
            return FUNCTIONS[node.func.id].impl(*args, **kwargs)
    raise EvalError(_("{name} cannot be evaluated").format(name=type(node).__name__))
