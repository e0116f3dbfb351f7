"""Numbers and record errors in a comparison's words, shared by every compare renderer (text,
markdown, html): a rate as a percentage, a ratio, a change with its sign, a record's errors."""

from __future__ import annotations

from decimal import Decimal

from kinerja.i18n import num


def pct(x) -> str:
    return "-" if x is None else f"{num((x * 100).quantize(Decimal('0.1')))}%"


def ratio(x) -> str:
    return "-" if x is None else num(x.quantize(Decimal("0.01")))


def change(x) -> str:
    if x is None:
        return "-"
    q = x.quantize(Decimal("0.01"))
    return f"+{num(q)}" if q > 0 else num(q)


def errors_text(errs) -> str:
    if errs is None:
        return "ok"
    return "; ".join(f"{e.get('field') or e.get('name') or e.get('stage') or ''}: {e.get('reason', '')}".lstrip(": ")
                     for e in errs)
