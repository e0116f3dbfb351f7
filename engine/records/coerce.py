"""Coercion: raw record values into the types a policy's `fields` declare.

Every problem is reported with the field, the value and the reason (and the cell, for
spreadsheets); a record is never dropped and a value never guessed: a NIP that a
spreadsheet turned into a rounded number is invalid, not repaired.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kinerja.findings import Reportable
from kinerja.i18n import _, num
from kinerja.limits import MAX_NUMBER_EXPONENT, MAX_NUMBER_PLACES, MAX_NUMBER_TEXT, MAX_TEXT, number_problem, shown
from kinerja.model import FieldDef
from kinerja.records.coerce_code import kind_of, write_coercer
from kinerja.records.source import BadCell, PercentCell

NIP_RE = re.compile(r"^[0-9]{18}$")
TRUE_WORDS = {"true", "ya", "y", "yes", "1", "benar"}
FALSE_WORDS = {"false", "tidak", "t", "no", "n", "0", "salah"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


class Invalid(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def to_number(v, comma: bool = False) -> Decimal:
    if isinstance(v, bool):
        raise Invalid("K402", _("expected a number, got true/false"))
    if isinstance(v, Decimal):
        d = v
    elif isinstance(v, int):
        if v.bit_length() > 80:  # far beyond 10^21: do not even print it
            raise Invalid("K412", number_problem(Decimal(10) ** 22) or "")
        d = Decimal(v)
    elif isinstance(v, float):
        d = Decimal(repr(v))
    elif isinstance(v, str):
        s = v.strip()
        if len(s) > MAX_NUMBER_TEXT:
            raise Invalid("K412", _("is {s} characters long; a number has at most {MAX_NUMBER_TEXT}").format(s=len(s),
                                                                                                             MAX_NUMBER_TEXT=MAX_NUMBER_TEXT))
        if "," in s:
            s = s.replace("\u00a0", "").replace(" ", "")
            if comma or ("." not in s and s.count(",") == 1):
                s = s.replace(".", "").replace(",", ".")
        if not _NUMBER_RE.fullmatch(s):  # ASCII digits only: no "1_000", "٣", "NaN", "Infinity"
            if s.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
                raise Invalid("K402", _("expected a finite number (not NaN or infinity)"))
            if any(ch.isdigit() and not ch.isascii() for ch in s):
                raise Invalid("K402", _("expected a number written with the digits 0-9"))
            raise Invalid("K402", _("expected a number"))
        d = Decimal(s)
        if len(s) <= MAX_NUMBER_EXPONENT and "e" not in s and "E" not in s:
            return d  # 20 characters without an exponent: within both number limits
    else:
        raise Invalid("K402", _("expected a number"))
    if not d.is_finite():
        raise Invalid("K402", _("expected a finite number (not NaN or infinity)"))
    return _bounded(d)


def _bounded(d: Decimal) -> Decimal:
    """`d` within the number limits (engine/limits.py), or K412. Zeros and trailing zeros
    beyond the places limit are exact, so 0E-30 and 1.5000…0 are read as 0 and 1.5."""
    if not d:
        exponent = d.as_tuple().exponent  # an int: `d` is finite here
        return d if -MAX_NUMBER_PLACES <= exponent <= 0 else Decimal(0)  # type: ignore[operator]  # (same)
    why = number_problem(d)
    if why is None:
        return d
    if d.adjusted() <= MAX_NUMBER_EXPONENT:
        short = d.normalize()
        if short == d and number_problem(short) is None:
            return short.quantize(Decimal(1)) if short.as_tuple().exponent > 0 else short  # type: ignore[operator]  # finite
    raise Invalid("K412", why)


def to_integer(v, comma: bool = False) -> Decimal:
    if v.__class__ is str and len(v) <= MAX_NUMBER_EXPONENT and v.isascii() and v.isdigit():
        return Decimal(v)  # the common case, fast ("²".isdigit() is true too, hence isascii)
    d = to_number(v, comma)
    if d != d.to_integral_value():
        raise Invalid("K402", _("expected a whole number"))
    return d.quantize(Decimal(1))


def to_bool(v, comma: bool = False) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise Invalid("K402", _("expected true/false (ya/tidak)"))


def to_date(v, comma: bool = False) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = str(v).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise Invalid("K402", _("expected a date like 2024-12-31 (or 31/12/2024)"))


def to_nip(v, comma: bool = False) -> str:
    if isinstance(v, bool):
        raise Invalid("K405", _("a NIP is 18 digits"))
    if isinstance(v, int):
        s = str(v)
    elif isinstance(v, (float, Decimal)):
        raise Invalid("K405", _("the NIP was stored as a decimal number and may have lost digits; store NIPs as text"))
    else:
        s = str(v).strip().replace(" ", "")
    if not NIP_RE.match(s):
        digits = sum(ch.isdigit() for ch in s)
        why = (_("has {s} characters").format(s=len(s)) if digits == len(s)
               else _("contains characters other than digits"))
        raise Invalid("K405", _("a NIP is 18 digits; this one {why}").format(why=why))
    return s


def to_string(v, comma: bool = False) -> str:
    if isinstance(v, (dict, list, tuple)):
        raise Invalid("K402", _("expected text, got a list or mapping"))
    if isinstance(v, bool):
        return "true" if v else "false"
    text = str(v).strip()
    if len(text) > MAX_TEXT:
        raise Invalid("K412", _("is {text} characters long; text holds at most {MAX_TEXT}")
                      .format(text=num(len(text), group=True), MAX_TEXT=num(MAX_TEXT, group=True)))
    return text


CONVERTERS: dict[str, Callable] = {"string": to_string, "integer": to_integer, "number": to_number,
                                   "boolean": to_bool, "date": to_date, "nip": to_nip}


def _enum(values: tuple[str, ...]) -> Callable:
    exact = {v: v for v in values}
    canon = {v.casefold(): v for v in values}
    canon.update({" ".join(v.split()).casefold(): v for v in values})

    def convert(v, comma: bool = False) -> str:
        if isinstance(v, (dict, list, tuple, set)):  # (a JSON or YAML record's; no label, and unhashable)
            raise Invalid("K402", _("expected text, got a list or mapping"))
        hit = exact.get(v)
        if hit is not None:
            return hit
        s = " ".join(str(v).split())
        hit = canon.get(s.casefold())
        if hit is None and len(s) > 200:  # no "did you mean" search over a huge cell
            raise Invalid("K403", _("not one of: {value}").format(value=', '.join(values)))
        if hit is None:
            close = difflib.get_close_matches(s, values, n=1, cutoff=0.6)
            tip = _(" (did you mean \"{close}\"?)").format(close=close[0]) if close else ""
            raise Invalid("K403", _("not one of: {value}{tip}").format(value=', '.join(values), tip=tip))
        return hit

    return convert


@dataclass
class Problem(Reportable):
    field: str
    value: Any
    reason: str
    code: str
    cell: str | None = None

    def as_dict(self) -> dict:
        out = {"field": self.field, "value": _plain(self.value), "reason": self.reason, "code": self.code}
        if self.cell:
            out["cell"] = self.cell
        return out


SHOWN_VALUE = 200  # characters of a bad value repeated in an error row


def _plain(v):
    """The bad value as an error row shows it: short, whatever the record held."""
    if isinstance(v, Decimal):
        return shown(v)
    if isinstance(v, dt.date):
        return str(v)
    if isinstance(v, (list, tuple, dict)):
        return _cut(json.dumps(v, default=str, ensure_ascii=False))
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 80:
        return _("a whole number of about {value} digits").format(value=int(v.bit_length() * 0.30103))
    if isinstance(v, str):
        return _cut(v)
    return v


LEARNT_PARAMS = 64  # beyond this, checking that the params are the same costs more than merging them
LEARNT_KEYS = 512  # the keys of a record read in one call (a CSV file's columns)
MEMO_SIZE = 4096  # texts remembered per field (memory stays flat whatever the file holds)


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_VALUE else f"{text[:SHOWN_VALUE]}… ({len(text):,} characters)"


class Coercer:
    """Built once per policy; turns raw records into typed values, listing every problem.

    `coerce(raw, env_params, cells=None, comma=False) -> (values, problems)`: typed field values,
    on top of a copy of `env_params` (so the result is the record's evaluation environment), and
    every problem found. `comma`: the reader saw a decimal-comma file (never a key of the record,
    which the file's author controls). It is written out once, for the first record (`_first`,
    coerce_code.py), and gives exactly what `coerce_generic`, the plain loop over `_field`, gives."""

    coerce: Callable[..., tuple[dict, list[Problem]]]

    def __init__(self, fields: dict[str, FieldDef]):
        self.fields = fields
        self.plan = [(name, f, self._converter(f)) for name, f in fields.items()]
        # Text a field had before → the value it coerced to without a problem, per decimal-comma
        # mode. Converters and limits are pure functions of the text, so a repeated text (an
        # enum label, a rating, a small number) skips them; a NIP never repeats and a text field
        # takes its text inline (coerce_code.py), so neither keeps one.
        self.memos: dict[bool, list[dict | None]] = {
            mode: [{} if kind_of(f) == "memo" else None for _, f, _ in self.plan] for mode in (False, True)}
        self.conditional = [(name, f) for name, f in fields.items() if f.required_when or f.only_when]
        # defaults converted once (a list's items are written into, so each record converts its own)
        self.defaults = {name: self._default(f) for name, f in fields.items()
                         if f.default is not None and f.type != "list"}
        # a field the record leaves out: its value, and whether that is a problem (required, no default)
        self.base = {name: self.defaults.get(name) for name in fields}
        self.absent_problem = [f.type == "list" or (self.base[name] is None and f.required)
                               for name, f in fields.items()]
        self._written: dict[bool, Callable[..., tuple[dict, list[Problem]]] | None] = {False: None, True: None}
        self.coerce = self._first

    def _first(self, raw, env_params, cells=None, comma=False) -> tuple[dict, list[Problem]]:
        """`coerce` for the first record: the coercion is written out (coerce_code.py) for the
        params and the keys this record has (the policy's params and the file's columns, as a
        rule) and its decimal-comma mode, once, and coerces it and every record after it."""
        comma = bool(comma)
        written = self._written[comma]
        if written is None:
            usable = env_params.__class__ is dict and len(env_params) <= LEARNT_PARAMS
            shape = raw.__class__ is dict and 2 <= len(raw) <= LEARNT_KEYS
            written = self._written[comma] = write_coercer(
                [(name, f) for name, f, _ in self.plan], self.base, self.absent_problem,
                {"field": self._field, "conditions": self._conditions, "memos": self.memos,
                 "only_problem": self._only_problem, "required_problem": self._required_problem,
                 "other": self._first}, env_params if usable else None, tuple(raw) if shape else (), comma)
            if self.coerce == self._first:
                self.coerce = written
        return written(raw, env_params, cells, comma)

    def _converter(self, f: FieldDef) -> Callable:
        if f.type == "enum":
            return _enum(f.values or ())
        if f.type == "list":
            return self._list(f)
        return CONVERTERS[f.type]

    def _list(self, f: FieldDef) -> Callable:
        inner = Coercer(f.items or {})

        def convert(v, comma: bool = False):
            if isinstance(v, str):
                raise Invalid("K402", _("expected a list of items (use JSON or YAML records for lists)"))
            if not isinstance(v, (list, tuple)):
                raise Invalid("K402", _("expected a list of items"))
            if f.max_items is not None and len(v) > f.max_items:
                raise Invalid("K404", _("has {v} items, at most {max_items} allowed").format(v=len(v),
                                                                                             max_items=f.max_items))
            if f.min_items is not None and len(v) < f.min_items:
                raise Invalid("K404", _("has {v} items, at least {min_items} needed").format(v=len(v),
                                                                                             min_items=f.min_items))
            items, problems = [], []
            for i, item in enumerate(v):
                if not isinstance(item, dict):
                    problems.append(Problem(f"{f.name}[{i + 1}]", item, _("expected a mapping of fields"), "K407"))
                    continue
                values, errs = inner.coerce(item, {}, comma=comma)
                for e in errs:
                    e.field = f"{f.name}[{i + 1}].{e.field}"
                problems.extend(errs)
                items.append(values)
            if problems:
                raise _Nested(problems)
            return tuple(items)

        return convert

    def coerce_generic(self, raw: dict, env_params: dict, cells: Mapping[str, str] | None = None,
                       comma: bool = False) -> tuple[dict, list[Problem]]:
        """What `coerce` gives, the plain way: every field through `_field`, then the conditions."""
        values: dict[str, Any] = dict(env_params)
        problems: list[Problem] = []
        for i, (name, _f, _c) in enumerate(self.plan):
            self._field(i, raw.get(name), bool(comma), values, problems, cells)
        if self.conditional:
            self._conditions(raw, values, cells, problems)
        return values, problems

    def _field(self, i: int, v, comma: bool, values: dict, problems: list, cells: Mapping[str, str] | None) -> None:
        """Coerce the value `v` of field number i into `values`, or add its problems."""
        name, f, convert = self.plan[i]
        if v is None or (v.__class__ is str and not v.strip()):
            value = values[name] = self.defaults[name] if name in self.defaults else \
                self._default(f) if f.default is not None else None
            if value is None and f.required:
                problems.append(Problem(name, None, _("required but missing"), "K401", _cell(cells, name)))
            else:  # an empty or absent cell: the default, or nothing, every time
                memo = self.memos[comma][i]
                if memo is not None and len(memo) < MEMO_SIZE:
                    memo[v] = value
            return
        if v.__class__ is BadCell:  # xlsx: an Excel error, a formula without a saved value
            problems.append(Problem(name, v.value, v.reason, v.code, _cell(cells, name)))
            values[name] = None
            return
        if v.__class__ is PercentCell or (f.unit == "percent" and v.__class__ is str and v.rstrip().endswith("%")):
            try:
                v = _percent(v, f)
            except Invalid as exc:
                problems.append(Problem(name, str(v), exc.reason, exc.code, _cell(cells, name)))
                values[name] = None
                return
        try:
            value = convert(v, comma)
        except Invalid as exc:
            if v.__class__ is str and v.rstrip().endswith("%") and f.type in ("number", "integer"):
                exc.reason = (_("{value} is a percentage but this field is not declared one (`unit: percent`); write "
                                "the number without %").format(value=v.strip()))
            problems.append(Problem(name, v, exc.reason, exc.code, _cell(cells, name)))
            values[name] = None
            return
        except _Nested as nested:
            problems.extend(nested.problems)
            values[name] = None
            return
        if f.min is not None and value < f.min:
            problems.append(Problem(name, v, _("below the minimum {min}").format(min=num(f.min)), "K404", _cell(cells,
                                                                                                                name)))
        elif f.max is not None and value > f.max:
            problems.append(Problem(name, v, _("above the maximum {max}").format(max=num(f.max)), "K404", _cell(cells,
                                                                                                                name)))
        else:
            memo = self.memos[comma][i]
            if memo is not None and v.__class__ is str and len(memo) < MEMO_SIZE:
                memo[v] = value
        values[name] = value

    def _conditions(self, raw, env, cells, problems) -> None:
        """required_when / only_when, judged on the coerced values (params included)."""
        bad = {p.field for p in problems}
        for i, (name, f, _c) in enumerate(self.plan):
            if not (f.required_when or f.only_when) or name in bad:
                continue
            if env.get(name) is not None:
                if f.only_when and not _holds(f.only_when, env):
                    self._only_problem(i, raw, cells, problems)
            elif f.required_when and _holds(f.required_when, env):
                self._required_problem(i, cells, problems)

    def _only_problem(self, i: int, raw, cells, problems: list) -> None:
        name, f, _c = self.plan[i]
        problems.append(Problem(name, raw.get(name), _("must be empty here: ") +
                                _(" and ").join(c.text for c in f.only_when), "K402", _cell(cells, name)))

    def _required_problem(self, i: int, cells, problems: list) -> None:
        name, f, _c = self.plan[i]
        problems.append(Problem(name, None, _("required when ") + _(" and ").join(c.text for c in f.required_when),
                                "K401", _cell(cells, name)))

    def _default(self, f: FieldDef):
        if f.default is None:
            return None
        try:
            return self._converter(f)(f.default)
        except (Invalid, _Nested):
            return None


def _percent(v, f: FieldDef):
    """A percentage as the number a `unit: percent` field holds: a 98% cell (stored 0.98) and the
    text "98%" are both 98. For any other field a percentage is reported, never used."""
    if f.type not in ("number", "integer"):
        return str(v)  # text that happens to be formatted as a percentage
    if f.unit != "percent":
        raise Invalid("K402", _("the cell shows a percentage ({v}, stored as {value}) but this field is not a "
                                "percentage; type the number itself, or declare `unit: percent` on the field")
                      .format(v=v, value=v.value))
    if v.__class__ is str:
        return v.rstrip()[:-1].strip()
    stored = v.value
    if isinstance(stored, float):  # as Excel shows it: 15 significant digits (0.839, not 0.8390000000000001)
        stored = Decimal(format(stored, ".15g"))
    number = to_number(stored) * 100
    number = number.normalize()
    return number.quantize(Decimal(1)) if number.as_tuple().exponent > 0 else number  # type: ignore[operator]  # finite


class _Nested(Exception):
    def __init__(self, problems):
        super().__init__("nested")
        self.problems = problems


def _cell(cells: Mapping[str, str] | None, name: str) -> str | None:
    return cells.get(name) if cells else None


def _holds(conditions, env) -> bool:
    """A field condition holds; one that cannot be evaluated (a missing value) does not."""
    for condition in conditions:
        try:
            if condition.fn(env) is not True:
                return False
        except Exception:  # judged on raw fields: a missing or bad value means "no"
            return False
    return True
