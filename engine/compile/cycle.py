"""The appraisal cycle a policy declares (`cycle:`): periods and the annual rule.

PermenPANRB 6/2022 has periodic evaluations (monthly or quarterly, as the instansi sets)
and an annual one (domain.md §1.6, §7). A records file may then hold one row per employee
per period. The policy says which field names the period, how many months each covers,
and how the annual result is reached: the rater's annual ratings when the record carries
them, else a declared fallback (the year's last period [U], the most frequent predikat),
with outputs such as angka kredit summed over the periods (Peraturan BKN 3/2023: bulan/12
per period, accumulating across jabatan changes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kinerja.i18n import _
from kinerja.findings import Finding

FALLBACKS = ("last_period", "most_frequent")


@dataclass
class Annual:
    output: str
    rater: dict[str, str] = field(default_factory=dict)  # period field → the field with the rater's annual value
    otherwise: tuple[str, ...] = ("last_period",)
    sum: tuple[str, ...] = ()


@dataclass
class Cycle:
    period_field: str | None = None
    months: dict[str, int] = field(default_factory=dict)  # period value → months, in the order of the year
    months_field: str | None = None
    annual: Annual | None = None
    annual_rules: frozenset = frozenset()  # rule ids that never fire on a period row

    @property
    def last_period(self) -> str | None:
        return list(self.months)[-1] if self.months else None

    def fill_months(self, raw: dict) -> dict:
        """A row without the months field takes its period's months (TW2 → 3)."""
        if not self.months_field or not isinstance(raw, dict):
            return raw
        current = raw.get(self.months_field)
        if current is not None and not (isinstance(current, str) and not current.strip()):
            return raw
        periode = raw.get(self.period_field)
        months = self.months.get(str(periode).strip()) if periode is not None else None
        if months is None:
            return raw
        return {**raw, self.months_field: months}


def compile_cycle(resolved, fields: dict, types: dict, findings: list[Finding]) -> Cycle | None:
    """Check the `cycle` section against the policy's fields and outputs (findings K230)."""
    spec = resolved.meta.get("cycle")
    doc = resolved.cycle_doc
    if not isinstance(spec, dict) or doc is None:
        return None

    def bad(message: str, path: list, hint: str | None = None) -> None:
        findings.append(doc.finding("K230", message, ["cycle", *path], hint))

    cycle = Cycle()
    periods = spec.get("periods")
    if isinstance(periods, dict):
        name = periods.get("field")
        f = fields.get(name)
        months = {str(k): int(v) for k, v in (periods.get("months") or {}).items()}
        if f is None or f.type != "enum":
            bad(_("the period field `{name}` must be an enum field of this policy").format(name=name), ["periods", "field"])
        elif set(months) != set(f.values or ()):
            missing = [v for v in f.values or () if v not in months]
            extra = [v for v in months if v not in (f.values or ())]
            bad(_("`months` must list every value of `{name}` and nothing else").format(name=name)
                + (_("; missing: {value}").format(value=', '.join(missing)) if missing else "")
                + (_("; not values of the field: {value}").format(value=', '.join(extra)) if extra else ""), ["periods", "months"])
        mf = periods.get("months_field")
        if mf is not None and (mf not in fields or fields[mf].type not in ("integer", "number")):
            bad(_("`months_field: {mf}` must be a number field of this policy").format(mf=mf), ["periods", "months_field"])
        cycle.period_field, cycle.months, cycle.months_field = name, months, mf
    rules = resolved.sections["rules"]
    for i, rid in enumerate(spec.get("annual_rules") or []):
        if rid not in rules and doc is resolved.doc:  # a child that disabled an inherited rule has nothing to skip
            import difflib
            close = difflib.get_close_matches(str(rid), list(rules), n=1, cutoff=0.6)
            bad(_("`{rid}` in annual_rules is not a rule of this policy").format(rid=rid), ["annual_rules", i],
                _("did you mean \"{close}\"?").format(close=close[0]) if close else None)
    cycle.annual_rules = frozenset(r for r in spec.get("annual_rules") or [] if r in rules)
    annual = spec.get("annual")
    if isinstance(annual, dict):
        if not isinstance(periods, dict):
            bad(_("an annual rule needs `periods`"), ["annual"])
        output = annual.get("output")
        if output not in types or output in fields:
            bad(_("`{output}` is not an output of this policy").format(output=output), ["annual", "output"])
        rater = dict(annual.get("rater") or {})
        for period_name, annual_name in rater.items():
            if annual_name not in fields:
                bad(_("`{annual_name}` (the rater's annual {period_name}) must be a field of this policy").format(annual_name=annual_name, period_name=period_name),
                    ["annual", "rater", period_name])
            elif period_name in fields and (fields[period_name].type != fields[annual_name].type or
                                            fields[period_name].values != fields[annual_name].values):
                bad(_("`{annual_name}` must have the same type and values as `{period_name}`").format(annual_name=annual_name, period_name=period_name),
                    ["annual", "rater", period_name])
        if any(name not in fields for name in rater):
            # a policy that computes a rating its parent reads from the record (an agency's 360
            # rating) cannot take the rater's annual value of it: the declared fallback applies
            rater = {}
        for i, name in enumerate(annual.get("sum") or []):
            if name not in types or name in fields or types[name].kind not in ("number", "any"):
                bad(_("`{name}` in sum must be a number output of this policy").format(name=name), ["annual", "sum", i])
        cycle.annual = Annual(output, rater, tuple(annual.get("otherwise") or ("last_period",)),
                              tuple(annual.get("sum") or ()))
    return cycle
