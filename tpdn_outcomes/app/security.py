"""Who may use the app: the launch token, Host and Origin checks, and the upload limit.

The app listens on 127.0.0.1 only, but any web page the user visits can make the browser
send requests there. Three checks keep those out (as Jupyter does):

* **Token.** Each launch draws a secret (:func:`secrets.token_urlsafe`). The address the
  app opens carries it as ``?token=...``; the first request with it gets an HttpOnly,
  SameSite=Strict cookie and is redirected to the same address without the token. Every
  other request needs the cookie (or an ``Authorization: token ...`` header).
* **Host.** A DNS-rebinding page reaches 127.0.0.1 under its own name: requests whose
  ``Host`` is not ``127.0.0.1``, ``localhost`` or ``[::1]`` are refused.
* **Origin.** A cross-site form post carries the foreign page's ``Origin``: a request that
  changes anything (not GET or HEAD) must come from the app's own origin.

Uploads larger than the limit are refused with a message saying the limit and how to
raise it (``--max-upload-mb``), before the body is read when its size is declared and as
soon as it passes the limit otherwise.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "tpdn_app_token"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Security:
    """The settings of one launch.

    Parameters
    ----------
    token : str, optional
        The secret (default: a new random one).
    max_upload_mb : float, default 200
        The largest request body accepted, in megabytes.

    Examples
    --------
    >>> s = Security(token="abc")
    >>> s.token_ok("abc"), s.token_ok("abd"), s.token_ok(None)
    (True, False, False)
    >>> s.host_ok("127.0.0.1:8765"), s.host_ok("evil.example:8765")
    (True, False)
    """

    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    max_upload_mb: float = 200.0

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def token_ok(self, given: str | None) -> bool:
        """Whether ``given`` is this launch's token (compared in constant time)."""
        if not given:
            return False
        return hmac.compare_digest(given.encode(), self.token.encode())

    @staticmethod
    def host_ok(host: str | None) -> bool:
        """Whether a ``Host`` header names this machine (any port)."""
        if not host:
            return False
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.lower() in LOCAL_HOSTS

    def origin_ok(self, origin: str | None, host: str | None) -> bool:
        """Whether a request's ``Origin`` is the app itself (absent: not a browser's post)."""
        if origin is None:
            return True
        parts = urlsplit(origin)
        return parts.scheme == "http" and parts.netloc == (host or "") and self.host_ok(host)

    def too_large_message(self, size: int | None = None) -> str:
        """The message of a refused upload."""
        got = f" (this one is {size / 1024 / 1024:.1f} MB)" if size is not None else ""
        return (
            f"The file is larger than the app accepts: {self.max_upload_mb:g} MB{got}. "
            "Start the app with a larger limit, e.g. tpdn-outcomes app --max-upload-mb 1000, "
            "or use the command line (tpdn-outcomes report FILE ...)."
        )


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookie(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _page(
    send: Send, status: int, title: str, text: str, extra: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"<p>{escape(text)}</p></main></body></html>"
    ).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityMiddleware:
    """ASGI middleware applying :class:`Security` to every HTTP request."""

    def __init__(self, app: ASGIApp, security: Security) -> None:
        self.app = app
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sec = self.security
        headers = _headers(scope)
        host = headers.get("host")
        if not sec.host_ok(host):
            await _page(
                send,
                400,
                "Wrong address",
                "This app answers only at 127.0.0.1 or localhost. Open the address the "
                "tpdn-outcomes app command printed.",
            )
            return
        method = scope["method"]
        if method not in SAFE_METHODS and not sec.origin_ok(headers.get("origin"), host):
            await _page(
                send,
                403,
                "Refused",
                "This request came from another web site, so it was refused. Use the app's "
                "own pages.",
            )
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query and method in SAFE_METHODS:
            if not sec.token_ok(query["token"]):
                await _refuse_token(send)
                return
            rest = {k: v for k, v in query.items() if k != "token"}
            location = scope["path"] + (f"?{urlencode(rest)}" if rest else "")
            cookie = f"{COOKIE}={sec.token}; Path=/; HttpOnly; SameSite=Strict"
            await _page(
                send,
                303,
                "Signed in",
                "Continue to the app.",
                [(b"location", location.encode()), (b"set-cookie", cookie.encode())],
            )
            return
        given = _cookie(headers.get("cookie"), COOKIE)
        auth = headers.get("authorization", "")
        if auth.lower().startswith("token "):
            given = auth[6:].strip()
        if not sec.token_ok(given):
            await _refuse_token(send)
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > sec.max_upload_bytes:
            await _page(send, 413, "File too large", sec.too_large_message(int(declared)))
            return
        received = 0
        refused = False  # (the 413 is sent from inside the body's reading)

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > sec.max_upload_bytes:
                    refused = True
                    await _page(send, 413, "File too large", sec.too_large_message())
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Message) -> None:
            if not refused:  # (after a refusal the app's own answer is dropped)
                await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Exception:
            if not refused:
                raise


async def _refuse_token(send: Send) -> None:
    await _page(
        send,
        403,
        "Open the app from its link",
        "This page needs the app's secret link. Open the address that the tpdn-outcomes "
        "app command printed in its window (it ends in ?token=...).",
    )
