"""What stands in front of everything `rag serve` answers (the app and ``/api``): one ASGI layer, outermost.

- **Cross-site use refused.** A browser sends ``Origin`` with every unsafe request (POST, PUT, PATCH, DELETE); one
  from another site is refused (403) unless ``RAG_ALLOWED_ORIGINS`` names it, so a page elsewhere cannot upload,
  ask or log in with the user's cookie. CORS is explicit: same origin only, or the configured origins (never an
  echo of any origin with credentials allowed).
- **Cookies ``SameSite=Lax``**: the login cookie is not sent with another site's requests.
- **Bounded bodies**: a request whose ``Content-Length`` is over the limit is refused before it is read; one sent
  without it (chunked) is cut off by a count of the bytes as they stream, before anything stores them.
- **Wrong logins slowed**: after ``FREE_FAILURES`` wrong passwords a minute from one client (per user for HTTP
  Basic, per client for the login form), its further attempts are refused (429) until the minute has passed.

Every refusal is one line of JSON, ``{"error": "..."}``, like the API's own errors.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from rag.settings import Settings

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
BODY_SLACK = 1024 * 1024  # multipart framing and the form fields beside the files
FREE_FAILURES, WINDOW_S = 10, 60.0
_CORS = (b"access-control-allow-origin", b"access-control-allow-credentials", b"access-control-allow-methods",
         b"access-control-allow-headers", b"access-control-max-age", b"access-control-expose-headers")


class Guard:
    """The ASGI layer described above, around ``app`` (the server's whole middleware stack)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.allowed = allowed_origins(settings.allowed_origins)
        self.max_body = int(settings.max_upload_mb * 1024 * 1024) + BODY_SLACK
        self.logins = LoginThrottle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self.refusal(scope, headers)
        if refusal:
            await reply(send, *refusal)
            return
        origin = headers.get("origin")
        cors = origin if origin and origin in self.allowed else None
        if cors and scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await preflight(send, cors)
            return
        await self.forward(scope, receive, send, cors, self.logins.key(scope, headers))

    def refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        origin = headers.get("origin")
        if origin and not same_origin(origin, headers) and origin not in self.allowed and (
                scope["method"] in UNSAFE or scope["method"] == "OPTIONS"):
            return 403, f"cross-site request refused: {origin[:100]} is not this site (see RAG_ALLOWED_ORIGINS)", {}
        length = headers.get("content-length", "0")
        if not length.isdigit():
            return 400, "invalid Content-Length", {}
        if int(length) > self.max_body:
            return 413, f"the request is over the {self.max_body // (1024 * 1024)} MB limit", {}
        wait = self.logins.wait(self.logins.key(scope, headers))
        if wait:
            return 429, f"too many failed logins: try again in {wait} s", {"retry-after": str(wait)}
        return None

    async def forward(self, scope: Scope, receive: Receive, send: Send, cors: str | None, login: str | None) -> None:
        body = BodyLimit(receive, self.max_body)
        started = False

        async def guarded(message: Message) -> None:
            nonlocal started
            if body.over:  # our 413 goes out instead of whatever the app makes of a "client gone"
                return
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": response_headers(message.get("headers", []), cors)}
                self.logins.record(login, scope["path"], message["status"])
            await send(message)

        try:
            await self.app(scope, body.receive, guarded)
        except Exception:
            if not body.over:
                raise
        if body.over and not started:
            await reply(send, 413, f"the request is over the {self.max_body // (1024 * 1024)} MB limit", {})


class BodyLimit:
    """A request body counted as it streams: past ``limit`` bytes the app is told the client has gone, so it stops
    reading (and stores nothing more)."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self.limit = limit
        self.seen = 0
        self.over = False

    async def receive(self) -> Message:
        if self.over:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                self.over = True
                return {"type": "http.disconnect"}
        return message


def allowed_origins(value: str | None) -> frozenset[str]:
    return frozenset(o.strip().rstrip("/") for o in (value or "").split(",") if o.strip())


def same_origin(origin: str, headers: dict[str, str]) -> bool:
    """The page that sent the request was served by this server: its host and port are the ``Host`` the request
    was sent to (or the ``X-Forwarded-Host`` a proxy in front of us received)."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (a sandboxed page, a file) is no site of ours
    port = parts.port or (443 if parts.scheme == "https" else 80)
    hosts = [h for h in (headers.get("host"), headers.get("x-forwarded-host")) if h]
    return any(_host_port(h, parts.scheme) == ((parts.hostname or "").lower(), port) for h in hosts)


def _host_port(host: str, scheme: str) -> tuple[str, int]:
    parts = urlsplit(f"//{host.split(',')[0].strip()}")
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


def response_headers(raw: list[tuple[bytes, bytes]], cors: str | None) -> list[tuple[bytes, bytes]]:
    """The app's headers with its CORS headers replaced by ours, and every cookie made ``SameSite=Lax``."""
    out = []
    for k, v in raw:
        name = k.lower()
        if name in _CORS or (name == b"vary" and v.lower() == b"origin"):
            continue
        if name == b"set-cookie":
            v = lax(v)
        out.append((k, v))
    if cors:
        out += [(b"access-control-allow-origin", cors.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"), (b"vary", b"Origin")]
    return out


def lax(cookie: bytes) -> bytes:
    parts = [p for p in cookie.split(b";") if not p.strip().lower().startswith(b"samesite")]
    return b";".join(parts) + b"; SameSite=lax"


async def preflight(send: Send, cors: str) -> None:
    """The answer to a configured origin's preflight (another site's is refused before this)."""
    headers = {"access-control-allow-origin": cors, "access-control-allow-credentials": "true", "vary": "Origin",
               "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-max-age": "600",
               "access-control-allow-headers": "authorization, content-type"}
    await reply(send, 204, "", headers)


async def reply(send: Send, status: int, error: str, headers: dict[str, str]) -> None:
    body = json.dumps({"error": error}).encode() if error else b""
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")] + [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class LoginThrottle:
    """Failed logins per client (and user, for HTTP Basic) in the last minute; over ``FREE_FAILURES``, wait."""

    def __init__(self) -> None:
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def key(scope: Scope, headers: dict[str, str]) -> str | None:
        """Who is trying to log in, or None for a request that is no login attempt."""
        client = (scope.get("client") or ("?", 0))[0]
        if scope["method"] == "POST" and scope["path"].rstrip("/") == "/login":
            return f"{client} form"
        user = basic_user(headers.get("authorization", ""))
        return f"{client} basic {user}" if user is not None else None

    def wait(self, key: str | None) -> int:
        """Seconds until ``key`` may try again (0: now)."""
        if key is None:
            return 0
        with self.lock:
            recent = self._recent(key)
            return int(recent[0] + WINDOW_S - time.monotonic()) + 1 if len(recent) >= FREE_FAILURES else 0

    def record(self, key: str | None, path: str, status: int) -> None:
        failed = status == 401 or (status == 400 and path.rstrip("/") == "/login")
        if key is None or not failed:
            return
        with self.lock:
            self._recent(key).append(time.monotonic())

    def _recent(self, key: str) -> deque[float]:
        times = self.failures.setdefault(key, deque())
        while times and times[0] < time.monotonic() - WINDOW_S:
            times.popleft()
        if len(self.failures) > 10_000:  # many clients: forget the quiet ones
            for k in [k for k, v in self.failures.items() if not v and k != key]:
                del self.failures[k]
        return times


def basic_user(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8", "replace").partition(":")[0][:100]
    except (binascii.Error, ValueError):
        return "?"


def install(server_app: Any, settings: Settings) -> None:
    """Put the guard in front of the server's whole middleware stack (Gradio's CORS layer and routes included).
    Gradio builds the stack when it starts; routes mounted later (``/api``) are found through it, so wrapping it
    covers everything the server answers."""
    stack = server_app.middleware_stack or server_app.build_middleware_stack()
    server_app.middleware_stack = Guard(stack, settings)
