"""The CLI's language: `--lang id|en` on the group and on every command, `--help` texts
translated when they are shown, and click's own texts ("Usage:", "Missing argument") from
kinerja's catalogue. The choice itself is made by `kinerja.i18n`."""

from __future__ import annotations

import inspect

import click

from kinerja import i18n
from kinerja.i18n import N_, _

LANG_HELP = N_("Language of messages and reports: id (Bahasa Indonesia) or en (English). "
               "Default: KINERJA_LANG, else the locale (LANG=id_ID… gives Indonesian), else English.")
_ORIGINAL = "_kinerja_msgid"  # the English help text a command or option was defined with
_CLICK_IDS: dict[str, str] = {}  # a translated click text -> its English id (the help option's text)


def _set_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        i18n.set_lang(value)
    root = ctx.find_root().command
    localise(root)


def lang_option() -> click.Option:
    """The `--lang` option; eager, so that texts shown while parsing the rest follow it."""
    return click.Option(["--lang"], type=click.Choice(list(i18n.LANGS)), default=None, expose_value=False,
                        is_eager=True, callback=_set_lang, help=LANG_HELP)


def add_lang_option(command: click.Command) -> None:
    if not any(p.name == "lang" for p in command.params):
        command.params.append(lang_option())


def _translated(obj, attr: str) -> None:
    original = getattr(obj, _ORIGINAL, None)
    if original is None:
        text = getattr(obj, attr, None)
        if not text:
            return
        original = inspect.cleandoc(text) if isinstance(obj, click.Command) else _CLICK_IDS.get(text, text)
        setattr(obj, _ORIGINAL, original)
    setattr(obj, attr, _(original))


def localise(command: click.Command) -> None:
    """Put the current language's help texts on a command, its options and subcommands."""
    _translated(command, "help")
    for param in command.params + [command._help_option]:  # click caches its --help option there
        if isinstance(param, click.Option):
            _translated(param, "help")
        if param is not None and isinstance(param.type, click.Path):  # click names it once, at import
            kind = param.type
            kind.name = _("file") if kind.file_okay and not kind.dir_okay else \
                _("directory") if kind.dir_okay and not kind.file_okay else _("path")
    for sub in getattr(command, "commands", {}).values():
        localise(sub)


def _click_gettext(message: str) -> str:
    text = _(message)
    _CLICK_IDS[text] = message
    return text


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.ngettext(singular, plural, n)


def translate_click() -> None:
    """Click looks its texts up with gettext's global domain; point those look-ups at kinerja's
    catalogue so that "Usage:" and "Missing argument" follow --lang too."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        if hasattr(module, "_"):
            vars(module)["_"] = _click_gettext
        if hasattr(module, "ngettext"):
            vars(module)["ngettext"] = _click_ngettext
