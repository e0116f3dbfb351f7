"""Fast start: a command imports its own module only; --version imports no command module,
no schema validator and no engine stage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kinerja.cli import commands
from kinerja.cli.main import main

NATIONAL = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
PROBE = """\
import json, sys
from kinerja.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
names = ("jsonschema", "openpyxl", "kinerja.cli.run_cmds", "kinerja.cli.compare_cmd", "kinerja.cli.test_cmds",
         "kinerja.compile.compiler", "kinerja.evaluation.parallel")
print(json.dumps({n: n in sys.modules for n in names}))
"""


def loaded(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_version_imports_no_command_and_no_engine_stage():
    assert loaded("--version") == {"jsonschema": False, "openpyxl": False, "kinerja.cli.run_cmds": False,
                                   "kinerja.cli.compare_cmd": False, "kinerja.cli.test_cmds": False,
                                   "kinerja.compile.compiler": False, "kinerja.evaluation.parallel": False}


def test_evaluate_imports_its_own_module_only(tmp_path):
    records = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"
    got = loaded("evaluate", str(NATIONAL), str(records), "-o", str(tmp_path / "out.jsonl"))
    # the policy is checked against its schema, so jsonschema is needed; xlsx and the other commands are not
    assert got == {"jsonschema": True, "openpyxl": False, "kinerja.cli.run_cmds": True,
                   "kinerja.cli.compare_cmd": False, "kinerja.cli.test_cmds": False,
                   "kinerja.compile.compiler": True, "kinerja.evaluation.parallel": True}


def test_a_command_missing_from_the_map_is_still_found(monkeypatch):
    monkeypatch.setattr(commands, "WHERE", {})
    monkeypatch.setattr(main, "commands", {n: c for n, c in main.commands.items() if n in ("validate", "schema")})
    res = CliRunner().invoke(main, ["schema", "tests"])
    assert res.exit_code == 0
    res = CliRunner().invoke(main, ["init", "--help"])
    assert res.exit_code == 0 and "Create an agency policy" in res.stdout
