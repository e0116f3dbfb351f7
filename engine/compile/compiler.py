"""Resolved policy → compiled `Policy`, with every semantic check reported as a finding.

Order: declare names (fields, params, outputs) → dependency graph of computed names (cycles
are K209) → compile expressions in dependency order, so each knows the types of what it
reads → check weights, bands, tables, reason texts. Nothing here evaluates a record.
"""

from __future__ import annotations

import ast
import difflib
import keyword
from decimal import Decimal
from typing import Any

import yaml

from kinerja.checks import static as checks
from kinerja.expr.language import (ANY, BOOL, DATE, LIST, NUMBER, STRING, Problem, Type, compile_expression, constant_beyond_limits,
                   enum, infer_type, parse)
from kinerja.findings import Finding, has_errors
from kinerja.i18n import N_, _
from kinerja.expr.functions import FUNCTIONS
from kinerja.limits import MAX_NUMBER_EXPONENT
from kinerja.policy.located import MAX_DIGITS, Scalar
from kinerja.model import (EXCLUDED_KIND, Band, BandDef, Cell, FieldDef, Indicator, Policy, Row, Rule, Scorecard, Table,
                    Value, keep, make_rounder, template_names)
from kinerja.policy.documents import Entry, Resolved, decimal_comma
from kinerja.suggest import close_match

FIELD_TYPES = {"string": STRING, "integer": NUMBER, "number": NUMBER, "boolean": BOOL, "date": DATE,
               "nip": STRING, "list": LIST}
CMP_PREFIXES = (">=", "<=", "!=", "==", ">", "<")
MAX_REASON_FINDINGS = 20  # unknown placeholders located one by one in one reason text
MAX_LOCATED_TEXT = 20_000  # a longer text's findings point at its start (locating inside is linear in it)

# The sections of a policy as a message names one entry of them ("declared twice: as a field").
SECTION_NAMES = {"fields": N_("field"), "params": N_("param"), "values": N_("value"), "bands": N_("band"),
                 "tables": N_("table"), "scorecards": N_("scorecard"), "rules": N_("rule")}


class Compiler:
    def __init__(self, resolved: Resolved):
        self.r = resolved
        self.findings: list[Finding] = []
        self.types: dict[str, Type] = {}
        self.declared: dict[str, Entry] = {}
        self.item_types: dict[str, Type] = {}  # each-values, as seen inside their item scope
        rounding = resolved.meta.get("rounding") or {}
        self.places = int(rounding.get("places", 2))
        self.mode = str(rounding.get("mode", "half_up"))
        self.rounder = make_rounder(self.places, self.mode, exact=False)
        # `intermediates: exact` carries a number without its own `places` unrounded; it is
        # rounded (by self.rounder) only where it is shown: outputs, reasons, action params.
        self.exact = rounding.get("intermediates", "rounded") == "exact"
        self.shown: dict = {}  # output name → rounder applied when shown (exact mode only)
        self._lines: dict[int, tuple] = {}

    def default_round(self, name: str, places=None):
        """The rounder of a computed number: its own `places`, else the policy's statement."""
        if places is not None:
            return make_rounder(places, self.mode)
        if self.exact:
            self.shown[name] = self.rounder
            return keep
        return self.rounder

    # --- locations ------------------------------------------------------------------------

    def expr_finding(self, entry: Entry, sub: list, p: Problem, text: str) -> Finding:
        node = entry.node(sub)
        line, col = (node.line, node.column) if node is not None else (1, 1)
        if isinstance(node, Scalar) and node.source == text and len(text) <= MAX_LOCATED_TEXT:
            lines = text.split("\n")
            offset = sum(len(s) + 1 for s in lines[:max(p.line, 1) - 1]) + p.column - 1
            line, col = source_position(self.lines_of(entry.doc), node, min(max(offset, 0), len(text))) \
                or (line, col)
        where = "/".join(str(s) for s in [entry.section, entry.name, *sub])
        return Finding(p.code, _("{message} (in {where})").format(message=p.message, where=where), entry.file, line, col,
                       entry.finding("K000", "", sub).path, p.hint)

    def lines_of(self, doc) -> list[str]:
        """The lines of a policy file, split once (a policy with thousands of findings stays linear)."""
        cached = self._lines.get(id(doc))
        if cached is None or cached[0] is not doc:
            cached = self._lines[id(doc)] = (doc, doc.text.splitlines())
        return cached[1]

    def compile_expr(self, entry: Entry, sub: list, text: Any, names: dict[str, Type], condition=False):
        expr, problems = compile_expression(text, names, condition=condition)
        beyond = constant_beyond_limits(expr) if expr is not None else None
        if beyond is not None:
            problems, expr = [beyond], None
        seen = set()
        for p in problems:
            if (p.code, p.line, p.column, p.message) not in seen:
                seen.add((p.code, p.line, p.column, p.message))
                self.findings.append(self.expr_finding(entry, sub, p, str(text)))
        return expr

    def conditions(self, entry: Entry, key: str, names) -> list:
        raw = entry.spec.get(key) if isinstance(entry.spec, dict) else None
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for i, text in enumerate(items):
            sub = [key, i] if isinstance(raw, list) else [key]
            expr = self.compile_expr(entry, sub, text, names, condition=True)
            if expr is not None:
                out.append(expr)
        return out

    # --- names ----------------------------------------------------------------------------

    def declare(self, name: str, entry: Entry, sub: list | None = None) -> None:
        if keyword.iskeyword(name) or name in ("true", "false", "none"):
            self.findings.append(entry.finding("K106", _("\"{name}\" is a reserved word and cannot be a name").format(name=name),
                                               sub, key=True))
        elif name in FUNCTIONS:
            self.findings.append(entry.finding("K214", _("\"{name}\" is the name of a function").format(name=name), sub,
                                               _("choose another name"), key=True))
        elif name in self.declared:
            first = self.declared[name]
            self.findings.append(entry.finding(
                "K214", _("\"{name}\" is declared twice: as {section} at {file}:{line} and as {section2} here").format(name=name, section=_(SECTION_NAMES.get(first.section, first.section)), file=first.file, line=(first.node() or entry.node()).line, section2=_(SECTION_NAMES.get(entry.section, entry.section))), sub, key=True))
            return
        self.declared[name] = entry

    # --- sections -------------------------------------------------------------------------

    def compile_fields(self) -> dict[str, FieldDef]:
        fields = {}
        for name, entry in self.r.sections["fields"].items():
            self.declare(name, entry)
            fields[name] = self.field_def(entry, name, entry.spec, [])
            self.types[name] = self.field_type(entry.spec)
        base_names = {**self.types, **{n: infer_type(e.spec) for n, e in self.r.sections["params"].items()}}
        for name, entry in self.r.sections["fields"].items():
            fields[name].required_when = self.conditions(entry, "required_when", base_names)
            fields[name].only_when = self.conditions(entry, "only_when", base_names)
            if fields[name].required and fields[name].required_when:
                self.findings.append(entry.finding("K217", _("field \"{name}\" is required and also has required_when").format(name=name), ["required_when"]))
        return fields

    def field_type(self, spec: dict) -> Type:
        if spec.get("type") == "enum":
            return enum(spec.get("values") or ())
        return FIELD_TYPES.get(spec.get("type"), ANY)

    def field_def(self, entry: Entry, name: str, spec: dict, sub: list) -> FieldDef:
        kind = spec.get("type")
        lo, hi = spec.get("min"), spec.get("max")
        f = FieldDef(name, kind, spec.get("label", ""), bool(spec.get("required")), spec.get("default"),
                     Decimal(str(lo)) if lo is not None else None, Decimal(str(hi)) if hi is not None else None,
                     tuple(spec["values"]) if spec.get("values") else None,
                     min_items=spec.get("min_items"), max_items=spec.get("max_items"),
                     aliases=tuple(spec.get("aliases") or ()), unit=spec.get("unit"))
        if f.unit and kind not in ("integer", "number"):
            self.findings.append(entry.finding("K217", _("field \"{name}\": unit applies to numbers only").format(name=name), sub + ["unit"]))
        if kind == "enum" and not f.values:
            self.findings.append(entry.finding("K217", _("enum field \"{name}\" needs a list of values").format(name=name), sub + ["type"]))
        if f.min is not None and f.max is not None and f.min > f.max:
            self.findings.append(entry.finding("K217", _("field \"{name}\": min {lo} is above max {hi}").format(name=name, lo=lo, hi=hi), sub + ["min"]))
        if (lo is not None or hi is not None) and kind not in ("integer", "number"):
            self.findings.append(entry.finding("K217", _("field \"{name}\": min/max apply to numbers only").format(name=name),
                                               sub + ["min" if lo is not None else "max"]))
        if kind == "list":
            items = spec.get("items") or {}
            if not items:
                self.findings.append(entry.finding("K217", _("list field \"{name}\" needs `items`").format(name=name), sub + ["type"]))
            f.items = {k: self.field_def(entry, k, v, sub + ["items", k]) for k, v in items.items()}
        elif spec.get("items") is not None:
            self.findings.append(entry.finding("K217", _("only list fields have `items`"), sub + ["items"]))
        if f.default is not None and f.required:
            self.findings.append(entry.finding("K217", _("field \"{name}\" is required, so its default is never used").format(name=name),
                                               sub + ["default"]))
        if f.default is not None and kind == "enum" and f.values and f.default not in f.values:
            self.findings.append(entry.finding("K217", _("default \"{default}\" is not one of the values").format(default=f.default),
                                               sub + ["default"]))
        return f

    def compile(self) -> Policy | None:
        fields = self.compile_fields()
        params = {}
        for name, entry in self.r.sections["params"].items():
            self.declare(name, entry)
            if decimal_comma(entry.spec):
                self.findings.append(entry.finding("K103", f'param "{name}" is text "{entry.spec}", not a number',
                                                   [], decimal_comma(entry.spec)))
            params[name] = Decimal(str(entry.spec)) if isinstance(entry.spec, (int, Decimal)) and \
                not isinstance(entry.spec, bool) else entry.spec
            self.types[name] = infer_type(params[name])
            if isinstance(params[name], Decimal) and params[name] and params[name].adjusted() > MAX_NUMBER_EXPONENT:
                self.findings.append(entry.finding(
                    "K105", _("param \"{name}\" is beyond the limit of 10^{value} (README \"Limits\")").format(name=name, value=MAX_NUMBER_EXPONENT + 1),
                    hint=_("every record that uses it would fail")))
        computed = self.declare_outputs()
        order = self.dependency_order(computed)
        for name, entry in self.declared.items():  # names in a cycle stay untyped: no second finding
            self.types.setdefault(name, ANY)
        nodes = []
        for key in order:
            node = self.compile_node(*computed[key])
            if node is not None:
                nodes.append(node)
        rules = self.compile_rules()
        population = self.compile_population()
        summary = self.compile_summary([n for node in nodes for n in node.outputs()])
        from kinerja.compile.cycle import compile_cycle
        cycle = compile_cycle(self.r, fields, self.types, self.findings)
        if has_errors(self.findings):
            return None
        labels = {n.name: list(self.types[n.name].labels) for n in nodes
                  if isinstance(n, Value) and n.name in self.types and self.types[n.name].labels}
        return Policy(self.r.id, str(self.r.meta.get("name", "")), str(self.r.meta.get("version", "")),
                      self.r.sha256(), fields, params, nodes, rules, self.r, population, cycle, labels, summary)

    def compile_summary(self, outputs: list[str]) -> list[str]:
        """`summary:` names outputs (for the table view); an unknown one is a finding."""
        names = self.r.meta.get("summary") or []
        for i, name in enumerate(names):
            if name not in outputs and name not in self.r.sections["fields"]:
                close = difflib.get_close_matches(name, outputs, n=1, cutoff=0.6)
                self.findings.append(self.r.doc.finding(
                    "K302", _("summary names \"{name}\", which is not an output or field of this policy").format(name=name), ["summary", i],
                    _("did you mean \"{close}\"?").format(close=close[0]) if close else None))
        return list(names)

    def declare_outputs(self) -> dict[str, tuple[str, Entry]]:
        """Primary name → (section, entry); indicator names are declared too."""
        out = {}
        for section in ("scorecards", "values", "bands", "tables"):
            for name, entry in self.r.sections[section].items():
                self.declare(name, entry)
                out[name] = (section, entry)
                if section == "scorecards":
                    for ind in (entry.spec.get("indicators") or {}):
                        self.declare(ind, entry, ["indicators", ind])
        return out

    def expressions_of(self, section: str, entry: Entry) -> list[str]:
        spec = entry.spec
        if section == "values":
            spec = {"expr": spec} if isinstance(spec, str) else spec
            texts = [spec.get("expr")] + _as_list(spec.get("when"))
        elif section == "scorecards":
            texts = [i.get("score") for i in (spec.get("indicators") or {}).values()] + _as_list(spec.get("when"))
        elif section == "bands":
            texts = [spec.get("input")]
        else:
            texts = list(spec.get("inputs") or [])
        return [t for t in texts if isinstance(t, str)]

    def dependency_order(self, computed: dict[str, tuple[str, Entry]]) -> list[str]:
        owner = {}
        for key, (section, entry) in computed.items():
            owner[key] = key
            if section == "scorecards":
                for ind in entry.spec.get("indicators") or {}:
                    owner[ind] = key
        deps: dict[str, list[str]] = {}
        for key, (section, entry) in computed.items():
            names = set()
            for text in self.expressions_of(section, entry):
                tree, _ = parse(text)
                if tree is not None:
                    names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            each = entry.spec.get("each") if section == "values" and isinstance(entry.spec, dict) else None
            item_names = set(self.item_fields(each)) if each else set()
            deps[key] = sorted({owner[n] for n in names - item_names  # a name reading itself is a cycle too
                                if n in owner and (owner[n] != key or n == key)})
        order, state = [], {}
        for start in computed:
            self._visit(start, deps, state, order, [], computed)
        return order

    def _visit(self, key, deps, state, order, stack, computed) -> None:
        if state.get(key) == "done":
            return
        if state.get(key) == "active":
            cycle = stack[stack.index(key):] + [key]
            entry = computed[cycle[0]][1]
            self.findings.append(entry.finding("K209", _("cycle among values: ") + " → ".join(cycle), [],
                                               _("a value cannot depend on itself, directly or through others"),
                                               key=True))
            return
        state[key] = "active"
        stack.append(key)
        for dep in deps[key]:
            self._visit(dep, deps, state, order, stack, computed)
        stack.pop()
        state[key] = "done"
        order.append(key)

    def item_fields(self, list_name: str) -> dict[str, Type]:
        entry = self.r.sections["fields"].get(list_name)
        if entry is None:
            return {}
        return {k: self.field_type(v) for k, v in (entry.spec.get("items") or {}).items()}

    def names(self) -> dict[str, Type]:
        return dict(self.types)

    def compile_node(self, section: str, entry: Entry):
        return getattr(self, "node_" + section)(entry)

    def node_scorecards(self, entry: Entry) -> Scorecard | None:
        spec = entry.spec
        names = self.names()
        inds, weights = [], []
        for name, ispec in (spec.get("indicators") or {}).items():
            score = self.compile_expr(entry, ["indicators", name, "score"], ispec.get("score"), names)
            weight = Decimal(str(ispec.get("weight", 0)))
            weights.append((name, weight))
            if score is not None:
                inds.append(Indicator(name, ispec.get("label", name), weight, score,
                                      self.default_round(name, ispec.get("places"))))
            self.types[name] = NUMBER
        self.findings.extend(checks.check_weights(entry, weights))
        self.types[entry.name] = NUMBER
        return Scorecard(entry.name, spec.get("label", entry.name), inds, self.conditions(entry, "when", names),
                         self.default_round(entry.name, spec.get("places")))

    def node_values(self, entry: Entry) -> Value | None:
        spec = {"expr": entry.spec} if isinstance(entry.spec, str) else entry.spec
        each = spec.get("each")
        names = self.names() if each else self.types  # a copy only when an item's fields join in
        if each:
            if self.types.get(each) != LIST:
                self.findings.append(entry.finding("K302", _("`each: {each}` needs a list field").format(each=each), ["each"]))
                return None
            names.update(self.item_fields(each))
            for other, e in self.r.sections["values"].items():
                if isinstance(e.spec, dict) and e.spec.get("each") == each and other in self.item_types:
                    names[other] = self.item_types[other]
        sub = ["expr"] if isinstance(entry.spec, dict) else []
        expr = self.compile_expr(entry, sub, spec.get("expr"), names)
        when = self.conditions(entry, "when", names) if isinstance(entry.spec, dict) else []
        self.types[entry.name] = LIST if each else (expr.type if expr is not None else ANY)
        if expr is None:
            return None
        if each:  # inside the item scope the value is one item's result, for later each-values
            self.types[entry.name] = LIST
            self.item_types[entry.name] = expr.type
        return Value(entry.name, spec.get("label", entry.name), expr, when,
                     self.default_round(entry.name, spec.get("places")), each)

    def node_bands(self, entry: Entry) -> Band | None:
        spec = entry.spec
        source = spec.get("input")
        if source not in self.types:
            self.findings.append(entry.finding("K302", _("unknown name `{source}` as band input").format(source=source), ["input"]))
            return None
        in_type = self.types[source]
        if in_type.kind not in ("number", "any"):
            self.findings.append(entry.finding("K305", _("band input `{source}` is {in_type}, not a number").format(source=source, in_type=in_type), ["input"]))
            return None
        specs = spec.get("bands") or []
        defs = []
        by_min = sorted(specs, key=lambda b: Decimal(str(b["min"])))
        for i, b in enumerate(by_min):
            upper, inclusive = None, False
            if "below" in b:
                upper = Decimal(str(b["below"]))
            elif "max" in b:
                upper, inclusive = Decimal(str(b["max"])), True
            elif i + 1 < len(by_min):
                upper = Decimal(str(by_min[i + 1]["min"]))
            defs.append(BandDef(b["label"], Decimal(str(b["min"])), upper, inclusive))
        defs.sort(key=lambda d: d.min, reverse=True)
        rng = spec.get("range") or {}
        field_entry = self.r.sections["fields"].get(source)
        fspec = field_entry.spec if field_entry else {}
        lo = rng.get("min", fspec.get("min"))
        hi = rng.get("max", fspec.get("max"))
        places = spec.get("round")
        band = Band(entry.name, spec.get("label", entry.name), source, defs,
                    Decimal(str(lo)) if lo is not None else None, Decimal(str(hi)) if hi is not None else None,
                    make_rounder(places, self.mode) if places is not None else None)
        if places is not None:
            resolution = Decimal(1).scaleb(-places)
        elif fspec.get("type") == "integer":
            resolution = Decimal(1)
        elif source in self.r.sections["values"] or source in self.r.sections["scorecards"]:
            vspec = self.r.sections["values"].get(source)
            vplaces = vspec.spec.get("places") if vspec and isinstance(vspec.spec, dict) else None
            if vplaces is None and self.exact:
                resolution = Decimal(0)  # carried exactly: any value can reach the band
            else:
                resolution = Decimal(1).scaleb(-(vplaces if vplaces is not None else self.places))
        else:
            resolution = Decimal(0)
        self.findings.extend(checks.check_band(entry, band, resolution))
        labels = [d.label for d in defs]
        self.types[entry.name] = enum(labels) if all(isinstance(x, str) for x in labels) else NUMBER
        return band

    def node_tables(self, entry: Entry) -> Table | None:
        spec = entry.spec
        inputs = list(spec.get("inputs") or [])
        ok = True
        for i, name in enumerate(inputs):
            if name not in self.types:
                self.findings.append(entry.finding("K302", _("unknown name `{name}` as table input").format(name=name), ["inputs", i]))
                ok = False
        rows = []
        for r, row in enumerate(spec.get("rows") or []):
            if len(row) != len(inputs) + 1:
                hint = None
                if len(row) == len(inputs) + 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in row[-2:]):
                    hint = _("write {row}.{row2}: numbers take a decimal point, not a comma").format(row=row[-2], row2=row[-1])  # `[A, 12,5]`
                self.findings.append(entry.finding(
                    "K212", _("row {value} has {row} cells, expected {value2} ({inputs} input(s) and the result)").format(value=r + 1, row=len(row), value2=len(inputs) + 1, inputs=len(inputs)), ["rows", r], hint))
                ok = False
                continue
            cells = []
            for c, raw in enumerate(row[:-1]):
                cell = self.cell(entry, ["rows", r, c], raw, self.types.get(inputs[c], ANY), inputs[c])
                ok = ok and cell is not None
                cells.append(cell)
            output = row[-1]
            rows.append(Row(cells, Decimal(str(output)) if isinstance(output, (int, Decimal)) and
                            not isinstance(output, bool) else output, r))
        has_default = "default" in spec
        default = spec.get("default")
        outs = [row.output for row in rows] + ([default] if has_default and default is not None else [])
        if outs and all(isinstance(o, str) for o in outs):
            self.types[entry.name] = enum(dict.fromkeys(outs))
        elif outs and all(isinstance(o, Decimal) for o in outs):
            self.types[entry.name] = NUMBER
        else:
            self.types[entry.name] = ANY
        if not ok:
            return None
        table = Table(entry.name, spec.get("label", entry.name), inputs, rows, spec.get("hit", "unique"),
                      default, has_default)
        domains = [checks.domain(self.types[n].kind, self.types[n].labels, [row.cells[i] for row in rows])
                   for i, n in enumerate(inputs)]
        if entry.name not in inputs:  # a table reading itself is already a cycle (K209)
            self.findings.extend(checks.check_table(entry, table, domains))
        table.lookup = checks.table_lookup(table, [
            domains[i] if self.types[n].labels is not None or self.types[n].kind == "bool" else None
            for i, n in enumerate(inputs)])
        return table

    def cell(self, entry: Entry, sub: list, raw: Any, t: Type, input_name: str) -> Cell | None:
        if raw == "-":
            return Cell("any")
        if isinstance(raw, list):
            values = [self.literal(entry, sub + [i], v, t, input_name) for i, v in enumerate(raw)]
            return None if any(v is _BAD for v in values) else Cell("in", tuple(values))
        if isinstance(raw, str) and raw.startswith(CMP_PREFIXES) and t.labels is None:
            op = next(p for p in CMP_PREFIXES if raw.startswith(p))
            try:
                number = Decimal(raw[len(op):].strip())
            except ArithmeticError:
                number = None
            if number is None or not number.is_finite() or abs(number.adjusted()) > MAX_DIGITS:
                self.findings.append(entry.finding("K213", _("\"{raw}\" needs a (finite) number after {op}").format(raw=raw, op=op), sub))
                return None
            return Cell("cmp", number, op)
        value = self.literal(entry, sub, raw, t, input_name)
        return None if value is _BAD else Cell("eq", value)

    def literal(self, entry: Entry, sub: list, raw: Any, t: Type, input_name: str):
        if t.labels is not None and raw not in t.labels:
            import difflib
            close = difflib.get_close_matches(str(raw), t.labels, n=1, cutoff=0.4)
            self.findings.append(entry.finding("K213", _("\"{raw}\" is not a label of `{input_name}`").format(raw=raw, input_name=input_name), sub,
                                               _("did you mean \"{close}\"?").format(close=close[0]) if close else
                                               _("allowed: ") + ", ".join(t.labels)))
            return _BAD
        if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
            return Decimal(str(raw))
        return raw

    def compile_rules(self) -> list[Rule]:
        names = self.names()
        # an exclusion is decided before anything is computed, so it reads fields and params only
        inputs = {n: t for n, t in names.items()
                  if n in self.r.sections["fields"] or n in self.r.sections["params"]}
        rules = []
        for rid, entry in self.r.sections["rules"].items():
            spec = entry.spec
            readable = inputs if spec.get("kind") == EXCLUDED_KIND else names
            if readable is inputs and not self.reads_fields_only(entry, names, inputs):
                continue
            when = self.conditions(entry, "when", readable)
            params = {}
            for pname, text in (spec.get("params") or {}).items():
                expr = self.compile_expr(entry, ["params", pname], text, readable)
                if expr is not None:
                    params[pname] = expr
            reason = spec.get("reason") or ""
            self.check_reason(entry, reason, set(readable) | set(spec.get("params") or {}))
            if spec.get("enabled", True) is False:
                continue
            rules.append(Rule(rid, spec.get("kind", ""), spec.get("label", ""), when, params, reason, self.rounder,
                              self.shown))
        return rules

    def reads_fields_only(self, entry: Entry, names: dict, inputs: dict) -> bool:
        """An exclusion is decided before anything is computed: a computed name in it is K302."""
        raw = entry.spec.get("when")
        items = raw if isinstance(raw, list) else [raw]
        ok = True
        for i, text in enumerate(items):
            tree, _problems = parse(text) if isinstance(text, str) else (None, None)
            computed = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                               and n.id in names and n.id not in inputs}) if tree is not None else []
            for name in computed:
                ok = False
                self.findings.append(entry.finding(
                    "K302", _("`{name}` is computed, but a rule of kind {EXCLUDED_KIND} is decided before anything is computed").format(name=name, EXCLUDED_KIND=EXCLUDED_KIND), ["when", i] if isinstance(raw, list) else ["when"],
                    _("read fields and params only (e.g. status_pegawai)")))
        return ok

    def check_reason(self, entry: Entry, reason: str, known: set[str]) -> None:
        """Each `{name}` in a reason text names something; the finding points at the placeholder.
        After MAX_REASON_FINDINGS unknown ones, one finding counts the rest: locating each in a
        long text is linear, so thousands of them would make validate quadratic."""
        start, unknown, names = 0, 0, None
        for ref in template_names(reason):
            at = reason.find("{", start)
            start = reason.find("}", at) + 1
            if ref in known:
                continue
            unknown += 1
            if unknown > MAX_REASON_FINDINGS:
                continue
            before = reason[:at]
            line, col = before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1
            names = names if names is not None else sorted(known)
            close = close_match(ref, names)
            problem = Problem("K215", _("reason mentions {{{ref}}}, which is not a field, value, param or rule param")
                              .format(ref=ref), line, col, _('did you mean "{close}"?').format(close=close) if close else None)
            self.findings.append(self.expr_finding(entry, ["reason"], problem, reason))
        if unknown > MAX_REASON_FINDINGS:
            self.findings.append(entry.finding("K215", _("the reason mentions {value} more names that are not a field, value, param or rule param").format(value=unknown - MAX_REASON_FINDINGS), ["reason"]))

    def compile_population(self) -> list:
        from kinerja.evaluate.population import compile_checks
        checks_, findings = compile_checks(self.r, self.names())
        self.findings.extend(findings)
        return checks_


class _Bad:
    pass


_BAD = _Bad()


def _as_list(x) -> list:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


_ESCAPES = yaml.scanner.Scanner.ESCAPE_REPLACEMENTS
_ESCAPE_CODES = yaml.scanner.Scanner.ESCAPE_CODES


def source_position(lines: list[str], node: Scalar, offset: int) -> tuple[int, int] | None:
    """Where character `offset` of a scalar's text stands in the file (1-based line, column).

    Works for every scalar style (plain over several lines, quoted with escapes, `|` and `>`
    blocks) by pairing the text's non-blank characters, in order, with the source's: folding,
    indentation and quoting only add or drop blanks, or write one character as several.
    None when the two do not pair up (then the caller keeps the scalar's own position).
    """
    want = [c for c in node.source if not c.isspace()]
    before = sum(1 for c in node.source[:offset] if not c.isspace())
    quote = node.style if node.style in ("'", '"') else None
    if node.style in ("|", ">"):  # the text starts on the line after the `|` / `>` header
        row, col = node.line, 0
    else:
        row, col = node.line - 1, node.column - 1 + (1 if quote else 0)
    got: list[tuple[str, int, int, int]] = []
    while row < min(node.end_line, len(lines)) and len(got) <= len(want):
        src = lines[row]
        stop = node.end_column - 1 if row == node.end_line - 1 else len(src)
        while col < min(stop, len(src)):
            c, width = src[col], 1
            if quote == "'" and c == "'":
                if src[col + 1:col + 2] != "'":
                    break
                width = 2
            elif quote == '"' and c == '"':
                break
            elif quote == '"' and c == "\\":
                e = src[col + 1:col + 2]
                if e in _ESCAPES:
                    c, width = _ESCAPES[e], 2
                elif e in _ESCAPE_CODES:
                    digits = src[col + 2:col + 2 + _ESCAPE_CODES[e]]
                    try:
                        c, width = chr(int(digits, 16)), 2 + len(digits)
                    except ValueError:
                        return None
                else:  # a line continuation
                    break
            if not c.isspace():
                got.append((c, row + 1, col + 1, width))
            col += width
        row, col = row + 1, 0
    if [g[0] for g in got] != want:
        return None
    if before < len(got):
        return got[before][1:3]
    return (got[-1][1], got[-1][2] + got[-1][3]) if got else None  # just after the text


def compile_policy(resolved: Resolved) -> tuple[Policy | None, list[Finding]]:
    """Check and compile a resolved policy; returns (policy or None, findings)."""
    policy, findings, _types = compile_with_types(resolved)
    return policy, findings


def compile_with_types(resolved: Resolved) -> tuple[Policy | None, list[Finding], dict[str, Type]]:
    """`compile_policy`, and the static type of each name the policy defines (`kinerja expr --policy`)."""
    if resolved.findings:
        return None, list(resolved.findings), {}
    compiler = Compiler(resolved)
    try:
        policy = compiler.compile()
    except RecursionError:
        compiler.findings.append(Finding("K308", _("policy is too deeply nested to compile"), resolved.doc.file, 1, 1))
        policy = None
    return policy, compiler.findings, compiler.types
