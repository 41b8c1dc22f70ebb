"""The served app and API against other sites, heavy clients and password guessing (rag/app/guard.py), over real
HTTP: `rag serve` with a login, RAG_CONCURRENCY=1 and a 1 MB upload limit, driven with httpx and raw sockets."""

from __future__ import annotations

import base64
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import ROOT, SEEDS, served_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_files import docx_with, looping_pdf

from rag.app.guard import FREE_FAILURES
from rag.reports.check import MAX_TEXT_CHARS

AUTH = ("ann", "s3cret:pass")
EVIL = "https://evil.example"
CLAIMS = ("The Wall Street Journal reported that Putin asked Musk not to activate Starlink over Taiwan. "
          "Musk denied that he had spoken to Putin. The report appeared in October 2024.")


@dataclass
class Server:
    url: str
    client: httpx.Client
    index: Path
    tmp: Path  # the server's TMPDIR: where request bodies would be spooled

    @property
    def origin(self) -> str:
        return self.url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("guard")
    (tmp / "servertmp").mkdir()
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp / "index"), "RAG_AUTH": ":".join(AUTH), "RAG_MAX_UPLOAD_MB": "1",
           "RAG_CONCURRENCY": "1", "TMPDIR": str(tmp / "servertmp")}
    subprocess.run([sys.executable, "-m", "rag.app.cli", "ingest", str(SEEDS)], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    with served_app(tmp / "index", env, tmp / "serve.log") as url, httpx.Client(base_url=url, timeout=300) as c:
        yield Server(url, c, tmp / "index", tmp / "servertmp")


def one_line_error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.text
    body = r.json()
    assert set(body) == {"error"} and "\n" not in body["error"] and body["error"]
    return body["error"]


def logged_in(server: Server) -> httpx.Client:
    """A browser signed in through the app's login form (its cookie, no Basic credentials)."""
    browser = httpx.Client(base_url=server.url, timeout=120)
    r = browser.post("/login", data={"username": AUTH[0], "password": AUTH[1]}, headers={"origin": server.origin})
    assert r.status_code == 200, r.text
    return browser


def n_documents(server: Server) -> int:
    return len(server.client.get("/api/documents", auth=AUTH).json())


# -- the login covers every route --------------------------------------------------------------------------
def test_every_api_route_the_api_lists_needs_the_login(server: Server):
    """Derived from the API's own schema, so a route added without the login fails here."""
    spec = server.client.get("/api/openapi.json", auth=AUTH).json()
    routes = [(m.upper(), p.replace("{ref}", "x.txt")) for p, ops in spec["paths"].items() for m in ops]
    assert len(routes) >= 7
    for method, path in routes + [("GET", "/docs"), ("GET", "/openapi.json")]:
        r = server.client.request(method, f"/api{path}", json={"question": "x"})
        assert "login required" in one_line_error(r, 401), (method, path)


# -- cross-site ----------------------------------------------------------------------------------------------
def test_another_site_cannot_upload_ask_or_log_in_with_the_cookie(server: Server, tmp_path: Path):
    before = n_documents(server)
    with closing(logged_in(server)) as browser:
        files = {"files": ("planted.txt", b"Planted story\nThe planted story says the moon is cheese.\n")}
        r = browser.post("/api/documents", files=files, headers={"origin": EVIL})
        assert "cross-site request refused" in one_line_error(r, 403)
        one_line_error(browser.post("/api/ask", json={"question": "x"}, headers={"origin": EVIL}), 403)
        one_line_error(browser.post("/gradio_api/queue/join", json={}, headers={"origin": "null"}), 403)
        assert n_documents(server) == before
        # The app's own pages still work: same origin.
        r = browser.post("/api/search", json={"query": "Starlink"}, headers={"origin": server.origin})
        assert r.status_code == 200 and r.json()["results"]
    one_line_error(httpx.post(f"{server.url}/login", data={"username": AUTH[0], "password": AUTH[1]},
                              headers={"origin": EVIL}), 403)


def test_cors_is_same_origin_only_whatever_the_host(server: Server):
    with closing(logged_in(server)) as browser:
        for host in (None, "citable.example"):  # behind a proxy the Host is not localhost: Gradio echoed any origin
            headers = {"origin": EVIL, **({"host": host} if host else {})}
            r = browser.get("/api/documents", headers=headers)
            assert not any(h.startswith("access-control-allow") for h in r.headers)
            pre = browser.options("/api/documents", headers={**headers, "access-control-request-method": "GET"})
            assert pre.status_code == 403 and "access-control-allow-origin" not in pre.headers


def test_login_cookies_are_samesite_lax(server: Server):
    r = httpx.post(f"{server.url}/login", data={"username": AUTH[0], "password": AUTH[1]})
    cookies = r.headers.get_list("set-cookie")
    assert r.status_code == 200 and len(cookies) >= 1
    assert all("samesite=lax" in c.lower() and "samesite=none" not in c.lower() for c in cookies), cookies


def test_no_basic_prompt_for_a_browser(server: Server):
    r = httpx.get(f"{server.url}/api/documents", headers={"sec-fetch-mode": "navigate", "cookie": "x=1"})
    one_line_error(r, 401)
    assert "www-authenticate" not in r.headers
    assert httpx.get(f"{server.url}/api/documents").headers["www-authenticate"].startswith("Basic")  # scripts


# -- bounded resources ----------------------------------------------------------------------------------------
def _raw(server: Server, head: str) -> socket.socket:
    u = urlsplit(server.url)
    s = socket.create_connection((u.hostname, u.port), timeout=30)
    token = base64.b64encode(":".join(AUTH).encode()).decode()
    s.sendall((f"{head}\r\nHost: {u.netloc}\r\nAuthorization: Basic {token}\r\n").encode())
    return s


def _status(s: socket.socket) -> tuple[int, bytes]:
    """The status and the whole reply (the server closes the connection after a refusal)."""
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except OSError:
        pass  # reset after the reply: the client's body was not read
    return int(data.split(b" ", 2)[1]), data


def test_a_huge_declared_body_is_refused_before_it_is_read(server: Server):
    s = _raw(server, "POST /api/documents HTTP/1.1")
    t0 = time.monotonic()
    s.sendall(b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1500000000\r\n\r\n--x\r\n")
    status, data = _status(s)
    s.close()
    assert status == 413 and b"limit" in data and time.monotonic() - t0 < 10


def test_a_streamed_body_is_cut_off_at_the_limit(server: Server):
    """No Content-Length (chunked): the server stops reading at the limit; the client cannot push 200 MB."""
    before = _size(server.tmp)
    s = _raw(server, "POST /api/documents HTTP/1.1")
    s.sendall(b"Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n")
    part = b'--x\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
    s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
    chunk = b"The harbour reopened on Monday. " * (1 << 15)  # 1 MB
    sent, status = 0, None
    try:
        while sent < 200 << 20:
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            if select.select([s], [], [], 0)[0]:
                status, _ = _status(s)
                break
    except OSError:
        pass  # the server closed the connection: it reads no more
    s.close()
    print(f"streamed body: the client got {sent >> 20} MB through before the server stopped it")
    assert sent < 50 << 20 and status in (None, 413)
    assert _size(server.tmp) - before < 1 << 20  # nothing left behind


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def at_once(work, n: int, warm: int) -> tuple[float, float]:  # noqa: ANN001
    """``work(0..n-1)`` sent at once after one warm-up ``work(warm)``: (the seconds they report spending in their
    slots, summed; the wall seconds for all of them)."""
    work(warm)
    t0 = time.monotonic()
    with ThreadPoolExecutor(n) as pool:
        busy = sum(pool.map(work, range(n)))
    return busy, time.monotonic() - t0


def api_check_seconds(server: Server) -> float:
    """One check of CLAIMS through /api: the seconds it reports spending in its slot."""
    r = server.client.post("/api/check", json={"text": CLAIMS}, auth=AUTH)
    assert r.status_code == 200, r.text
    return r.json()["timings_ms"]["total"] / 1000


def test_one_concurrency_limit_for_the_api(server: Server):
    """RAG_CONCURRENCY=1: checks sent at once run one after another, so the time each spent checking adds up to no
    more than the time all took (run together on two cores, each takes longer and they add up to far more)."""
    busy, wall = at_once(lambda _: api_check_seconds(server), 4, warm=0)
    print(f"4 checks at once with RAG_CONCURRENCY=1: {busy:.2f}s of checking in {wall:.2f}s")
    assert busy <= wall


def test_the_app_and_the_api_share_the_limit(server: Server):
    """RAG_CONCURRENCY=1 across both doors: questions through the app (Gradio's ask_json) and checks through the
    API, sent at once, still run one at a time (the in-slot times add up to no more than the wall time)."""
    from gradio_client import Client

    app = Client(server.url, auth=AUTH, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 300})
    question = "Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?"

    def work(i: int) -> float:
        if i % 2:
            ans = app.predict(question, api_name="/ask_json")
            assert "Wall Street Journal" in ans["answer"], ans
            return ans["timings_ms"]["total"] / 1000
        return api_check_seconds(server)

    busy, wall = at_once(work, 6, warm=1)
    print(f"3 app questions and 3 API checks at once with RAG_CONCURRENCY=1: {busy:.2f}s busy in {wall:.2f}s")
    assert busy <= wall


def test_questions_checks_and_briefings_have_size_caps(server: Server):
    c = server.client
    assert "text" in one_line_error(c.post("/api/check", json={"text": "Musk spoke. " * 20_000}, auth=AUTH), 422)
    one_line_error(c.post("/api/ask", json={"question": "why " * 5000}, auth=AUTH), 422)
    one_line_error(c.post("/api/brief", json={"topic": "Musk " * 5000}, auth=AUTH), 422)
    one_line_error(c.post("/api/ask", json={"question": "x", "history": [["q", "a"]] * 51}, auth=AUTH), 422)
    assert len("Musk spoke. " * 20_000) > MAX_TEXT_CHARS


# -- one-line JSON errors, never a 500 -------------------------------------------------------------------------
ODD = [("GET", "/api/documents/a%00b.txt", None), ("GET", "/api/documents/" + "x" * 300 + ".txt", None),
       ("GET", "/api/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd", None), ("PUT", "/api/ask", {"question": "x"}),
       ("POST", "/api/ask", {"question": 5}), ("POST", "/api/ask", {"question": "x", "k": 10**9}),
       ("POST", "/api/ask", {"question": "x", "history": "nope"}), ("POST", "/api/search", {"query": None}),
       ("POST", "/api/check", {"text": "\x00\x00\x00"}), ("POST", "/api/brief", {"topic": "\x1b[31m"}),
       ("POST", "/api/ask", {"question": "x", "until": "\x00"}), ("DELETE", "/api/documents", None),
       ("GET", "/api/nowhere", None)]


@pytest.mark.parametrize("method, path, body", ODD)
def test_odd_requests_are_one_line_json_4xx(server: Server, method: str, path: str, body: object):
    r = server.client.request(method, path, json=body, auth=AUTH)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    one_line_error(r, r.status_code)


@pytest.mark.parametrize("name", ["a\x00b.txt", "x" * 300 + ".txt", "../../evil.txt", "\n.txt"])
def test_odd_upload_names_are_stored_safely(server: Server, name: str):
    r = server.client.post("/api/documents", files={"files": (name, b"Odd names\nThe odd file was read.\n")},
                           auth=AUTH)
    assert r.status_code in (200, 415, 422), r.text
    assert r.headers["content-type"].startswith("application/json")
    assert not (server.index.parent / "evil.txt").exists()


@pytest.mark.parametrize("name", ["loop.pdf", "bomb.docx"])
def test_a_failed_upload_is_named_not_kept_and_shows_no_server_path(server: Server, tmp_path: Path, name: str):
    raw = looping_pdf() if name == "loop.pdf" else docx_with(tmp_path, {"word/media/zeros.bin": 200 << 20})
    assert len(raw) < 1 << 20  # under the upload limit: the reader must refuse it
    error = one_line_error(server.client.post("/api/documents", files={"files": (name, raw)}, auth=AUTH), 422)
    assert error.startswith(f"{name}: ") and ("page 2 of the PDF cannot be read" in error or "unpacks to" in error)
    assert str(server.index) not in error and "/" not in error.split(":")[0]
    assert not (server.index / "uploads" / name).exists()


def test_hostile_uploads_keep_the_server_under_1_gb(server: Server, tmp_path: Path):
    """Each hostile file beside a good one, uploaded through the API: the good one is ingested, each hostile one
    refused with its reason, and the server's peak resident memory (VmHWM) stays under 1 GB."""
    from test_hostile_files import GOOD

    hostile = {"loop.pdf": looping_pdf(), "bomb.docx": docx_with(tmp_path, {"word/media/zeros.bin": 900 << 20}),
               "parts.docx": docx_with(tmp_path, {f"customXml/p{i}.xml": 1 for i in range(1000)})}
    for name, raw in hostile.items():
        files = [("files", (name, raw)), ("files", (f"good_{name}.txt", (SEEDS / GOOD).read_bytes()))]
        r = server.client.post("/api/documents", files=files, auth=AUTH)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["added"] + body["unchanged"] + len(body["duplicates"]) >= 1
        assert len(body["warnings"]) == 1 and body["warnings"][0].startswith(f"{name}: ")
    peak = _server_peak_mb(urlsplit(server.url).port)
    print(f"hostile uploads: server peak resident memory {peak:.0f} MB")
    assert peak < 1024


def _server_peak_mb(port: int) -> float:
    """VmHWM of the `rag serve` listening on ``port`` (found by its command line)."""
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            if b"serve" in cmd and str(port).encode() in cmd:
                line = next(x for x in (proc / "status").read_text().splitlines() if x.startswith("VmHWM"))
                return int(line.split()[1]) / 1024
        except (OSError, StopIteration):
            continue
    pytest.fail(f"no server process for port {port}")


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                   st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3))
_FIELDS = st.sampled_from(["question", "query", "topic", "text", "k", "mode", "since", "history", "method", "strict",
                           "source"])


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["/api/ask", "/api/search", "/api/brief", "/api/check", "/api/documents"]),
       st.dictionaries(_FIELDS, _VALUES, max_size=4))
def test_fuzzed_api_bodies_are_answered_or_one_line_json_4xx(server: Server, path: str, body: dict):
    r = server.client.post(path, json=body, auth=AUTH)
    assert r.status_code < 500, (path, body, r.text)
    if r.status_code >= 400:
        one_line_error(r, r.status_code)


# -- last: password guessing (it locks this client's guesses for a minute) ------------------------------------
def test_wrong_logins_are_slowed_after_repeated_failures(server: Server):
    statuses = [httpx.get(f"{server.url}/api/documents", auth=("mallory", f"guess{i}")).status_code
                for i in range(FREE_FAILURES + 5)]
    assert statuses[:FREE_FAILURES] == [401] * FREE_FAILURES and set(statuses[FREE_FAILURES:]) == {429}
    r = httpx.get(f"{server.url}/api/documents", auth=("mallory", "right-or-wrong"))
    assert "too many failed logins" in one_line_error(r, 429) and int(r.headers["retry-after"]) > 0
    assert server.client.get("/api/documents", auth=AUTH).status_code == 200  # another user is not locked out
    form = [httpx.post(f"{server.url}/login", data={"username": AUTH[0], "password": f"g{i}"}).status_code
            for i in range(FREE_FAILURES + 2)]
    assert form[:FREE_FAILURES] == [400] * FREE_FAILURES and form[FREE_FAILURES:] == [429, 429]


# -- the guard's own logic (no server) --------------------------------------------------------------------------
def _call(guard_settings: dict, method: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict, bytes]:
    """One request through a Guard around a tiny app that reads the body and sets Gradio's kind of cookie."""
    import asyncio

    from rag.app.guard import Guard
    from rag.settings import Settings

    async def app(scope: dict, receive, send) -> None:  # noqa: ANN001
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"set-cookie", b"access-token=t; HttpOnly; Path=/; SameSite=none; Secure"),
            (b"access-control-allow-origin", b"https://evil.example"), (b"access-control-allow-credentials", b"true")]})
        await send({"type": "http.response.body", "body": b"{}"})

    sent: list[dict] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    guard = Guard(app, Settings.from_env().with_overrides(**guard_settings))
    scope = {"type": "http", "method": method, "path": "/api/ask", "client": ("1.2.3.4", 5),
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(guard(scope, receive, send))
    start = sent[0]
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, sent[-1].get("body", b"")


def test_a_configured_origin_may_call_with_credentials_others_may_not():
    allowed = {"allowed_origins": "https://intranet.example, https://wiki.example/"}
    status, headers, _ = _call(allowed, "POST", {"host": "rag:7860", "origin": "https://wiki.example"})
    assert status == 200 and headers["access-control-allow-origin"] == "https://wiki.example"
    assert headers["access-control-allow-credentials"] == "true" and "samesite=lax" in headers["set-cookie"].lower()
    status, headers, _ = _call(allowed, "GET", {"host": "rag:7860", "origin": EVIL})
    assert status == 200 and "access-control-allow-origin" not in headers  # Gradio's echo removed
    assert _call(allowed, "POST", {"host": "rag:7860", "origin": EVIL})[0] == 403
    pre = _call(allowed, "OPTIONS", {"host": "rag:7860", "origin": "https://intranet.example",
                                     "access-control-request-method": "POST"})
    assert pre[0] == 204 and pre[1]["access-control-allow-origin"] == "https://intranet.example"


@pytest.mark.parametrize("origin, host, same", [("http://127.0.0.1:7860", "127.0.0.1:7860", True),
                                                ("http://127.0.0.1:7861", "127.0.0.1:7860", False),
                                                ("https://rag.example", "rag.example", True),
                                                ("http://rag.example", "rag.example:8080", False),
                                                ("http://[::1]:7860", "[::1]:7860", True), ("null", "x", False)])
def test_same_origin_is_scheme_host_and_port(origin: str, host: str, same: bool):
    from rag.app.guard import same_origin

    assert same_origin(origin, {"host": host}) is same


def test_a_body_over_the_limit_is_cut_off_while_it_streams():
    status, _, body = _call({"max_upload_mb": 0.5}, "POST", {"host": "h"}, b"x" * (2 << 20))
    assert status == 413 and b"limit" in body
    assert _call({"max_upload_mb": 0.5}, "POST", {"host": "h", "content-length": str(3 << 20)})[0] == 413
    assert _call({"max_upload_mb": 0.5}, "POST", {"host": "h"}, b"x" * 1000)[0] == 200
