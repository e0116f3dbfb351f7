"""Why two results for the same record differ: which value, band, table row or rule condition
diverged between policy A and policy B, with the values involved on both sides.

An output whose inputs differ is reported as following from them; only an output whose inputs
are equal but whose result is not gets a node-specific reason (band thresholds, matched table
rows, expressions, weights). Actions name the rule conditions whose truth differs. Every band
entry, table row and condition truth named here is read from the two results' decision traces
(model/trace.py): what each evaluation decided, never decided again.
"""

from __future__ import annotations

from typing import Any

from kinerja.i18n import N_, _
from kinerja.model import Band, BandStep, Condition, Policy, Scorecard, Table, TableStep, Trace, Value, ValueStep
from kinerja.values import format_value
from kinerja.values import quoted as show


def node_inputs(node) -> set[str]:
    """The names a computed node reads."""
    if node is None:
        return set()
    if isinstance(node, Band):
        return {node.input}
    if isinstance(node, Table):
        return set(node.inputs)
    names: set[str] = set()
    if isinstance(node, Value):
        names |= set(node.expr.names)
        if node.each:
            names.add(node.each)
    elif isinstance(node, Scorecard):
        for ind in node.indicators:
            names |= set(ind.score.names)
    for cond in node.when:
        names |= set(cond.names)
    return names - set(node.outputs())


def _band_range(band: Band, hit: BandStep | None) -> str:
    x = band.input
    if hit is None or hit.entry is None:
        return _("no band")
    if hit.upper is None:
        return f"{x} ≥ {format_value(hit.min)}"
    op = "≤" if hit.inclusive else "<"
    return f"{format_value(hit.min)} ≤ {x} {op} {format_value(hit.upper)}"


def _row_text(table: Table, hit: TableStep | None) -> str:
    """The row evaluation chose under the table's hit policy, or its default."""
    if hit is not None and hit.row is not None:
        row = table.rows[hit.row]
        cells = " | ".join(str(c) for c in row.cells)
        return _("row {value} [{cells} → {output}]").format(value=row.index + 1, cells=cells,
                                                            output=format_value(row.output))
    if hit is not None and hit.default:
        return _("default {value}").format(value=show(table.default))
    return _("no row")


def _truth_of(condition: Condition) -> Any:
    return _("error: {error}").format(error=condition.error) if condition.error else condition.held


def _step(trace: Trace | None, name: str):
    return trace.node(name) if trace is not None else None


class Differ:
    """Built once per comparison: caches each policy's nodes, rules and rule conditions."""

    def __init__(self, a: Policy, b: Policy):
        self.a, self.b = a, b
        self.nodes = (a.node_by_output(), b.node_by_output())
        self.rules = ({r.id: r for r in a.rules}, {r.id: r for r in b.rules})

    # --- outputs -------------------------------------------------------------------------

    def output_reason(self, name: str, ea: dict, eb: dict, ta: Trace | None = None, tb: Trace | None = None) -> str:
        """Why output `name` differs: `ea`/`eb` the two results' values, `ta`/`tb` their traces."""
        na, nb = self.nodes[0].get(name), self.nodes[1].get(name)
        upstream = sorted(d for d in node_inputs(na) | node_inputs(nb) if ea.get(d) != eb.get(d))
        if upstream:
            return _("follows from ") + ", ".join(f"{d} ({show(ea.get(d))} → {show(eb.get(d))})" for d in upstream)
        if na is None or nb is None or type(na) is not type(nb):
            return _("computed by {value} in A and by {value2} in B").format(
                value=getattr(na, "kind", "nothing"), value2=getattr(nb, "kind", "nothing"))
        return getattr(self, "_" + na.kind)(na, nb, ea, eb, _step(ta, na.name), _step(tb, nb.name))

    def _band(self, a: Band, b: Band, ea, eb, ha, hb) -> str:
        ha = ha if isinstance(ha, BandStep) else None
        hb = hb if isinstance(hb, BandStep) else None
        value = ha.value if ha is not None else ea.get(a.input)
        return _("{input} = {value} is {value2} under A ({value3}) and {value4} under B ({value5})").format(
            input=a.input, value=format_value(value), value2=format_value(ha.label if ha else None),
            value3=_band_range(a, ha), value4=format_value(hb.label if hb else None), value5=_band_range(b, hb))

    def _table(self, a: Table, b: Table, ea, eb, ha, hb) -> str:
        inputs = ", ".join(f"{n} = {show(ea.get(n))}" for n in a.inputs)
        ha = ha if isinstance(ha, TableStep) else None
        hb = hb if isinstance(hb, TableStep) else None
        return _("{inputs}: A matches {value}, B matches {value2}").format(inputs=inputs, value=_row_text(a, ha),
                                                                          value2=_row_text(b, hb))

    def _value(self, a: Value, b: Value, ea, eb, sa, sb) -> str:
        parts = []
        wa = [a.when[sa.unmet].text] if isinstance(sa, ValueStep) and sa.unmet is not None else []
        wb = [b.when[sb.unmet].text] if isinstance(sb, ValueStep) and sb.unmet is not None else []
        if wa != wb:
            if wa:
                parts.append(_("A's condition `{wa}` does not hold").format(wa=wa[0]))
            if wb:
                parts.append(_("B's condition `{wb}` does not hold").format(wb=wb[0]))
        if a.expr.text != b.expr.text:
            parts.append(_("A computes `{text}`, B computes `{text2}`").format(text=a.expr.text, text2=b.expr.text))
        elif not parts:
            parts.append(_("`{text}` is rounded differently").format(text=a.expr.text))
        return "; ".join(parts)

    def _scorecard(self, a: Scorecard, b: Scorecard, ea, eb, sa, sb) -> str:
        ia, ib = {i.name: i for i in a.indicators}, {i.name: i for i in b.indicators}
        parts = []
        for name in dict.fromkeys([*ia, *ib]):
            x, y = ia.get(name), ib.get(name)
            if x is None or y is None:
                parts.append(_("indicator {name} only in {side}").format(name=name, side="B" if x is None else "A"))
            elif x.weight != y.weight:
                parts.append(_("indicator {name}: weight {a} → {b}").format(name=name, a=format_value(x.weight),
                                                                            b=format_value(y.weight)))
            elif ea.get(name) != eb.get(name):
                parts.append(_("indicator {name}: score {value} → {value2}").format(
                    name=name, value=show(ea.get(name)), value2=show(eb.get(name))))
        return "; ".join(parts) or _("rounded differently")

    # --- actions -------------------------------------------------------------------------

    @staticmethod
    def conditions(rule, trace: Trace | None) -> dict[str, tuple[Any, Any]]:
        """Each top-level condition of the rule, as its trace judged it → (its truth, the expression)."""
        judged = trace.rule(rule.id) if trace is not None else None
        if judged is None:
            return {}
        return {c.text: (_truth_of(c), rule.conjuncts[c.index]) for c in judged.conditions}

    def action_reason(self, rid: str, ea: dict, eb: dict, acts_a: dict, acts_b: dict,
                      ta: Trace | None = None, tb: Trace | None = None) -> str:
        """Why action `rid` differs: the rule conditions whose truth the two traces disagree on."""
        ra, rb = self.rules[0].get(rid), self.rules[1].get(rid)
        if ra is None:
            return _("rule only in B") + ("" if rid in acts_a else _("; its conditions hold"))
        if rb is None:
            return _("rule only in A") + ("" if rid in acts_b else _("; its conditions hold"))
        ca, cb = self.conditions(ra, ta), self.conditions(rb, tb)
        parts = []
        for text in dict.fromkeys([*ca, *cb]):
            x, y = ca.get(text), cb.get(text)
            vx, vy = (x[0] if x else "absent"), (y[0] if y else "absent")
            if vx == vy:
                continue
            expr = x[1] if x else y[1] if y else None
            names = sorted((expr.names if expr is not None else set()) | (y[1].names if y else set()))
            values = "; ".join(f"{n} = {show(ea.get(n))}" + (f" → {show(eb.get(n))}" if ea.get(n) != eb.get(n)
                                                               else "") for n in names)
            parts.append(_("`{text}` is {value} under A and {value2} under B").format(
                text=text, value=_truth(vx), value2=_truth(vy))
                + (_(" ({values})").format(values=values) if values else ""))
        if not parts and rid in acts_a and rid in acts_b:
            x, y = acts_a[rid], acts_b[rid]
            for key in dict.fromkeys([*x, *y]):
                if key not in ("label", "reason") and x.get(key) != y.get(key):
                    parts.append(f"{key}: {show(x.get(key))} → {show(y.get(key))}")
        return "; ".join(parts) or _("the rule changed")


def _truth(v) -> str:
    words = {True: N_("true"), False: N_("false"), "absent": N_("absent")}
    return _(words[v]) if isinstance(v, (bool, str)) and v in words else str(v)
