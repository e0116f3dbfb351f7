"""One record's coercion written out once per policy, as one function (issue 15).

`Coercer` (coerce.py) holds the generic path: `_field` converts any value of a field, with every
check and message. The function written here only takes the values it can be sure of and hands
every other one to `_field`, so values and problems are the generic path's, only cheaper:

- a field left out of the record (no problem possible: its default or nothing) is already in
  the record's base, built once: `{**params, **base}` keeps the order the generic path gives;
- it is written for the first record, to the params records come with (the policy's) and the
  keys they have (a file's columns): a record's values then start as a copy made once, and a
  record with just those keys has them read in one call, without looking up the fields it
  leaves out; anything else takes the long way, with the same result;
- a text met before takes the value remembered for it (`Coercer.memos`), as before;
- a NIP of exactly 18 ASCII digits is itself; a text field's text is itself, stripped, when
  not empty and not too long (fields with `min`/`max` or a `unit` always go to `_field`);
- `required_when` / `only_when` run inline, as the compiled tree of each condition (records/
  inline.py; a record with a problem already takes the generic path, `Coercer._conditions`).

The generated text holds only indices; field names, conditions, memos and helpers are passed
in through the namespace, and the conditions' checked trees are joined to the parsed text, so
no text of a policy or a record is ever parsed as code.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from kinerja.limits import MAX_TEXT
from kinerja.model import FieldDef
from kinerja.records.inline import compile_inlined


def kind_of(f: FieldDef) -> str:
    """How the written function takes a present value of `f`: "nip" and "text" inline, "memo"
    through the remembered texts, "generic" always through `_field`."""
    if f.type == "list":
        return "generic"
    if f.type in ("nip", "string"):
        return "generic" if f.min is not None or f.max is not None or f.unit is not None else \
            ("nip" if f.type == "nip" else "text")
    return "memo"


def write_coercer(plan: list[tuple[str, FieldDef]], base: dict, absent_problem: list[bool],
                  helpers: dict[str, Any], params: dict | None = None, keys: tuple = (),
                  comma: bool = False) -> Callable:
    """`coerce(raw, env_params, cells=None, comma=False) -> (values, problems)` for the fields in
    `plan` (name, field). `base`: each field's value when the record leaves it out, in plan order;
    `absent_problem[i]`: leaving field i out is a problem (`_field` says which). `helpers`: `field`
    (Coercer._field), `conditions` (Coercer._conditions), `memos` ({False: [...], True: [...]}, one
    per field, None where not kept), `only_problem(i, raw, cells, problems)`,
    `required_problem(i, cells, problems)`, and `other(raw, env_params, cells, comma)`, which
    coerces a record of the other decimal-comma mode: the function is written for records whose
    `comma` is `comma` (each mode has its own memos).

    `params`: the params the records come with (the policy's, every time): a record's values
    then start as a copy of `{**params, **base}` made once, as long as `env_params` is that very
    dict with the same keys in the same order and the very same values; anything else is merged
    as it comes. `keys`: the keys the records have (the file's columns, every time): a record
    with just those keys has them read in one call, and the fields it leaves out are not looked
    up; any other record is read field by field."""
    namespace: dict[str, Any] = {"BASE": base, "MAXT": MAX_TEXT, "str": str, "len": len,
                                 **{key: helpers[key] for key in ("field", "conditions", "only_problem",
                                                                  "required_problem")}}
    namespace["other"] = helpers["other"]
    inline: dict[str, Any] = {}  # symbol → the condition it runs inline
    lines = ["def coerce(raw, env_params, cells=None, comma=False):",
             "    if comma:" if not comma else "    if not comma:",
             f"        return other(raw, env_params, cells, {not comma})"]
    if params:
        namespace.update(P=params, PK=tuple(params), FULL={**params, **base})
        same = "".join(f" and env_params[K{j}] is V{j}" for j in range(len(params)))
        namespace.update({f"K{j}": key for j, key in enumerate(params)})
        namespace.update({f"V{j}": value for j, value in enumerate(params.values())})
        lines += [f"    if env_params is P and tuple(env_params) == PK{same}:",
                  "        values = FULL.copy()", "    else:", "        values = {**env_params, **BASE}"]
    else:
        lines.append("    values = {**env_params, **BASE}")
    lines.append("    problems = []")
    names = [name for name, _f in plan]
    namespace.update({f"N{i}": name for i, name in enumerate(names)})
    read = [i for i, name in enumerate(names) if name in keys] if keys else []
    if read:  # the record's fields in plan order, then its other keys (read too, so that all are there)
        others = [key for key in keys if key not in set(names)]
        namespace.update(L=len(keys), GET=itemgetter(*[names[i] for i in read], *others))
        unpack = ", ".join([f"a{i}" for i in read] + ["_"] * len(others))
    namespace.update({f"M{i}": helpers["memos"][comma][i] for i in range(len(plan))})
    lines.append(f"    comma = {comma}")
    block = [line for i, (_name, f) in enumerate(plan) for line in _field(i, f, f"M{i}", absent_problem[i], None)]
    if read:
        shaped = [line for i, (_name, f) in enumerate(plan)
                  for line in _field(i, f, f"M{i}", absent_problem[i], f"a{i}" if i in read else "")]
        lines += ["    a = None", "    if len(raw) == L:", "        try:", "            a = GET(raw)",
                  "        except KeyError:", "            pass", "    if a is not None:", f"        {unpack} = a"]
        lines += ["        " + line for line in shaped] + ["    else:"]
        block = ["    " + line for line in block]
    lines += ["    " + line for line in block]
    conditional = [(i, f) for i, (_, f) in enumerate(plan) if f.required_when or f.only_when]
    if conditional:  # a field with a problem already is not judged again: the generic path does that
        lines += ["    if problems:", "        conditions(raw, values, cells, problems)", "    else:"]
    for i, f in conditional:
        if f.only_when:
            lines += [f"        if values[N{i}] is not None:"]
            lines += _holds(f"O{i}", f.only_when, namespace, inline, "            ")
            lines += ["            if not ok:", f"                only_problem({i}, raw, cells, problems)"]
            if f.required_when:
                lines.append("        else:")
        else:
            lines.append(f"        if values[N{i}] is None:")
        if f.required_when:
            lines += _holds(f"R{i}", f.required_when, namespace, inline, "            ")
            lines += ["            if ok:", f"                required_problem({i}, cells, problems)"]
    lines.append("    return values, problems")
    # generated from indices only (no text of the policy in the code); the conditions inline (records/inline.py)
    compile_inlined("\n".join(lines), inline, namespace, "values", "<kinerja coercion>")
    return namespace["coerce"]


def _field(i: int, f: FieldDef, memo: str, absent_problem: bool, var: str | None) -> list[str]:
    """Lines that put the value of field i into `values`, or hand it to `field`. `var`: the local
    holding the value, "" when the record has no such key, None to look it up in `raw`."""
    kind = kind_of(f)
    if var == "":  # left out: `base` has its value already, unless that is a problem or a list
        return [f"field({i}, None, comma, values, problems, cells)"] if absent_problem or kind == "generic" else []
    if kind == "generic":
        return [f"field({i}, {var or f'raw.get(N{i})'}, comma, values, problems, cells)"]
    v = var or "v"
    lines = [] if var else [f"v = raw.get(N{i})"]
    if kind == "nip":
        lines += [f"if {v}.__class__ is str and len({v}) == 18 and {v}.isdigit() and {v}.isascii():",
                  f"    values[N{i}] = {v}"]
    elif kind == "text":
        lines += [f"if {v}.__class__ is str and (s := {v}.strip()) and len(s) <= MAXT:", f"    values[N{i}] = s"]
    else:  # one lookup of a text met before (a text not met raises KeyError: the generic path decides)
        generic = f"field({i}, {v}, comma, values, problems, cells)"
        lines += [f"if {v}.__class__ is str:", "    try:", f"        values[N{i}] = {memo}[{v}]",
                  "    except KeyError:", f"        {generic}"]
    generic = f"    field({i}, {v}, comma, values, problems, cells)"
    if var or absent_problem:  # (a key the record has is handed over even when None: `field` says what that is)
        return lines + ["else:", generic]
    return lines + [f"elif {v} is not None:", generic]  # left out: `base` has its value already


def _holds(prefix: str, conditions: list, namespace: dict, inline: dict, indent: str) -> list[str]:
    """Lines that set `ok`: every condition gives True (one that raises or gives anything else
    does not hold, as a missing or bad value means "no"); each condition runs inline."""
    calls = []
    for j, condition in enumerate(conditions):
        namespace[f"{prefix}_{j}"] = condition.fn
        inline[f"{prefix}_{j}"] = condition
        calls.append(f"{prefix}_{j}(values) is True")
    return [f"{indent}try:", f"{indent}    ok = {' and '.join(calls)}",
            f"{indent}except Exception:", f"{indent}    ok = False"]
