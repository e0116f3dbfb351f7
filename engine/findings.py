"""The one type for everything a user can get wrong, and the catalogue of its codes.

Every finding carries a stable code, a severity, a one-line message, and where it is:
file, 1-based line and column, and the JSON path inside the document. Codes never change
meaning once released; new checks get new codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

# code -> (severity, short title). The title names the check in SARIF rules and docs.
CODES: dict[str, tuple[str, str]] = {
    # K0xx: reading the file (I/O, YAML syntax, hostile YAML constructs)
    "K001": (ERROR, "file cannot be read"),
    "K002": (ERROR, "file is not valid UTF-8 text"),
    "K003": (ERROR, "file is too large"),
    "K004": (ERROR, "YAML syntax error"),
    "K005": (ERROR, "duplicate mapping key"),
    "K006": (ERROR, "YAML anchors and aliases are not allowed"),
    "K007": (ERROR, "explicit YAML tags are not allowed"),
    "K008": (ERROR, "YAML merge keys (<<) are not allowed"),
    "K009": (ERROR, "only one YAML document per file"),
    "K010": (ERROR, "nesting is too deep"),
    "K011": (ERROR, "file is empty"),
    "K012": (ERROR, "mapping keys must be plain strings"),
    "K013": (ERROR, "number cannot be represented"),
    # K1xx: JSON Schema
    "K101": (ERROR, "unknown key"),
    "K102": (ERROR, "required key is missing"),
    "K103": (ERROR, "wrong type"),
    "K104": (ERROR, "value not allowed"),
    "K105": (ERROR, "value out of range"),
    "K106": (ERROR, "invalid name"),
    "K107": (ERROR, "policy does not match the schema"),
    # K2xx: semantic checks
    "K201": (ERROR, "duplicate id"),
    "K203": (ERROR, "weights do not total 100"),
    "K204": (ERROR, "bands are not ordered"),
    "K205": (ERROR, "gap between bands"),
    "K206": (ERROR, "bands overlap"),
    "K207": (ERROR, "decision table is incomplete"),
    "K208": (ERROR, "decision table rows overlap"),
    "K209": (ERROR, "cycle among values"),
    "K210": (ERROR, "parent policy not found"),
    "K211": (ERROR, "cycle in extends"),
    "K212": (ERROR, "decision table row has the wrong number of cells"),
    "K213": (ERROR, "table cell does not fit its input"),
    "K214": (ERROR, "name is declared twice"),
    "K215": (ERROR, "unknown name in a reason text"),
    "K216": (ERROR, "override or switch-off names nothing inherited"),
    "K217": (ERROR, "field declaration is inconsistent"),
    "K218": (WARNING, "band range does not cover its input's range"),
    "K219": (ERROR, "unknown field in a population check"),
    "K220": (WARNING, "decision table too large to check completely"),
    "K230": (ERROR, "the cycle section does not fit the policy"),
    # K3xx: expressions (static checks at load)
    "K301": (ERROR, "expression syntax error"),
    "K302": (ERROR, "unknown name"),
    "K303": (ERROR, "unknown function"),
    "K304": (ERROR, "wrong number of arguments"),
    "K305": (ERROR, "type error"),
    "K306": (ERROR, "label not allowed for this field"),
    "K307": (ERROR, "construct not allowed in expressions"),
    "K308": (ERROR, "expression exceeds a limit"),
    "K309": (ERROR, "condition is not true/false"),
    # K4xx: records and evaluation
    "K401": (ERROR, "required field is missing"),
    "K402": (ERROR, "value has the wrong type"),
    "K403": (ERROR, "label not allowed"),
    "K404": (ERROR, "value out of range"),
    "K405": (ERROR, "invalid NIP"),
    "K406": (ERROR, "evaluation error"),
    "K407": (ERROR, "record is not a mapping"),
    "K408": (WARNING, "unknown column ignored"),
    "K409": (ERROR, "records file cannot be read"),
    # K410: the reader could not take this one record from the file as written: a CSV quote
    # that runs over many lines (a stray "), a cell over the size limit, JSON nested too deeply
    # or naming a key twice. The record is an error row; the records after it are still read.
    "K410": (ERROR, "record cannot be read"),
    # K411: text that is not valid Unicode (a lone surrogate such as "\ud800" in JSON): the
    # record is an error row, and the text is written with U+FFFD in its place.
    "K411": (ERROR, "text is not valid Unicode"),
    # K412: a value beyond kinerja's hard limits (README "Limits"): a number of 10^21 or more,
    # more than 20 digits after the point, or text over 32,768 characters.
    "K412": (ERROR, "value beyond kinerja's limits"),
    # K5xx: policy tests
    "K501": (ERROR, "policy test failed"),
    "K502": (ERROR, "coverage below the minimum"),
    "K503": (ERROR, "policy of a test file not found"),
    # K6xx: population checks
    "K601": (WARNING, "population check not met"),
    "K602": (ERROR, "population check not met"),
    "K603": (ERROR, "population check limits are inconsistent"),
    # K61x: the units file (--units); K62x: periods of one employee (--annual)
    "K610": (ERROR, "unit's parent is not a unit"),
    "K611": (ERROR, "units form a cycle"),
    "K612": (ERROR, "unit listed twice"),
    "K613": (ERROR, "predikat organisasi not known"),
    "K614": (WARNING, "unit head is not in the records"),
    "K615": (WARNING, "record's unit_kerja is not a known unit"),
    "K620": (WARNING, "period missing for an employee"),
    "K621": (ERROR, "period given twice for an employee"),
    "K622": (ERROR, "an employee's period rows are not together"),
}


@dataclass(frozen=True)
class Finding:
    """One problem, located. `line` and `column` are 1-based; 0 means 'the whole file'."""

    code: str
    message: str
    file: str | None = None
    line: int = 0
    column: int = 0
    path: str = "$"
    hint: str | None = None
    severity: str = ""
    end_line: int = 0
    end_column: int = 0
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.severity:
            object.__setattr__(self, "severity", CODES.get(self.code, (ERROR, ""))[0])

    @property
    def title(self) -> str:
        return CODES.get(self.code, (ERROR, self.code))[1]

    def at(self, **changes) -> "Finding":
        """A copy with location fields changed (used by drivers that know the file)."""
        return replace(self, **changes)

    def location(self) -> str:
        where = self.file or "<input>"
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        return where

    def as_dict(self) -> dict:
        out = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
        }
        if self.hint:
            out["hint"] = self.hint
        return out


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def sort_key(f: Finding):
    return (f.file or "", f.line, f.column, f.code)


class KinerjaError(Exception):
    """An error a user caused that stops a command; carries findings to report."""

    def __init__(self, findings: list[Finding] | Finding):
        if isinstance(findings, Finding):
            findings = [findings]
        self.findings = list(findings)
        super().__init__("; ".join(f.message for f in self.findings))
