"""Bands: ordered, covering their input's range without gaps or overlaps, every entry reachable."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal

from kinerja.checks.registry import Issue, check
from kinerja.checks.weights import shown as _n
from kinerja.i18n import _
from kinerja.model import Band


@check("band")
def ordered(spec: dict, band: Band, resolution: Decimal, field: dict) -> Iterator[Issue]:
    """Bands are ordered, and cover the declared range without gaps or overlaps (K204-K206)."""
    specs = spec.get("bands") or []
    mins = [Decimal(str(b["min"])) for b in specs]
    ascending = all(a < b for a, b in itertools.pairwise(mins))
    descending = all(a > b for a, b in itertools.pairwise(mins))
    if not (ascending or descending):
        for i in range(1, len(mins)):
            if (mins[i] - mins[i - 1]) * (1 if mins[1] > mins[0] else -1) <= 0 or mins[i] == mins[i - 1]:
                yield Issue("K204", _("band \"{specs}\" (min {value}) is out of order: list bands from highest to "
                                      "lowest min (or lowest to highest), each min once")
                            .format(specs=specs[i]['label'], value=_n(mins[i])), ("bands", i, "min"))
                return
    order = sorted(range(len(specs)), key=lambda i: mins[i])
    by_min = {b.min: b for b in band.bands}  # mins are distinct once ordered
    for lo_i, hi_i in itertools.pairwise(order):
        lo, hi = by_min[mins[lo_i]], by_min[mins[hi_i]]
        if lo.upper is None:
            continue
        if lo.inclusive:
            gap = hi.min - lo.upper > resolution if resolution else hi.min > lo.upper
            overlap = lo.upper >= hi.min
        else:
            gap, overlap = lo.upper < hi.min, lo.upper > hi.min
        if gap:
            edge = (_("above {value}") if lo.inclusive else _("from {value}")).format(value=_n(lo.upper))
            yield Issue("K205", _("gap between bands \"{label}\" and \"{label2}\": values {edge} up to {value} fall "
                                  "in no band").format(label=lo.label, label2=hi.label, edge=edge, value=_n(hi.min)),
                        ("bands", lo_i), _("set {key} of \"{label}\" to reach {value}, or leave it out").format(
                            key="max" if lo.inclusive else "below", label=lo.label, value=_n(hi.min)))
        elif overlap:
            yield Issue("K206", _("bands \"{label}\" and \"{label2}\" overlap at {value}")
                        .format(label=lo.label, label2=hi.label, value=_n(hi.min)), ("bands", lo_i),
                        _("an upper bound given with `below` is exclusive, with `max` inclusive"))
    if band.range_min is not None and mins and min(mins) > band.range_min:
        i = order[0]
        yield Issue("K205", _("gap below the lowest band: values from {value} up to {value2} fall in no band")
                    .format(value=_n(band.range_min), value2=_n(min(mins))), ("bands", i, "min"),
                    _("set min of \"{specs}\" to {value}").format(specs=specs[i]['label'], value=_n(band.range_min)))
    top = by_min[mins[order[-1]]] if order else None
    if top is not None and top.upper is not None and band.range_max is not None:
        short = top.upper < band.range_max if top.inclusive else top.upper <= band.range_max
        if short:
            yield Issue("K205", _("gap above the highest band: values above {value} up to {value2} fall in no band")
                        .format(value=_n(top.upper), value2=_n(band.range_max)), ("bands", order[-1]))


@check("band")
def reachable(spec: dict, band: Band, resolution: Decimal, field: dict) -> Iterator[Issue]:
    """Every band entry can be hit by some value of its input (K221): its upper bound is above its
    min, and it lies inside the input's declared range. Such an entry's label is never given,
    which the ordering checks cannot see: an empty top band leaves no gap, and nothing above
    the range is a gap."""
    specs = spec.get("bands") or []
    mins = [Decimal(str(b["min"])) for b in specs]
    if len(set(mins)) != len(mins):
        return  # two bands with one min are out of order (K204)
    higher = sorted(mins)
    # the input is rounded (`round:`) before the lookup, so it reaches its range's ends rounded
    range_min, range_max = (band.range_min, band.range_max) if band.round is None else \
        (band.round(band.range_min), band.round(band.range_max))
    for i, entry in enumerate(specs):
        lo, key = mins[i], "below" if "below" in entry else "max" if "max" in entry else None
        hi: Decimal | None
        if key is not None:
            hi, inclusive = Decimal(str(entry[key])), key == "max"
        else:  # up to the next band's min, or without end
            above = [m for m in higher if m > lo]
            hi, inclusive = (above[0] if above else None), False
        empty = hi is not None and (hi < lo or (hi == lo and not inclusive))
        if key is not None and hi is not None and empty:
            yield Issue("K221", _("band \"{label}\" can never be reached: {key} {hi} is not above its min {lo}")
                        .format(label=entry["label"], key=key, hi=_n(hi), lo=_n(lo)), ("bands", i, key),
                        _("give the band an upper bound above its min, or remove it"))
        elif not empty and range_max is not None and lo > range_max:
            yield Issue("K221", _("band \"{label}\" can never be reached: it starts at {lo}, but `{input}` is at "
                                  "most {value}").format(label=entry["label"], lo=_n(lo), input=band.input,
                                                         value=_n(range_max)), ("bands", i, "min"),
                        _("lower its min, or remove the band"))
        elif not empty and hi is not None and range_min is not None and \
                (hi < range_min or (hi == range_min and not inclusive)):
            words = _("band \"{label}\" can never be reached: it ends at {hi}, but `{input}` is at least {value}") \
                if inclusive else \
                _("band \"{label}\" can never be reached: it ends below {hi}, but `{input}` is at least {value}")
            yield Issue("K221", words.format(label=entry["label"], hi=_n(hi), input=band.input,
                                             value=_n(range_min)),
                        ("bands", i, key or "min"), _("raise its bounds, or remove the band"))


@check("band")
def range_covers_input(spec: dict, band: Band, resolution: Decimal, field: dict) -> Iterator[Issue]:
    """A band's own `range` narrower than its input field's min and max (K218): the gap checks
    stop at the range, so a value of the field beyond it may fall in no band."""
    rng = spec.get("range") or {}
    for end in ("min", "max"):
        mine, theirs = rng.get(end), field.get(end)
        if mine is None or theirs is None:
            continue
        narrower = Decimal(str(mine)) > Decimal(str(theirs)) if end == "min" else \
            Decimal(str(mine)) < Decimal(str(theirs))
        if narrower:
            yield Issue("K218", _("range {end} {value} is narrower than `{input}`'s {end} {value2}: values beyond it "
                                  "are not checked against the bands").format(end=end, value=_n(Decimal(str(mine))),
                                                                              input=band.input,
                                                                              value2=_n(Decimal(str(theirs)))),
                        ("range", end), _("widen `range` to the field's min and max, or leave it out"))
