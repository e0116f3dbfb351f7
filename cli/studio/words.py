"""The words of the workbench page (cli/studio/static/app.js), from the message catalogue:
the page gets both languages at once and switches between them without a reload."""

from __future__ import annotations

from kinerja.i18n import N_, in_every_language

WORDS = {
    "language": N_("Language"),
    "policies": N_("Policies"),
    "records": N_("Employee data"),
    "drop": N_("Drop a data file here or choose one below"),
    "pick": N_("Choose a policy on the left."),
    "tab_read": N_("Handbook"),
    "tab_edit": N_("Edit"),
    "tab_try": N_("Try"),
    "tab_impact": N_("Impact"),
    "discard": N_("Discard changes"),
    "undo": N_("Undo last save"),
    "save": N_("Save"),
    "params": N_("Parameters"),
    "bands": N_("Bands"),
    "weights": N_("Scorecard weights"),
    "tables": N_("Decision tables"),
    "rules": N_("Actions"),
    "label": N_("Category"),
    "min": N_("From (≥)"),
    "max": N_("To (≤)"),
    "below": N_("Below (<)"),
    "rule_label": N_("Action name"),
    "reason": N_("Reason"),
    "when": N_("Conditions"),
    "column": N_("column"),
    "unsaved": N_("unsaved change(s)"),
    "no_changes": N_("No changes."),
    "errors": N_("finding(s) to fix before saving"),
    "saved": N_("Saved. This save can be undone."),
    "undone": N_("The previous version is back."),
    "no_records": N_("Choose employee data on the left."),
    "employees": N_("employees"),
    "invalid": N_("could not be appraised"),
    "row": N_("No"),
    "nip": N_("NIP"),
    "name": N_("Name"),
    "predikat": N_("Predikat"),
    "actions": N_("Actions"),
    "status": N_("Status"),
    "changed_people": N_("Employees who change"),
    "changed_of": N_("{n} of {m} employees change if this edit is saved."),
    "nothing_changes": N_("Nobody changes."),
    "unit": N_("Unit"),
    "what": N_("What changes"),
    "fix_first": N_("Fix the findings first to see results."),
    "handbook_errors": N_("The handbook is shown once the findings are fixed."),
    "from_to": N_("Predikat now → after the change"),
    "click_row": N_("Click a row to see its explanation."),
    "total": N_("total"),
    "action": N_("Action"),
    "before": N_("Now"),
    "after": N_("After"),
    "gained": N_("Gained"),
    "lost": N_("Lost"),
    "fairness": N_("Fairness between units ({fav}): each unit's rate against the best unit's; below 0.8 is "
                   "marked red."),
    "fairness_same": N_("No ratio changes."),
}


def page_words() -> dict[str, dict[str, str]]:
    """{language: {key: text}} for the page's switch."""
    return in_every_language(WORDS)
