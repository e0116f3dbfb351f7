"""The language kinerja speaks to people: Indonesian or English, from gettext catalogues.

Message ids are the English texts; `engine/locale/id/LC_MESSAGES/kinerja.po` holds their
Indonesian translations (compiled to `kinerja.mo`, shipped in the wheel). Placeholders are
`str.format` names: `_("weights total {total}, expected 100").format(total=num(total))`.

The language is chosen, first match wins: the `--lang id|en` option (set by the CLI with
`set_lang`), the `KINERJA_LANG` environment variable, a locale (`LC_ALL`, `LC_MESSAGES`,
`LANG`, the first one set) starting with `id`, else English. Documents written for the
employee (explanations, the handbook, the results workbook) default to Indonesian unless
`--lang` or `KINERJA_LANG` says otherwise: see `document_lang`.

Only what people read changes: finding codes, JSON keys, SARIF rule ids and exit codes are
the same in every language, and `num` is for prose, never for machine formats.
"""

from __future__ import annotations

import gettext as _gettext
import os
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from importlib import resources

LANGS = ("id", "en")
DOMAIN = "kinerja"
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")

_flag: str | None = None  # the --lang option of the command being run
# `using(lang)` blocks: a document written in a language of its own, or one request of the workbench
# (a context variable, so concurrent requests each keep theirs)
_override: ContextVar[str | None] = ContextVar("kinerja_lang", default=None)


def set_lang(lang: str | None) -> None:
    """Set (or with None, clear) the language chosen on the command line."""
    global _flag
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    _flag = lang


def _env_lang() -> str | None:
    value = os.environ.get("KINERJA_LANG", "").strip().lower()
    if value:
        return "id" if value.startswith("id") else "en"
    return None


def _locale_lang() -> str | None:
    for var in LOCALE_VARS:
        value = os.environ.get(var, "")
        if value:
            return "id" if value.lower().startswith("id") else None
    return None


def lang() -> str:
    """The language of messages, help and reports."""
    override = _override.get()
    if override:
        return override
    return _flag or _env_lang() or _locale_lang() or "en"


@contextmanager
def using(language: str):
    """Within the block, every message is in `language` (an explanation written in Indonesian
    says its evaluation errors in Indonesian too, whatever the messages around it use)."""
    token = _override.set(language)
    try:
        yield
    finally:
        _override.reset(token)


def document_lang() -> str:
    """The language of documents for the employee: Indonesian unless --lang or KINERJA_LANG
    (or an Indonesian locale, which agrees) says otherwise."""
    return _flag or _env_lang() or "id"


@cache
def catalogue(language: str) -> _gettext.NullTranslations:
    """The compiled catalogue of a language; English is the message ids themselves."""
    if language == "en":
        return _gettext.NullTranslations()
    path = resources.files("kinerja") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def gettext_in(language: str, message: str) -> str:
    """`message` in a given language (for documents whose language is chosen separately)."""
    return catalogue(language).gettext(message)


def in_every_language(words):
    """`words` (English message ids, in dicts and lists as deep as needed) translated into each
    of LANGS: {"id": …, "en": …}, built once where a module defines its words."""
    def translate(language, item):
        if isinstance(item, dict):
            return {key: translate(language, value) for key, value in item.items()}
        if isinstance(item, list):
            return [translate(language, value) for value in item]
        return gettext_in(language, item)
    return {language: translate(language, words) for language in LANGS}


def _(message: str) -> str:
    """`message` in the current language."""
    return catalogue(lang()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(lang()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for translation where it is defined; translate it with `_` where it is shown."""
    return message


_OS_WORDS = ((FileNotFoundError, N_("it does not exist")), (IsADirectoryError, N_("this is a folder, not a file")),
             (NotADirectoryError, N_("a part of the path is a file, not a folder")),
             (PermissionError, N_("permission was denied")), (FileExistsError, N_("it already exists")))


def os_reason(exc: BaseException) -> str:
    """Why a file operation failed, in the reader's language (the system's own text otherwise)."""
    for kind, words in _OS_WORDS:
        if isinstance(exc, kind):
            return _(words)
    return getattr(exc, "strerror", None) or str(exc)


def num(value, language: str | None = None, group: bool = False) -> str:
    """A number written for people: `87,5` in Indonesian, `87.5` in English; `group` adds
    thousands separators (`1.048.576` / `1,048,576`). Never for JSON, CSV or codes."""
    language = language or lang()
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    text = f"{value:,}" if group else (format(value, "f") if isinstance(value, Decimal) else str(value))
    if isinstance(value, Decimal) and group:
        text = f"{value:,f}"
    if language == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text
