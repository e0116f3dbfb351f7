"""One record's coercion written out once per policy, as one function (issue 15).

`Coercer` (coerce.py) holds the generic path: `_field` converts any value of a field, with every
check and message. The function written here only takes the values it can be sure of and hands
every other one to `_field`, so values and problems are the generic path's, only cheaper:

- a field left out of the record (no problem possible: its default or nothing) is already in
  the record's base, built once: `{**params, **base}` keeps the order the generic path gives;
- a text met before takes the value remembered for it (`Coercer.memos`), as before;
- a NIP of exactly 18 ASCII digits is itself; a text field's text is itself, stripped, when
  not empty and not too long (fields with `min`/`max` or `unit: percent` always go to `_field`);
- the record's values start as a copy of the params and those bases, made once for the
  policy's params (`write_coercer`);
- `required_when` / `only_when` run their compiled conditions inline (a record with a problem
  already takes the generic path, `Coercer._conditions`).

The generated code holds only indices; field names, conditions, memos and helpers are passed
in through the namespace, so no text of a policy or a record ever becomes code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kinerja.limits import MAX_TEXT
from kinerja.model import FieldDef

MISS = object()


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
                  helpers: dict[str, Any], params: dict | None = None) -> Callable:
    """`coerce(raw, env_params, cells=None, comma=False) -> (values, problems)` for the fields in
    `plan` (name, field). `base`: each field's value when the record leaves it out, in plan order;
    `absent_problem[i]`: leaving field i out is a problem (`_field` says which). `helpers`: `field`
    (Coercer._field), `conditions` (Coercer._conditions), `memos` ({False: [...], True: [...]}, one
    per field, None where not kept), `only_problem(i, raw, cells, problems)`,
    `required_problem(i, cells, problems)` and `learn(env_params)`, called once with the first
    params that are not empty.

    `params`: the params the records come with (the policy's, every time): a record's values
    then start as a copy of `{**params, **base}` made once, as long as `env_params` is that very
    dict with the same keys in the same order and the very same values; anything else is merged
    as it comes."""
    namespace: dict[str, Any] = {"BASE": base, "MISS": MISS, "MAXT": MAX_TEXT, "str": str, "LEARN": None,
                                 **{key: helpers[key] for key in ("field", "conditions", "only_problem",
                                                                  "required_problem")}}
    lines = ["def coerce(raw, env_params, cells=None, comma=False):"]
    if params is not None:
        namespace.update(P=params, PK=tuple(params), FULL={**params, **base})
        same = []
        for j, (key, value) in enumerate(params.items()):
            namespace[f"K{j}"], namespace[f"V{j}"] = key, value
            same.append(f" and env_params[K{j}] is V{j}")
        lines += [f"    if env_params is P and tuple(env_params) == PK{''.join(same)}:",
                  "        values = FULL.copy()", "    else:", "        values = {**env_params, **BASE}"]
    else:
        lines += ["    values = {**env_params, **BASE}", "    if LEARN is not None and env_params:",
                  "        LEARN(env_params)"]

        def learn(env_params: dict) -> None:
            namespace["LEARN"] = None
            helpers["learn"](env_params)
        namespace["LEARN"] = learn
    lines.append("    problems = []")
    for i, (name, _f) in enumerate(plan):
        namespace[f"N{i}"] = name
    for mode in (True, False):  # the fields written out once per decimal-comma mode, each with its memos
        lines += ["    if comma:" if mode else "    else:", f"        comma = {mode}"]
        for i, (_name, f) in enumerate(plan):
            memo = helpers["memos"][mode][i]
            if memo is not None:
                namespace[f"G{i}_{int(mode)}"] = memo.get
            lines += ["        " + line for line in _field(i, f, f"G{i}_{int(mode)}", absent_problem[i])]
    conditional = [(i, f) for i, (_, f) in enumerate(plan) if f.required_when or f.only_when]
    if conditional:  # a field with a problem already is not judged again: the generic path does that
        lines += ["    if problems:", "        conditions(raw, values, cells, problems)", "    else:"]
    for i, f in conditional:
        if f.only_when:
            lines += [f"        if values[N{i}] is not None:"]
            lines += _holds(f"O{i}", f.only_when, namespace, "            ")
            lines += ["            if not ok:", f"                only_problem({i}, raw, cells, problems)"]
            if f.required_when:
                lines.append("        else:")
        else:
            lines.append(f"        if values[N{i}] is None:")
        if f.required_when:
            lines += _holds(f"R{i}", f.required_when, namespace, "            ")
            lines += ["            if ok:", f"                required_problem({i}, cells, problems)"]
    lines.append("    return values, problems")
    exec("\n".join(lines), namespace)  # generated from indices only (no text of the policy in the code)
    return namespace["coerce"]


def _field(i: int, f: FieldDef, memo_get: str, absent_problem: bool) -> list[str]:
    """Lines that put the value of field i (in `v`) into `values`, or hand it to `field`."""
    generic = f"field({i}, v, comma, values, problems, cells)"
    kind = kind_of(f)
    if kind == "generic":
        return [f"field({i}, raw.get(N{i}), comma, values, problems, cells)"]
    lines = [f"v = raw.get(N{i})"]
    if kind == "nip":
        lines += ["if v.__class__ is str and len(v) == 18 and v.isdigit() and v.isascii():", f"    values[N{i}] = v"]
    elif kind == "text":
        lines += ["if v.__class__ is str and (s := v.strip()) and len(s) <= MAXT:", f"    values[N{i}] = s"]
    else:
        lines += [f"if v.__class__ is str and (h := {memo_get}(v, MISS)) is not MISS:", f"    values[N{i}] = h"]
    if absent_problem:
        return lines + ["else:", f"    {generic}"]
    return lines + ["elif v is not None:", f"    {generic}"]  # left out: `base` has its value already


def _holds(prefix: str, conditions: list, namespace: dict, indent: str) -> list[str]:
    """Lines that set `ok`: every condition gives True (one that raises or gives anything else
    does not hold, as a missing or bad value means "no")."""
    calls = []
    for j, condition in enumerate(conditions):
        namespace[f"{prefix}_{j}"] = condition.fn
        calls.append(f"{prefix}_{j}(values) is True")
    return [f"{indent}try:", f"{indent}    ok = {' and '.join(calls)}",
            f"{indent}except Exception:", f"{indent}    ok = False"]
