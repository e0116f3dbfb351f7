"""Unit tests of the expression language (engine/expr/language.py, engine/expr/functions.py), table-driven.

Each table row is (expression, expected); ids are the expression text. Numbers are Decimal
throughout: every literal is read exactly as written and every comparison below is against a
Decimal (or int/bool/str where the language gives one).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.expr.functions import FUNCTIONS, EvalError
from kinerja.expr.language import (
    ANY,
    BOOL,
    DATE,
    LIST,
    NONE,
    NUMBER,
    STRING,
    ExprError,
    Limits,
    Problem,
    Type,
    compile_expression,
    enum,
    infer_type,
    parse,
)

RATINGS = ("Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi")

NAMES: dict[str, Type] = {
    "x": NUMBER, "y": NUMBER, "z": NUMBER, "nol": NUMBER,
    "s": STRING, "blank": STRING, "b": BOOL, "f": BOOL,
    "rating": enum(RATINGS), "predikat": enum(("Sangat Baik", "Baik", "Butuh Perbaikan")),
    "xs": LIST, "empty": LIST, "flags": LIST,
    "d1": DATE, "d2": DATE, "maybe": ANY, "hilang": NUMBER,
    "realisasi": NUMBER, "target": NUMBER,
}

ENV = {
    "x": D("5"), "y": D("2.5"), "z": D("-3"), "nol": D("0"),
    "s": "abc", "blank": "  ", "b": True, "f": False,
    "rating": "Sesuai Ekspektasi", "predikat": "Baik",
    "xs": (D("3"), D("1.5"), D("2")), "empty": (), "flags": (True, False, True, True),
    "d1": dt.date(2000, 2, 29), "d2": dt.date(2024, 2, 28), "maybe": None, "hilang": None,
    "realisasi": D("90"), "target": D("80"),
}


def compile_ok(text: str, names=None, **kw):
    expr, problems = compile_expression(text, NAMES if names is None else names, **kw)
    assert problems == [], problems
    assert expr is not None
    return expr


def ev(text: str, env=None, names=None, **kw):
    return compile_ok(text, names, **kw)(ENV if env is None else env)


def problems_of(text: str, names=None, **kw) -> list[Problem]:
    expr, problems = compile_expression(text, NAMES if names is None else names, **kw)
    assert expr is None and problems, f"{text!r} compiled"
    return problems


def same(actual, expected) -> bool:
    """Equal value and, for numbers, the language's number type (Decimal, never float)."""
    if isinstance(expected, D):
        return isinstance(actual, D) and actual == expected
    return type(actual) is type(expected) and actual == expected


def run_table(text, expected):
    got = ev(text)
    assert same(got, expected), f"{text!r} gave {got!r}, expected {expected!r}"


# --- literals ---------------------------------------------------------------------------------

LITERALS = [
    ("1", D("1")),
    ("0.1", D("0.1")),
    ("3.125", D("3.125")),
    ("0.10000000000000000000000001", D("0.10000000000000000000000001")),  # beyond float precision
    ("12345678901234567890.123456789", D("12345678901234567890.123456789")),
    ("1_000", D("1000")),
    ("1e3", D("1e3")),
    ("2.5E-2", D("0.025")),
    (".5", D("0.5")),
    ("0x10", D("16")),
    ("0o17", D("15")),
    ("0b101", D("5")),
    ('"abc"', "abc"),
    ("'Di Atas Ekspektasi'", "Di Atas Ekspektasi"),
    ('"a" "b"', "ab"),
    ('"ä ü 漢字"', "ä ü 漢字"),
    ('""', ""),
    ("True", True),
    ("False", False),
    ("None", None),
]


@pytest.mark.parametrize("text,expected", LITERALS, ids=[t for t, _ in LITERALS])
def test_literals(text, expected):
    run_table(text, expected)


def test_number_literals_are_exact_decimals_not_floats():
    assert str(ev("0.1")) == "0.1"
    assert str(ev("3.10")) == "3.10"  # trailing zero kept: the literal as written


# --- arithmetic -------------------------------------------------------------------------------

ARITHMETIC = [
    ("1 + 2 * 3", D("7")),
    ("(1 + 2) * 3", D("9")),
    ("7 / 2", D("3.5")),
    ("10 / 4", D("2.5")),
    ("7 // 2", D("3")),
    ("-7 // 2", D("-3")),  # Decimal: truncates toward zero (Python int would give -4)
    ("7 % 3", D("1")),
    ("-7 % 3", D("-1")),  # Decimal: sign of the dividend (Python int would give 2)
    ("7.5 % 2", D("1.5")),
    ("2 ** 10", D("1024")),
    ("2 ** -1", D("0.5")),
    ("4 ** 0.5", D("2.000000000000000000000000000")),
    ("-2 ** 2", D("-4")),  # ** binds tighter than unary minus, as in Python
    ("2 ** 3 ** 2", D("512")),  # right-associative
    ("-x", D("-5")),
    ("+y", D("2.5")),
    ("--x", D("5")),
    ("x - y", D("2.5")),
    ("x * y", D("12.5")),
    ("x / y", D("2")),
    ("z * z", D("9")),
    ("0.1 + 0.2", D("0.3")),
    ("0.1 * 3", D("0.3")),
    ("0.1 * 3 == 0.3", True),  # exact: the float answer would be False
    ("1 / 3", D("0.3333333333333333333333333333")),  # 28 significant digits (decimal context)
    # documented: 1/3 is rounded to 28 digits, so multiplying back does not give exactly 1
    ("1 / 3 * 3", D("0.9999999999999999999999999999")),
    ("1 / 3 * 3 == 1", False),
    ("round(1 / 3 * 3, 2) == 1", True),  # round before comparing
    ("1 + True", D("2")),
    ("x + 1e-30", D("5.000000000000000000000000000")),  # rounded to 28 significant digits
    ("x + 0", D("5")),
]


@pytest.mark.parametrize("text,expected", ARITHMETIC, ids=[t for t, _ in ARITHMETIC])
def test_arithmetic(text, expected):
    run_table(text, expected)


CHECKED_ARITHMETIC = [
    # operands not statically numbers (true/false, or a value of unknown type) go through checked
    # helpers: the result is always a Decimal, and text is never repeated or added to a number
    ("True + True", D("2")),
    ("b + b + b", D("3")),
    ("True / True", D("1")),  # Python would give the float 1.0
    ("b / (b + b)", D("0.5")),
    ("-b", D("-1")),
    ("+f", D("0")),
    ("f // b", D("0")),
    ("b * 2.5", D("2.5")),
    ("coalesce(maybe, x) * 2", D("10")),
    ("coalesce(maybe, x) - 1", D("4")),
    ("-coalesce(maybe, x)", D("-5")),
    ("coalesce(maybe, s) + coalesce(maybe, s)", "abcabc"),  # two texts may still be joined
    ("round(b + b, 1)", D("2.0")),
]


@pytest.mark.parametrize("text,expected", CHECKED_ARITHMETIC, ids=[t for t, _ in CHECKED_ARITHMETIC])
def test_checked_arithmetic(text, expected):
    run_table(text, expected)


CHECKED_ERRORS = [
    ("coalesce(maybe, s) * 3", "* works on numbers, but the left side is text 'abc'"),
    ("coalesce(maybe, s) * (b + b)", "* works on numbers"),  # was "abcabc": text repetition
    ("coalesce(maybe, xs) * 2", "* works on numbers, but the left side is list"),
    ("coalesce(maybe, xs) + coalesce(maybe, xs)", "+ works on numbers"),
    ("coalesce(maybe, s) + 1", "+ works on numbers"),
    ("-coalesce(maybe, s)", "- works on numbers"),
    ("(b and s) * 2", "* works on numbers"),
    ("maybe + 1", "`maybe` is missing (empty) in this record"),
    ("b / f", "division by zero"),
]


@pytest.mark.parametrize("text,words", CHECKED_ERRORS, ids=[t for t, _ in CHECKED_ERRORS])
def test_checked_arithmetic_errors(text, words):
    with pytest.raises(ExprError) as info:
        ev(text)
    assert words in info.value.message


def test_number_arithmetic_stays_native():
    """Both sides statically numbers: Python's own Decimal operator, no helper call (speed)."""
    import dis

    code = compile_ok("x * y + z - x / y").fn.__code__
    assert not any(i.opname.startswith("CALL") or i.opname == "PRECALL" for i in dis.get_instructions(code))
    code = compile_ok("b + x").fn.__code__
    assert any(i.argval == "_add" for i in dis.get_instructions(code))


# --- comparisons, chained -----------------------------------------------------------------------

COMPARISONS = [
    ("1 < 2", True),
    ("2 < 1", False),
    ("1 < 2 < 3", True),
    ("1 < 3 < 2", False),
    ("3 > 2 > 1", True),
    ("1 <= 1 >= 0", True),
    ("0 < x <= 5", True),
    ("0 < x < 5", False),
    ("y < x < 10 != 11", True),
    ("x == 5", True),
    ("x == 5.0", True),  # Decimal equality ignores trailing zeros
    ("x != 5", False),
    ("5 == x == 5.00", True),
    ('s == "abc"', True),
    ('s < "abd"', True),
    ('"a" < "b" < "c"', True),
    ("b == True", True),
    ("b != f", True),
    ("maybe == None", True),
    ("x != None", True),
    ("d1 < d2", True),
    ('d2 == date("2024-02-28")', True),
    ("1 == True", True),  # number vs true/false is allowed (1 == True in Python and Decimal)
]


@pytest.mark.parametrize("text,expected", COMPARISONS, ids=[t for t, _ in COMPARISONS])
def test_comparisons(text, expected):
    run_table(text, expected)


# --- in / not in ------------------------------------------------------------------------------

MEMBERSHIP = [
    ('s in ("abc", "def")', True),
    ('s in ("ab", "def")', False),
    ('s not in ("ab", "def")', True),
    ("x in (1, 5, 9)", True),
    ("x in (1, 5.0)", True),
    ("y in (2.5,)", True),
    ("y in [2.50, 3]", True),  # a literal list works too
    ("x not in (5,)", False),
    ('predikat in ("Sangat Baik", "Baik")', True),
    ('rating not in ("Di Bawah Ekspektasi",)', True),
    ("maybe in (None, 1)", True),
    ("b in (True,)", True),
    ('predikat in ("Sangat Baik", "Baik") and x >= 4', True),
    ("0 < x in (5, 6)", True),  # chained with a membership test
]


@pytest.mark.parametrize("text,expected", MEMBERSHIP, ids=[t for t, _ in MEMBERSHIP])
def test_membership(text, expected):
    run_table(text, expected)


# --- x if c else y, and/or/not, short-circuit ---------------------------------------------------

CONDITIONALS = [
    ("1 if b else 2", D("1")),
    ("1 if f else 2", D("2")),
    ('"A" if x > 4 else "B" if x > 2 else "C"', "A"),
    ('"A" if x > 9 else "B" if x > 2 else "C"', "B"),
    ("None if f else x", D("5")),
    ("x if b else None", D("5")),
    ("1 if True else 1 / 0", D("1")),  # the untaken branch is never evaluated
    ("f and 1 / 0 > 1", False),  # short-circuit
    ("b or 1 / 0 > 1", True),
    ("b and f", False),
    ("b or f", True),
    ("not b", False),
    ("not not b", True),
    ("not f and b", True),
    ("x > 1 and y > 1 and s == 'abc'", True),
    ("is_missing(maybe) or maybe > 1", True),
]


@pytest.mark.parametrize("text,expected", CONDITIONALS, ids=[t for t, _ in CONDITIONALS])
def test_conditionals(text, expected):
    run_table(text, expected)


# --- the function library: every function, normal and error cases ------------------------------

FUNCTION_CASES = [
    # (function, expression, expected)
    ("min", "min(3, 1, 2)", D("1")),
    ("min", "min(xs)", D("1.5")),
    ("min", "min(x)", D("5")),
    ("max", "max(3, 1, 2)", D("3")),
    ("max", "max(xs)", D("3")),
    ("max", "max(z, 0)", D("0")),
    ("abs", "abs(-2.5)", D("2.5")),
    ("abs", "abs(z)", D("3")),
    ("round", "round(3.125, 2)", D("3.13")),  # half-up, never banker's
    ("round", "round(2.675, 2)", D("2.68")),  # exact decimal: the float 2.675 would round to 2.67
    ("round", "round(2.5)", D("3")),
    ("round", "round(3.5)", D("4")),
    ("round", "round(-2.5)", D("-3")),  # half away from zero
    ("round", "round(1.005, 2)", D("1.01")),
    ("round", "round(x * y / 12, 2)", D("1.04")),
    ("round", "round(2, 2)", D("2.00")),
    ("round", "round(1.23456, 12)", D("1.234560000000")),
    ("floor", "floor(2.7)", D("2")),
    ("floor", "floor(-2.1)", D("-3")),
    ("ceil", "ceil(2.1)", D("3")),
    ("ceil", "ceil(-2.7)", D("-2")),
    ("clamp", "clamp(5, 0, 3)", D("3")),
    ("clamp", "clamp(-1, 0, 3)", D("0")),
    ("clamp", "clamp(2, 0, 3)", D("2")),
    ("capaian", "capaian(90, 80)", D("112.500")),
    ("capaian", "capaian(realisasi, target, 120)", D("112.500")),
    ("capaian", "capaian(130, 100, 120)", D("120")),
    ("capaian", "capaian(130, 100, cap=110)", D("110")),
    ("capaian_terbalik", "capaian_terbalik(8, 10)", D("120.0")),
    ("capaian_terbalik", "capaian_terbalik(12, 10)", D("80.0")),
    ("capaian_terbalik", "capaian_terbalik(5, 10, 110)", D("110")),
    ("sum", "sum(1, 2, 3)", D("6")),
    ("sum", "sum(xs)", D("6.5")),
    ("sum", "sum(empty)", D("0")),
    ("sum", "sum(flags)", D("3")),
    ("avg", "avg(1, 2)", D("1.5")),
    ("avg", "avg(xs)", D("2.166666666666666666666666667")),
    ("avg_present", "avg_present(1, None, 3)", D("2")),
    ("avg_present", "avg_present(x, hilang, y)", D("3.75")),
    ("count", "count(xs)", D("3")),
    ("count", "count(empty)", D("0")),
    ("count", "count(1, 2)", D("2")),
    ("count_true", "count_true(flags)", D("3")),
    ("count_true", "count_true(b, f, x > 1)", D("2")),
    ("years_between", "years_between(d1, d2)", D("23")),  # 29 Feb 2000 -> 28 Feb 2024: not yet 24
    ("years_between", 'years_between(date("2000-01-01"), date("2024-01-01"))', D("24")),
    ("years_between", "years_between(d2, d1)", D("-23")),
    ("months_between", 'months_between(date("2024-01-31"), date("2024-02-29"))', D("0")),
    ("months_between", 'months_between(date("2024-01-15"), date("2024-03-15"))', D("2")),
    ("months_between", 'months_between(date("2024-03-15"), date("2024-01-15"))', D("-2")),
    ("is_missing", "is_missing(maybe)", True),
    ("is_missing", "is_missing(blank)", True),
    ("is_missing", "is_missing(s)", False),
    ("is_missing", "is_missing(0)", False),
    ("coalesce", "coalesce(maybe, 5)", D("5")),
    ("coalesce", "coalesce(hilang, blank, s)", "abc"),
    ("coalesce", "coalesce(maybe, None)", None),
    ("date", 'date("2024-12-31")', dt.date(2024, 12, 31)),
]

FUNCTION_ERRORS = [
    # (function, expression, env overrides, words the message must contain)
    ("min", "min(empty)", {}, "min(): no values"),
    ("min", "min(maybe, 1)", {}, "missing"),
    ("min", "min(coalesce(s, 1))", {}, "must be a number"),
    ("max", "max(empty)", {}, "max(): no values"),
    ("abs", "abs(hilang)", {}, "`hilang`"),
    ("round", "round(x, 13)", {}, "places must be a whole number from 0 to 12"),
    ("round", "round(x, 0.5)", {}, "places"),
    ("round", "round(x, -1)", {}, "places"),
    ("round", "round(hilang, 2)", {}, "`hilang` is empty"),
    ("floor", "floor(hilang)", {}, "missing"),
    ("ceil", "ceil(maybe)", {}, "missing"),
    ("clamp", "clamp(1, 3, 0)", {}, "lower bound 3 is above upper bound 0"),
    ("capaian", "capaian(realisasi, 0)", {}, "target is 0"),
    ("capaian", "capaian(realisasi, target)", {"target": D("0.00")}, "target"),
    ("capaian", "capaian(hilang, target)", {}, "realisasi is missing"),
    ("capaian_terbalik", "capaian_terbalik(1, nol)", {}, "target is 0"),
    ("sum", "sum(maybe, 1)", {}, "missing"),
    ("avg", "avg(empty)", {}, "avg(): no values to average"),
    ("avg_present", "avg_present(hilang, maybe)", {}, "every value is missing"),
    ("count", "count(maybe)", {"maybe": None}, None),  # count(None) is 1 item: no error -> see below
    ("count_true", "count_true(maybe)", {}, None),
    ("years_between", "years_between(d1, coalesce(maybe, d2))", {"d2": None}, "date is missing"),
    ("years_between", 'years_between(coalesce(maybe, "2020-01-01"), d2)', {}, "expected a date"),
    ("months_between", "months_between(d1, coalesce(maybe, d2))", {"d2": None}, "date is missing"),
    ("is_missing", "is_missing(maybe)", {}, None),
    ("coalesce", "coalesce(maybe, hilang)", {}, None),
    ("date", 'date("2024-12-31")', {}, None),
]


def test_every_function_is_covered():
    assert {name for name, _, _ in FUNCTION_CASES} == set(FUNCTIONS)
    assert {name for name, *_ in FUNCTION_ERRORS} == set(FUNCTIONS)


@pytest.mark.parametrize("name,text,expected", FUNCTION_CASES, ids=[t for _, t, _ in FUNCTION_CASES])
def test_functions(name, text, expected):
    run_table(text, expected)


@pytest.mark.parametrize("name,text,env,words", FUNCTION_ERRORS, ids=[t for _, t, _, _ in FUNCTION_ERRORS])
def test_function_errors(name, text, env, words):
    expr = compile_ok(text)
    if words is None:  # functions that accept every value: no runtime error possible
        expr({**ENV, **env})
        return
    with pytest.raises(ExprError) as info:
        expr({**ENV, **env})
    assert words in info.value.message
    assert isinstance(info.value, EvalError)


def test_function_impls_raise_only_evalerror():
    """Called directly, the library reports bad input as EvalError (with a plain message)."""
    bad_inputs = [None, "x", (), (None,), ("a",), D("NaN"), dt.date(2024, 1, 1), object()]
    for fn in FUNCTIONS.values():
        for value in bad_inputs:
            args = [value] * max(fn.min_args, 1)
            try:
                fn.impl(*args)
            except EvalError as exc:
                assert str(exc)
            except ArithmeticError:  # NaN in Decimal comparisons: caught by Expression.__call__
                pass


def test_function_docs_and_arity_table():
    for name, fn in FUNCTIONS.items():
        assert fn.name == name and fn.doc
        assert fn.max_args is None or fn.max_args >= fn.min_args >= 1
        assert fn.returns in ("number", "bool", "date", "any", "string")


# --- static checks: exact code, line, column and hint --------------------------------------------

STATIC = [
    # (expression, code, column, words in message, hint or None, extra kwargs)
    ("1 +", "K301", 4, "syntax error", None, {}),
    ("1 +* 2", "K301", 4, "syntax error", None, {}),
    ("(1", "K301", 1, "never closed", None, {}),
    ("x = 1", "K301", 3, "syntax error", None, {}),
    ("1; 2", "K301", 2, "syntax error", None, {}),
    ("import os", "K301", 1, "syntax error", None, {}),
    ("", "K301", 1, "expression is empty", None, {}),
    ("   ", "K301", 1, "expression is empty", None, {}),
    ("1\n) + (2", "K301", 1, "unmatched ')'", None, {}),
    ("xx + 1", "K302", 1, "unknown name `xx`", 'did you mean "x"?', {}),
    ("1 + realisas", "K302", 5, "unknown name `realisas`", 'did you mean "realisasi"?', {}),
    ("qwerty", "K302", 1, "unknown name `qwerty`", "names must be declared fields, values or params", {}),
    ("print", "K302", 1, "unknown name `print`", None, {}),
    ("foo(1)", "K303", 1, "unknown function `foo`", None, {}),
    ("x + rnd(x)", "K303", 5, "unknown function `rnd`", 'did you mean "round"?', {}),
    ("len(xs)", "K303", 1, "unknown function `len`", None, {}),
    ("round()", "K304", 1, "round() takes 1 to 2 argument(s), got 0", None, {}),
    ("round(1, 2, 3)", "K304", 1, "got 3", None, {}),
    ("capaian(1)", "K304", 1, "capaian() takes 2 to 3 argument(s), got 1", None, {}),
    ("capaian(1, cap=4)", "K304", 1, "first 2 argument(s) without a name=", None, {}),
    ("capaian(1, 2, 3, cap=4)", "K304", 1, "got 4", None, {}),
    ("x + round(1, places=2)", "K304", 14, "round() has no argument called `places`", None, {}),
    ("abs(1, 2)", "K304", 1, "abs() takes 1 argument(s), got 2", None, {}),
    ("coalesce(x)", "K304", 1, "at least 2", None, {}),
    ('"a" * 2', "K305", 1, "cannot compute text * number", "arithmetic works on numbers only", {}),
    ("x + s", "K305", 1, "cannot compute number + text", None, {}),
    ("-s", "K305", 1, "cannot use - on text", None, {}),
    ("s < 1", "K305", 1, "cannot order text and number", None, {}),
    ('x == "5"', "K305", 1, "comparing number with text is always False", "put the number in quotes", {}),
    ('x != "5"', "K305", 1, "always True", None, {}),
    ("min(s)", "K305", 5, "min() needs a number here, got text", None, {}),
    ("years_between(1, d2)", "K305", 15, "needs a date here, got number", None, {}),
    ('date("2024-13-01")', "K305", 6, '"2024-13-01" is not a date', None, {}),
    ("date(s)", "K305", 1, "date() takes a literal", None, {}),
    ("min + 1", "K305", 1, "`min` is a function", None, {}),
    ('d1 < "2024"', "K305", 1, "cannot order date and text", None, {}),
    ('rating == "Di Atas"', "K306", 11, '"Di Atas" is not a label of `rating`',
     'did you mean "Di Atas Ekspektasi"?', {}),
    ('"Di Atas" == rating', "K306", 1, "is not a label of `rating`", 'did you mean "Di Atas Ekspektasi"?', {}),
    ('rating in ("Sesuai Ekspektasi", "Di Bawah")', "K306", 33, '"Di Bawah" is not a label',
     'did you mean "Di Bawah Ekspektasi"?', {}),
    ('predikat != "zzz"', "K306", 13, '"zzz"', 'allowed: "Sangat Baik", "Baik", "Butuh Perbaikan"', {}),
    ("x.real", "K307", 1, "attribute access", None, {}),
    ("xs[0]", "K307", 1, "indexing", None, {}),
    ("(lambda: 1)()", "K307", 1, "only the listed functions can be called", None, {}),
    ("lambda: 1", "K307", 1, "lambda is not allowed", None, {}),
    ('f"{x}"', "K307", 1, "f-strings are not allowed", None, {}),
    ("[i for i in xs]", "K307", 1, "comprehensions are not allowed", None, {}),
    ("(y := 1)", "K307", 2, "assignment (:=) is not allowed", None, {}),
    ("{1: 2}", "K307", 1, "dictionaries are not allowed", None, {}),
    ("{1}", "K307", 1, "sets are not allowed", None, {}),
    ("maybe is None", "K307", 1, "`is` is not allowed", None, {}),
    ("maybe is not None", "K307", 1, "`is not` is not allowed", None, {}),
    ("x & 1", "K307", 1, "bitwise & is not allowed", None, {}),
    ("b | f", "K307", 1, "bitwise | is not allowed", None, {}),
    ("True << True", "K307", 1, "<< is not allowed", None, {}),
    ("x >> 1", "K307", 1, ">> is not allowed", None, {}),
    ("x @ x", "K307", 1, "@ is not allowed", None, {}),
    ("x ^ 2", "K307", 1, "^ is not allowed: use ** for powers", None, {}),
    ("~x", "K307", 1, "~ is not allowed", None, {}),
    ("1, 2", "K307", 1, "a list is only allowed after `in`", None, {}),
    ("x in xs", "K307", 6, "`in` needs a literal list", None, {}),
    ("x in (y, 1)", "K307", 7, "items after `in` must be plain values", None, {}),
    ('b"x"', "K307", 1, "bytes literals are not allowed", None, {}),
    ("1j", "K307", 1, "complex literals are not allowed", None, {}),
    ("...", "K307", 1, "ellipsis literals are not allowed", None, {}),
    ("min(*xs)", "K307", 5, "* unpacking is not allowed", None, {}),
    ("x" + " + x" * 1400, "K308", 1, "characters long (limit 4000)", "split it into named values", {}),
    ("min(" + ", ".join(["x"] * 250) + ")", "K308", 1, "more than 400 parts", "split it into named values", {}),
    ("+".join(["x"] * 300), "K308", 1, "nested more than 32 levels deep", None, {}),
    ("-" * 40 + "x", "K308", 1, "nested more than 32 levels deep", "split it into named values", {}),
    ("1e9999999999999999999999", "K308", 1, "this number is too large", None, {}),
    ("x + 1", "K309", 1, "a condition must be true or false, but this gives number", "compare it",
     {"condition": True}),
    ("s", "K309", 1, "gives text", None, {"condition": True}),
    ("1 if b else 2", "K309", 1, "gives number", None, {"condition": True}),
]


@pytest.mark.parametrize("text,code,column,words,hint,kw", STATIC,
                         ids=[f"{c}:{t[:40]}" for t, c, *_ in STATIC])
def test_static_problems(text, code, column, words, hint, kw):
    problems = problems_of(text, **kw)
    first = problems[0]
    assert (first.code, first.column) == (code, column), problems
    assert words in first.message, first.message
    if hint is not None:
        assert first.hint is not None and hint in first.hint, first.hint


def test_bitwise_operators_are_rejected_not_evaluated():
    # regression: BinOp/UnaryOp operators were never checked, so `True << (True << 33)` compiled
    # and allocated 2**33 bits; `x & 1` reached Python's own operator
    for text in ("True << (True << ((True+True+True)*(True+True+True+True+True+True+True+True+True+True+True)))",
                 "b & f", "~b", "b ^ b", "-(~b)", "not (b | f)"):
        assert problems_of(text)[0].code == "K307"


def test_every_k30x_code_is_exercised():
    assert {code for _, code, *_ in STATIC} == {f"K30{i}" for i in range(1, 10)}


def test_problems_in_every_branch_are_all_reported():
    problems = problems_of('x.y if rating == "Bagus" else foo(1)')
    assert sorted((p.column, p.code) for p in problems) == [(1, "K307"), (18, "K306"), (31, "K303")]


def test_columns_count_characters_not_bytes():
    problems = problems_of('"ñññ" == zzz')
    assert problems[-1].code == "K302" and problems[-1].column == 10


def test_multiline_problem_lines_and_columns():
    problems = problems_of("x +\n  y +\n  zzz\n")
    assert (problems[0].code, problems[0].line, problems[0].column) == ("K302", 3, 3)
    problems = problems_of("x +\n  (y +\n")
    assert problems[0].code == "K301"


def test_limits_can_be_tightened():
    _, problems = compile_expression("x + x + x", NAMES, limits=Limits(max_nodes=5))
    assert problems[0].code == "K308"
    _, problems = compile_expression("x + 1", NAMES, limits=Limits(max_length=3))
    assert problems[0].code == "K308"


def test_parse_never_raises_on_non_text():
    tree, problems = parse(123)  # type: ignore[arg-type]
    assert tree is None and problems[0].code == "K305"


def test_nonbool_condition_at_runtime():
    expr = compile_ok("maybe", condition=True)  # `any` passes the static check
    with pytest.raises(ExprError, match="condition gave"):
        expr({"maybe": D(1)})
    assert expr({"maybe": True}) is True


# --- static types -----------------------------------------------------------------------------

TYPES = [
    ("x + 1", NUMBER),
    ('"a" + "b"', STRING),
    ("x > 1", BOOL),
    ("b and f", BOOL),
    ("not x", BOOL),
    ('date("2024-01-01")', DATE),
    ("coalesce(x, y)", ANY),
    ("x if b else None", NUMBER),
    ("None if b else s", STRING),
    ("rating", enum(RATINGS)),
    ("is_missing(x)", BOOL),
    ("capaian(x, y)", NUMBER),
]


@pytest.mark.parametrize("text,typ", TYPES, ids=[t for t, _ in TYPES])
def test_static_types(text, typ):
    assert compile_ok(text).type == typ


def test_names_used():
    assert compile_ok("x + y if b else z").names == frozenset({"x", "y", "b", "z"})


INFER = [
    (D("1"), NUMBER), (1, NUMBER), (1.5, NUMBER), (True, BOOL), ("a", STRING), ((1, 2), LIST), ([1], LIST),
    (None, ANY), (dt.date(2024, 1, 1), DATE), ({"a": 1}, ANY),
]


@pytest.mark.parametrize("value,typ", INFER, ids=[repr(v) for v, _ in INFER])
def test_infer_type(value, typ):
    assert infer_type(value) == typ


def test_type_names_for_messages():
    assert [str(t) for t in (NUMBER, STRING, BOOL, DATE, LIST, NONE, ANY)] == [
        "number", "text", "true/false", "date", "list", "None", "value"]


# --- runtime errors ---------------------------------------------------------------------------

RUNTIME = [
    # (expression, env overrides, words, column)
    ("x + 1", {"x": None}, "`x` is missing (empty) in this record", 1),
    ("1 + x * 2", {"x": None}, "`x` is missing", 5),
    ("round(x, 2)", {"x": None}, "`x` is empty in this record", 1),
    ("x / nol", {}, "division by zero", 5),
    ("x / (y - 2.5)", {}, "division by zero", 6),
    ("x // nol", {}, "division by zero", 6),
    ("x % nol", {}, "division by zero", 5),
    ("0 / nol", {}, "division by zero", 5),
    ("1 + 2 * (3 / nol)", {}, "division by zero", 14),
    ("(-8) ** 0.5", {}, "invalid arithmetic", 1),
    ("x ** 1001", {}, "exponent 1001 is too large (limit 1000)", 1),
    ("x ** -1001", {}, "too large", 1),
    ("((x * 1e20) ** 1000) ** 1000", {}, "number too large", 1),
    ("capaian(x, nol)", {}, "target is 0", 1),
    ("x < s2", {"s2": "a"}, "cannot compare these values: number 5, text 'a'", 1),
]


@pytest.mark.parametrize("text,env,words,column", RUNTIME, ids=[t for t, *_ in RUNTIME])
def test_runtime_errors(text, env, words, column):
    names = {**NAMES, **{k: ANY for k in env if k not in NAMES}}
    expr = compile_ok(text, names)
    with pytest.raises(ExprError) as info:
        expr({**ENV, **env})
    err = info.value
    assert words in err.message, err.message
    assert err.column == column, (err.column, err.message)
    assert err.expression == text and err.line == 1
    assert isinstance(err, EvalError)


def test_name_absent_from_the_record():
    expr = compile_ok("x + 1")
    with pytest.raises(ExprError, match="`x` is not in this record"):
        expr({})


def test_runtime_error_on_second_line():
    expr = compile_ok("x +\n  y / nol\n")
    with pytest.raises(ExprError) as info:
        expr(ENV)
    assert (info.value.line, info.value.column) == (2, 7)


def test_exact_literal_used_when_locating_a_failure():
    # the literal differs from x only beyond float precision: compiled and diagnosed alike
    expr = compile_ok("1 / (x - 0.1000000000000000000001)")
    with pytest.raises(ExprError) as info:
        expr({"x": D("0.1000000000000000000001")})
    assert info.value.message == "division by zero" and info.value.column == 6  # the divisor


# --- regressions: multi-line text (YAML block scalars) ------------------------------------------

MULTILINE = [
    ("1.5-2.25\n", D("-0.75")),  # was 3.75: the literal's position was shifted onto the minus sign
    ("2-1\n", D("1")),
    ("x -\n  0.10000000000000000000001\n", D("4.89999999999999999999999")),
    ("0.10000000000000000000001-\n0.1", D("1E-23")),
    ("x +\r  1.5\n", D("6.5")),
    ("x\r\r\r+1\n", D("6")),  # lone \r is a line break for Python: once an IndexError
    ("x *\r\n  2\r\n", D("10")),
    ("capaian(realisasi,\n        target,\n        120)\n", D("112.500")),
    ("# comment\nx  # trailing comment\n", D("5")),
]


@pytest.mark.parametrize("text,expected", MULTILINE, ids=[repr(t) for t, _ in MULTILINE])
def test_multiline_expressions(text, expected):
    run_table(text, expected)


def test_conjuncts_and_threshold_keep_exact_literals():
    expr = compile_ok("x > 1 and\n  y < 2.5000000000000000000001\n", condition=True)
    parts = expr.conjuncts()
    assert [p.text for p in parts] == ["x > 1", "y < 2.5000000000000000000001"]
    assert parts[1].threshold() == ("y", "<", D("2.5000000000000000000001"))
    assert parts[1]({"y": D("2.5")}) is True
    assert compile_ok("3.5 <= x").threshold() == ("x", ">=", D("3.5"))
    assert compile_ok("x + 1 > 2").threshold() is None


# --- the record is never written --------------------------------------------------------------


def test_evaluation_does_not_change_the_record():
    env = dict(ENV)
    before = dict(env)
    for text, _ in ARITHMETIC + COMPARISONS + MEMBERSHIP + CONDITIONALS:
        ev(text, env)
    assert env == before


# --- the `kinerja expr` command ---------------------------------------------------------------

def cli(*args, input=None):
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(main, ["expr", *args], input=input)
    assert "Traceback" not in result.stdout + result.stderr
    return result


CLI_VALUES = [
    # (arguments, printed value)
    (["round(3.125, 2)"], "3.13"),
    (["0.1 * 3 == 0.3"], "True"),
    (["1 / 3 * 3"], "0.9999999999999999999999999999"),
    (["100 / 10"], "10"),  # Decimal 1E+1 printed as plain text
    (["1e-25 * 1"], "0.0000000000000000000000001"),
    (["1e999999"], "1E+999999"),  # beyond plain-text range: scientific, not a million zeros
    (['"a" + "b"'], '"ab"'),
    (['"tab\\there"'], '"tab\\there"'),
    (["None"], "None"),
    (['date("2024-12-31")'], "2024-12-31"),
    (["--record", '{"r": 90, "t": 80}', "capaian(r, t, 120)"], "112.500"),
    (["--record", '{"x": 0.1}', "x * 3"], "0.3"),  # JSON numbers read exactly, as Decimal
    (["--record", '{"xs": [1, 2.50, 3]}', "sum(xs)"], "6.50"),  # JSON lists are lists
    (["--record", '{"xs": [1, 2.50, 3]}', "count(xs)"], "3"),
    (["--record", '{"p": "Baik", "n": 5}', 'p in ("Sangat Baik", "Baik") and n >= 4'], "True"),
    (["--record", '{"m": null}', "is_missing(m)"], "True"),
    (["--record", '{"m": null, "x": 2}', "coalesce(m, x) * 2"], "4"),
    (["--", "-1 + 2"], "1"),
]


@pytest.mark.parametrize("args,printed", CLI_VALUES, ids=[a[-1] for a, _ in CLI_VALUES])
def test_cli_prints_the_value(args, printed):
    result = cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed + "\n", "")


CLI_PROBLEMS = [
    # (arguments, stderr lines)
    (["x +"], ["error K301 at column 4: syntax error: invalid syntax"]),
    (["--record", '{"realisasi": 1}', "realisasii * 2"],
     ["error K302 at column 1: unknown name `realisasii`", 'hint: did you mean "realisasi"?']),
    (["rnd(1)"], ["error K303 at column 1: unknown function `rnd`", 'hint: did you mean "round"?']),
    (["x.__class__"], ["error K307 at column 1: attribute access (x.y) is not allowed"]),
    (["--record", '{"x": 5}', "x / (x - 5)"], ["error K406 at column 6: division by zero"]),
    (["--record", '{"x": null}', "x + 1"], ["error K406 at column 1: `x` is missing (empty) in this record"]),
    (["--record", '{"t": 0}', "capaian(1, t)"],
     ["error K406 at column 1: capaian(): target is 0, so capaian cannot be computed"]),
    (["1 +\n  (2 / 0)"], ["error K406 at line 2, column 8: division by zero"]),
    (['"""a\nb""" == zzz'], ["error K302 at line 2, column 9: unknown name `zzz`",
                              "hint: names must be declared fields, values or params"]),
]


@pytest.mark.parametrize("args,lines", CLI_PROBLEMS, ids=[a[-1] for a, _ in CLI_PROBLEMS])
def test_cli_reports_one_problem(args, lines):
    result = cli(*args)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == lines


def test_cli_reads_the_expression_from_stdin():
    result = cli("--record", '{"x": 2}', "-", input="x *\n  21\n")
    assert (result.exit_code, result.stdout) == (0, "42\n")


def test_cli_reads_the_record_from_a_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"realisasi": 90, "target": 80}', encoding="utf-8")
    result = cli("--record", f"@{path}", "capaian(realisasi, target)")
    assert (result.exit_code, result.stdout) == (0, "112.500\n")


@pytest.mark.parametrize("record,words", [
    ("@/nonexistent/record.json", "cannot read"),
    ("{not json", "not valid JSON"),
    ('{"x": NaN}', "NaN is not a number"),
    ("[1, 2]", "must be a JSON object"),
    ('"text"', "must be a JSON object"),
], ids=["missing-file", "bad-json", "nan", "list", "string"])
def test_cli_bad_record_is_a_usage_error(record, words):
    result = cli("--record", record, "1")
    assert result.exit_code == 2 and words in result.stderr and result.stdout == ""


def test_cli_bad_options_exit_2():
    assert cli().exit_code == 2  # no expression
    assert cli("--nope", "1").exit_code == 2
    assert cli("--policy", "/nonexistent/policy.yaml", "1").exit_code == 2


POLICY = """\
kinerja: 1
id: t
name: t
version: "1"
params:
  bobot: 0.6
fields:
  realisasi: {type: number, required: true}
  target: {type: number, required: true}
  predikat: {type: enum, values: [Baik, Butuh Perbaikan]}
values:
  nilai: capaian(realisasi, target, 120) * bobot
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


def test_cli_policy_names_without_record(policy):
    result = cli("--policy", policy, "bobot * 2")  # params only: evaluated
    assert (result.exit_code, result.stdout) == (0, "1.2\n")
    result = cli("--policy", policy, "nilai >= 80")  # needs a record: checked, type printed
    assert result.exit_code == 0 and result.stdout.startswith("ok: gives true/false")
    result = cli("--policy", policy, 'predikat == "Bagus"')
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ['error K306 at column 13: "Bagus" is not a label of `predikat`',
                                          'hint: did you mean "Baik"?']
    result = cli("--policy", policy, "nilaii")
    assert result.exit_code == 1 and result.stderr.startswith("error K302 at column 1: unknown name `nilaii`")


def test_cli_policy_with_record_evaluates_computed_values(policy):
    result = cli("--policy", policy, "--record", '{"realisasi": 90, "target": 80}', "nilai")
    assert (result.exit_code, result.stdout) == (0, "67.5\n")  # the policy rounds values to at most 2 places
    result = cli("--policy", policy, "--record", '{"realisasi": 90, "target": 80}', "nilai / bobot > 100")
    assert (result.exit_code, result.stdout) == (0, "True\n")
    result = cli("--policy", policy, "--record", '{"realisasi": 90, "target": 0}', "nilai")
    assert result.exit_code == 1 and result.stderr.startswith("error K406 in the record: nilai: capaian()")
    result = cli("--policy", policy, "--record", '{"target": 80}', "nilai")
    assert result.exit_code == 1 and "K401" in result.stderr and "realisasi" in result.stderr


def test_cli_policy_with_errors_is_a_usage_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(POLICY.replace("* bobot", "* bobott"), encoding="utf-8")
    result = cli("--policy", str(path), "1")
    assert result.exit_code == 2
    assert "error K302" in result.stderr and "has errors" in result.stderr
