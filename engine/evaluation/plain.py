"""The plain path of `Evaluator.evaluate_coerced` written out once per policy as one function:
exclusions, every node inline in its order, the rule loop, the outputs and the Result.

Each node's common case runs inline: a decision table is one dict lookup on its inputs (its
finite `lookup` and the answers met before), a band a chain of comparisons, a value its compiled
closure and rounder. Anything else (an exception, a value of an unusual kind, a table row not
met before, a scorecard, an `each` value) calls the node's own `compute` at that point, which
decides exactly as the generic loop would, error message and all: every node reads the env and
writes only its own outputs, so computing it again from the same env gives the same answer.
The action of a rule that fires is written out too (`_action`, from `Rule.action_plan`): the
same dict as `Rule.action`, which the generic path (`firing`) keeps calling.

The generated text holds only indices, Python's own repr of a name (a str: a literal, never
code) and fixed text; every object of the policy (closures, tables, labels, bounds) is passed in
through the namespace. The conditions and values run inline as their own compiled tree (the one
their closure was compiled from, `Expression.inline`), joined to the parsed tree of that text:
nothing a policy says is ever parsed as code here. tests/test_evaluate_fast.py holds this path
to the generic one (`Evaluator.evaluate_generic`) on every shipped policy and on drawn records.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from decimal import Decimal
from typing import Any

from kinerja.expr.functions import EvalError
from kinerja.expr.language import Expression
from kinerja.limits import MAX_TEXT
from kinerja.model import Band, NodeError, NumberLimit, Table, Value, keep, make_rounder, run, show_rounded
from kinerja.model.rules import NOT_ROUNDED
from kinerja.records.inline import compile_inlined
from kinerja.values import format_value

_MISS = object()  # generated code: the fast path saw something unusual; the node's compute decides
_ROUNDER = make_rounder(0).__code__  # the code every rounder of `make_rounder` shares
_REMEMBER = 4096  # table answers met on the plain path (text or nothing as inputs), at most, per table


class _Code:
    """Lines of generated code, the namespace of the objects it refers to (by index), and the
    expressions to run inline where the code calls `symbol(e)`."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"__builtins__": {}, "Exception": Exception, "str": str, "Decimal": Decimal,
                                          "MISS": _MISS, "NodeError": NodeError, "EvalError": EvalError}
        self.inline: dict[str, Expression] = {}

    def add(self, indent: int, *lines: str) -> None:
        self.lines.extend("    " * indent + line for line in lines)

    def ref(self, name: str, value: Any) -> str:
        self.namespace[name] = value
        return name

    def name(self, name: Any) -> str:
        """A name in generated code: Python's repr of an exact str (a literal, never code);
        anything else (a policy built by hand) joins the namespace like any other object."""
        if type(name) is str:
            return repr(name)
        return self.ref(f"NAME{len(self.namespace)}", name)

    def expr(self, name: str, expression: Expression) -> str:
        """`name(e)` in the code runs `expression` (inline where it can, see records/inline.py)."""
        self.inline[name] = expression
        return self.ref(name, expression.fn)

    def compile(self, name: str) -> Callable:
        # indices, repr'd names, fixed text; each `symbol(e)` of an expression inline (records/inline.py)
        compile_inlined("\n".join(self.lines), self.inline, self.namespace, "e", "<kinerja plain path>")
        return self.namespace[name]


def firing(plan: list, not_in_period: set) -> Callable[[dict, bool], list]:
    """`fire(env, period_row)`: the actions of the rules in `plan` that fire on an env, as one
    function written out for the policy; on a period row the rules in `not_in_period` are left
    out. Each rule's compiled conditions run in turn while they give True; a condition that
    raises or gives anything but True/False takes the checking path (`Rule.fires`, which says
    what failed), exactly as a loop over the conditions would."""
    code = _Code()
    code.add(0, "def fire(e, period_row):")
    _rule_loop(code, 1, plan, not_in_period, "period_row", inline=False)  # (the generic path: `Rule.action`)
    code.add(1, "return actions")
    return code.compile("fire")


def _rule_loop(code: _Code, indent: int, plan: list, not_in_period: set, period_row: str, inline: bool = True) -> None:
    """Lines that leave in `actions` the actions of the rules in `plan` that fire on `e`;
    `inline`: each action written out (`_action`), else made by `Rule.action`."""
    code.add(indent, "actions = []", "add = actions.append")
    for i, (rule, conditions) in enumerate(plan):
        code.ref(f"A{i}", rule.action)
        code.ref(f"F{i}", rule.fires)
        action = _action(code, i, rule) if inline else [f"add(A{i}(e))"]
        block = action if not conditions else ["try:", f"    h = C{i}_0(e)"]
        for j, condition in enumerate(rule.when):  # `conditions`: their closures
            code.expr(f"C{i}_{j}", condition)
            if j:
                block.append(f"    if h is True: h = C{i}_{j}(e)")
        if conditions:
            block += ["except Exception:", "    h = None", "if h is True:", *("    " + line for line in action),
                      f"elif h is not False and F{i}(e):", f"    add(A{i}(e))"]
        if rule.id in not_in_period:
            code.add(indent, f"if not {period_row}:")
            code.add(indent + 1, *block)
        else:
            code.add(indent, *block)


def _action(code: _Code, i: int, rule: Any) -> list[str]:
    """Lines that add the action of rule i (it fired) to `actions`: `Rule.action` written out
    from its plan, the same dict, value for value and key for key, and the same errors (a param
    that fails re-runs through `run`, which says what failed). A reason shown rounded (exact
    mode) asks `Rule.action` itself."""
    head, params, reason, shown = rule.action_plan
    if shown:
        return [f"add(A{i}(e))"]
    ns = code.namespace
    ns.update(NOTNUM=NOT_ROUNDED, NumberLimit=NumberLimit, FMT=format_value, MAXT=MAX_TEXT, len=len)
    code.ref(f"AH{i}", head)
    code.ref(f"AID{i}", rule.id)
    code.ref(f"ARND{i}", rule.round)
    lines = [f"o = AH{i}.copy()"]
    for j, (name, _fn, expr, where) in enumerate(params):
        code.expr(f"AP{i}_{j}", expr)
        code.ref(f"AR{i}_{j}", _rerun(expr, rule.id, where))
        code.ref(f"AW{i}_{j}", where)
        lines += ["try:", f"    h = AP{i}_{j}(e)", "except Exception:", f"    h = AR{i}_{j}(e)",
                  "if h.__class__ not in NOTNUM:", "    try:", f"        h = ARND{i}(h)",
                  "    except NumberLimit as exc:",
                  f"        raise NodeError('rule', AID{i}, exc, AW{i}_{j}) from None", f"o[{code.name(name)}] = h"]
    if reason is None:
        code.ref(f"ALB{i}", rule.label or rule.id)
        return [*lines, f"o['reason'] = ALB{i}", "add(o)"]
    first, holes = reason
    pieces = [code.ref(f"AT{i}_0", first)] if first else []
    for k, (name, is_param, text) in enumerate(holes):
        lines.append(f"h = o[{code.name(name)}]" if is_param else f"h = e.get({code.name(name)})")
        # format_value, its common classes inline
        lines.append(f"s{k} = h if (c := h.__class__) is str else "
                     "(t if 'E' not in (t := str(h)) else FMT(h)) if c is Decimal else FMT(h)")
        pieces.append(f"s{k}")
        if text:
            pieces.append(code.ref(f"AT{i}_{k + 1}", text))
    code.ref(f"ATL{i}", rule.too_long)
    return [*lines, f"t = ''.join(({', '.join(pieces)},))", f"if len(t) > MAXT: ATL{i}(t)", "o['reason'] = t",
            "add(o)"]


def _rerun(expr: Any, rule_id: str, where: str) -> Callable[[dict], Any]:
    """A param's value through the checking path (`run`), which says what failed."""
    return lambda env: run(expr, env, "rule", rule_id, where)


def plain_path(ev: Any, result: type, nip_of: Callable, failed: Callable) -> Callable[..., Any]:
    """`plain(source, values, problems, fixed=None)`: what `ev.evaluate_generic` gives, as one
    function written out for the evaluator's policy (with `fixed` outputs it asks
    `evaluate_generic` itself). `result` is the
    Result class, `nip_of` the NIP of a raw record, `failed(source, nip, env, exc)` the error
    result of a node or rule that failed."""
    code = _Code()
    ns = code.namespace
    ns.update(Result=result, nip_of=nip_of, FAILED=failed, EXCLUDED=ev.excluded, GENERIC=ev.evaluate_generic)
    env = "e" if ev.keep_env else "None"
    code.add(0, "def plain(source, e, problems, fixed=None):")
    code.add(1, "if fixed:", "    return GENERIC(source, e, problems, fixed)")
    code.add(1, "raw = source.data", "nip = e.get('nip')", "if nip.__class__ is not str:", "    nip = nip_of(raw)")
    if ev.exclusions:
        _exclusions(code, ev.exclusions, env)
    code.add(1, "if problems:",
             "    return Result(source.row, 'error', nip, {}, [], [p.as_dict() for p in problems], None, "
             "source.where, raw)")
    code.add(1, "try:")
    for i, node in enumerate(ev.nodes):
        _node(code, i, node)
    in_period = {rule.id for rule, _conditions in ev.period_plan}
    not_in_period = {rule.id for rule, _conditions in ev.rules_plan} - in_period
    if not_in_period:
        code.add(2, f"period_row = e.get({code.name(ev.period_field)}) is not None")
    _rule_loop(code, 2, ev.rules_plan, not_in_period, "period_row")
    code.add(1, "except EvalError as exc:", "    return FAILED(source, nip, e, exc)")
    outputs = ", ".join(f"{code.name(name)}: e[{code.name(name)}]" for name in ev.outputs)
    code.add(1, f"outputs = {{{outputs}}}")
    for i, (name, rounder) in enumerate(ev.shown.items()):  # `intermediates: exact`: round where shown
        if name in ev.outputs:
            code.ref(f"SHOWN{i}", rounder)
            code.add(1, f"outputs[{code.name(name)}] = show_rounded(SHOWN{i}, outputs[{code.name(name)}])")
    ns["show_rounded"] = show_rounded
    code.add(1, f"return Result(source.row, 'ok', nip, outputs, actions, [], {env}, source.where, raw)")
    return code.compile("plain")


def _exclusions(code: _Code, rules: list, env: str) -> None:
    """A record no exclusion rule can take out (each rule's conditions give False, cleanly) goes
    on; any other asks `Evaluator.excluded`, which decides as the generic path does."""
    code.add(1, "x = False", "try:")
    for i, rule in enumerate(rules):
        if not rule.when:
            code.add(2, "x = True")
            continue
        for j, condition in enumerate(rule.when):
            code.expr(f"X{i}_{j}", condition)
            code.add(2, f"h = X{i}_{j}(e)" if not j else f"if h is True: h = X{i}_{j}(e)")
        code.add(2, "if h is not False: x = True")
    code.add(1, "except Exception:", "    x = True", "if x:", "    excluded = EXCLUDED(e)",
             "    if excluded is not None:",
             f"        return Result(source.row, 'excluded', nip, {{}}, [excluded], [], {env}, source.where, raw)")


def _node(code: _Code, i: int, node: Any) -> None:
    compute = code.ref(f"N{i}", node.compute)
    if isinstance(node, Table):
        _table(code, i, node)
    elif isinstance(node, Band) and node.round is None:
        _band(code, i, node)
    elif isinstance(node, Value) and node.each is None:
        _value(code, i, node)
    else:  # a scorecard, an `each` value, a band that rounds its input: the node itself
        code.add(2, f"{compute}(e)")


def _table(code: _Code, i: int, table: Table) -> None:
    """One dict lookup on the inputs; on a miss the table computes and, for inputs of text or
    nothing (a pure function of them, compared only by ==), its answer is remembered."""
    known = dict(table.lookup or {})
    for key, output in (table.__dict__.get("_seen") or {}).items():
        known.setdefault(key, output)
    single = len(table.inputs) == 1
    answers = {k[0]: v for k, v in known.items()} if single else known
    code.ref(f"T{i}", answers)
    code.ref(f"M{i}", _table_miss(table, answers, single, len(answers) + _REMEMBER))
    key = ", ".join(f"e[{code.name(n)}]" for n in table.inputs)
    # a finite lookup nearly always answers (subscript, the quickest); without one, `get` (a
    # miss raises nothing)
    look = f"T{i}[{key}]" if table.lookup is not None else f"T{i}.get({key if single else f'({key})'}, MISS)"
    code.add(2, "try:", f"    h = {look}", "except Exception:", "    h = MISS",
             "if h is MISS:", f"    h = M{i}(e)", f"e[{code.name(table.name)}] = h")


def _table_miss(table: Table, answers: dict, single: bool, limit: int) -> Callable[[dict], Any]:
    name, inputs = table.name, table.inputs

    def miss(env: dict) -> Any:
        table.compute(env)  # decides (or raises) exactly as the generic path
        output = env[name]
        key = tuple([env.get(n) for n in inputs])
        # the same answer for every key equal to this one: inputs of text or nothing (compared
        # only by ==), or an empty input (nothing, unless the finite lookup, checked first, says)
        if len(answers) < limit and (all(v is None or v.__class__ is str for v in key)
                                     or any(v is None for v in key)):
            with suppress(TypeError):  # an input that cannot be a key
                answers[key[0] if single else key] = output
        return output

    return miss


def _band(code: _Code, i: int, band: Band) -> None:
    """The bands (sorted by min, descending) as a chain of comparisons on a Decimal input."""
    name = code.name(band.name)
    code.add(2, f"h = e.get({code.name(band.input)})", "if h is None:", f"    e[{name}] = None", "else:")
    code.add(3, "if h.__class__ is Decimal:", "    try:")
    for j, entry in enumerate(band.bands):
        code.ref(f"B{i}_{j}", entry.min)
        code.ref(f"L{i}_{j}", entry.label)
        code.add(5, f"{'if' if not j else 'elif'} not h < B{i}_{j}:")
        if entry.upper is not None:
            code.ref(f"U{i}_{j}", entry.upper)
            code.add(6, f"h = MISS if h {'>' if entry.inclusive else '>='} U{i}_{j} else L{i}_{j}")
        else:
            code.add(6, f"h = L{i}_{j}")
    code.add(5, *(["else:", "    h = MISS"] if band.bands else ["h = MISS"]))
    code.add(4, "except Exception:", "    h = MISS")
    code.add(3, "else:", "    h = MISS", "if h is MISS:", f"    N{i}(e)", "else:", f"    e[{name}] = h")


def _value(code: _Code, i: int, value: Value) -> None:
    """The `when` conditions, then the closure and the rounder; anything but True/False from a
    condition, or any exception, and the value computes itself."""
    name = code.name(value.name)
    code.expr(f"V{i}", value.expr)
    code.ref(f"R{i}", value.round)
    if value.round is keep:  # it gives every value back as it is; it only checks a Decimal's size
        rounded = [f"    h = V{i}(e)", f"    if h.__class__ is Decimal: R{i}(h)"]
    elif getattr(value.round, "__code__", None) is _ROUNDER:  # it gives back what is not a Decimal
        rounded = [f"    h = V{i}(e)", f"    if h.__class__ is not str and h is not None: h = R{i}(h)"]
    else:
        rounded = [f"    h = R{i}(V{i}(e))"]
    compute = ["try:", *rounded, "except Exception:", "    h = MISS",
               "if h is MISS:", f"    N{i}(e)", "else:", f"    e[{name}] = h"]
    if not value.when:
        code.add(2, *compute)
        return
    code.add(2, "try:")
    for j, condition in enumerate(value.when):
        code.expr(f"W{i}_{j}", condition)
        code.add(3, f"h = W{i}_{j}(e)" if not j else f"if h is True: h = W{i}_{j}(e)")
    code.add(2, "except Exception:", "    h = None", "if h is True:")
    code.add(3, *compute)
    code.add(2, "elif h is False:", f"    e[{name}] = None", "else:", f"    N{i}(e)")


__all__ = ["firing", "plain_path"]
