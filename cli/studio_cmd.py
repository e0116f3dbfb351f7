"""`kinerja studio`: the policy workbench in the browser, served on this computer only."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import webbrowser

import click

from kinerja.cli.common import EXIT_OK, fail
from kinerja.i18n import _, os_reason


@click.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this computer's own address lets others on the network in.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Do not open the browser; only print the address.")
def studio(folder, host, port, no_browser):
    """Open the policy workbench for the policies in FOLDER: read the handbook, edit thresholds,
    try records and see the impact of a change before saving it."""
    try:
        import starlette  # noqa: F401  (imported here to name it in the message; the app below uses it)
        import uvicorn
    except ImportError as exc:  # a partial install
        fail(_("the workbench needs {name}: pip install kinerja").format(name=exc.name))
    from kinerja.cli.studio.app import create_app  # imported when the command runs: the web layer is big
    from kinerja.workbench import Refused
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, OverflowError) as exc:
        fail(_("cannot listen on {host}:{port}: {value}").format(host=host, port=port, value=os_reason(exc)))
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    hosts = {f"{shown}:{port}"}
    if _loopback(host):
        hosts |= {f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"}
    else:
        click.echo(_("kinerja: warning: listening on {host}, reachable from other computers").format(host=host),
                   err=True)
    token = secrets.token_urlsafe(24)
    try:
        app = create_app(folder, token, hosts)
    except (Refused, OSError) as exc:
        sock.close()
        fail(_("cannot open {folder}: {value}").format(folder=folder, value=os_reason(exc)))
    url = f"http://{shown}:{port}/?token={token}"
    click.echo(_("kinerja studio: {url}\n(press Ctrl+C to stop)").format(url=url), err=True)
    if not no_browser:
        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])
    raise SystemExit(EXIT_OK)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
