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

from kinerja.checks import run as run_checks
from kinerja.compile.positions import Locator
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


def compile_cycle(resolved, fields: dict, types: dict, locator: Locator, findings: list[Finding]) -> Cycle | None:
    """The `cycle` section as a `Cycle`, after checking it against the policy's fields and outputs (K230)."""
    spec = resolved.meta.get("cycle")
    doc = resolved.cycle_doc
    if not isinstance(spec, dict) or doc is None:
        return None
    rules = resolved.sections["rules"]
    findings.extend(locator.all(doc, run_checks("cycle", spec, fields, types, rules, doc is resolved.doc)))
    cycle = Cycle()
    periods = spec.get("periods")
    if isinstance(periods, dict):
        cycle.period_field = periods.get("field")
        cycle.months = {str(k): int(v) for k, v in (periods.get("months") or {}).items()}
        cycle.months_field = periods.get("months_field")
    cycle.annual_rules = frozenset(r for r in spec.get("annual_rules") or [] if r in rules)
    annual = spec.get("annual")
    if isinstance(annual, dict):
        rater = dict(annual.get("rater") or {})
        if any(name not in fields for name in rater):
            # a policy that computes a rating its parent reads from the record (an agency's 360
            # rating) cannot take the rater's annual value of it: the declared fallback applies
            rater = {}
        cycle.annual = Annual(annual.get("output", ""), rater, tuple(annual.get("otherwise") or ("last_period",)),
                              tuple(annual.get("sum") or ()))
    return cycle
