"""Resolved policy → compiled `Policy`, with every semantic check reported as a finding.

Order: declare names (fields, params, outputs) → dependency graph of computed names (cycles
are K209) → compile expressions in dependency order, so each knows the types of what it
reads → bands and tables (lookups.py), rules, population checks, the cycle. The checks
themselves are the registry in checks/; this driver runs them and locates what they find
(positions.py). Nothing here evaluates a record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kinerja.checks import run as run_checks
from kinerja.compile.cycle import compile_cycle
from kinerja.compile.lookups import NodeCompiler
from kinerja.compile.order import Computed, dependency_order
from kinerja.compile.population import compile_checks
from kinerja.compile.positions import Locator
from kinerja.expr.language import (
    ANY,
    BOOL,
    DATE,
    LIST,
    NUMBER,
    STRING,
    Type,
    compile_expression,
    constant_beyond_limits,
    enum,
    infer_type,
)
from kinerja.findings import Finding, has_errors
from kinerja.i18n import _
from kinerja.model import EXCLUDED_KIND, FieldDef, Indicator, Policy, Rule, Scorecard, Value, keep, make_rounder
from kinerja.policy.resolve import Entry, Resolved

FIELD_TYPES = {"string": STRING, "integer": NUMBER, "number": NUMBER, "boolean": BOOL, "date": DATE,
               "nip": STRING, "list": LIST}


class Compiler(NodeCompiler):
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
        self.locator = Locator()

    def default_round(self, name: str, places=None):
        """The rounder of a computed number: its own `places`, else the policy's statement."""
        if places is not None:
            return make_rounder(places, self.mode)
        if self.exact:
            self.shown[name] = self.rounder
            return keep
        return self.rounder

    def report(self, entry: Entry, subject: str, *args) -> list[Finding]:
        """Run the registered checks of `subject`; their findings, located in `entry`, are kept and returned."""
        found = self.locator.all(entry, run_checks(subject, *args))
        self.findings.extend(found)
        return found

    # --- expressions ----------------------------------------------------------------------

    def compile_expr(self, entry: Entry, sub: list, text: Any, names: dict[str, Type], condition=False):
        expr, problems = compile_expression(text, names, condition=condition)
        beyond = constant_beyond_limits(expr) if expr is not None else None
        if beyond is not None:
            problems, expr = [beyond], None
        seen = set()
        for p in problems:
            if (p.code, p.line, p.column, p.message) not in seen:
                seen.add((p.code, p.line, p.column, p.message))
                self.findings.append(self.locator.in_text(entry, sub, p, str(text)))
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
        self.report(entry, "name", name, entry, tuple(sub or ()), self.declared)
        self.declared.setdefault(name, entry)

    def names(self) -> dict[str, Type]:
        return dict(self.types)

    # --- sections -------------------------------------------------------------------------

    def compile_fields(self) -> dict[str, FieldDef]:
        fields = {}
        for name, entry in self.r.sections["fields"].items():
            self.declare(name, entry)
            self.report(entry, "field", entry.spec, name)
            fields[name] = self.field_def(name, entry.spec)
            self.types[name] = self.field_type(entry.spec)
        base_names = {**self.types, **{n: infer_type(e.spec) for n, e in self.r.sections["params"].items()}}
        for name, entry in self.r.sections["fields"].items():
            fields[name].required_when = self.conditions(entry, "required_when", base_names)
            fields[name].only_when = self.conditions(entry, "only_when", base_names)
        return fields

    def field_type(self, spec: dict) -> Type:
        if spec.get("type") == "enum":
            return enum(spec.get("values") or ())
        return FIELD_TYPES.get(spec.get("type", ""), ANY)

    def field_def(self, name: str, spec: dict) -> FieldDef:
        lo, hi = spec.get("min"), spec.get("max")
        f = FieldDef(name, spec["type"], spec.get("label", ""), bool(spec.get("required")), spec.get("default"),
                     Decimal(str(lo)) if lo is not None else None, Decimal(str(hi)) if hi is not None else None,
                     tuple(spec["values"]) if spec.get("values") else None,
                     min_items=spec.get("min_items"), max_items=spec.get("max_items"),
                     aliases=tuple(spec.get("aliases") or ()), unit=spec.get("unit"))
        if spec.get("type") == "list":
            f.items = {k: self.field_def(k, v) for k, v in (spec.get("items") or {}).items()}
        return f

    def compile_params(self) -> dict[str, Any]:
        params = {}
        for name, entry in self.r.sections["params"].items():
            self.declare(name, entry)
            self.report(entry, "param", entry.spec, name)
            params[name] = Decimal(str(entry.spec)) if isinstance(entry.spec, (int, Decimal)) and \
                not isinstance(entry.spec, bool) else entry.spec
            self.types[name] = infer_type(params[name])
        return params

    def compile(self) -> Policy | None:
        fields = self.compile_fields()
        params = self.compile_params()
        computed = self.declare_outputs()
        order = dependency_order(computed, lambda each: set(self.item_fields(each)), self.findings)
        for name in self.declared:  # names in a cycle stay untyped: no second finding
            self.types.setdefault(name, ANY)
        nodes = []
        for key in order:
            node = self.compile_node(*computed[key])
            if node is not None:
                nodes.append(node)
        rules = self.compile_rules()
        population = compile_checks(self.r, self.names(), self.compile_expr, self.conditions, self.locator,
                                    self.findings)
        summary = self.compile_summary([n for node in nodes for n in node.outputs()])
        cycle = compile_cycle(self.r, fields, self.types, self.locator, self.findings)
        if has_errors(self.findings):
            return None
        labels = {n.name: list(self.types[n.name].labels or ()) for n in nodes
                  if isinstance(n, Value) and n.name in self.types and self.types[n.name].labels}
        return Policy(self.r.id, str(self.r.meta.get("name", "")), str(self.r.meta.get("version", "")),
                      self.r.sha256(), fields, params, nodes, rules, self.r, population, cycle, labels, summary)

    def compile_summary(self, outputs: list[str]) -> list[str]:
        """`summary:` names outputs (for the table view); an unknown one is a finding."""
        names = self.r.meta.get("summary") or []
        self.findings.extend(self.locator.all(self.r.doc, run_checks("summary", names, outputs,
                                                                     self.r.sections["fields"])))
        return list(names)

    def declare_outputs(self) -> Computed:
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

    def item_fields(self, list_name: str) -> dict[str, Type]:
        entry = self.r.sections["fields"].get(list_name)
        if entry is None:
            return {}
        return {k: self.field_type(v) for k, v in (entry.spec.get("items") or {}).items()}

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
        self.report(entry, "scorecard", weights)
        self.types[entry.name] = NUMBER
        return Scorecard(entry.name, spec.get("label", entry.name), inds, self.conditions(entry, "when", names),
                         self.default_round(entry.name, spec.get("places")))

    def node_values(self, entry: Entry) -> Value | None:
        spec = {"expr": entry.spec} if isinstance(entry.spec, str) else entry.spec
        each = spec.get("each")
        names = self.names() if each else self.types  # a copy only when an item's fields join in
        if each:
            if self.types.get(each) != LIST:
                self.findings.append(entry.finding("K302", _("`each: {each}` needs a list field").format(each=each),
                                                   ["each"]))
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

    def compile_rules(self) -> list[Rule]:
        names = self.names()
        # an exclusion is decided before anything is computed, so it reads fields and params only
        inputs = {n: t for n, t in names.items()
                  if n in self.r.sections["fields"] or n in self.r.sections["params"]}
        rules = []
        for rid, entry in self.r.sections["rules"].items():
            spec = entry.spec
            readable = inputs if spec.get("kind") == EXCLUDED_KIND else names
            if readable is inputs and self.report(entry, "exclusion", spec, names, inputs):
                continue
            when = self.conditions(entry, "when", readable)
            params = {}
            for pname, text in (spec.get("params") or {}).items():
                expr = self.compile_expr(entry, ["params", pname], text, readable)
                if expr is not None:
                    params[pname] = expr
            reason = spec.get("reason") or ""
            self.report(entry, "reason", reason, set(readable) | set(spec.get("params") or {}))
            if spec.get("enabled", True) is False:
                continue
            rules.append(Rule(rid, spec.get("kind", ""), spec.get("label", ""), when, params, reason, self.rounder,
                              self.shown))
        return rules



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
