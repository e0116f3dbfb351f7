"""`evaluate --annual`: one annual result per employee from the employee's period rows.

The rows of one employee must stand together in the file (any order of periods within
them); only that employee's rows are held, plus the set of NIPs already finished (about
100 bytes each), so memory grows with the employees, never with the rows. Rows of a NIP
that appear again after other employees get an annual result with an error (K622) that
says to sort the file by NIP, never a silent second year.

The annual record is the row of the latest period, with the rater's annual ratings put in
when the policy declares them and the row carries them all; otherwise the annual output
comes from the declared fallback. Summed outputs (angka kredit) are the sum over the
periods' own results, so a jabatan change mid-year counts each period at its own jenjang.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from kinerja.compile.cycle import Cycle
from kinerja.evaluate.evaluator import Evaluator, Result
from kinerja.i18n import _
from kinerja.records.source import Source
from kinerja.records.units import FILLED

PERIOD_ANNUAL = "tahunan"


class _Employee:
    def __init__(self, nip: str):
        self.nip = nip
        self.rows: list[tuple[Source, Result, str]] = []  # (source, result, periode)
        self.extra = 0  # rows past the most one employee can have: counted, not held


class AnnualRun:
    """Feed it each periodic result in file order; it hands back the results to write."""

    def __init__(self, evaluator: Evaluator, cycle: Cycle, units=None):
        """`units`: the units file, whose annual predikat organisasi (its rows without a periode)
        the annual record takes instead of the last period's."""
        if cycle.annual is None:  # the CLI refuses --annual for such a policy first
            raise ValueError("the policy's cycle has no annual rule")
        self.evaluator, self.cycle, self.annual, self.units = evaluator, cycle, cycle.annual, units
        self.order = {p: i for i, p in enumerate(cycle.months)}
        self.most = 2 * len(cycle.months)  # rows held per employee; more are surely duplicates (K621)
        self.current: _Employee | None = None
        self.done: dict[str, int] = {}  # NIP → the first row of its finished group
        self.missing = 0  # employees with a period missing (K620), for the summary

    def add(self, source: Source, result: Result) -> list[Result]:
        """The results to write now: the previous employee's annual result when this row starts
        another employee, then this row's own result."""
        out: list[Result] = []
        nip = result.nip
        if self.current is not None and self.current.nip != nip:
            out.append(self._close())
        if nip:
            if self.current is None:
                self.current = _Employee(nip)
            periode = _text(source.data.get(self.cycle.period_field)) if isinstance(source.data, dict) else ""
            if len(self.current.rows) < self.most:
                self.current.rows.append((source, result, periode))
            else:
                self.current.extra += 1
        out.append(result)
        return out

    def finish(self) -> list[Result]:
        return [self._close()] if self.current is not None else []

    def _close(self) -> Result:
        emp, self.current = self.current, None
        assert emp is not None
        rows = [src.row for src, _result, _periode in emp.rows]
        last_src = emp.rows[-1][0]
        info = {"periode": PERIOD_ANNUAL, "periods": [], "rows": rows, "basis": ""}

        def error(code: str, reason: str) -> Result:
            info["basis"] = reason
            return Result(last_src.row, "error", emp.nip, errors=[{"code": code, "reason": reason}],
                          where=last_src.where, raw=last_src.data, annual=info)

        first = self.done.get(emp.nip)
        if first is not None:
            return error("K622", _("rows of NIP {nip} are not together (the first ones end before row {rows}, from row "
                                   "{first}); sort the records by NIP for --annual").format(nip=emp.nip, rows=rows[0],
                                                                                            first=first))
        self.done[emp.nip] = rows[0]
        if emp.extra:
            return error("K621", _("{value} rows for one employee, more than the {order} periods of the "
                                   "year twice over").format(value=len(rows) + emp.extra, order=len(self.order)))
        seen: dict[str, list[int]] = {}
        for src, _result, periode in emp.rows:
            seen.setdefault(periode, []).append(src.row)
        info["periods"] = [p for p in self.cycle.months if p in seen]
        twice = [f"{p} (rows {', '.join(map(str, r))})" for p, r in seen.items() if len(r) > 1]
        if twice:
            return error("K621", _("periode given twice: ") + "; ".join(twice))
        broken = [f"{src.row}" + (f" ({periode})" if periode else "") for src, r, periode in emp.rows
                  if r.status == "error"]
        if broken:
            return error("K406", _("the annual result needs every period; row(s) with errors: ") + ", ".join(broken))
        unknown = [p for p in seen if p not in self.order]
        if unknown:
            return error("K621", _("rows without a known periode: ") + ", ".join(p or _("(kosong)") for p in unknown))
        appraised = sorted(((src, r, p) for src, r, p in emp.rows if r.ok), key=lambda t: self.order[t[2]])
        missing = [p for p in self.cycle.months if p not in seen]
        notes = [_("periode {periods} not in the records (K620)").format(periods=", ".join(missing))] if missing else []
        self.missing += bool(missing)
        if not appraised:
            reasons = "; ".join(a.get("reason", "") for _src, r, _periode in emp.rows for a in r.actions)
            info["basis"] = _("no period was appraised: ") + reasons
            return Result(last_src.row, "excluded", emp.nip, actions=emp.rows[-1][1].actions, where=last_src.where,
                          raw=last_src.data, annual=info)
        return self._annual(emp, appraised, info, notes)

    def _annual(self, emp: _Employee, appraised: list, info: dict, notes: list[str]) -> Result:
        annual = self.annual
        src = appraised[-1][0]
        raw = dict(src.data)
        fixed: dict = {}
        rater = annual.rater
        given = None  # the rater's annual ratings: from the latest row that carries them all
        for row_src, _result, _periode in reversed(emp.rows):
            data = row_src.data if isinstance(row_src.data, dict) else {}
            if rater and all(_text(data.get(v)) for v in rater.values()):
                given = {k: data.get(v) for k, v in rater.items()}
                break
        if given is not None:
            raw.update(given)
            basis = _("{output} from the rater's annual ratings ({value})").format(output=annual.output,
                                                                                   value=', '.join(rater.values()))
        else:
            value, how = self._fallback(appraised)
            if value is None:
                info["basis"] = _("no annual {output}: the rater's annual ratings are empty and "
                                  "{value} gives none").format(output=annual.output, value=' / '.join(annual.otherwise))
                return Result(src.row, "error", emp.nip, errors=[{"code": "K406", "reason": info["basis"]}],
                              where=src.where, raw=src.data, annual=info)
            fixed[annual.output] = value
            basis = f"{annual.output} {value} from {how}"
        for name in annual.sum:
            parts = [r.outputs.get(name) for _src, r, _periode in appraised]
            numbers = [p for p in parts if isinstance(p, Decimal)]
            fixed[name] = sum(numbers, Decimal(0)) if numbers else None
            if numbers:
                basis += f"; {name} = " + " + ".join(str(p) for p in numbers) + f" = {fixed[name]}"
        field = self.cycle.months_field
        if field:  # the months appraised in the year: each period's own (a CPNS may have fewer)
            months = sum(((r.env or {}).get(field) or Decimal(self.cycle.months.get(p, 0)) for _src, r, p in appraised),
                         Decimal(0))
            raw[field] = min(months, Decimal(12))
        if self.cycle.period_field:
            raw[self.cycle.period_field] = None
        if self.units is not None:
            wanted = {n for n in FILLED if n in self.evaluator.policy.fields}
            raw = self.units.fill({k: v for k, v in raw.items() if k not in wanted}, wanted, None)
        info["basis"] = "; ".join([basis] + notes)
        info["from_periods"] = list(fixed)  # outputs taken from the periods, not computed on the annual record
        ev = self.evaluator
        values, problems = ev.coercer.coerce(raw, ev.policy.params, None, src.decimal_comma)
        result = ev.evaluate_coerced(Source(src.row, raw, src.where, decimal_comma=src.decimal_comma), values,
                                     problems, fixed)
        result.annual = info
        return result

    def _fallback(self, appraised: list) -> tuple[str | None, str]:
        output = self.annual.output
        for way in self.annual.otherwise:
            if way == "last_period":
                last = self.cycle.last_period
                hit = next((r for _src, r, p in appraised if p == last), None)
                if hit is not None and hit.outputs.get(output) is not None:
                    return hit.outputs[output], _("the last period ({last})").format(last=last)
            elif way == "most_frequent":
                values = [r.outputs.get(output) for _src, r, _periode in appraised if r.outputs.get(output) is not None]
                if values:
                    counts = Counter(values)
                    top = max(counts.values())
                    value = next(v for v in reversed(values) if counts[v] == top)  # a tie goes to the later period
                    return value, _("the most frequent of the periods ({counts} "
                                    "of {values})").format(counts=counts[value], values=len(values))
        return None, ""


def _text(v) -> str:
    return "" if v is None else str(v).strip()
