"""What `kinerja evaluate` imports: the policy's stages (load, schema check, compile), the readers
and its writer, never the Python API's other stages (comparison, validation of folders, the
explanation unless asked for) nor the xlsx writer unless chosen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

POLICIES = Path(__file__).parents[1] / "policies" / "nasional"
NATIONAL, SAMPLE = POLICIES / "permenpanrb-6-2022.yaml", POLICIES / "permenpanrb-6-2022.sample.csv"
NAMES = ("kinerja.api", "kinerja.comparison.job", "kinerja.validation", "kinerja.explanation.explain", "xlsxwriter",
         "openpyxl", "jsonschema", "kinerja.compile.load")
PROBE = f"""\
import json, sys
from kinerja.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps({{n: n in sys.modules for n in {NAMES!r}}}))
"""


def loaded(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("options,wanted", [
    ((), set()),
    (("--explain",), {"kinerja.explanation.explain"}),
    (("--format", "xlsx"), {"kinerja.explanation.explain", "xlsxwriter"}),
], ids=["jsonl", "explain", "xlsx"])
def test_evaluate_imports_what_it_uses(tmp_path, options, wanted):
    suffix = ".xlsx" if "xlsx" in options else ".jsonl"
    got = loaded("evaluate", NATIONAL, SAMPLE, "-o", tmp_path / f"out{suffix}", "--jobs", "1", *options)
    always = {"jsonschema", "kinerja.compile.load"}  # the policy is checked against its schema before evaluating
    assert {n for n, is_loaded in got.items() if is_loaded} == always | wanted
