"""How a value is written as text: the one place that decides it (a leaf: layer L0).

Four styles, each for one kind of reader:
- `format_value`: plain text inside messages, reasons and labels — `-` for nothing, numbers as
  people write them (20, not 2E+1), `ya`/`tidak`, an `each` value's items joined by ", ".
- `quoted`: the same, with text in double quotes, where a value sits next to other words
  (`predikat ("Baik" → "Sangat Baik")`).
- `show_value`: prose for the employee or the officer, in a language — `87,5` in Indonesian
  (i18n.num), yes/no in the reader's language.
- `json_text`: JSON-like, exact numbers, text quoted (test reports); `python=True` writes
  None/True/False and bare dates, as `kinerja expr` prints a value.
Machine formats (the JSON/CSV writers) write numbers with `plain_decimal` too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kinerja.i18n import N_, in_every_language, num
from kinerja.i18n import lang as current_lang
from kinerja.limits import MAX_NUMBER_EXPONENT

_YES_NO = in_every_language({"true": N_("yes"), "false": N_("no")})


def plain_decimal(value: Decimal) -> str:
    """A Decimal as people write it: 20, not 2E+1; 0.000001, not 1E-6. Beyond the number
    limits (which only a bug could let through) it stays in E notation: never a huge string."""
    text = str(value)
    if "E" not in text:
        return text
    return format(value, "f") if value.is_finite() and abs(value.adjusted()) <= 2 * MAX_NUMBER_EXPONENT else text


def format_value(value: Any) -> str:
    """Plain text: `-` for nothing, plain decimals, ya/tidak, an `each` value's items joined."""
    cls = value.__class__
    if cls is str:  # the common classes first, by exact class; a subclass takes the general path
        return value
    if cls is Decimal:
        text = str(value)  # plain_decimal, inline: it runs for most values of every reason
        return text if "E" not in text else plain_decimal(value)
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, tuple):
        return ", ".join(format_value(v) for v in value)
    return str(value)


def quoted(value: Any) -> str:
    """`format_value`, with text in double quotes (so `"Baik"` stands out among words)."""
    if isinstance(value, str):
        return f'"{value}"'
    return format_value(value)


def show_value(value: Any, lang: str | None = None) -> str:
    """Prose in `lang` (default: the current language): `87,5` in Indonesian, yes/no words;
    an `each` value's items stay plain decimals (a decimal comma inside a comma list would
    be ambiguous); text as written."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return _YES_NO[lang or current_lang()]["true" if value else "false"]
    if isinstance(value, Decimal):
        return num(value, lang)
    if isinstance(value, float):
        return num(Decimal(str(value)), lang)
    if isinstance(value, tuple):
        return format_value(value)
    return str(value)


def json_text(value: Any, *, python: bool = False) -> str:
    """JSON-like text on one line: exact numbers, text in JSON quotes, lists and mappings;
    dates ISO. `python`: None/True/False and dates unquoted (how `kinerja expr` prints)."""
    if value is None:
        return "None" if python else "null"
    if isinstance(value, bool):
        return ("True" if value else "False") if python else ("true" if value else "false")
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return str(value) if python else json.dumps(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat() if python else json.dumps(value.isoformat(), ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json_text(v, python=python) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {json_text(v, python=python)}"
                               for k, v in value.items()) + "}"
    text = str(value)
    return " ".join(text.splitlines()) if python else json.dumps(text, ensure_ascii=False)


__all__ = ["format_value", "json_text", "plain_decimal", "quoted", "show_value"]
