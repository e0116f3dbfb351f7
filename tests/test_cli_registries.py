"""Every `--format` of the commands is read from a registry in report/ (never listed again in the
CLI), each registered writer works through its command, and a format's declared kind (xlsx: a
binary file; table: --columns; json/jsonl: --explain) decides the usage checks."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.report.compare_out import COMPARE_FORMATS
from kinerja.report.ekinerja_out import EKINERJA_FORMATS
from kinerja.report.findings import REPORTERS
from kinerja.report.library_out import LIBRARY_FORMATS
from kinerja.report.policy_out import SHOW_FORMATS
from kinerja.report.results import EXPLANATION_FORMATS
from kinerja.report.tests_out import TEST_REPORTERS
from kinerja.report.writers import RESULT_FORMATS
from kinerja.testing.suite import collect, run

ROOT = Path(__file__).parents[1]
POLICY = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
SAMPLE = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"


def format_choices(name: str) -> list[str]:
    command = main.get_command(click.Context(main), name)
    option = next(p for p in command.params if p.name == "fmt")
    return list(option.type.choices)


@pytest.mark.parametrize("command,registry", [
    ("validate", sorted(REPORTERS)), ("evaluate", list(RESULT_FORMATS)), ("explain", list(EXPLANATION_FORMATS)),
    ("compare", sorted(COMPARE_FORMATS)), ("test", list(TEST_REPORTERS)), ("show", list(SHOW_FORMATS)),
    ("ekinerja", list(EKINERJA_FORMATS)), ("list", list(LIBRARY_FORMATS)),
], ids=lambda x: x if isinstance(x, str) else "")
def test_the_format_choices_are_the_registry(command, registry):
    assert format_choices(command) == registry


def test_the_registries_hold_the_documented_formats():
    assert list(RESULT_FORMATS) == ["table", "json", "jsonl", "csv", "xlsx"]
    assert sorted(COMPARE_FORMATS) == ["html", "json", "markdown", "text"]
    assert list(TEST_REPORTERS) == ["text", "json", "junit", "github"]


def evaluate(tmp_path, *args: str):
    return CliRunner().invoke(main, ["evaluate", str(POLICY), str(SAMPLE), *args])


@pytest.mark.parametrize("fmt,first", [("json", "["), ("jsonl", '{"row": 1, '), ("csv", "row,nip,status,"),
                                       ("table", "row")])
def test_each_text_writer_writes_every_record(fmt, first, tmp_path):
    out = tmp_path / f"out.{fmt}"
    res = evaluate(tmp_path, "--format", fmt, "-o", str(out))
    assert res.exit_code == 0, res.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith(first)
    if fmt == "jsonl":
        assert [json.loads(line)["row"] for line in text.splitlines()] == list(range(1, 209))


def test_the_xlsx_writer_is_a_binary_file_with_its_three_sheets(tmp_path):
    out = tmp_path / "hasil.xlsx"
    res = evaluate(tmp_path, "--format", "xlsx", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    with zipfile.ZipFile(out) as book:
        workbook = book.read("xl/workbook.xml").decode()
    assert [name in workbook for name in ('name="Hasil"', 'name="Penjelasan"', 'name="Ringkasan"')] == [True] * 3


@pytest.mark.parametrize("args,message", [
    (["--format", "xlsx"], "kinerja: --format xlsx needs -o FILE.xlsx\n"),
    (["--format", "xlsx", "-o", "-"], "kinerja: --format xlsx needs -o FILE.xlsx\n"),
    (["--format", "csv", "--explain"], "kinerja: --explain adds explanations to json or jsonl rows, not to csv (xlsx "
                                       "has an explanation sheet: --explain-sheet; for one employee use kinerja "
                                       "explain)\n"),
    (["--format", "json", "--columns", "nama"], "kinerja: --columns chooses the columns of the table format, not "
                                                "of json\n"),
], ids=["xlsx-to-stdout", "xlsx-to-dash", "explain-csv", "columns-json"])
def test_a_format_that_cannot_take_an_option_is_a_usage_error(args, message, tmp_path):
    res = evaluate(tmp_path, *args)
    assert (res.exit_code, res.stderr, res.stdout) == (2, message, "")


def test_the_testing_run_decides_the_coverage_minimum():
    test_run = run(collect([str(ROOT / "policies" / "nasional" / "pp-30-2019.yaml")]), minimum=Decimal(100))
    assert test_run.passed and test_run.suites[0].coverage is not None
    assert not test_run.suites[0].below(Decimal(100))
    strict = run(collect([str(ROOT / "policies" / "nasional" / "pp-30-2019.yaml")]), name_filter="no test has this",
                 minimum=Decimal(1))
    assert strict.suites[0].below(Decimal(1)) and not strict.passed
