"""Throughput of kinerja's compiled expressions against simpleeval and hand-written Python.

    python benchmarks/bench_expr.py [--records N] [--repeat R] [--check]

One realistic expression set, evaluated on the same N generated records (default 200,000):

    nilai      capaian(realisasi, target, 120) * 0.6 + capaian_terbalik(waktu, target_waktu) * 0.4
    layak_kp   predikat in ("Sangat Baik", "Baik") and tahun >= 4          (a condition)
    tunjangan  round(gaji * persen / 12, 2)

Approaches (all on Decimal values, all giving identical results, checked before timing):

    (a)  kinerja compiled   Expression.__call__ (what the engine runs)
    (a') kinerja lambda     Expression.fn, the generated lambda without the error wrapper
    (b)  simpleeval cached  SimpleEval.eval(text, previously_parsed=tree): parsed once
    (c)  simpleeval parse   SimpleEval.eval(text): parsed on every evaluation
    (d)  hand-written       the same logic as plain Python functions on Decimal

simpleeval gets kinerja's functions, `**`/`%` mapped to functions.f_pow/f_mod, tuples for `in`
and Decimal literals, as in tests/test_expr_differential.py. Targets: (a) at most 3x slower than
(d), and at least 5x faster than (b). With --check the script exits 1 when a target is missed.
Not collected by pytest (no test_ prefix, outside tests/).
"""

from __future__ import annotations

import argparse
import ast
import random
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import simpleeval

from kinerja.expr.functions import FUNCTIONS, f_mod, f_pow
from kinerja.expr.language import BOOL, NUMBER, compile_expression, enum

PREDIKAT = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang")

EXPRESSIONS = {
    "nilai": ("capaian(realisasi, target, 120) * 0.6 + capaian_terbalik(waktu, target_waktu) * 0.4", False),
    "layak_kp": ('predikat in ("Sangat Baik", "Baik") and tahun >= 4', True),
    "tunjangan": ("round(gaji * persen / 12, 2)", False),
}

TYPES = {"realisasi": NUMBER, "target": NUMBER, "waktu": NUMBER, "target_waktu": NUMBER,
         "predikat": enum(PREDIKAT), "tahun": NUMBER, "gaji": NUMBER, "persen": NUMBER, "aktif": BOOL}


def make_records(n: int, seed: int = 6_2022) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        out.append({
            "realisasi": Decimal(rnd.randrange(0, 15000)) / 100,
            "target": Decimal(rnd.randrange(5000, 15000)) / 100,
            "waktu": Decimal(rnd.randrange(1, 25)),
            "target_waktu": Decimal(rnd.randrange(6, 19)),
            "predikat": rnd.choice(PREDIKAT),
            "tahun": Decimal(rnd.randrange(0, 11)),
            "gaji": Decimal(rnd.randrange(2_000_000, 20_000_000, 1000)),
            "persen": Decimal(rnd.randrange(0, 10001)) / 100,
            "aktif": rnd.random() < 0.9,
        })
    return out


# --- (a) kinerja ----------------------------------------------------------------------------------


def kinerja_expressions():
    compiled = []
    for name, (text, condition) in EXPRESSIONS.items():
        expr, problems = compile_expression(text, TYPES, condition=condition)
        if problems:
            raise SystemExit(f"{name}: {problems}")
        compiled.append(expr)
    return compiled


def run_kinerja(records):
    e1, e2, e3 = kinerja_expressions()
    return [(e1(r), e2(r), e3(r)) for r in records]


def run_kinerja_lambda(records):
    f1, f2, f3 = (e.fn for e in kinerja_expressions())
    return [(f1(r), f2(r), f3(r)) for r in records]


# --- (b), (c) simpleeval --------------------------------------------------------------------------


class Reference(simpleeval.SimpleEval):
    def __init__(self):
        operators = dict(simpleeval.DEFAULT_OPERATORS)
        operators[ast.Pow] = f_pow
        operators[ast.Mod] = f_mod
        super().__init__(operators=operators, functions={n: f.impl for n, f in FUNCTIONS.items()}, names={})
        self.nodes[ast.Tuple] = self.nodes[ast.List] = lambda node: tuple(self._eval(e) for e in node.elts)

    @staticmethod
    def _eval_constant(node):
        v = node.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
        return v


def run_simpleeval_cached(records):
    s = Reference()
    items = [(text, s.parse(text)) for text, _ in EXPRESSIONS.values()]
    (t1, p1), (t2, p2), (t3, p3) = items
    out = []
    for r in records:
        s.names = r
        out.append((s.eval(t1, p1), s.eval(t2, p2), s.eval(t3, p3)))
    return out


def run_simpleeval_parse(records):
    s = Reference()
    t1, t2, t3 = (text for text, _ in EXPRESSIONS.values())
    out = []
    for r in records:
        s.names = r
        out.append((s.eval(t1), s.eval(t2), s.eval(t3)))
    return out


# --- (d) hand-written -----------------------------------------------------------------------------

_C120, _C06, _C04, _C100, _C2, _C4, _C12 = (Decimal(x) for x in ("120", "0.6", "0.4", "100", "2", "4", "12"))
_Q2 = Decimal("0.01")
_GOOD = ("Sangat Baik", "Baik")


def _nilai(r):
    t = r["target"]
    if t == 0:
        raise ZeroDivisionError("target is 0")
    tw = r["target_waktu"]
    if tw == 0:
        raise ZeroDivisionError("target is 0")
    return min(r["realisasi"] / t * _C100, _C120) * _C06 + (_C2 - r["waktu"] / tw) * _C100 * _C04


def _layak(r):
    return r["predikat"] in _GOOD and r["tahun"] >= _C4


def _tunjangan(r):
    return (r["gaji"] * r["persen"] / _C12).quantize(_Q2, rounding=ROUND_HALF_UP)


def run_hand(records):
    return [(_nilai(r), _layak(r), _tunjangan(r)) for r in records]


APPROACHES: dict[str, tuple[str, Callable]] = {
    "a": ("kinerja compiled", run_kinerja),
    "a'": ("kinerja lambda (no wrapper)", run_kinerja_lambda),
    "b": ("simpleeval, cached parse", run_simpleeval_cached),
    "c": ("simpleeval, parse each time", run_simpleeval_parse),
    "d": ("hand-written Python", run_hand),
}


def timed(fn, records, repeat: int) -> float:
    """Best CPU time (process_time) of R runs: steadier than wall time on a shared machine."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn(records)
        best = min(best, time.process_time() - start)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=200_000, help="number of records (default 200000)")
    ap.add_argument("--repeat", type=int, default=1, help="best of R runs per approach (default 1)")
    ap.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = ap.parse_args(argv)
    if args.records < 1 or args.repeat < 1:
        ap.error("--records and --repeat must be at least 1")

    records = make_records(args.records)
    sample = records[:2000]
    expected = run_hand(sample)
    for key, (label, fn) in APPROACHES.items():
        got = fn(sample)
        bad = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b or type(a[1]) is not type(b[1])]
        if bad:
            print(f"({key}) {label} disagrees with hand-written Python at record {bad[0]}: "
                  f"{got[bad[0]]} != {expected[bad[0]]}", file=sys.stderr)
            return 2

    n_evals = len(records) * len(EXPRESSIONS)
    seconds = {key: timed(fn, records, args.repeat) for key, (_, fn) in APPROACHES.items()}
    rate = {key: n_evals / s for key, s in seconds.items()}

    print(f"{len(records):,} records x {len(EXPRESSIONS)} expressions = {n_evals:,} evaluations"
          f" (Python {sys.version.split()[0]}, simpleeval {_version('simpleeval')}, best of {args.repeat})")
    print(f"{'approach':<34} {'CPU s':>9} {'evals/s':>13} {'vs (a)':>8}")
    for key, (label, _) in APPROACHES.items():
        print(f"({key}) {label:<{30 - len(key)}} {seconds[key]:>9.3f} {rate[key]:>13,.0f} "
              f"{seconds[key] / seconds['a']:>7.2f}x")
    slower_than_hand = seconds["a"] / seconds["d"]
    faster_than_cached = seconds["b"] / seconds["a"]
    faster_than_parse = seconds["c"] / seconds["a"]
    ok_hand, ok_cached = slower_than_hand <= 3.0, faster_than_cached >= 5.0
    print(f"compiled vs hand-written:         {slower_than_hand:.2f}x the time   (target <= 3x)  "
          f"{'ok' if ok_hand else 'MISSED'}")
    print(f"compiled vs simpleeval (cached):  {faster_than_cached:.2f}x faster     (target >= 5x)  "
          f"{'ok' if ok_cached else 'MISSED'}")
    print(f"compiled vs simpleeval (parsing): {faster_than_parse:.2f}x faster")
    if args.check and not (ok_hand and ok_cached):
        return 1
    return 0


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
