"""The app itself: :func:`create_app` builds it, :func:`run` serves it on 127.0.0.1.

Why Starlette: a small, well-kept ASGI toolkit (the base of FastAPI) whose pieces the app
uses directly: routes, Jinja2 templates with autoescaping, static files, form uploads
streamed to disk, and a test client. Pages are plain HTML forms, so every step works
with the keyboard and without a JavaScript framework; one local script adds upload and
job progress. Nothing is loaded from the internet.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
import threading
import webbrowser
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from tpdn_outcomes.app.routes import routes
from tpdn_outcomes.app.security import Security, SecurityMiddleware
from tpdn_outcomes.app.workspace import Workspaces

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def _format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else f"{value:.3g}" if abs(value) < 1e5 else f"{value:.0f}"
    return str(value)


class _Headers:
    """Security headers on every response (the report preview sets its own)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-frame-options": b"DENY",
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"cache-control": b"no-store",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with)


def create_app(
    security: Security | None = None, workspaces: Workspaces | None = None
) -> SecurityMiddleware:
    """The ASGI application, wrapped in its security checks.

    Parameters
    ----------
    security : Security, optional
        Token and upload limit (default: a new random token, 200 MB).
    workspaces : Workspaces, optional
        Where the tabs' folders live (default: a new private temporary folder, removed
        when the application shuts down).

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> app = create_app(Security(token="t"))
    >>> with TestClient(app, base_url="http://127.0.0.1:8765") as client:
    ...     client.get("/").status_code, client.get("/?token=t").status_code
    (403, 200)
    """
    security = security or Security()
    spaces = workspaces or Workspaces()
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["cell"] = _format_cell
    templates = Jinja2Templates(env=env)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        spaces.close()

    async def not_found(request: Request, exc: Exception) -> Response:
        detail = getattr(exc, "detail", "Not found")
        code = getattr(exc, "status_code", 404)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"space": None, "steps": [], "step": "", "message": detail},
            status_code=code,
        )

    app = Starlette(
        routes=[*routes(), Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
        lifespan=lifespan,
        exception_handlers={404: not_found, 400: not_found},
    )
    app.state.templates = templates
    app.state.workspaces = spaces
    app.state.security = security
    return SecurityMiddleware(_Headers(app), security)


def run(
    port: int = 8765,
    *,
    open_browser: bool = True,
    max_upload_mb: float = 200.0,
    token: str | None = None,
) -> None:
    """Serve the app on 127.0.0.1 until Ctrl-C; print (and open) its address with the token.

    Every upload lives in a private temporary folder that is removed when the app stops.
    """
    import uvicorn

    security = (
        Security(max_upload_mb=max_upload_mb) if token is None else Security(token, max_upload_mb)
    )
    spaces = Workspaces()
    atexit.register(spaces.close)  # (also when the server stops without its shutdown)
    app = create_app(security, spaces)
    url = f"http://127.0.0.1:{port}/?token={security.token}"
    print(
        f"tpdn-outcomes app: open {url}\n(only this computer can reach it; stop it with Ctrl-C)",
        file=sys.stderr,
        flush=True,
    )
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


__all__ = ["create_app", "run"]
