"""Differential test: kinerja's compiled expressions against simpleeval, the reference semantics.

Random well-typed expressions over a few number / text / true-false / date names are evaluated
three ways on the same Decimal record:

* kinerja, compiled (`Expression.fn`, the generated lambda, so the raw exception is visible;
  the public `Expression.__call__` is checked to turn every failure into an ExprError);
* simpleeval 1.0.8, with kinerja's functions and `**` / `%` mapped to `functions.f_pow` /
  `functions.f_mod` (the language's bounded power and numbers-only modulo), tuples for `in`, and
  number literals read as Decimal;
* kinerja's step-by-step interpreter (the one `ExprError` uses to locate a failure), which must
  agree with the compiled form, or error columns would point at the wrong part.

Results must be identical (same type, same value, and for Decimal the same digits), or all must
fail in the same class. Failure classes (`failure_class`):

    missing     a missing value reached an operator or function: TypeError mentioning NoneType,
                or EvalError saying "… is missing"
    arithmetic  ArithmeticError: ZeroDivisionError, decimal.DivisionByZero / InvalidOperation /
                Overflow (x / 0, 0 / 0, x % 0, (-8) ** 0.5, 1e999999 * 10)
    type        TypeError not caused by a missing value, or EvalError "must be a number" /
                "works on numbers"
    eval        any other EvalError from the function library or the bounded operators
                (capaian target 0, avg of nothing, round places out of range, exponent above
                1000): both sides call the very same function, so the message must match too
    reference   a simpleeval-only exception (InvalidExpression…): never expected

Corpus: a fixed seed corpus of 2,400 generated expressions (each on two records), plus a
hypothesis search (`max_examples` below). Whole file < 20 s.
"""

from __future__ import annotations

import ast
import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
import simpleeval
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.expr import diagnose as kdiag
from kinerja.expr.functions import FUNCTIONS, EvalError, f_mod, f_pow
from kinerja.expr.language import BOOL, DATE, NUMBER, STRING, ExprError, compile_expression

NAMES = {"n1": NUMBER, "n2": NUMBER, "n3": NUMBER, "s1": STRING, "s2": STRING, "b1": BOOL, "b2": BOOL,
         "d1": DATE}

NUMBER_VALUES = [D(v) for v in ("0", "1", "-1", "2", "2.5", "0.1", "3.125", "-7", "80", "100", "120",
                                "0.001", "12345.678", "-0.5", "1000000")]
TEXT_VALUES = ["", " ", "a", "Baik", "Sangat Baik", "Butuh Perbaikan"]
DATE_VALUES = [dt.date(2000, 2, 29), dt.date(1985, 12, 31), dt.date(2024, 6, 30)]

# literals written so that simpleeval's float reading (Decimal(repr(float))) is the same Decimal,
# same digits, as kinerja's exact reading of the text
NUMBER_LITERALS = ["0", "1", "2", "3", "4", "10", "12", "100", "120", "1000", "0.5", "0.1", "2.5", "0.25",
                   "3.125", "2.675", "0.6", "0.4", "99.99"]
assert all(str(D(repr(float(t)))) == str(D(t)) or "." not in t for t in NUMBER_LITERALS)
TEXT_LITERALS = ['"Baik"', '"Sangat Baik"', '"a"', '""', '"Butuh Perbaikan"']
DATE_LITERALS = ['date("2024-12-31")', 'date("2000-01-01")', 'date("2023-02-28")']


# --- the expression generator ------------------------------------------------------------------


class Gen:
    """Builds a random well-typed expression; `pick` and `num` are the only sources of choice,
    so the same generator runs on random.Random (seed corpus) or hypothesis draws (shrinkable)."""

    def __init__(self, pick: Callable[[list], Any], num: Callable[[int, int], int]):
        self.pick, self.num = pick, num
        self.used: set[str] = set()

    def number(self, depth: int) -> str:
        if depth <= 0:
            return self.pick([lambda: self.pick(NUMBER_LITERALS), lambda: self.pick(["n1", "n2", "n3"])])()
        d = depth - 1
        options = [
            lambda: self.pick(NUMBER_LITERALS),
            lambda: self.pick(["n1", "n2", "n3"]),
            lambda: f"({self.number(d)} {self.pick(['+', '-', '*', '/', '//', '%'])} {self.number(d)})",
            lambda: f"({self.number(d)} ** {self.pick(['0', '1', '2', '3', '0.5', '-1', '1001'])})",
            lambda: f"{self.pick(['-', '+'])}{self.number(d)}",
            lambda: f"({self.number(d)} if {self.boolean(d)} else {self.number(d)})",
            lambda: self.call(d),
        ]
        return self.pick(options[2:] if depth >= 2 else options)()

    def call(self, d: int) -> str:
        n = self.number
        name = self.pick(sorted(set(FUNCTIONS) - {"is_missing", "date"}))
        self.used.add(name)
        if name in ("min", "max", "sum", "avg", "avg_present", "count"):
            k = self.num(1, 3)
            args = [n(d) if name != "avg_present" or self.num(0, 3) else "None" for _ in range(k)]
            return f"{name}({', '.join(args)})"
        if name in ("abs", "floor", "ceil"):
            return f"{name}({n(d)})"
        if name == "round":
            return self.pick([lambda: f"round({n(d)})",
                              lambda: f"round({n(d)}, {self.pick(['0', '1', '2', '3', '13', '0.5'])})"])()
        if name == "clamp":
            return f"clamp({n(d)}, {self.pick(NUMBER_LITERALS)}, {self.pick(NUMBER_LITERALS)})"
        if name in ("capaian", "capaian_terbalik"):
            return self.pick([lambda: f"{name}({n(d)}, {n(d)})",
                              lambda: f"{name}({n(d)}, {n(d)}, {self.pick(NUMBER_LITERALS)})",
                              lambda: f"{name}({n(d)}, {n(d)}, cap={self.pick(NUMBER_LITERALS)})"])()
        if name == "count_true":
            return f"count_true({', '.join(self.boolean(d) for _ in range(self.num(1, 3)))})"
        if name in ("years_between", "months_between"):
            self.used.add("date")
            a, b = self.pick(["d1", *DATE_LITERALS]), self.pick(["d1", *DATE_LITERALS])
            return f"{name}({a}, {b})"
        if name == "coalesce":  # type `any`: the operators around it take the checked path
            return f"(coalesce({self.pick(['n1', 'n2', 'None'])}, {n(d)}) {self.pick(['+', '-', '*'])} {n(d)})"
        raise AssertionError(name)

    def text(self, depth: int) -> str:
        if depth <= 0:
            return self.pick(["s1", "s2", *TEXT_LITERALS])
        d = depth - 1
        options = [
            lambda: self.pick(["s1", "s2", *TEXT_LITERALS]),
            lambda: f"({self.text(d)} + {self.text(d)})",
            lambda: f"({self.text(d)} if {self.boolean(d)} else {self.text(d)})",
        ]
        return self.pick(options[1:] if depth >= 2 else options)()

    def boolean(self, depth: int) -> str:
        if depth <= 0:
            return self.pick(["b1", "b2", "True", "False"])
        d = depth - 1
        cmp = ["<", "<=", ">", ">=", "==", "!="]
        options = [
            lambda: self.pick(["b1", "b2", "True", "False"]),
            lambda: f"({self.number(d)} {self.pick(cmp)} {self.number(d)})",
            lambda: f"({self.number(d)} {self.pick(cmp)} {self.number(d)} {self.pick(cmp)} {self.number(d)})",
            lambda: f"({self.text(d)} {self.pick(cmp)} {self.text(d)})",
            lambda: f"({self.text(d)} {self.pick(['in', 'not in'])} ({', '.join(TEXT_LITERALS[:self.num(1, 4)])},))",
            lambda: f"({self.number(d)} {self.pick(['in', 'not in'])} ({self.pick(NUMBER_LITERALS)}, "
                    f"{self.pick(NUMBER_LITERALS)}))",
            lambda: f"(not {self.boolean(d)})",
            lambda: f"({self.boolean(d)} {self.pick(['and', 'or'])} {self.boolean(d)})",
            lambda: f"is_missing({self.pick(['n1', 's1', 'b1', 'd1'])})",
            lambda: f"(d1 {self.pick(cmp)} {self.pick(DATE_LITERALS)})",
        ]
        return self.pick(options[1:] if depth >= 2 else options)()

    def any(self, depth: int) -> str:
        kind = self.pick(["number", "number", "number", "boolean", "text"])
        return getattr(self, kind)(depth)


def seeded(seed: int) -> Gen:
    rnd = random.Random(seed)
    return Gen(lambda seq: seq[rnd.randrange(len(seq))], rnd.randint)


def record(rnd: random.Random) -> dict[str, Any]:
    missing = rnd.random() < 0.15  # sometimes one value is missing
    env: dict[str, Any] = {
        "n1": rnd.choice(NUMBER_VALUES), "n2": rnd.choice(NUMBER_VALUES), "n3": rnd.choice(NUMBER_VALUES),
        "s1": rnd.choice(TEXT_VALUES), "s2": rnd.choice(TEXT_VALUES),
        "b1": rnd.random() < 0.5, "b2": rnd.random() < 0.5, "d1": rnd.choice(DATE_VALUES),
    }
    if missing:
        env[rnd.choice(sorted(env))] = None
    return env


# --- the reference: simpleeval -----------------------------------------------------------------


class Reference(simpleeval.SimpleEval):
    """simpleeval with kinerja's functions, bounded ** and numbers-only %, Decimal literals,
    and tuples / lists (only ever after `in`)."""

    def __init__(self):
        operators = dict(simpleeval.DEFAULT_OPERATORS)
        operators[ast.Pow] = f_pow
        operators[ast.Mod] = f_mod
        super().__init__(operators=operators, functions={name: f.impl for name, f in FUNCTIONS.items()},
                         names={})
        self.nodes[ast.Tuple] = self.nodes[ast.List] = lambda node: tuple(self._eval(e) for e in node.elts)

    @staticmethod
    def _eval_constant(node):
        v = node.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return D(repr(v)) if isinstance(v, float) else D(v)
        return v

    def run(self, text: str, parsed: ast.AST, env: dict[str, Any]):
        self.names = env
        return self.eval(text, previously_parsed=parsed)


def failure_class(exc: BaseException) -> str:
    message = str(exc)
    if isinstance(exc, simpleeval.InvalidExpression):
        return f"reference: {type(exc).__name__}: {message}"
    if isinstance(exc, EvalError):
        if "missing" in message:
            return "missing"
        if "must be a number" in message or "works on numbers" in message:
            return "type"
        return f"eval: {message}"
    if isinstance(exc, TypeError):
        return "missing" if "NoneType" in message else "type"
    if isinstance(exc, ArithmeticError):
        return "arithmetic"
    return f"unexpected: {type(exc).__name__}: {message}"


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "value", fn()
    except Exception as exc:
        return "error", failure_class(exc)


def identical(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, D):
        return a == b and str(a) == str(b)
    return a == b


REFERENCE = Reference()


def compare(text: str, envs: list[dict[str, Any]]) -> list[str]:
    """Mismatch descriptions (empty when kinerja, simpleeval and the interpreter agree)."""
    expr, problems = compile_expression(text, NAMES)
    if problems:
        return [f"{text!r}: generated expression rejected: {problems}"]
    parsed = REFERENCE.parse(text)
    out = []
    for env in envs:
        ours = outcome(lambda env=env: expr.fn(env))
        ref = outcome(lambda env=env: REFERENCE.run(text, parsed, env))
        steps = outcome(lambda env=env: kdiag._step(expr.tree.body, env))
        if ours[0] == "value":
            ok = ref[0] == "value" and identical(ours[1], ref[1])
            ok = ok and steps[0] == "value" and identical(ours[1], steps[1])
            if ok and expr.type.kind == "bool":
                ok = ours[1] is None or isinstance(ours[1], bool)  # True/False (or a missing name)
            if ok and expr.type.kind == "number":
                ok = ours[1] is None or isinstance(ours[1], D)  # never an int or a float
        else:
            ok = ref == ours and steps[0] == "error"
            try:  # the public call must turn every failure into a located ExprError
                expr(env)
                ok = False
            except ExprError as exc:
                ok = ok and exc.column >= 1 and bool(exc.message)
        if not ok:
            out.append(f"{text!r} on {env}: kinerja {ours}, simpleeval {ref}, interpreter {steps}")
    return out


# --- the fixed seed corpus ---------------------------------------------------------------------

CORPUS_SIZE, BLOCKS = 2400, 24
PER_BLOCK = CORPUS_SIZE // BLOCKS


def corpus_block(block: int) -> list[tuple[str, list[dict]]]:
    cases = []
    for i in range(block * PER_BLOCK, (block + 1) * PER_BLOCK):
        gen = seeded(20240601 + i)
        text = gen.any(2 + i % 3)
        rnd = random.Random(i)
        cases.append((text, [record(rnd), record(rnd)]))
    return cases


@pytest.mark.parametrize("block", range(BLOCKS), ids=[f"seeds-{b * PER_BLOCK}-{(b + 1) * PER_BLOCK - 1}"
                                                      for b in range(BLOCKS)])
def test_seed_corpus(block):
    mismatches = [m for text, envs in corpus_block(block) for m in compare(text, envs)]
    assert not mismatches, "\n".join(mismatches[:10])


def test_seed_corpus_is_broad():
    """The corpus reaches every function and both outcomes, so agreement means something."""
    used: set[str] = set()
    texts = set()
    failures = values = 0
    for i in range(CORPUS_SIZE):
        gen = seeded(20240601 + i)
        text = gen.any(2 + i % 3)
        used |= gen.used
        texts.add(text)
    assert used == set(FUNCTIONS) - {"is_missing"}
    assert len(texts) > CORPUS_SIZE * 0.9  # mostly distinct
    for text, envs in corpus_block(0) + corpus_block(1):
        expr, _ = compile_expression(text, NAMES)
        for env in envs:
            kind, _ = outcome(lambda expr=expr, env=env: expr.fn(env))
            failures += kind == "error"
            values += kind == "value"
    assert failures >= 10 and values >= 100


# --- hypothesis ---------------------------------------------------------------------------------

SCALARS = {"number": st.sampled_from(NUMBER_VALUES), "text": st.sampled_from(TEXT_VALUES),
           "bool": st.booleans(), "date": st.sampled_from(DATE_VALUES)}


@st.composite
def expressions(draw):
    gen = Gen(lambda seq: draw(st.sampled_from(seq)), lambda a, b: draw(st.integers(a, b)))
    return gen.any(draw(st.integers(0, 4)))


@st.composite
def records(draw):
    kinds = {"n1": "number", "n2": "number", "n3": "number", "s1": "text", "s2": "text", "b1": "bool",
             "b2": "bool", "d1": "date"}
    return {name: draw(st.one_of(st.none(), SCALARS[kind]) if draw(st.integers(0, 9)) == 0 else SCALARS[kind])
            for name, kind in kinds.items()}


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.lists(records(), min_size=1, max_size=3))
def test_hypothesis_against_simpleeval(text, envs):
    mismatches = compare(text, envs)
    assert not mismatches, "\n".join(mismatches)


# --- hand-picked cases the generator may miss ----------------------------------------------------

EXPLICIT = [
    "0.1 * 3", "1 / 3 * 3", "round(2.675, 2)", "round(3.125, 2)", "-7 % 3", "-7 // 2", "2 ** 0.5",
    "(-8) ** 0.5", "2 ** 1001", "10 ** 1000 * 10 ** 1000", "n1 / 0", "0 / 0", "n1 % 0",
    "capaian(n1, 0)", "avg_present(None, None)", "round(n1, 13)", "clamp(1, 3, 0)", "min(n1)",
    '"Baik" if n1 > 2 else "Butuh Perbaikan"', "n1 < n2 < n3", "s1 in (\"a\", \"Baik\")",
    "coalesce(None, n1) * 2", "coalesce(None, None) + 1", "-coalesce(n1, 1)", "count_true(b1, b2, n1 > 0)",
    "years_between(d1, date(\"2024-12-31\"))", "months_between(date(\"2024-12-31\"), d1)", "n1 if b1 else None",
]


@pytest.mark.parametrize("text", EXPLICIT)
def test_explicit_cases(text):
    envs = [{"n1": D("5"), "n2": D("2.5"), "n3": D("0"), "s1": "Baik", "s2": "", "b1": True, "b2": False,
             "d1": dt.date(2000, 2, 29)},
            {"n1": None, "n2": D("-1"), "n3": D("7"), "s1": None, "s2": "a", "b1": False, "b2": None, "d1": None}]
    mismatches = compare(text, envs)
    assert not mismatches, "\n".join(mismatches)
