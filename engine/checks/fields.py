"""Fields and params: a declaration that says one thing (K217), a param that is a number (K103, K105)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kinerja.checks.registry import Issue, check, descend
from kinerja.i18n import _
from kinerja.limits import MAX_NUMBER_EXPONENT
from kinerja.policy.reading import decimal_comma

NUMBER_KINDS = ("integer", "number")


@check("field")
def consistent(spec: dict, name: str) -> Iterator[Issue]:
    """Units and min/max on numbers only, enums with values, list fields with items, a default
    that can be used and is allowed. A list field's items are checked the same way."""
    kind = spec.get("type")
    lo, hi = spec.get("min"), spec.get("max")
    if spec.get("unit") and kind not in NUMBER_KINDS:
        yield Issue("K217", _("field \"{name}\": unit applies to numbers only").format(name=name), ("unit",))
    if kind == "enum" and not spec.get("values"):
        yield Issue("K217", _("enum field \"{name}\" needs a list of values").format(name=name), ("type",))
    if lo is not None and hi is not None and Decimal(str(lo)) > Decimal(str(hi)):
        yield Issue("K217", _("field \"{name}\": min {lo} is above max {hi}").format(name=name, lo=lo, hi=hi), ("min",))
    if (lo is not None or hi is not None) and kind not in NUMBER_KINDS:
        yield Issue("K217", _("field \"{name}\": min/max apply to numbers only").format(name=name),
                    ("min" if lo is not None else "max",))
    if kind == "list":
        items = spec.get("items") or {}
        if not items:
            yield Issue("K217", _("list field \"{name}\" needs `items`").format(name=name), ("type",))
        for item, item_spec in items.items():
            yield from descend(consistent(item_spec, item), "items", item)
    elif spec.get("items") is not None:
        yield Issue("K217", _("only list fields have `items`"), ("items",))
    default, values = spec.get("default"), spec.get("values")
    if default is not None and spec.get("required"):
        yield Issue("K217", _("field \"{name}\" is required, so its default is never used").format(name=name),
                    ("default",))
    if default is not None and kind == "enum" and values and default not in values:
        yield Issue("K217", _("default \"{default}\" is not one of the values").format(default=default), ("default",))


@check("field")
def required_once(spec: dict, name: str) -> Iterator[Issue]:
    """`required: true` and `required_when` say two different things."""
    if spec.get("required") and spec.get("required_when"):
        yield Issue("K217", _("field \"{name}\" is required and also has required_when").format(name=name),
                    ("required_when",))


@check("param")
def a_number(spec, name: str) -> Iterator[Issue]:
    """A param written `87,5` is text (K103); a number past kinerja's limits fails every record (K105)."""
    if decimal_comma(spec):
        yield Issue("K103", f'param "{name}" is text "{spec}", not a number', (), decimal_comma(spec))
    value = Decimal(str(spec)) if isinstance(spec, (int, Decimal)) and not isinstance(spec, bool) else None
    if value and value.adjusted() > MAX_NUMBER_EXPONENT:
        yield Issue("K105", _("param \"{name}\" is beyond the limit of 10^{value} (README \"Limits\")")
                    .format(name=name, value=MAX_NUMBER_EXPONENT + 1), (), _("every record that uses it would fail"))
