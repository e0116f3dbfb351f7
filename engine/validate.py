"""`kinerja validate`: files and folders in, located findings out. Never raises at a user."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from kinerja.compile.compiler import compile_policy
from kinerja.findings import Finding, sort_key
from kinerja.i18n import _, os_reason
from kinerja.policy.documents import LINK_REFUSED, TESTS_SCHEMA, link_escapes, read_capped, read_document, resolve
from kinerja.policy.located import MAX_BYTES
from kinerja.records.mapping import mapping_findings

POLICY_SUFFIXES = (".yaml", ".yml")


@dataclass
class Validation:
    """What `validate` checked and found."""

    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def unreadable_only(self) -> bool:
        """Every finding is a file that could not be read (K001): a usage or I/O error, not a policy's."""
        return bool(self.findings) and all(f.code == "K001" for f in self.findings)


def is_test_file(name: str) -> bool:
    return name.endswith((".test.yaml", ".test.yml"))


def is_map_file(name: str) -> bool:
    return name.endswith((".map.yaml", ".map.yml"))


def is_sample_file(name: str) -> bool:
    """Records shipped beside a policy (`<id>.sample.yaml`, `*.records.yaml`): data, not policies."""
    return name.endswith((".sample.yaml", ".sample.yml", ".records.yaml", ".records.yml"))


def expand(paths: list[str]) -> tuple[list[str], list[Finding]]:
    """Files as given, folders walked for *.yaml / *.yml (sorted); missing paths are findings."""
    files, problems = [], []
    for p in paths:
        if p == "-":
            files.append(p)
        elif os.path.isdir(p):
            before = len(files)
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for n in sorted(names):
                    path = os.path.join(root, n)
                    if not n.endswith(POLICY_SUFFIXES) or n.startswith(".") or is_map_file(n) or is_sample_file(n) \
                            or not os.path.isfile(path):
                        continue
                    if link_escapes(path):  # never read; said, so that CI does not pass it silently
                        problems.append(Finding("K001", _(LINK_REFUSED), path))
                        before -= 1
                        continue
                    files.append(path)
            if len(files) == before:  # a mistyped folder must not pass CI silently
                problems.append(Finding("K001", _("no policy files (*.yaml, *.yml) in this folder"), p))
        elif link_escapes(p):
            problems.append(Finding("K001", _(LINK_REFUSED), p))
        elif os.path.exists(p):
            files.append(p)
        else:
            problems.append(Finding("K001", _("no such file or folder"), p))
    return files, problems


# Line breaks and other control characters a user typed (a key "a\nb", a "\0" or "\ud800" escape)
# are shown escaped, so every finding stays one printable line of text output.
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7f, 0xa0)] if c != 0x09}
_CONTROLS.update({0x0a: "\\n", 0x0d: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})
_CONTROLS.update({c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)})  # lone surrogates cannot be printed


def _one_line(f: Finding) -> Finding:
    message, hint = f.message.translate(_CONTROLS), f.hint.translate(_CONTROLS) if f.hint else f.hint
    return f if (message, hint) == (f.message, f.hint) else f.at(message=message, hint=hint)


_KINERJA_KEY = re.compile(rb"^(kinerja|kinerja_map)[ \t]*:", re.MULTILINE)


def is_kinerja_text(data: bytes) -> bool:
    """Whether a YAML file declares itself a kinerja file (a top-level `kinerja:` key)."""
    return _KINERJA_KEY.search(data) is not None


def validate_text(text: str | bytes, name: str) -> list[Finding]:
    """All findings for one policy, *.test.yaml or *.map.yaml document."""
    if is_map_file(name):
        return [_one_line(f) for f in mapping_findings(name, text)]
    if is_test_file(name):
        doc = read_document(name, text=text, schema_name=TESTS_SCHEMA)
        return [_one_line(f) for f in doc.findings]
    doc = read_document(name, text=text)
    if doc.findings:
        return [_one_line(f) for f in doc.findings]
    _, findings = compile_policy(resolve(doc))
    return [_one_line(f) for f in findings]


def validate_file(path: str, policies_only: bool = False) -> list[Finding] | None:
    """Findings for one file; None when `policies_only` and the file is not a kinerja file."""
    try:
        data = read_capped(path, MAX_BYTES)  # enough to tell it is too large (K003); a pipe never hangs it
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        return [Finding("K001", _("cannot read the file: {why}").format(why=os_reason(exc)), path)]
    if policies_only and (is_sample_file(path) or not is_kinerja_text(data)):
        return None
    return validate_text(data, path)


def validate_paths(paths: list[str], stdin: bytes | None = None, policies_only: bool = False) -> Validation:
    """Validate files and folders. `policies_only` (for pre-commit hooks that pass every
    changed YAML file) skips files without a top-level `kinerja:` key and sample data."""
    files, problems = expand(paths)
    result = Validation(findings=problems)
    for f in files:
        if f == "-":
            result.files.append("<stdin>")
            result.findings.extend(validate_text(stdin or b"", "<stdin>"))
            continue
        found = validate_file(f, policies_only)
        if found is not None:
            result.files.append(f)
            result.findings.extend(found)
    result.findings.sort(key=sort_key)
    return result
