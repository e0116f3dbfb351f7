"""The one type for everything a user can get wrong, and the catalogue of its codes.

Every finding carries a stable code, a severity, a one-line message, and where it is:
file, 1-based line and column, and the JSON path inside the document. Codes never change
meaning once released; new checks get new codes.

`Reportable` is the base every problem kinerja reports shares: policy findings (`Finding`),
a record's errors (records/coerce.py `Problem`), a policy test's failures (testing/expect.py
`Failure`, code K501) and population results (evaluate/population.py `Outcome`). Each keeps
its own fields and its own `as_dict` (machine formats never change); the base gives all of
them the code's severity and title from one catalogue, and one way to say what they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kinerja.i18n import N_, _

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

# code -> (severity, short title). The title names the check in SARIF rules and docs; it is
# shown in the reader's language (`Finding.title`), its English text names the SARIF rule.
CODES: dict[str, tuple[str, str]] = {
    # K0xx: reading the file (I/O, YAML syntax, hostile YAML constructs)
    "K001": (ERROR, N_("file cannot be read")),
    "K002": (ERROR, N_("file is not valid UTF-8 text")),
    "K003": (ERROR, N_("file is too large")),
    "K004": (ERROR, N_("YAML syntax error")),
    "K005": (ERROR, N_("duplicate mapping key")),
    "K006": (ERROR, N_("YAML anchors and aliases are not allowed")),
    "K007": (ERROR, N_("explicit YAML tags are not allowed")),
    "K008": (ERROR, N_("YAML merge keys (<<) are not allowed")),
    "K009": (ERROR, N_("only one YAML document per file")),
    "K010": (ERROR, N_("nesting is too deep")),
    "K011": (ERROR, N_("file is empty")),
    "K012": (ERROR, N_("mapping keys must be plain strings")),
    "K013": (ERROR, N_("number cannot be represented")),
    # K1xx: JSON Schema
    "K101": (ERROR, N_("unknown key")),
    "K102": (ERROR, N_("required key is missing")),
    "K103": (ERROR, N_("wrong type")),
    "K104": (ERROR, N_("value not allowed")),
    "K105": (ERROR, N_("value out of range")),
    "K106": (ERROR, N_("invalid name")),
    "K107": (ERROR, N_("policy does not match the schema")),
    # K2xx: semantic checks
    "K201": (ERROR, N_("duplicate id")),
    "K203": (ERROR, N_("weights do not total 100")),
    "K204": (ERROR, N_("bands are not ordered")),
    "K205": (ERROR, N_("gap between bands")),
    "K206": (ERROR, N_("bands overlap")),
    "K207": (ERROR, N_("decision table is incomplete")),
    "K208": (ERROR, N_("decision table rows overlap")),
    "K209": (ERROR, N_("cycle among values")),
    "K210": (ERROR, N_("parent policy not found")),
    "K211": (ERROR, N_("cycle in extends")),
    "K212": (ERROR, N_("decision table row has the wrong number of cells")),
    "K213": (ERROR, N_("table cell does not fit its input")),
    "K214": (ERROR, N_("name is declared twice")),
    "K215": (ERROR, N_("unknown name in a reason text")),
    "K216": (ERROR, N_("override or switch-off names nothing inherited")),
    "K217": (ERROR, N_("field declaration is inconsistent")),
    "K218": (WARNING, N_("band range does not cover its input's range")),
    "K219": (ERROR, N_("unknown field in a population check")),
    "K220": (WARNING, N_("decision table too large to check completely")),
    # K221: a band entry no value of its input can reach: its upper bound is not above its min,
    # or it lies wholly outside the input's declared range. Its label would never be given.
    "K221": (ERROR, N_("band can never be reached")),
    "K230": (ERROR, N_("the cycle section does not fit the policy")),
    # K3xx: expressions (static checks at load)
    "K301": (ERROR, N_("expression syntax error")),
    "K302": (ERROR, N_("unknown name")),
    "K303": (ERROR, N_("unknown function")),
    "K304": (ERROR, N_("wrong number of arguments")),
    "K305": (ERROR, N_("type error")),
    "K306": (ERROR, N_("label not allowed for this field")),
    "K307": (ERROR, N_("construct not allowed in expressions")),
    "K308": (ERROR, N_("expression exceeds a limit")),
    "K309": (ERROR, N_("condition is not true/false")),
    # K4xx: records and evaluation
    "K401": (ERROR, N_("required field is missing")),
    "K402": (ERROR, N_("value has the wrong type")),
    "K403": (ERROR, N_("label not allowed")),
    "K404": (ERROR, N_("value out of range")),
    "K405": (ERROR, N_("invalid NIP")),
    "K406": (ERROR, N_("evaluation error")),
    "K407": (ERROR, N_("record is not a mapping")),
    # K408 (unknown column ignored) was never emitted: the header report lists ignored columns
    # (records/headers.py). Not reused, so an old K408 in someone's notes means nothing else.
    "K409": (ERROR, N_("records file cannot be read")),
    # K410: the reader could not take this one record from the file as written: a CSV quote
    # that runs over many lines (a stray "), a cell over the size limit, JSON nested too deeply
    # or naming a key twice. The record is an error row; the records after it are still read.
    "K410": (ERROR, N_("record cannot be read")),
    # K411: text that is not valid Unicode (a lone surrogate such as "\ud800" in JSON): the
    # record is an error row, and the text is written with U+FFFD in its place.
    "K411": (ERROR, N_("text is not valid Unicode")),
    # K412: a value beyond kinerja's hard limits (README "Limits"): a number of 10^21 or more,
    # more than 20 digits after the point, or text over 32,768 characters.
    "K412": (ERROR, N_("value beyond kinerja's limits")),
    # K5xx: policy tests
    "K501": (ERROR, N_("policy test failed")),
    "K502": (ERROR, N_("coverage below the minimum")),
    "K503": (ERROR, N_("policy of a test file not found")),
    # K6xx: population checks
    "K601": (WARNING, N_("population check not met")),
    "K602": (ERROR, N_("population check not met")),
    "K603": (ERROR, N_("population check limits are inconsistent")),
    # K61x: the units file (--units); K62x: periods of one employee (--annual)
    "K610": (ERROR, N_("unit's parent is not a unit")),
    "K611": (ERROR, N_("units form a cycle")),
    "K612": (ERROR, N_("unit listed twice")),
    "K613": (ERROR, N_("predikat organisasi not known")),
    "K614": (WARNING, N_("unit head is not in the records")),
    "K615": (WARNING, N_("record's unit_kerja is not a known unit")),
    "K620": (WARNING, N_("period missing for an employee")),
    "K621": (ERROR, N_("period given twice for an employee")),
    "K622": (ERROR, N_("an employee's period rows are not together")),
}


class Reportable:
    """What every reported problem has: a catalogued `code`, its severity and title, and a
    plain-data form (`as_dict`, the JSON a writer prints). Subclasses with a `severity` or a
    `message` of their own keep them; the others take the catalogue's."""

    code: str | None

    @property
    def severity(self) -> str:
        return CODES[self.code][0] if self.code in CODES else ERROR

    @property
    def title(self) -> str:
        return _(CODES[self.code][1]) if self.code in CODES else (self.code or "")

    def as_dict(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class Finding(Reportable):
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
            object.__setattr__(self, "severity", CODES.get(self.code, (ERROR, N_("")))[0])

    def at(self, **changes) -> Finding:
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
