"""Scorecards: indicator weights total exactly 100."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kinerja.checks.registry import Issue, check
from kinerja.i18n import _, num


def shown(d: Decimal) -> str:
    """A number in a message: `95`, `87.5` (`87,5` in Indonesian)."""
    return num(d.normalize() if d == d.to_integral_value() else d)


@check("scorecard")
def total_100(weights: list[tuple[str, Decimal]]) -> Iterator[Issue]:
    """Indicator weights of a scorecard total exactly 100 (Decimal, so no 99.99 surprises)."""
    total = sum((w for _name, w in weights), Decimal(0))
    if total != 100:
        listed = " + ".join(f"{name} {shown(w)}" for name, w in weights)
        yield Issue("K203", _("weights total {value}, expected 100").format(value=shown(total)), ("indicators",),
                    _("{listed} = {value}").format(listed=listed, value=shown(total)), key=True)
