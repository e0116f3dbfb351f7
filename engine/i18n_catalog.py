"""Keep the message catalogue in step with the code (a developer's tool; needs Babel).

    python -m kinerja.i18n_catalog update    # add new message ids to the .po, drop unused
    python -m kinerja.i18n_catalog compile   # .po -> .mo (the .mo is committed and shipped)

Message ids are found with Python's own parser: the literal first argument of `_()`, `N_()`
and `ngettext()` (and the second of `gettext_in()`), every literal `help=` of a click
option or command under `cli/`, and the docstrings of click commands (their `--help`).
Click's own texts ("Usage:", "Missing argument …") are added from the installed click and
marked `#. click`; they are translated too but not required to be complete, since a newer
click may add texts.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import io
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
# cli/ is beside engine/ in a checkout and inside the package (kinerja/cli) once installed
_CLI_SPEC = importlib.util.find_spec("kinerja.cli")
CLI_DIR = Path(_CLI_SPEC.origin).resolve().parent if _CLI_SPEC and _CLI_SPEC.origin else HERE.parent / "cli"
SOURCE_DIRS = (HERE, CLI_DIR)
PO_FILE = HERE / "locale" / "id" / "LC_MESSAGES" / "kinerja.po"
MO_FILE = PO_FILE.with_suffix(".mo")
CLICK_MODULES = ("core", "exceptions", "types", "parser", "decorators", "formatting")
CLICK_TAG = "click"


@dataclass
class Message:
    msgid: str
    plural: str | None = None
    locations: list[tuple[str, int]] = field(default_factory=list)
    click: bool = False


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_click_command(fn: ast.FunctionDef) -> bool:
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in ("command", "group"):
            return True
    return False


def messages_in(source: str, filename: str, cli: bool = False) -> tuple[list[Message], list[str]]:
    """(messages, problems): problems are translatable places whose text is not a literal."""
    tree = ast.parse(source, filename)
    found: list[Message] = []
    problems: list[str] = []

    def add(text: str | None, node, plural: str | None = None) -> None:
        if text is None and not isinstance(node, (ast.JoinedStr, ast.BinOp)):
            return  # a variable passed through: a text marked with N_ where it is defined
        if text is None:
            problems.append(f"{filename}:{node.lineno}: the text to translate is not a string literal")
        elif text:
            found.append(Message(text, plural, [(filename, node.lineno)]))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in ("_", "N_") and node.args:
                add(_literal(node.args[0]), node.args[0])
            elif name == "ngettext" and len(node.args) >= 2:
                add(_literal(node.args[0]), node.args[0], _literal(node.args[1]) or "")
            elif name == "gettext_in" and len(node.args) >= 2:
                add(_literal(node.args[1]), node.args[1])
            if cli:
                for kw in node.keywords:
                    if kw.arg == "help" and not (isinstance(kw.value, ast.Constant) and kw.value.value is None):
                        add(_literal(kw.value), kw.value)
        elif cli and isinstance(node, ast.FunctionDef) and _is_click_command(node):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                found.append(Message(inspect.cleandoc(doc), None, [(filename, node.lineno)]))
    return found, problems


def extract() -> tuple[list[Message], list[str]]:
    """Every message id of kinerja's code, in file and line order, each once."""
    by_id: dict[str, Message] = {}
    problems: list[str] = []
    for folder in SOURCE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            if folder == HERE and path.is_relative_to(CLI_DIR):
                continue  # an installed package holds cli/ inside: read once, as cli
            rel = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            found, bad = messages_in(path.read_text(encoding="utf-8"), rel, cli=folder == CLI_DIR)
            problems += bad
            for m in sorted(found, key=lambda m: m.locations[0][1]):
                if m.msgid in by_id:
                    by_id[m.msgid].locations += m.locations
                else:
                    by_id[m.msgid] = m
    return list(by_id.values()), problems


def click_messages() -> list[Message]:
    import click

    out: dict[str, Message] = {}
    base = Path(click.__file__).parent
    for module in CLICK_MODULES:
        tree = ast.parse((base / f"{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
                msgid = _literal(node.args[0])
                if node.func.id == "_" and msgid:
                    out.setdefault(msgid, Message(msgid, click=True))
                elif node.func.id == "ngettext" and len(node.args) >= 2 and msgid:
                    out.setdefault(msgid, Message(msgid, _literal(node.args[1]), click=True))
    return list(out.values())


def read_catalogue(path: Path = PO_FILE):
    from babel.messages.pofile import read_po

    with open(path, "rb") as fh:
        return read_po(fh, locale="id", domain="kinerja")


def update(path: Path = PO_FILE) -> int:
    """Rewrite the .po with the code's message ids (keeping translations); returns how many
    message ids still lack a translation."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    old = read_catalogue(path) if path.exists() else None
    fixed = datetime(2026, 11, 30, tzinfo=UTC)  # a stable header: no diff on every update
    new = Catalog(locale="id", domain="kinerja", project="kinerja", version="0.1", fuzzy=False,
                  header_comment="# Bahasa Indonesia for kinerja; terms follow docs/glosarium.md.",
                  copyright_holder="kinerja", msgid_bugs_address="-", last_translator="kinerja",
                  language_team="Bahasa Indonesia", creation_date=fixed, revision_date=fixed)
    own, _problems = extract()
    for m in own + [c for c in click_messages() if c.msgid not in {o.msgid for o in own}]:
        key = (m.msgid, m.plural) if m.plural is not None else m.msgid
        previous = old.get(m.msgid) if old else None
        string = previous.string if previous is not None else ("", "") if m.plural is not None else ""
        new.add(key, string, locations=m.locations, auto_comments=[CLICK_TAG] if m.click else [],
                flags=("python-brace-format",) if "{" in m.msgid and not m.click else ())
    buf = io.BytesIO()
    write_po(buf, new, width=100, omit_header=False, no_location=False, include_previous=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return sum(1 for m in new if m.id and not m.string)


def compile_mo(po: Path = PO_FILE, mo: Path = MO_FILE) -> bytes:
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, read_catalogue(po), use_fuzzy=False)
    data = buf.getvalue()
    if mo is not None:
        mo.write_bytes(data)
    return data


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        missing = update()
        print(f"{PO_FILE}: {missing} message(s) without a translation")
        return 0
    if argv[:1] == ["compile"]:
        compile_mo()
        print(f"wrote {MO_FILE}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
