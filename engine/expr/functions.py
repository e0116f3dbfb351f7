"""The whitelisted function library of the expression language.

Every function checks the types and sizes of its arguments and raises `EvalError` with a
plain message; none can allocate without bound, touch files, or reach the interpreter.
Numbers are `Decimal` throughout (see docs/expressions.md, "Exact numbers").
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from kinerja.i18n import N_, _, num
from kinerja.limits import MAX_TEXT

MAX_PLACES = 12
MAX_POWER_EXPONENT = 1000
MAX_LIST = 100_000


class EvalError(Exception):
    """A problem found while evaluating an expression for one record; `missing` when it is
    that a value is empty (the diagnosis then names the empty field)."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing


_OPERAND_WORDS = (N_("argument"), N_("lower bound"), N_("upper bound"), N_("left side"), N_("right side"))


def _num(x: Any, fn: str, what: str = "argument") -> Decimal:
    if isinstance(x, Decimal):
        return x
    if x is None:
        raise EvalError(_("{fn}(): {what} is missing").format(fn=fn, what=_(what)), missing=True)
    if isinstance(x, bool):
        return Decimal(int(x))
    if isinstance(x, int):
        return Decimal(x)
    raise EvalError(_("{fn}(): {what} must be a number, got {type} {value}").format(
        fn=fn, what=_(what), type=type_name(x), value=short(x)))


def _seq(args: tuple, fn: str) -> tuple:
    """Functions over a list take either one list or several values."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        items = tuple(args[0])
    else:
        items = args
    if len(items) > MAX_LIST:
        raise EvalError(_("{fn}(): too many items ({items})").format(fn=fn, items=len(items)))
    return items


def type_name(x: Any) -> str:
    if x is None:
        return _("missing value")
    if isinstance(x, bool):
        return _("true/false")
    if isinstance(x, (int, Decimal)):
        return _("number")
    if isinstance(x, str):
        return _("text")
    if isinstance(x, _dt.date):
        return _("date")
    if isinstance(x, (tuple, list)):
        return _("list")
    return type(x).__name__


def short(x: Any, limit: int = 40) -> str:
    text = repr(x) if isinstance(x, str) else str(x)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_QUANTA = {Decimal(p): Decimal(1).scaleb(-p) for p in range(MAX_PLACES + 1)}  # 2 -> 0.01
_HUNDRED, _TWO = Decimal(100), Decimal(2)


def round_half_up(x: Any, places: Any = 0) -> Decimal:
    """Round half away from zero to `places` decimals: 3.125 -> 3.13 (never banker's)."""
    if x.__class__ is not Decimal:
        x = _num(x, "round")
    p = _num(places, "round", "places")
    quantum = _QUANTA.get(p) if p.is_finite() else None  # 2.0 finds 2; 0.5, 13, NaN find nothing
    if quantum is None:
        raise EvalError(_("round(): places must be a whole number from 0 to {MAX_PLACES}, got {p}").format(
            MAX_PLACES=MAX_PLACES, p=p))
    return x.quantize(quantum, rounding=ROUND_HALF_UP)


def f_min(*args):
    items = [_num(a, "min", "item") for a in _seq(args, "min")]
    if not items:
        raise EvalError(_("min(): no values"))
    return min(items)


def f_max(*args):
    items = [_num(a, "max", "item") for a in _seq(args, "max")]
    if not items:
        raise EvalError(_("max(): no values"))
    return max(items)


def f_abs(x):
    return abs(_num(x, "abs"))


def f_floor(x):
    return _num(x, "floor").to_integral_value(rounding=ROUND_FLOOR)


def f_ceil(x):
    return _num(x, "ceil").to_integral_value(rounding=ROUND_CEILING)


def f_clamp(x, lo, hi):
    x, lo, hi = _num(x, "clamp"), _num(lo, "clamp", "lower bound"), _num(hi, "clamp", "upper bound")
    if lo > hi:
        raise EvalError(_("clamp(): lower bound {lo} is above upper bound {hi}").format(lo=lo, hi=hi))
    return min(max(x, lo), hi)


def _cap(value: Decimal, cap: Any, fn: str) -> Decimal:
    if cap is None:
        return value
    if cap.__class__ is not Decimal:
        cap = _num(cap, fn, "cap")
    return cap if cap < value else value  # min(value, cap), without the builtin's overhead


# The hot functions check `x.__class__ is Decimal` before calling _num: same result, less work
# for the common case (these run once per record per indicator).
def f_capaian(realisasi, target, cap=None):
    """realisasi / target × 100 (PermenPANRB 8/2021 capaian IKI), optionally capped."""
    r = realisasi if realisasi.__class__ is Decimal else _num(realisasi, "capaian", "realisasi")
    t = target if target.__class__ is Decimal else _num(target, "capaian", "target")
    if not t:
        raise EvalError(_("capaian(): target is 0, so capaian cannot be computed"))
    return _cap(r / t * _HUNDRED, cap, "capaian")


def f_capaian_terbalik(realisasi, target, cap=None):
    """(2 − realisasi / target) × 100: lower is better (PermenPANRB 8/2021 kondisi khusus)."""
    r = realisasi if realisasi.__class__ is Decimal else _num(realisasi, "capaian_terbalik", "realisasi")
    t = target if target.__class__ is Decimal else _num(target, "capaian_terbalik", "target")
    if not t:
        raise EvalError(_("capaian_terbalik(): target is 0, so capaian cannot be computed"))
    return _cap((_TWO - r / t) * _HUNDRED, cap, "capaian_terbalik")


def f_sum(*args):
    return sum((_num(a, "sum", "item") for a in _seq(args, "sum")), Decimal(0))


def f_avg(*args):
    items = [_num(a, "avg", "item") for a in _seq(args, "avg")]
    if not items:
        raise EvalError(_("avg(): no values to average"))
    return sum(items, Decimal(0)) / len(items)


def f_avg_present(*args):
    """Mean of the values that are present; missing ones are left out, not counted as 0."""
    items = [_num(a, "avg_present", "item") for a in _seq(args, "avg_present") if a is not None]
    if not items:
        raise EvalError(_("avg_present(): every value is missing"), missing=True)
    return sum(items, Decimal(0)) / len(items)


def f_count(*args):
    return Decimal(len(_seq(args, "count")))


def f_count_true(*args):
    return Decimal(sum(1 for a in _seq(args, "count_true") if a is True))


def _date(x, fn: str) -> _dt.date:
    if isinstance(x, _dt.date):
        return x
    if x is None:
        raise EvalError(_("{fn}(): date is missing").format(fn=fn), missing=True)
    raise EvalError(_("{fn}(): expected a date, got {value} {value2}").format(
        fn=fn, value=type_name(x), value2=short(x)))


def f_months_between(d1, d2):
    """Whole months completed from d1 to d2 (negative when d2 is earlier)."""
    a, b = _date(d1, "months_between"), _date(d2, "months_between")
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    months = (b.year - a.year) * 12 + (b.month - a.month)
    if b.day < a.day:
        months -= 1
    return Decimal(sign * months)


def f_years_between(d1, d2):
    """Whole years completed from d1 to d2, as an age is counted."""
    months = f_months_between(d1, d2)
    return Decimal(int(months / 12))


def f_is_missing(x):
    return x is None or (isinstance(x, str) and x.strip() == "")


def f_coalesce(*args):
    for a in args:
        if not f_is_missing(a):
            return a
    return None


def f_date(text):
    if not isinstance(text, str):
        raise EvalError(_("date(): expects text like \"2024-12-31\""))
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise EvalError(_("date(): {value} is not a date like \"2024-12-31\"").format(value=short(text))) from None


def f_pow(base, exp):
    """`**` with a bounded exponent, so that no expression can run for minutes."""
    b, e = _num(base, "**", "base"), _num(exp, "**", "exponent")
    if abs(e) > MAX_POWER_EXPONENT:
        raise EvalError(_("exponent {e} is too large (limit {MAX_POWER_EXPONENT})").format(
            e=e, MAX_POWER_EXPONENT=MAX_POWER_EXPONENT))
    return b**e


def f_mod(a, b):
    """`%` for numbers only: text formatting with % is not part of the language."""
    return _num(a, "%", "left side") % _num(b, "%", "right side")


def _operand(x: Any, sym: str, side: str) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int):  # bool included: True + True is 2, as a Decimal
        return Decimal(int(x))
    if x is None:
        raise EvalError(_("{sym}: the {side} is missing").format(sym=sym, side=_(side)), missing=True)
    raise EvalError(_("{sym} works on numbers, but the {side} is {type} {value}").format(
        sym=sym, side=_(side), type=type_name(x), value=short(x)))


# Checked arithmetic, used where an operand's static type is not certainly a number (true/false,
# or a value of unknown type such as coalesce(...)): the result is always a Decimal, and text or
# lists can never be repeated (`coalesce(s, s) * n`) or added to numbers. Two texts may be joined.
def f_add(a, b):
    if a.__class__ is str and b.__class__ is str:
        if len(a) + len(b) > MAX_TEXT:
            raise EvalError(_("+: the text would be {value} characters long (limit {MAX_TEXT})").format(
                value=num(len(a) + len(b), group=True), MAX_TEXT=num(MAX_TEXT, group=True)))
        return a + b
    if b is None and a is not None:  # say what is missing before what has the wrong type
        _operand(b, "+", "right side")
    return _operand(a, "+", "left side") + _operand(b, "+", "right side")


def f_sub(a, b):
    return _operand(a, "-", "left side") - _operand(b, "-", "right side")


def f_mul(a, b):
    return _operand(a, "*", "left side") * _operand(b, "*", "right side")


def f_div(a, b):
    return _operand(a, "/", "left side") / _operand(b, "/", "right side")


def f_floordiv(a, b):
    return _operand(a, "//", "left side") // _operand(b, "//", "right side")


def f_neg(x):
    return -_operand(x, "-", "value")


def f_pos(x):
    return +_operand(x, "+", "value")


@dataclass(frozen=True)
class Function:
    name: str
    impl: Callable
    min_args: int
    max_args: int | None  # None: any number
    returns: str  # static type kind of the result
    keywords: tuple[str, ...] = ()
    doc: str = ""


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in [
        Function("min", f_min, 1, None, "number", doc="smallest of the values, or of one list"),
        Function("max", f_max, 1, None, "number", doc="largest of the values, or of one list"),
        Function("abs", f_abs, 1, 1, "number", doc="absolute value"),
        Function("round", round_half_up, 1, 2, "number", doc="round half-up to N places (default 0)"),
        Function("floor", f_floor, 1, 1, "number", doc="round down to a whole number"),
        Function("ceil", f_ceil, 1, 1, "number", doc="round up to a whole number"),
        Function("clamp", f_clamp, 3, 3, "number", doc="x kept between lo and hi"),
        Function("capaian", f_capaian, 2, 3, "number", ("cap",), "realisasi / target × 100, at most cap"),
        Function("capaian_terbalik", f_capaian_terbalik, 2, 3, "number", ("cap",),
                 "(2 − realisasi / target) × 100, for lower-is-better targets"),
        Function("sum", f_sum, 1, None, "number", doc="sum of a list or of the values"),
        Function("avg", f_avg, 1, None, "number", doc="mean of a list or of the values"),
        Function("avg_present", f_avg_present, 1, None, "number", doc="mean of the values that are not missing"),
        Function("count", f_count, 1, None, "number", doc="number of items of a list"),
        Function("count_true", f_count_true, 1, None, "number", doc="number of items that are true"),
        Function("years_between", f_years_between, 2, 2, "number", doc="whole years from d1 to d2"),
        Function("months_between", f_months_between, 2, 2, "number", doc="whole months from d1 to d2"),
        Function("is_missing", f_is_missing, 1, 1, "bool", doc="true when the value is empty"),
        Function("coalesce", f_coalesce, 2, None, "any", doc="the first value that is not missing"),
        Function("date", f_date, 1, 1, "date", doc="a date written as \"YYYY-MM-DD\""),
    ]
}

# Operators compiled to checked helpers rather than Python's own (`_add`… only where the
# operands are not statically numbers; see expr._Rewriter).
OPERATOR_HELPERS: dict[str, Callable[..., Any]] = {
    "_pow": f_pow, "_mod": f_mod, "_add": f_add, "_sub": f_sub, "_mul": f_mul, "_div": f_div,
    "_floordiv": f_floordiv, "_neg": f_neg, "_pos": f_pos}
