"""The workbench's HTTP layer: each request is checked, translated to one call of
engine/workbench.py, and answered as JSON. Nothing else runs here.

Safety: every request carries the random token (in the URL once, then a same-site cookie, or
a header); every state-changing request also carries the CSRF token from the page and comes
from the workbench's own origin; the Host header must be the address served (no DNS
rebinding); paths are confined to the folder by the workspace; uploads are size-capped.
"""

from __future__ import annotations

import hmac
import json
import secrets
from importlib import resources

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kinerja import i18n
from kinerja.cli.studio.words import page_words
from kinerja.i18n import _
from kinerja.report.handbook import render as render_handbook
from kinerja.report.results import dumps
from kinerja.workbench import MAX_UPLOAD, Refused, Workspace

COOKIE = "kinerja_studio"
MAX_BODY = MAX_UPLOAD + 64 * 1024
ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; frame-src 'self' blob:; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
}


def _json(data, status: int = 200) -> Response:
    return Response(dumps(data), status, media_type="application/json", headers=SECURITY_HEADERS)


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status, headers=SECURITY_HEADERS)


def _asset(name: str) -> str:
    return resources.files("kinerja.cli.studio").joinpath("static", name).read_text("utf-8")


def create_app(folder: str, token: str, hosts: set[str], csrf: str | None = None) -> Starlette:
    """The workbench for `folder`, answering only requests with `token` sent to one of `hosts`
    ("127.0.0.1:8123", "localhost:8123")."""
    workspace = Workspace(folder)
    csrf = csrf or secrets.token_urlsafe(32)
    uploads: dict[str, tuple[str, bytes]] = {}

    def authorised(request: Request) -> bool:
        given = request.query_params.get("token") or request.headers.get("x-kinerja-token") \
            or request.cookies.get(COOKIE) or ""
        return hmac.compare_digest(given.encode(), token.encode())

    async def body(request: Request) -> dict:
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                raise _TooLarge()
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise Refused(_("the request is not JSON")) from None
        if not isinstance(data, dict):
            raise Refused(_("the request is not a JSON object"))
        return data

    def edits_of(data: dict) -> list:
        edits = data.get("edits") or []
        if not isinstance(edits, list) or not all(isinstance(e, dict) and isinstance(e.get("path"), list)
                                                  and isinstance(e.get("value"), str) for e in edits):
            raise Refused(_("edits must be a list of {{path, value}}").format())
        return [(e["path"], e["value"]) for e in edits]

    def sources_of(data: dict):
        records = data.get("records")
        if isinstance(records, str) and records.startswith("upload:"):
            upload = uploads.get(records[7:])
            if upload is None:
                raise Refused(_("that uploaded file is gone; drop it again"))
            return workspace.sources("", upload)
        return workspace.sources(records if isinstance(records, str) else "")

    async def page(request: Request) -> Response:
        words = dumps(page_words()).replace("<", "\\u003c")  # no `</script>` inside the data block
        html = _asset("index.html").replace("{{csrf}}", csrf).replace("{{lang}}", i18n.document_lang()) \
            .replace("{{words}}", words)
        response = HTMLResponse(html, headers=SECURITY_HEADERS)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return _error(_("not found"), 404)
        return Response(_asset(name), media_type=ASSETS[name], headers=SECURITY_HEADERS)

    async def files(request: Request) -> Response:
        return _json(workspace.files())

    async def policy(request: Request) -> Response:
        data = workspace.open(request.query_params.get("path", ""))
        return _json(data)

    async def handbook(request: Request) -> Response:
        lang = request.query_params.get("lang", "id")
        edits = json.loads(request.query_params.get("edits") or "[]") if request.query_params.get("edits") else []
        result = workspace.edited(request.query_params.get("path", ""),
                                  [(e["path"], e["value"]) for e in edits if isinstance(e, dict)])
        if result.policy is None:
            return _error(_("the policy has errors; the handbook is shown once they are fixed"), 409)
        html = render_handbook(result.policy, "html", lang if lang in ("id", "en") else "id")
        return HTMLResponse(html, headers={**SECURITY_HEADERS, "Content-Security-Policy":
                                           "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"})

    async def check(request: Request) -> Response:
        data = await body(request)
        return _json(workspace.check(str(data.get("path", "")), edits_of(data)))

    async def try_records(request: Request) -> Response:
        data = await body(request)
        return _json(workspace.try_records(str(data.get("path", "")), edits_of(data), sources_of(data)))

    async def explain(request: Request) -> Response:
        data = await body(request)
        row = data.get("row")
        if not isinstance(row, int):
            raise Refused(_("row must be a number"))
        lang = str(data["lang"]) if data.get("lang") in ("id", "en") else "id"
        return _json(workspace.explain(str(data.get("path", "")), edits_of(data), sources_of(data), row, lang))

    async def impact(request: Request) -> Response:
        data = await body(request)
        return _json(workspace.impact(str(data.get("path", "")), edits_of(data), sources_of(data)))

    async def save(request: Request) -> Response:
        data = await body(request)
        return _json(workspace.save(str(data.get("path", "")), edits_of(data), str(data.get("sha256", ""))))

    async def undo(request: Request) -> Response:
        data = await body(request)
        return _json(workspace.undo(str(data.get("path", ""))))

    async def upload(request: Request) -> Response:
        name = request.headers.get("x-file-name", "")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_UPLOAD:
                raise _TooLarge()
        workspace.sources("", (name, raw))  # refused here when it cannot be read
        key = secrets.token_urlsafe(12)
        while len(uploads) >= 4:
            uploads.pop(next(iter(uploads)))
        uploads[key] = (name, raw)
        return _json({"records": "upload:" + key, "name": name})

    routes = [Route("/", page), Route("/static/{name}", asset), Route("/api/files", files),
              Route("/api/policy", policy), Route("/api/handbook", handbook),
              Route("/api/check", check, methods=["POST"]), Route("/api/try", try_records, methods=["POST"]),
              Route("/api/explain", explain, methods=["POST"]), Route("/api/impact", impact, methods=["POST"]),
              Route("/api/save", save, methods=["POST"]), Route("/api/undo", undo, methods=["POST"]),
              Route("/api/upload", upload, methods=["POST"])]
    async def guard(request: Request, call_next):
        asked = request.headers.get("x-kinerja-lang") or request.query_params.get("lang")
        with i18n.using(asked if asked in i18n.LANGS else i18n.document_lang()):
            return await _guarded(request, call_next)

    async def _guarded(request: Request, call_next):
        if request.headers.get("host", "") not in hosts:
            return _error(_("this workbench answers only on its own address"), 403)
        if not authorised(request):
            return _error(_("the workbench token is missing or wrong: open the address kinerja studio printed"), 403)
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin is not None and origin.split("://", 1)[-1] not in hosts:
                return _error(_("a request from another site is refused"), 403)
            if not hmac.compare_digest(request.headers.get("x-csrf-token", "").encode(), csrf.encode()):
                return _error(_("the request lacks the workbench's CSRF token: reload the page"), 403)
        return await call_next(request)

    async def refused(request: Request, exc: Exception) -> Response:
        return _error(str(exc), 400)

    async def too_large(request: Request, exc: Exception) -> Response:
        return _error(_("the upload is larger than {size} MiB").format(size=MAX_UPLOAD // (1024 * 1024)), 413)

    async def broken(request: Request, exc: Exception) -> Response:  # a bug: one line, never a traceback
        return _error(_("internal error: {error} (please report it)").format(error=f"{type(exc).__name__}: {exc}"), 500)

    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)],
                     exception_handlers={Refused: refused, _TooLarge: too_large, Exception: broken})


class _TooLarge(Exception):
    """A request body over the cap."""
