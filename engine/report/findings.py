"""Reporters that turn a list of findings into text for people, JSON, GitHub or SARIF.

Every reporter sorts the findings by (file, line, column, code) first, so output is
stable whatever order the checks ran in. `render` picks a reporter by name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from kinerja.findings import CODES, ERROR, INFO, WARNING, Finding, sort_key
from kinerja.i18n import N_, _

TOOL_NAME = "kinerja"
INFORMATION_URI = "https://pypi.org/project/kinerja/"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
HINT_SEPARATOR = N_(" — hint: ")
SEVERITY_WORDS = {ERROR: N_("error"), WARNING: N_("warning"), INFO: N_("info")}

_ANSI = {ERROR: "\x1b[31m", WARNING: "\x1b[33m", INFO: "\x1b[34m"}
_ANSI_RESET = "\x1b[0m"
_GITHUB_COMMAND = {ERROR: "error", WARNING: "warning", INFO: "notice"}
_SARIF_LEVEL = {ERROR: "error", WARNING: "warning", INFO: "note"}


@dataclass
class ReportContext:
    """What a reporter needs to know besides the findings themselves."""

    files_checked: list[str]
    tool_version: str
    color: bool = False
    root: str | None = None  # SARIF: base folder for relative URIs (None: current folder)


Reporter = Callable[[list[Finding], ReportContext], str]


# -- shared helpers ----------------------------------------------------------------


def _sorted(findings: list[Finding]) -> list[Finding]:
    """The findings in report order: file, line, column, code."""
    return sorted(findings, key=sort_key)


def _counts(findings: list[Finding]) -> dict[str, int]:
    """How many findings there are of each severity."""
    counts = {ERROR: 0, WARNING: 0, INFO: 0}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def _with_hint(f: Finding) -> str:
    """The message, followed by the hint when there is one."""
    return f"{f.message}{_(HINT_SEPARATOR)}{f.hint}" if f.hint else f.message


def _files_involved(findings: list[Finding], ctx: ReportContext) -> int:
    """Number of distinct files checked or named by a finding."""
    files = set(ctx.files_checked)
    files.update(f.file for f in findings if f.file)
    return len(files)


# -- text --------------------------------------------------------------------------


def _severity_word(severity: str, color: bool) -> str:
    """The severity in the reader's language, wrapped in its ANSI colour when asked for."""
    word = _(SEVERITY_WORDS[severity]) if severity in SEVERITY_WORDS else severity
    if not color or severity not in _ANSI:
        return word
    return f"{_ANSI[severity]}{word}{_ANSI_RESET}"


def _text_lines(f: Finding, color: bool) -> list[str]:
    """`file:line:col: severity code message`, then an indented hint line if any."""
    lines = [f"{f.location()}: {_severity_word(f.severity, color)} {f.code} {f.message}"]
    if f.hint:
        lines.append("    " + _("hint: {hint}").format(hint=f.hint))
    return lines


def _text_summary(findings: list[Finding], ctx: ReportContext) -> str:
    """The closing line: counts by severity, or that nothing was found."""
    n_files = _files_involved(findings, ctx)
    if not findings:
        return _("{files} file(s) checked, no problems found").format(files=n_files)
    counts = _counts(findings)
    summary = _("{errors} error(s), {warnings} warning(s)").format(errors=counts[ERROR], warnings=counts[WARNING])
    if counts[INFO]:
        summary += _(", {infos} info(s)").format(infos=counts[INFO])
    return _("{summary} in {files} file(s)").format(summary=summary, files=n_files)


def report_text(findings: list[Finding], ctx: ReportContext) -> str:
    """Compiler-style lines for a terminal, with a summary line at the end."""
    lines: list[str] = []
    for f in _sorted(findings):
        lines.extend(_text_lines(f, ctx.color))
    lines.append(_text_summary(findings, ctx))
    return "\n".join(lines)


# -- json --------------------------------------------------------------------------


def report_json(findings: list[Finding], ctx: ReportContext) -> str:
    """A versioned JSON document: tool, files, summary counts and every finding."""
    counts = _counts(findings)
    doc = {
        "version": 1,
        "tool": {"name": TOOL_NAME, "version": ctx.tool_version},
        "files": list(ctx.files_checked),
        "summary": {"errors": counts[ERROR], "warnings": counts[WARNING], "infos": counts[INFO]},
        "findings": [f.as_dict() for f in _sorted(findings)],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


# -- github ------------------------------------------------------------------------


def escape_github_data(value: str) -> str:
    """Escape a workflow command's message (`%`, CR, LF)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_github_property(value: str) -> str:
    """Escape a workflow command's property value (as data, plus `:` and `,`)."""
    return escape_github_data(value).replace(":", "%3A").replace(",", "%2C")


def _github_properties(f: Finding) -> str:
    """`file=…,line=…,col=…,title=…`, leaving out what is unknown or 0."""
    props: list[tuple[str, object]] = []
    if f.file:
        props.append(("file", f.file))
    for name, value in (("line", f.line), ("col", f.column), ("endLine", f.end_line), ("endColumn", f.end_column)):
        if value:
            props.append((name, value))
    props.append(("title", f"{f.code} {f.title}"))  # the title in the reader's language
    return ",".join(f"{name}={escape_github_property(str(value))}" for name, value in props)


def github_line(f: Finding) -> str:
    """One `::error …::message` workflow command."""
    command = _GITHUB_COMMAND.get(f.severity, "error")
    return f"::{command} {_github_properties(f)}::{escape_github_data(_with_hint(f))}"


def report_github(findings: list[Finding], ctx: ReportContext) -> str:
    """GitHub Actions workflow commands, so findings show as annotations on a PR."""
    return "\n".join(github_line(f) for f in _sorted(findings))


# -- sarif -------------------------------------------------------------------------


def _rule_name(title: str) -> str:
    """A SARIF rule name from a title: 'weights do not total 100' -> 'WeightsDoNotTotal100'."""
    words = ("".join(ch for ch in word if ch.isalnum()) for word in title.split())
    return "".join(w[0].upper() + w[1:] for w in words if w)


def _sarif_rule(code: str) -> dict:
    """The reportingDescriptor for one finding code."""
    severity, title = CODES.get(code, (ERROR, code))
    return {
        "id": code,
        "name": _rule_name(title),  # from the English title: a name, the same in every language
        "shortDescription": {"text": _(title) if code in CODES else title},
        "defaultConfiguration": {"level": _SARIF_LEVEL.get(severity, "error")},
    }


def _artifact_location(file: str, root: str | None) -> dict:
    """An artifactLocation: a forward-slash URI relative to %SRCROOT% where possible."""
    path = file.replace("\\", "/")
    if os.path.isabs(path):
        rel = os.path.relpath(path, root or os.getcwd()).replace("\\", "/")
        if rel.startswith("../") or rel == "..":
            return {"uri": Path(path).as_uri()}
        path = rel
    path = str(PurePosixPath(path))
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _sarif_region(f: Finding) -> dict:
    """The region of a finding (only the parts that are known)."""
    region = {"startLine": f.line}
    if f.column:
        region["startColumn"] = f.column
    if f.end_line:
        region["endLine"] = f.end_line
    if f.end_column:
        region["endColumn"] = f.end_column
    return region


def _sarif_location(f: Finding, file: str, ctx: ReportContext, artifact_index: dict[str, int]) -> dict:
    """The physicalLocation of a finding that names a file."""
    artifact = _artifact_location(file, ctx.root)
    if f.file in artifact_index:
        artifact["index"] = artifact_index[f.file]
    physical: dict = {"artifactLocation": artifact}
    if f.line:
        physical["region"] = _sarif_region(f)
    return {"physicalLocation": physical}


def _sarif_result(f: Finding, ctx: ReportContext, rule_index: dict[str, int], artifact_index: dict[str, int]) -> dict:
    """One SARIF result for one finding."""
    result: dict = {
        "ruleId": f.code,
        "ruleIndex": rule_index[f.code],
        "level": _SARIF_LEVEL.get(f.severity, "error"),
        "message": {"text": _with_hint(f)},
    }
    if f.file:
        result["locations"] = [_sarif_location(f, f.file, ctx, artifact_index)]
    result["properties"] = {"jsonPath": f.path}
    return result


def sarif_log(findings: list[Finding], ctx: ReportContext) -> dict:
    """The SARIF 2.1.0 log as a dict (one run)."""
    ordered = _sorted(findings)
    codes = sorted({f.code for f in ordered})
    rule_index = {code: i for i, code in enumerate(codes)}
    artifact_index = {file: i for i, file in enumerate(ctx.files_checked)}
    driver = {
        "name": TOOL_NAME,
        "version": ctx.tool_version,
        "informationUri": INFORMATION_URI,
        "rules": [_sarif_rule(code) for code in codes],
    }
    run = {
        "tool": {"driver": driver},
        "artifacts": [{"location": _artifact_location(file, ctx.root)} for file in ctx.files_checked],
        "results": [_sarif_result(f, ctx, rule_index, artifact_index) for f in ordered],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def report_sarif(findings: list[Finding], ctx: ReportContext) -> str:
    """SARIF 2.1.0 JSON, for GitHub code scanning and other SARIF viewers."""
    return json.dumps(sarif_log(findings, ctx), indent=2, ensure_ascii=False)


# -- registry ----------------------------------------------------------------------

REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
    "sarif": report_sarif,
}


def render(findings: list[Finding], fmt: str, ctx: ReportContext) -> str:
    """Render findings in the named format; an unknown name raises ValueError."""
    try:
        reporter = REPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(REPORTERS)}") from None
    return reporter(list(findings), ctx)


def choose_format(explicit: str | None, environ: Mapping[str, str]) -> str:
    """The format asked for; else 'github' inside GitHub Actions; else 'text'."""
    if explicit:
        return explicit
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "text"
