"""What a policy test expects of one result, and how it differs from what came out.

`compare` returns one `Failure` per differing item (never stops at the first), each saying
what was expected and what was got, so a failing test explains itself. Numbers compare as
Decimal (`3.13` in YAML equals the computed Decimal("3.13")); `null` means "no value".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import jsonschema

from kinerja.findings import Reportable
from kinerja.i18n import _
from kinerja.policy.documents import TESTS_SCHEMA, schema
from kinerja.suggest import close_match
from kinerja.values import json_text

LIST_KEYS = ("actions", "actions_include", "actions_exclude", "errors")


@dataclass
class Failure(Reportable):
    """One differing item of one record: `item` names it (`outputs.predikat`), `message` says how."""

    code = "K501"  # every failure of a policy test is reported as K501

    item: str
    message: str
    expected: Any = None
    actual: Any = None
    record: str = ""  # which record of the test ("record 2 (line 40)"); empty for a single record

    def text(self) -> str:
        return f"{self.record + ': ' if self.record else ''}{self.item}: {self.message}"

    def as_dict(self) -> dict:
        return {"record": self.record or None, "item": self.item, "message": self.message,
                "expected": _plain(self.expected), "actual": _plain(self.actual)}


def show(value: Any) -> str:
    """A value as the test report prints it: JSON-like, numbers exact, text in quotes."""
    return json_text(value)


def _shown_like(expected: Any, actual: Any) -> str:
    """The expected value, a number when it is compared as one (a CSV cell "6" prints as 6)."""
    number = _number(expected) if isinstance(actual, Decimal) and isinstance(expected, str) else None
    return show(number if number is not None else expected)


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str):
        text = value.strip()
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")  # decimal comma, as Indonesian spreadsheets write it
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


_TRUE, _FALSE = {"true", "ya", "yes"}, {"false", "tidak", "no"}


def same(expected: Any, actual: Any) -> bool:
    """Does an expected value (from YAML, JSON or a CSV cell) equal a computed one?"""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(actual, bool):  # before numbers: True == Decimal(1) in Python
        if isinstance(expected, str):
            return expected.strip().lower() in (_TRUE if actual else _FALSE)
        return isinstance(expected, bool) and expected is actual
    if isinstance(expected, bool):
        return False
    if isinstance(actual, Decimal):
        number = _number(expected)
        return number is not None and number == actual
    if isinstance(actual, (list, tuple)):
        return isinstance(expected, (list, tuple)) and len(expected) == len(actual) and \
            all(same(e, a) for e, a in zip(expected, actual))
    if isinstance(actual, (dt.date, dt.datetime)):
        return str(expected) == actual.isoformat()
    if isinstance(actual, str) and isinstance(expected, (int, Decimal)):
        return str(expected) == actual
    return expected == actual


@cache
def _expect_validator() -> jsonschema.Draft202012Validator:
    defs = schema(TESTS_SCHEMA)["$defs"]
    return jsonschema.Draft202012Validator({"$defs": defs, "$ref": "#/$defs/expect"})


def expect_problems(expect: Any) -> list[Failure]:
    """Schema problems of an expectation given per record (JSON/CSV records files)."""
    out = []
    for error in _expect_validator().iter_errors(expect):
        where = "".join(f".{p}" for p in error.absolute_path)
        out.append(Failure(f"expect{where}", error.message))
    return out


class Context:
    """What comparison needs to know about the policy: its outputs, rules and rule params."""

    def __init__(self, policy, outputs: list[str]):
        self.outputs = set(outputs)
        self.output_list = list(outputs)
        self.fields = policy.fields
        self.rule_params = {r.id: set(r.params) for r in policy.rules}
        self.all_rules = list(policy.resolved.sections["rules"])  # disabled ones too


def _close(name: str, names) -> str:
    hit = close_match(name, list(names))  # stays linear with thousands of names (engine/suggest.py)
    return _(' (did you mean "{hit}"?)').format(hit=hit) if hit else ""


def _error_text(error: dict) -> str:
    who = error.get("field") or error.get("name")
    return f"{who}: {error.get('reason', '')}" if who else str(error.get("reason", ""))


def unknown_fields(record: Any, ctx: Context) -> list[Failure]:
    """A test record naming a field the policy does not declare is a mistake in the test."""
    if not isinstance(record, dict):
        return []
    return [Failure("record", _("unknown field \"{key}\"{value}").format(key=key, value=_close(str(key), ctx.fields)),
                    key, None)
            for key in record if not str(key).startswith("\x00") and key not in ctx.fields]


def compare(expect: dict, result, ctx: Context) -> list[Failure]:
    """Every way `result` differs from `expect`."""
    out: list[Failure] = []
    for key in ("actions", "actions_include", "actions_exclude", "params", "reason_contains"):
        for rid in expect.get(key) or ([] if key.startswith("actions") else {}):
            if rid not in ctx.all_rules:
                no_rule = _("no rule \"{rid}\" in the policy{value}").format(rid=rid, value=_close(rid, ctx.all_rules))
                out.append(Failure(key, no_rule, rid))
    for name in expect.get("outputs") or {}:
        if name not in ctx.outputs:
            no_output = _("no output named \"{name}\"{value}").format(name=name, value=_close(name, ctx.output_list))
            out.append(Failure(f"outputs.{name}", no_output, name))
    want = expect.get("status") or ("error" if expect.get("errors") else "ok")
    if result.status != want:
        got = result.status
        if result.errors:
            got += " (" + "; ".join(_error_text(e) for e in result.errors) + ")"
        out.append(Failure("status", _("expected {want}, got {got}").format(want=want, got=got), want, result.status))
        return out
    if result.status == "error":
        reported = [e.get("field") or e.get("name") for e in result.errors]
        for name in expect.get("errors") or []:
            if name not in reported:
                shown = ", ".join(str(r) for r in reported if r) or _("none")
                expected = _("expected an error for \"{name}\", got errors for: {shown}").format(name=name, shown=shown)
                out.append(Failure("errors", expected, name, reported))
        return out
    out.extend(_outputs(expect, result, ctx))
    out.extend(_actions(expect, result, ctx))
    return out


def _outputs(expect: dict, result, ctx: Context) -> list[Failure]:
    out = []
    for name, value in (expect.get("outputs") or {}).items():
        if name in ctx.outputs:
            actual = result.outputs.get(name)
            if not same(value, actual):
                got = _("expected {value}, got {value2}").format(value=_shown_like(value, actual), value2=show(actual))
                out.append(Failure(f"outputs.{name}", got, value, actual))
    return out


def _actions(expect: dict, result, ctx: Context) -> list[Failure]:
    out = []
    fired = [a["id"] for a in result.actions]
    by_id = {a["id"]: a for a in result.actions}
    if "actions" in expect:
        want = list(expect["actions"] or [])
        if set(want) != set(fired):
            missing = [r for r in want if r not in fired]
            extra = [r for r in fired if r not in want]
            parts = ([_("missing {rules}").format(rules=", ".join(missing))] if missing else []) + \
                    ([_("unexpected {rules}").format(rules=", ".join(extra))] if extra else [])
            got = _("expected [{value}], got [{value2}] ({value3})").format(
                value=", ".join(want), value2=", ".join(fired), value3="; ".join(parts))
            out.append(Failure("actions", got, want, fired))
    for rid in expect.get("actions_include") or []:
        if rid not in fired and rid in ctx.all_rules:
            missed = _("{rid} did not fire (fired: [{value}])").format(rid=rid, value=", ".join(fired))
            out.append(Failure("actions_include", missed, rid, fired))
    for rid in expect.get("actions_exclude") or []:
        if rid in fired:
            unwanted = _("{rid} fired: {value}").format(rid=rid, value=by_id[rid].get("reason", ""))
            out.append(Failure("actions_exclude", unwanted, rid, fired))
    for rid, params in (expect.get("params") or {}).items():
        if rid not in ctx.all_rules:
            continue
        if rid not in by_id:
            no_params = _("{rid} did not fire, so it has no params").format(rid=rid)
            out.append(Failure(f"params.{rid}", no_params, params, None))
            continue
        for pname, value in (params or {}).items() if isinstance(params, dict) else ():
            if pname not in ctx.rule_params.get(rid, ()):
                no_param = _("{rid} has no param \"{pname}\"{value}").format(
                    rid=rid, pname=pname, value=_close(pname, ctx.rule_params.get(rid, ())))
                out.append(Failure(f"params.{rid}.{pname}", no_param, value, None))
            elif not same(value, by_id[rid].get(pname)):
                actual = by_id[rid].get(pname)
                got = _("expected {value}, got {value2}").format(value=_shown_like(value, actual), value2=show(actual))
                out.append(Failure(f"params.{rid}.{pname}", got, value, actual))
    for rid, text in (expect.get("reason_contains") or {}).items():
        if rid not in ctx.all_rules:
            continue
        if rid not in by_id:
            no_reason = _("{rid} did not fire, so it has no reason").format(rid=rid)
            out.append(Failure(f"reason_contains.{rid}", no_reason, text, None))
        elif str(text) not in by_id[rid].get("reason", ""):
            reason = by_id[rid].get("reason", "")
            got = _("expected a reason containing {value}, got {value2}").format(value=show(text), value2=show(reason))
            out.append(Failure(f"reason_contains.{rid}", got, text, reason))
    return out
