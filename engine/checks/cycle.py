"""The `cycle` section fits the policy: its period field, months, annual output and sums (K230)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from kinerja.checks.registry import Issue, check
from kinerja.i18n import _


def _bad(message: str, path: tuple, hint: str | None = None) -> Issue:
    return Issue("K230", message, ("cycle", *path), hint)


@check("cycle")
def periods_fit(spec: dict, fields: dict, types: dict, rules: dict, own: bool) -> Iterator[Issue]:
    """The period field is an enum whose every value has its months; the months field a number."""
    periods = spec.get("periods")
    if not isinstance(periods, dict):
        return
    name = periods.get("field")
    f = fields.get(name)
    months = {str(k): int(v) for k, v in (periods.get("months") or {}).items()}
    if f is None or f.type != "enum":
        yield _bad(_("the period field `{name}` must be an enum field of this policy").format(name=name),
                   ("periods", "field"))
    elif set(months) != set(f.values or ()):
        missing = [v for v in f.values or () if v not in months]
        extra = [v for v in months if v not in (f.values or ())]
        yield _bad(_("`months` must list every value of `{name}` and nothing else").format(name=name)
                   + (_("; missing: {value}").format(value=', '.join(missing)) if missing else "")
                   + (_("; not values of the field: {value}").format(value=', '.join(extra)) if extra else ""),
                   ("periods", "months"))
    mf = periods.get("months_field")
    if mf is not None and (mf not in fields or fields[mf].type not in ("integer", "number")):
        yield _bad(_("`months_field: {mf}` must be a number field of this policy").format(mf=mf),
                   ("periods", "months_field"))


@check("cycle")
def annual_rules_known(spec: dict, fields: dict, types: dict, rules: dict, own: bool) -> Iterator[Issue]:
    """`annual_rules` names rules of this policy (a child that disabled an inherited rule has
    nothing to skip, so only the policy's own list is checked)."""
    for i, rid in enumerate(spec.get("annual_rules") or []):
        if rid not in rules and own:
            close = difflib.get_close_matches(str(rid), list(rules), n=1, cutoff=0.6)
            yield _bad(_("`{rid}` in annual_rules is not a rule of this policy").format(rid=rid), ("annual_rules", i),
                       _("did you mean \"{close}\"?").format(close=close[0]) if close else None)


@check("cycle")
def annual_fits(spec: dict, fields: dict, types: dict, rules: dict, own: bool) -> Iterator[Issue]:
    """The annual rule needs periods, names an output, reads the rater's annual values from
    fields like the periodic ones, and sums number outputs."""
    annual = spec.get("annual")
    if not isinstance(annual, dict):
        return
    if not isinstance(spec.get("periods"), dict):
        yield _bad(_("an annual rule needs `periods`"), ("annual",))
    output = annual.get("output")
    if output not in types or output in fields:
        yield _bad(_("`{output}` is not an output of this policy").format(output=output), ("annual", "output"))
    for period_name, annual_name in dict(annual.get("rater") or {}).items():
        if annual_name not in fields:
            yield _bad(_("`{annual_name}` (the rater's annual {period_name}) must be a field of this policy")
                       .format(annual_name=annual_name, period_name=period_name), ("annual", "rater", period_name))
        elif period_name in fields and (fields[period_name].type != fields[annual_name].type or
                                        fields[period_name].values != fields[annual_name].values):
            yield _bad(_("`{annual_name}` must have the same type and values as `{period_name}`")
                       .format(annual_name=annual_name, period_name=period_name), ("annual", "rater", period_name))
    for i, name in enumerate(annual.get("sum") or []):
        if name not in types or name in fields or types[name].kind not in ("number", "any"):
            yield _bad(_("`{name}` in sum must be a number output of this policy").format(name=name),
                       ("annual", "sum", i))
