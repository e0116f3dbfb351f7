"""The `kinerja` command. Each command parses options, calls the engine, picks a reporter,
and returns an exit code: 0 ok, 1 findings or failures, 2 usage or I/O error."""

from __future__ import annotations

import contextlib
import json
import os
import sys

import click

from kinerja import i18n
from kinerja.cli.lang import add_lang_option, lang_option, localise, translate_click
from kinerja.findings import has_errors
from kinerja.report.findings import REPORTERS, ReportContext, choose_format, render

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class KinerjaGroup(click.Group):
    """Usage errors exit 2 with click's message; anything unexpected becomes a one-line error.
    Commands in their own modules are imported when used (cli/commands.py), not at start."""

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None:
            from kinerja.cli import commands
            self._add(commands.commands_in((commands.WHERE[name],)) if name in commands.WHERE else [])
            command = super().get_command(ctx, name)
        if command is None:
            self._add_all()
            command = super().get_command(ctx, name)
        return command

    def list_commands(self, ctx):
        self._add_all()
        return super().list_commands(ctx)

    def _add_all(self) -> None:
        from kinerja.cli import commands
        self._add(commands.commands_in())

    def _add(self, found) -> None:
        for command in found:
            if command.name not in self.commands:
                add_lang_option(command)  # every command takes --lang
                localise(command)
                self.add_command(command)

    def make_context(self, info_name, args, parent=None, **extra):
        i18n.set_lang(None)  # each run chooses its language afresh (--lang, KINERJA_LANG, locale)
        localise(self)
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx):
        for stream in (sys.stdout, sys.stderr):  # text that is not valid Unicode never stops a writer
            with contextlib.suppress(AttributeError, ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("kinerja: " + i18n._("interrupted"), err=True)
            ctx.exit(130)
        except BrokenPipeError:
            ctx.exit(EXIT_FINDINGS)
        except Exception as exc:  # a bug in kinerja: say so in one line, never a traceback
            if os.environ.get("KINERJA_DEBUG"):
                raise
            click.echo("kinerja: " + i18n._("internal error: {error} (set KINERJA_DEBUG=1 for details and "
                                            "please report it)").format(error=f"{type(exc).__name__}: {exc}"),
                       err=True)
            ctx.exit(EXIT_USAGE)


def _version(ctx, _param, value) -> None:
    if value and not ctx.resilient_parsing:
        import kinerja
        click.echo(f"kinerja {kinerja.__version__}")
        ctx.exit()


@click.group(cls=KinerjaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and exit.")
def main() -> None:
    """kinerja: policy engine for penilaian kinerja ASN (PermenPANRB 6/2022 and agency policies)."""


def emit(text: str, output: str | None = None) -> None:
    """Write a report to stdout or a file (a trailing newline is added when missing)."""
    if text and not text.endswith("\n"):
        text += "\n"
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8", newline="", errors="backslashreplace") as fh:
                fh.write(text)
        except OSError as exc:
            raise click.FileError(output, hint=i18n.os_reason(exc)) from None
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default=None,
              help="Output format (default: github when GITHUB_ACTIONS=true, else text).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file.")
@click.option("--policies-only", is_flag=True,
              help="Skip YAML files that are not kinerja files (no top-level `kinerja:` key); for hooks.")
def validate(paths, fmt, output, policies_only):
    """Check policy files (or folders of them; - reads stdin) against the schema and rules."""
    from kinerja.policy.located import MAX_BYTES
    from kinerja.validate import validate_paths

    stdin = sys.stdin.buffer.read(MAX_BYTES + 1) if "-" in paths else None
    result = validate_paths(list(paths), stdin, policies_only)
    import kinerja

    ctx = ReportContext(result.files, kinerja.__version__, color=(fmt or "text") == "text" and output is None
                        and sys.stdout.isatty())
    emit(render(result.findings, choose_format(fmt, os.environ), ctx), output)
    sys.exit(EXIT_USAGE if result.unreadable_only else (EXIT_FINDINGS if has_errors(result.findings) else EXIT_OK))


@main.command()
@click.argument("name", type=click.Choice(["policy", "tests"]), default="policy")
def schema(name):
    """Print a JSON Schema (for editors: # yaml-language-server: $schema=...)."""
    from kinerja.policy.documents import POLICY_SCHEMA, TESTS_SCHEMA
    from kinerja.policy.documents import schema as load_schema

    click.echo(json.dumps(load_schema(POLICY_SCHEMA if name == "policy" else TESTS_SCHEMA), indent=2,
                          ensure_ascii=False))


# --lang on the group (`kinerja --lang id …`) and on the commands defined here (the others get it
# when they are loaded, in KinerjaGroup._add); click's own texts from kinerja's catalogue too.
main.params.append(lang_option())
for _command in main.commands.values():
    add_lang_option(_command)
translate_click()
