"""The `cycle` section and the cycle's declarations in the policy language: each mistake is a
located finding (K230, K302), and a child inherits the parent's cycle whole."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main

HEAD = """kinerja: 1
id: p
name: P
version: "1"
fields:
  nip: {type: nip}
  periode: {type: enum, values: [S1, S2]}
  bulan: {type: integer, default: 6}
  teks: {type: string}
  rating: {type: enum, values: [A, B]}
  rating_tahunan: {type: enum, values: [A, B, C]}
values:
  nilai: bulan * 2
  label: '"x"'
"""


@pytest.mark.parametrize("cycle,where,message", [
    ("  periods: {field: teks, months: {S1: 6, S2: 6}}", "16:20",
     "the period field `teks` must be an enum field of this policy"),
    ("  periods: {field: periode, months: {S1: 6, S3: 6}}", "16:37",
     "`months` must list every value of `periode` and nothing else; missing: S2; not values of the field: S3"),
    ("  periods: {field: periode, months_field: teks, months: {S1: 6, S2: 6}}", "16:43",
     "`months_field: teks` must be a number field of this policy"),
    ("  annual: {output: nilai}", "16:11", "an annual rule needs `periods`"),
    ("  periods: {field: periode, months: {S1: 6, S2: 6}}\n  annual: {output: bulan}", "17:20",
     "`bulan` is not an output of this policy"),
    ("  periods: {field: periode, months: {S1: 6, S2: 6}}\n  annual: {output: nilai, rater: {rating: nope}}", "17:43",
     "`nope` (the rater's annual rating) must be a field of this policy"),
    ("  periods: {field: periode, months: {S1: 6, S2: 6}}\n  annual: {output: nilai, rater: {rating: rating_tahunan}}",
     "17:43", "`rating_tahunan` must have the same type and values as `rating`"),
    ("  periods: {field: periode, months: {S1: 6, S2: 6}}\n  annual: {output: nilai, sum: [label]}", "17:33",
     "`label` in sum must be a number output of this policy"),
], ids=["not an enum", "months differ", "months field", "annual without periods", "annual output a field",
        "rater field unknown", "rater field differs", "sum of a label"])
def test_cycle_findings(tmp_path, cycle, where, message):
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "cycle:\n" + cycle + "\n")
    r = CliRunner().invoke(main, ["validate", str(path)])
    assert r.exit_code == 1
    [line] = [x for x in r.stdout.splitlines() if " K230 " in x]
    assert line == f"{path}:{where}: error K230 {message}"


def test_a_clean_cycle_validates_and_a_child_inherits_it(tmp_path):
    (tmp_path / "p.yaml").write_text(HEAD + "cycle:\n  periods: {field: periode, months_field: bulan, "
                                     "months: {S1: 6, S2: 6}}\n  annual: {output: nilai, sum: [nilai]}\n")
    (tmp_path / "c.yaml").write_text("kinerja: 1\nid: c\nname: C\nversion: '1'\nextends: p\n")
    r = CliRunner().invoke(main, ["validate", str(tmp_path / "p.yaml"), str(tmp_path / "c.yaml")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["show", str(tmp_path / "c.yaml"), "--resolved"])
    assert "cycle:" in r.stdout and "months_field: bulan" in r.stdout


def test_skip_when_names_are_checked(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("kinerja: 1\nid: p\nname: P\nversion: '1'\nextends: permenpanrb-6-2022\npopulation:\n"
                    "  kurva-distribusi:\n    kind: distribution\n    output: predikat\n    group_by: unit_kerja\n"
                    "    input: org_predikat\n    skip_when: plt_plhh\n    limits:\n      Baik:\n"
                    "        - {label: Baik, max_pct: 70}\n")
    r = CliRunner().invoke(main, ["validate", str(path)])
    assert r.exit_code == 1
    assert f"{path}:12:16: error K302 unknown name `plt_plhh`" in r.stdout


def test_compare_shows_a_changed_cycle(tmp_path):
    (tmp_path / "p.yaml").write_text(HEAD + "cycle:\n  periods: {field: periode, months: {S1: 6, S2: 6}}\n"
                                     "  annual: {output: nilai, otherwise: [last_period]}\n")
    (tmp_path / "q.yaml").write_text(HEAD.replace("id: p", "id: q") + "cycle:\n  periods: {field: periode, "
                                     "months: {S1: 6, S2: 6}}\n  annual: {output: nilai, otherwise: [most_frequent]}\n")
    recs = tmp_path / "r.csv"
    recs.write_text("nip,periode\n198609262015051001,S1\n")
    r = CliRunner().invoke(main, ["compare", str(tmp_path / "p.yaml"), str(tmp_path / "q.yaml"), str(recs),
                                  "--by-output", "nilai", "--favourable", "nilai=2", "--format", "json"])
    import json
    assert r.exit_code == 0, r.output
    meta = [c for c in json.loads(r.stdout)["policy_diff"]["meta"] if c["what"].startswith("cycle")]
    assert meta == [{"what": "cycle.annual.otherwise", "a": ["last_period"], "b": ["most_frequent"]}]


def test_annual_rules_must_name_rules(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "rules:\n  catat:\n    kind: catatan\n    when: bulan > 1\n"
                    "cycle:\n  periods: {field: periode, months: {S1: 6, S2: 6}}\n  annual_rules: [catatt]\n")
    r = CliRunner().invoke(main, ["validate", str(path)])
    assert r.exit_code == 1
    assert f'{path}:21:18: error K230 `catatt` in annual_rules is not a rule of this policy' in r.stdout
    assert 'did you mean "catat"?' in r.stdout
