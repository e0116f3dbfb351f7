"""The organisation predikat per group, given at run time for the kurva distribusi check:
read from `--org-predikat` text or a file, and matched to the labels the policy's limits use."""

from __future__ import annotations

import csv
import difflib
from typing import Any

import yaml

from kinerja.i18n import _, os_reason


def read_org_predikat(spec: str) -> dict[str, str]:
    """`Dinas A=Baik,Dinas B=Istimewa`, or `@file` (.csv with unit,predikat; .json/.yaml: a mapping
    or a list of {unit, predikat}). Raises ValueError with a message for the user."""
    if not spec.startswith("@"):
        out = {}
        for part in spec.split(","):
            if not part.strip():
                continue
            unit, sep, label = part.partition("=")
            if not sep or not unit.strip() or not label.strip():
                raise ValueError(f'"{part.strip()}" is not UNIT=PREDIKAT')
            out[unit.strip()] = label.strip()
        return out
    path = spec[1:]
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except OSError as exc:
        raise ValueError(_("cannot read {path}: {value}").format(path=path, value=os_reason(exc))) from None
    if path.lower().endswith(".csv"):
        rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
        if rows and [c.strip().lower() for c in rows[0][:2]] in (["unit", "predikat"], ["unit_kerja", "predikat"]):
            rows = rows[1:]
        data: Any = []
        for i, r in enumerate(rows):
            if len(r) < 2:
                raise ValueError(_("{path}: line {value} needs two columns: unit,predikat").format(path=path,
                                                                                                   value=i + 1))
            data.append({"unit": r[0], "predikat": r[1]})
    else:
        try:
            data = yaml.safe_load(text)  # JSON is YAML too
        except yaml.YAMLError as exc:
            raise ValueError(_("{path}: not valid JSON/YAML ({value})")
                             .format(path=path, value=str(exc).splitlines()[0])) from None
    if isinstance(data, dict):
        data = [{"unit": k, "predikat": v} for k, v in data.items()]
    if not isinstance(data, list) or not all(isinstance(d, dict) and "unit" in d and "predikat" in d
                                             for d in data):
        raise ValueError(_("{path}: give a mapping of unit to predikat, or a list of {{unit, predikat}}")
                         .format(path=path))
    return {str(d["unit"]).strip(): str(d["predikat"]).strip() for d in data}


def org_labels(checks: list) -> list[str]:
    """Every organisation predikat some distribution check has limits for."""
    return list(dict.fromkeys(org for c in checks if c.kind == "distribution" for org in c.limits))


def normalise_org_predikat(checks: list, given: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Match given labels to the policy's (case and spacing forgiven); return (mapping, problems)."""
    known = org_labels(checks)
    folded = {" ".join(k.lower().split()): k for k in known}
    out, problems = {}, []
    for group, label in given.items():
        hit = folded.get(" ".join(str(label).lower().split()))
        if hit is None:
            close = difflib.get_close_matches(str(label), known, n=1, cutoff=0.5)
            problems.append(_("organisation predikat \"{label}\" for \"{group}\" is not one of: {value}")
                            .format(label=label, group=group, value=", ".join(known))
                            + (_(" (did you mean \"{close}\"?)").format(close=close[0]) if close else ""))
        else:
            out[group] = hit
    return out, problems
