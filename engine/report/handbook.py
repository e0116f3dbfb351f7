"""`kinerja doc`: the policy handbook ("Pedoman Penilaian Kinerja") as HTML or Markdown.

The facts come from engine/handbook.py; the words and the layout are Jinja2 templates in
templates/handbook/ (autoescaped for HTML; the Markdown template escapes each cell itself).
The HTML is one self-contained file: inline CSS with print rules (A4, a page per section,
tables whose rows never split), no script, nothing fetched.
"""

from __future__ import annotations

import re
from importlib import resources

import jinja2

from kinerja.handbook import build
from kinerja.i18n import N_, in_every_language
from kinerja.model import Policy

FORMATS = ("html", "md")
TEMPLATES = "templates/handbook"

_TEXTS_EN = {  # English message ids; the Indonesian is in the catalogue
    "title": N_("Performance Appraisal Handbook"),
    "contents": N_("Contents"),
    "identity": N_("Policy identity"),
    "id": N_("Policy id"),
    "version": N_("Version"),
    "agency": N_("Agency"),
    "effective": N_("In force from"),
    "until": N_("In force until"),
    "extends": N_("Extends"),
    "sha256": N_("Fingerprint (sha256)"),
    "rounding": N_("Rounding"),
    "rounding_text": N_("{places} decimal places, {mode}"),
    "file": N_("File"),
    "sources": N_("Legal basis and sources"),
    "no_sources": N_("This policy lists no sources."),
    "fields": N_("Employee data appraised"),
    "fields_intro": N_("Each employee record holds the fields below. A required field left empty makes that record "
                       "impossible to appraise (it is reported, never skipped)."),
    "field": N_("Field"),
    "column": N_("Column name"),
    "type": N_("Type"),
    "allowed": N_("Allowed values"),
    "required": N_("Required"),
    "yes_required": N_("required"),
    "not_required": N_("optional"),
    "required_when": N_("required when"),
    "only_when": N_("only filled in when"),
    "default": N_("when empty"),
    "items": N_("each item holds"),
    "params": N_("Parameters"),
    "params_intro": N_("Numbers and limits the rules use. An agency policy may change their values."),
    "param": N_("Parameter"),
    "value": N_("Value"),
    "note": N_("Source / note"),
    "used": N_("Used by"),
    "uncertain": N_("[U] not yet confirmed against the regulation's text: check before adopting."),
    "uncertain_badge": N_("unconfirmed"),
    "scorecards": N_("Scorecards and weights"),
    "indicator": N_("Indicator"),
    "weight": N_("Weight (%)"),
    "score": N_("Score formula"),
    "total": N_("Total weight"),
    "applies_when": N_("Applies when"),
    "scorecard_result": N_("Scorecard value = sum of (indicator score × weight ÷ 100)."),
    "values": N_("Computed values"),
    "formula": N_("Formula"),
    "each": N_("computed for each item"),
    "places": N_("rounded to {places} decimal places"),
    "bands": N_("Bands"),
    "band_intro": N_("{label} is set from {input}:"),
    "category": N_("Category"),
    "from": N_("From (≥)"),
    "to": N_("To"),
    "range": N_("Valid range: {lo} to {hi}"),
    "band_round": N_("{input} is rounded to {places} decimal places before the lookup."),
    "tables": N_("Decision tables"),
    "row": N_("Row"),
    "any": N_("— means any value"),
    "grid_caption": N_("{output}: {rows} (rows) × {columns} (columns)"),
    "table_unique": N_("Each combination of inputs matches exactly one row."),
    "table_first": N_("The first matching row is used."),
    "table_default": N_("When no row matches: {default}."),
    "rules": N_("Actions following the appraisal"),
    "kind": N_("Kind"),
    "rule_when_all": N_("An employee qualifies for this action when all of the following hold:"),
    "rule_when_one": N_("An employee qualifies for this action when:"),
    "rule_always": N_("Applies to every employee appraised."),
    "as_written": N_("formula"),
    "reason": N_("Reason recorded"),
    "slot_note": N_("(⟨…⟩ is filled in with the employee's own data)"),
    "computed": N_("Also computed"),
    "disabled_rules": N_("Actions switched off: {ids}."),
    "population": N_("Checks per group of employees"),
    "population_intro": N_("Checks over all employees appraised together, per {group}."),
    "distribution": N_("Distribution of {output} per {group}, by the organisation's predikat (given when the "
                       "appraisal is run)."),
    "org_predikat": N_("Organisation predikat"),
    "limits": N_("Limits"),
    "advisory": N_("Advisory: a breach is reported as a warning."),
    "error": N_("Binding: a breach makes the run fail."),
    "count_rule": N_("When at least {n} employees in one {group} meet the conditions below, the group gets the action "
                     "“{action}” ({kind}):"),
    "changes": N_("Changes relative to the parent policy"),
    "changes_intro": N_("This policy extends {parent} ({parent_name}) and changes the following; everything else is "
                        "as in the parent policy."),
    "no_changes": N_("No changes relative to the parent policy."),
    "section": N_("Section"),
    "name": N_("Name"),
    "change": N_("Change"),
    "before": N_("Before"),
    "after": N_("After"),
    "added": N_("added"),
    "removed": N_("removed / switched off"),
    "changed": N_("changed"),
    "from_parent": N_("from {parent}"),
    "footer": N_("Generated by kinerja {version} from the policy file {file}. Where this handbook and the policy file "
                 "differ, the policy file applies."),
    "none": N_("None."),
}
TEXTS = in_every_language(_TEXTS_EN)


def _load(name: str) -> str:
    return resources.files("kinerja.report").joinpath(f"{TEMPLATES}/{name}").read_text("utf-8")


def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_load), autoescape=fmt == "html",
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["cell"] = md_cell
    env.filters["code"] = md_code
    return env


def md_cell(value) -> str:
    """Text safe inside a Markdown table cell or paragraph: no markup, no line breaks, no `|`."""
    text = re.sub(r"\s+", " ", str(value))
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("*", "\\*"), ("_", "\\_"),
                 ("`", "\\`"), ("[", "\\["), ("]", "\\]")):
        text = text.replace(a, b)
    return text


def md_code(value) -> str:
    """Inline code in Markdown, safe in a table cell: a fence longer than any run of backticks
    inside, so the text (even `<script>`) stays literal code and never becomes markup."""
    text = re.sub(r"\s+", " ", str(value)).strip().replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if len(fence) > 1 else f"`{text}`"


def render(policy: Policy, fmt: str = "html", lang: str = "id", version: str = "") -> str:
    """The handbook of a compiled policy as HTML or Markdown text."""
    data = build(policy, lang)
    template = _environment(fmt).get_template("handbook.html.j2" if fmt == "html" else "handbook.md.j2")
    return template.render(h=data, t=TEXTS[lang], version=version)
