"""Rounding of computed numbers: a policy's `rounding` settings made into rounders.

Every rounder also holds the number limits (engine/limits.py): a number beyond them is a
`NumberLimit`, named by the node that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Context, Decimal
from typing import Any

from kinerja.expr.functions import EvalError
from kinerja.i18n import _
from kinerja.limits import MAX_NUMBER_EXPONENT, shown

_ONE = Decimal(1)
_ZERO = Decimal(0)
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}


class NumberLimit(EvalError):
    """A computed number beyond the limits (engine/limits.py); the node that made it is named
    where it is caught, so the happy path pays nothing for the check."""

    def __init__(self, value: Decimal):
        super().__init__(_("the result {value} is too large: kinerja's numbers stay below 10^{value2}").format(
            value=shown(value), value2=MAX_NUMBER_EXPONENT + 1))


def make_rounder(places: int, mode: str = "half_up", exact: bool = True) -> Callable[[Any], Any]:
    """Round a computed number to `places` decimals. `exact`: always show that many places
    (a value's own `places`); otherwise at most that many, without trailing zeros (the
    policy default: 8 stays 8, 88.00 becomes 88, 3.14159 becomes 3.14)."""
    quantum, rounding = Decimal(1).scaleb(-places), ROUNDING_MODES[mode]
    wide = Context(prec=MAX_NUMBER_EXPONENT + 1 + places + 2)  # any number within the limits, to `places`
    # Numbers rounded before, by their written form (str of a Decimal is exact: 1.0 and 1 differ):
    # a policy computes the same few numbers again and again (12.5 × 75 / 100 for every
    # Ahli Pertama rated Baik). Bounded: a file of ever new numbers stops adding at the limit.
    seen: dict[str, Decimal] = {}

    def rounder(value):
        if value.__class__ is Decimal:
            if value and value.same_quantum(_ONE) and not exact:  # a whole number written plainly
                if value.adjusted() > MAX_NUMBER_EXPONENT:
                    raise NumberLimit(value)
                return value  # already as shown (within the limits it has at most 21 digits)
            key = str(value)
            hit = seen.get(key)
            if hit is not None:
                return hit
            result = _round(value)
            if len(seen) < ROUNDED_KEPT:
                seen[key] = result
            return result
        return _round(value)

    def _round(value):
        if not isinstance(value, Decimal) or not value.is_finite():
            return value
        if value and value.adjusted() > MAX_NUMBER_EXPONENT:
            raise NumberLimit(value)
        if exact:
            return value.quantize(quantum, rounding=rounding, context=wide)
        if value and value.same_quantum(_ONE):  # a whole number written plainly (12, not 12.0 or 1.2E+1):
            return value  # already as shown (within the limits it has at most 21 digits: normalize is exact)
        if value.as_tuple().exponent < -places:
            value = value.quantize(quantum, rounding=rounding, context=wide)
        if not value:
            return _ZERO  # not -0 or 0E-2
        value = value.normalize()  # 88.00 and 90.0 read as 88 and 90
        return value.quantize(_ONE) if value.as_tuple().exponent > 0 else value  # 2E+1 reads as 20

    return rounder


ROUNDED_KEPT = 4096  # numbers each rounder remembers (make_rounder)


def keep(value):
    """The rounder of a number carried exactly (`rounding.intermediates: exact`); it still
    holds the number limits, as every rounder does."""
    if value.__class__ is Decimal and value and value.is_finite() and value.adjusted() > MAX_NUMBER_EXPONENT:
        raise NumberLimit(value)
    return value


def shown_rounders(policy) -> dict[str, Callable]:
    """`intermediates: exact`: each output carried unrounded → the rounder that shows it."""
    rounding = policy.resolved.meta.get("rounding") or {}
    show = make_rounder(int(rounding.get("places", 2)), str(rounding.get("mode", "half_up")), exact=False)
    out = {}
    for node in policy.nodes:
        for part in (node, *getattr(node, "indicators", ())):
            if getattr(part, "round", None) is keep:
                out[part.name] = show
    return out


def show_rounded(rounder: Callable, value):
    """Apply a rounder to a value or to each item of an `each` value's tuple."""
    if isinstance(value, tuple):
        return tuple(rounder(v) for v in value)
    return rounder(value)
