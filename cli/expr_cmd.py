"""`kinerja expr`: check and evaluate one expression in the sandbox, from the command line.

    kinerja expr 'round(3.125, 2)'                              -> 3.13
    kinerja expr 'capaian(r, t, 120)' --record '{"r": 90, "t": 80}'
    kinerja expr --policy my-policy.yaml --record @r.json 'predikat == "Baik"'
    echo 'x * 2' | kinerja expr - --record @record.json

The record's keys are the names (JSON numbers read exactly, as Decimal; JSON lists become
tuples); with --policy the policy's fields, params and computed outputs are the names.
Exit codes: 0 the value was printed; 1 the expression has a problem, printed as one line
`error K3xx at column C: message` (plus a `hint:` line) on stderr (K406 when it fails while
evaluating); 2 bad options, an unreadable file, or a policy with errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import click

from kinerja.expr.functions import EvalError
from kinerja.expr.language import ANY, ExprError, Problem, Type, compile_expression, infer_type
from kinerja.i18n import _, os_reason
from kinerja.values import json_text

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
RUNTIME_CODE = "K406"  # findings catalogue: "evaluation error"


# --- output -------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).splitlines()) if text else ""


def _where(line: int, column: int) -> str:
    return (_("line {line}, column {column}").format(line=line, column=column) if line > 1
            else _("column {column}").format(column=column))


def report_problem(code: str, message: str, line: int = 1, column: int = 1, hint: str | None = None) -> None:
    click.echo(_("error {code} at {value}: {value2}").format(code=code, value=_where(line, column),
                                                            value2=_one_line(message)), err=True)
    if hint:
        click.echo(_("hint: {value}").format(value=_one_line(hint)), err=True)


def format_value(value: Any) -> str:
    """Decimal as plain text (3.13, never 3.13E+0), True/False, text JSON-quoted, None."""
    return json_text(value, python=True)


# --- input --------------------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(_("{name} is not a number kinerja accepts").format(name=name))


def _freeze(value: Any) -> Any:
    """JSON lists become tuples (at any depth); objects stay read-only mappings."""
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


def parse_record(spec: str) -> dict[str, Any]:
    """`--record JSON` or `--record @file`: a JSON object, numbers as exact Decimals (plain data)."""
    source = "--record"
    if spec.startswith("@"):
        path = spec[1:]
        try:
            with open(path, encoding="utf-8") as fh:
                spec = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = os_reason(exc)
            raise click.BadParameter(_("cannot read {path}: {reason}").format(path=path, reason=reason),
                                     param_hint="'--record'") from None
        source = path
    try:
        data = json.loads(spec, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise click.BadParameter(_("{source} is not valid JSON: {value}").format(source=source,
                                                                                value=_one_line(str(exc))),
                                 param_hint="'--record'") from None
    except RecursionError:
        raise click.BadParameter(_("{source} is nested too deeply").format(source=source),
                                 param_hint="'--record'") from None
    if not isinstance(data, dict):
        raise click.BadParameter(_("{source} must be a JSON object like {{\"x\": 1}}").format(source=source),
                                 param_hint="'--record'")
    return data


def read_expression(text: str) -> str:
    if text == "-":
        text = sys.stdin.read()
        text = text.rstrip("\r\n")
    return text


# --- policy -------------------------------------------------------------------------------------


def load_policy(path: str):
    """(compiled policy, name -> static type); a broken policy is a usage error (exit 2)."""
    from kinerja.compile.compiler import compile_with_types
    from kinerja.findings import has_errors
    from kinerja.policy.documents import read_document, resolve

    policy, findings, compiled_types = compile_with_types(resolve(read_document(path)))
    if policy is None or has_errors(findings):
        for f in [f for f in findings if f.severity == "error"][:20]:
            click.echo(_("{value}: error {code}: {value2}").format(value=f.location(), code=f.code,
                                                                   value2=_one_line(f.message)), err=True)
        click.echo(_("kinerja expr: {path} has errors, so its names cannot be used").format(path=path), err=True)
        raise SystemExit(EXIT_USAGE)
    types: dict[str, Type] = dict(compiled_types)
    for name in policy.fields:
        types.setdefault(name, ANY)
    for name in policy.params:
        types.setdefault(name, infer_type(policy.params[name]))
    return policy, types


def policy_env(policy, raw: dict[str, Any]) -> dict[str, Any]:
    """Evaluate the policy on a record that may be partial: a field not given is missing (not an
    error), and so is every computed value that needs it; a value given but wrong is an error."""
    from kinerja.compare.run import node_reads
    from kinerja.expr.functions import EvalError as _EvalError
    from kinerja.records.coerce import Coercer

    values, problems = Coercer(policy.fields).coerce(raw, policy.params)
    # a field the record should have but does not (K401) is missing, not wrong; so is every
    # value computed from it: name -> the fields not in the record that it needs
    missing = {p.field: [p.field] for p in problems if p.code == "K401" and p.field not in raw}
    problems = [p for p in problems if p.field not in missing]
    if problems:
        p = problems[0]
        report_record_problem(p.code, f"{p.field}: {p.reason}")
        raise SystemExit(EXIT_PROBLEM)
    env = {k: v for k, v in values.items() if k not in missing}
    for node in policy.nodes:
        needs = sorted({f for name in node_reads(node) if name in missing for f in missing[name]})
        if needs:  # needs a missing name: its outputs are missing too
            missing.update({name: needs for name in node.outputs()})
            continue
        try:
            node.compute(env)
        except _EvalError as exc:  # every input is there: a real failure, said as evaluate says it
            where = getattr(exc, "name", "")
            report_record_problem(RUNTIME_CODE, f"{where}: {getattr(exc, 'detail', exc)}" if where else str(exc))
            raise SystemExit(EXIT_PROBLEM) from None
    env["\x00missing"] = missing
    return env


def report_record_problem(code: str, message: str) -> None:
    click.echo(_("error {code} in the record: {value}").format(code=code, value=_one_line(message)), err=True)


# --- the command --------------------------------------------------------------------------------


@click.command("expr")
@click.argument("expression")
@click.option("--record", "record_spec", metavar="JSON|@FILE",
              help="Values for the names: a JSON object, or @file with one.")
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False, readable=True),
              help="Use the names (fields, params, computed values) of this policy.")
def expr_command(expression: str, record_spec: str | None, policy_path: str | None) -> None:
    """Check and evaluate one EXPRESSION (- reads it from stdin) and print its value."""
    text = read_expression(expression)
    raw = parse_record(record_spec) if record_spec is not None else {}
    record = {str(k): _freeze(v) for k, v in raw.items()}

    policy = None
    if policy_path:
        policy, names = load_policy(policy_path)
    else:
        names = {name: infer_type(value) for name, value in record.items()}

    expr, problems = compile_expression(text, names)
    if problems or expr is None:  # no expression without a problem saying why
        p: Problem = problems[0]
        report_problem(p.code, p.message, p.line, p.column, p.hint)
        raise SystemExit(EXIT_PROBLEM)

    if policy is not None:
        if record_spec is None:
            env: Mapping[str, Any] = dict(policy.params)
            unknown = sorted(expr.names - set(env))
            if unknown:  # nothing to evaluate with: the static check passed, say what it gives
                click.echo(_("ok: gives {type}; give --record to evaluate it (it reads {value})").format(
                    type=expr.type, value=', '.join(unknown)))
                raise SystemExit(EXIT_OK)
        else:
            values = policy_env(policy, raw)
            missing = values.pop("\x00missing")
            env = values
            needs = sorted({f for name in expr.names if name in missing for f in missing[name]})
            if needs:
                report_record_problem("K401", _("the expression needs ") + ", ".join(needs) +
                                      _(", which the record does not give"))
                raise SystemExit(EXIT_PROBLEM)
    else:
        env = record

    try:
        value = expr(MappingProxyType(dict(env)))
    except ExprError as exc:
        report_problem(RUNTIME_CODE, exc.message, exc.line, exc.column)
        raise SystemExit(EXIT_PROBLEM) from None
    except EvalError as exc:
        report_problem(RUNTIME_CODE, str(exc))
        raise SystemExit(EXIT_PROBLEM) from None
    click.echo(format_value(value))
