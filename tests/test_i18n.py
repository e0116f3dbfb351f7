"""The message catalogue: complete, consistent with the code, compiled; language selection;
prose numbers; `--help` in Indonesian."""

from __future__ import annotations

import gettext
import io
import re
import string

import pytest
from click.testing import CliRunner

from kinerja import i18n, i18n_catalog
from kinerja.cli.main import main

CATALOGUE = i18n_catalog.read_catalogue()
OWN = [m for m in CATALOGUE if m.id and "click" not in m.auto_comments]


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def placeholders(text: str) -> set[str]:
    """The `{name!r:spec}` and `%(name)s` fields of a text."""
    fields = {f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
              for _, name, spec, conv in string.Formatter().parse(text) if name is not None}
    return fields | set(re.findall(r"%\([a-z_]+\)[sd]", text))


def test_every_message_in_the_code_is_in_the_catalogue():
    extracted, problems = i18n_catalog.extract()
    ids = {_ids(m)[0] for m in CATALOGUE if m.id}
    missing = [f"{m.locations[0][0]}:{m.locations[0][1]}: {m.msgid!r}" for m in extracted if m.msgid not in ids]
    assert not missing, "run: python -m kinerja.i18n_catalog update\n" + "\n".join(missing)
    assert problems == []


def test_the_catalogue_has_no_message_the_code_no_longer_uses():
    extracted = {m.msgid for m in i18n_catalog.extract()[0]}
    stale = [_ids(m)[0] for m in OWN if _ids(m)[0] not in extracted]
    assert stale == []


@pytest.mark.parametrize("message", [m for m in CATALOGUE if m.id], ids=lambda m: _ids(m)[0][:50])
def test_every_message_has_a_translation_with_the_same_placeholders(message):
    assert all(_strings(message)), f"no translation for {_ids(message)[0]!r}"
    assert not message.fuzzy
    wanted = placeholders(_ids(message)[-1])  # Indonesian has one plural form: the plural's fields
    for text in _strings(message):
        assert placeholders(text) == wanted, text


def test_the_shipped_mo_is_compiled_from_the_po():
    fresh = gettext.GNUTranslations(io.BytesIO(i18n_catalog.compile_mo(mo=None)))
    shipped = i18n.catalogue("id")
    assert shipped._catalog == fresh._catalog, "run: python -m kinerja.i18n_catalog compile"


def test_extraction_finds_calls_help_texts_and_command_docstrings():
    source = '''
import click
@click.command()
@click.option("--x", help="Some help.")
def cmd(x):
    """Do a thing.

    At length."""
    _("plain {n}")
    i18n._("dotted")
    ngettext("one", "many", 2)
    N_("marked")
    _(f"not literal {x}")
'''
    found, problems = i18n_catalog.messages_in(source, "cli/x.py", cli=True)
    assert sorted(m.msgid for m in found) == sorted(["Some help.", "Do a thing.\n\nAt length.", "plain {n}",
                                                     "dotted", "one", "marked"])
    assert problems == ["cli/x.py:13: the text to translate is not a string literal"]


@pytest.mark.parametrize("env, flag, expected", [
    ({}, None, "en"),
    ({"LANG": "id_ID.UTF-8"}, None, "id"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "id_ID.UTF-8"}, None, "id"),
    ({"LANG": "id_ID.UTF-8", "LC_ALL": "C.UTF-8"}, None, "en"),
    ({"LANG": "id_ID.UTF-8", "KINERJA_LANG": "en"}, None, "en"),
    ({"KINERJA_LANG": "id"}, None, "id"),
    ({"KINERJA_LANG": "id"}, "en", "en"),
    ({"LANG": "C"}, "id", "id"),
], ids=["nothing", "LANG", "LC_MESSAGES-over-LANG", "LC_ALL-first", "KINERJA_LANG-over-locale",
        "KINERJA_LANG", "flag-over-all", "flag"])
def test_language_selection(monkeypatch, env, flag, expected):
    for var in ("LANG", "LC_ALL", "LC_MESSAGES", "KINERJA_LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    i18n.set_lang(flag)  # cleared after the test by conftest's clean_state
    assert i18n.lang() == expected


def test_documents_default_to_indonesian_without_a_choice(monkeypatch):
    for var in ("LANG", "LC_ALL", "LC_MESSAGES", "KINERJA_LANG"):
        monkeypatch.delenv(var, raising=False)
    assert (i18n.lang(), i18n.document_lang()) == ("en", "id")
    monkeypatch.setenv("KINERJA_LANG", "en")
    assert i18n.document_lang() == "en"


@pytest.mark.parametrize("value, lang, group, expected", [
    ("87.5", "id", False, "87,5"), ("87.5", "en", False, "87.5"), ("12.50", "id", False, "12,50"),
    ("2E+1", "id", False, "20"), (1048576, "id", True, "1.048.576"), (1048576, "en", True, "1,048,576"),
    ("-0.25", "id", False, "-0,25"), (95, "id", False, "95"),
], ids=["comma", "point", "places-kept", "no-exponent", "thousands-id", "thousands-en", "negative", "int"])
def test_prose_numbers(value, lang, group, expected):
    from decimal import Decimal

    assert i18n.num(Decimal(value) if isinstance(value, str) else value, lang, group) == expected


def _run(args, env=None):
    return CliRunner().invoke(main, args, env=env, prog_name="kinerja")


CLEAN = {"LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "KINERJA_LANG": None}
INDONESIAN = {**CLEAN, "LANG": "id_ID.UTF-8"}


def _commands():
    return sorted(main.commands)


def test_group_help_in_indonesian_under_an_indonesian_locale():
    out = _run(["--help"], INDONESIAN).output
    assert out.startswith("Penggunaan: kinerja [OPTIONS] COMMAND [ARGS]...")
    assert "Opsi:" in out and "Perintah:" in out and "Tampilkan pesan ini lalu keluar." in out
    assert "mesin kebijakan penilaian kinerja ASN" in out
    assert "Show this message" not in out


@pytest.mark.parametrize("command", _commands())
def test_every_command_help_follows_the_language(command):
    indonesian = _run([command, "--help"], INDONESIAN)
    english = _run([command, "--lang", "en", "--help"], INDONESIAN)
    assert indonesian.exit_code == english.exit_code == 0
    assert indonesian.output.startswith(f"Penggunaan: kinerja {command} ")
    assert english.output.startswith(f"Usage: kinerja {command} ")
    assert "Tampilkan pesan ini lalu keluar." in indonesian.output
    assert "Show this message and exit." in english.output
    for text in ("Show this message", "Write ", "Output format", "Language of"):
        assert text not in indonesian.output


def test_lang_before_the_command_and_usage_errors_follow_it():
    result = _run(["--lang", "id", "evaluate"], CLEAN)
    assert result.exit_code == 2
    assert "Kesalahan: Argumen belum diberikan 'POLICY'." in result.output
    result = _run(["evaluate"], CLEAN)
    assert "Error: Missing argument 'POLICY'." in result.output


def test_no_function_both_binds_and_calls_the_translation_function():
    """`x, _ = pair` in a function makes `_` local there, and its `_("…")` fails at run time."""
    import ast

    bad = []
    for folder in i18n_catalog.SOURCE_DIRS:
        for path in folder.rglob("*.py"):
            tree = ast.parse(path.read_text("utf-8"))
            for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
                own = [n for n in ast.walk(fn)]
                binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in own)
                calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in own)
                if binds and calls:
                    bad.append(f"{path.name}:{fn.lineno} {fn.name}")
    assert bad == []


def test_every_module_imports_the_translation_helpers_it_calls():
    """A wrapped message in a module that never imported `_` or `num` fails only when the error
    it reports happens: catch it here instead."""
    import ast

    helpers = {"_", "N_", "num", "ngettext", "gettext_in", "os_reason", "using"}
    missing = []
    for folder in i18n_catalog.SOURCE_DIRS:
        for path in folder.rglob("*.py"):
            tree = ast.parse(path.read_text("utf-8"))
            used = {n.func.id for n in ast.walk(tree)
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in helpers}
            known = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
            known |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            missing += [f"{path.name}: {name}" for name in sorted(used - known)]
    assert missing == []
