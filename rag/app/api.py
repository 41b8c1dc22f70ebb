"""The HTTP API: JSON routes under ``/api`` on the app's own server, behind the app's login.

``rag serve`` mounts it on the FastAPI app Gradio creates (``mount_api``), so there is one port and one login:
with ``RAG_AUTH=user:password`` every route needs HTTP Basic credentials (or the app's login cookie) and answers
401 without them. Responses are what the CLI prints with ``--json``; every error is ``{"error": "..."}``, its
status chosen by the error's type: 4xx the caller's, 503 the index unusable (damaged, unreachable) or busy, 500
ours. OpenAPI docs: ``/api/docs`` (the schema at ``/api/openapi.json``).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from rag.app.engine import Engine
from rag.errors import Busy, InternalError, NotFound, RagError, StoreError, error_line
from rag.options import Mode, parse_filters
from rag.reports.check import MAX_TEXT_CHARS
from rag.settings import Settings, limits

CookieUser = Callable[[Request], str | None]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Filtered(BaseModel):
    k: int | None = Field(None, ge=limits("k")[0], le=limits("k")[1],
                          description="passages to retrieve (default RAG_K)")
    since: str | None = Field(None, description="only articles published on or after YYYY-MM-DD")
    until: str | None = Field(None, description="only articles published on or before YYYY-MM-DD")
    source: str | None = Field(None, description="only articles whose path contains this text or matches this glob")
    sections: list[Annotated[str, Field(max_length=500)]] | None = Field(
        None, max_length=200, description="only articles of these top-level folders of the corpus (e.g. business)")
    docs: list[Annotated[str, Field(max_length=4096)]] | None = Field(
        None, max_length=1000, description="only these documents (ids or paths, as /documents lists them)")


MAX_QUESTION = 10_000  # characters; the pipeline reads the first MAX_QUESTION_CHARS of a question
MAX_TURNS, MAX_TURN = 50, 20_000
Turn = tuple[Annotated[str, Field(max_length=MAX_TURN)], Annotated[str, Field(max_length=MAX_TURN)]]


class AskBody(Filtered):
    question: str = Field(..., description="the question", max_length=MAX_QUESTION)
    mode: Mode = "auto"
    strict: bool = Field(False, description="drop generated sentences their citations do not support")
    history: list[Turn] = Field(default_factory=list, max_length=MAX_TURNS,
                                description="earlier [question, answer] turns of a conversation")


class SearchBody(Filtered):
    query: str = Field(..., max_length=MAX_QUESTION)
    method: Literal["hybrid", "dense", "bm25"] = "hybrid"


class BriefBody(Filtered):
    topic: str = Field(..., max_length=MAX_QUESTION)
    mode: Mode = "auto"


class CheckBody(Filtered):
    text: str = Field(..., description="the text to check: each sentence is a claim", max_length=MAX_TEXT_CHARS)


def build_api(engine: Engine, settings: Settings, cookie_user: CookieUser | None = None) -> FastAPI:
    """The API as its own FastAPI app (mounted at ``/api``), with the login check on every route."""
    login = Depends(_login(settings, cookie_user))
    # FastAPI's own docs routes skip app dependencies: they are added below, behind the login like the rest.
    api = FastAPI(title="citable API", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  description="Cited answers, search, briefings and grounding checks over the ingested articles. "
                              "Responses are those of the CLI's --json.",
                  dependencies=[login])
    _errors(api)
    _docs(api)
    @api.post("/ask", summary="Answer a question; every sentence cited")
    def ask(body: AskBody) -> dict:
        ans = engine.ask(body.question, body.k, _filters(body), body.mode, body.history or None, body.strict)
        return ans.to_dict()

    @api.post("/search", summary="Ranked passages for a query")
    def search(body: SearchBody) -> dict:
        hits = engine.search(body.query, body.k, _filters(body), body.method)
        return {"query": body.query, "results": [h.to_dict() for h in hits]}

    @api.post("/brief", summary="A cited briefing on a topic")
    def brief(body: BriefBody) -> dict:
        return engine.brief(body.topic, body.k, _filters(body), body.mode).to_dict()

    @api.post("/check", summary="Label each sentence supported / contradicted / not found")
    def check(body: CheckBody) -> dict:
        if not body.text.strip():
            raise ApiError(400, "the text is empty: nothing to check")
        return engine.check(body.text, body.k, _filters(body)).to_dict()

    _document_routes(api, engine, settings)
    return api


def _document_routes(api: FastAPI, engine: Engine, settings: Settings) -> None:
    """The documents: listed, one read (or a span of it), shown in the viewer, uploaded."""

    @api.get("/documents", summary="The ingested documents, each with its section (the `sections` filter's names)")
    def documents() -> list[dict]:
        from rag.paths import display_path, sections_of

        docs = _catalog_docs(engine)
        section = sections_of([d.source for d in docs], engine.uploads)
        return [{**d.to_dict(), "source": display_path(d.source), "section": section[d.source]} for d in docs]

    @api.get("/documents/{ref:path}", summary="One document's canonical text and metadata (as `rag show --json`)")
    def document(ref: str, span: str | None = None) -> dict:
        """With ``span=START:END``: also that span (its quote, page and the viewer's address for it)."""
        doc = engine.document(ref)
        at = _span(span, doc["text"])
        if at is not None:
            from rag.app.viewer import view_url

            a, b = at
            page = doc["text"].count("\f", 0, a) + 1 if doc["pages"] else None
            doc["span"] = {"start": a, "end": b, "quote": doc["text"][a:b], "page": page,
                           "view": view_url(doc["doc_id"], a, b)}
        return doc

    @api.get("/view/{doc_id}", summary="The article viewer: a document's whole text, span START:END marked (HTML)",
             response_class=HTMLResponse)
    def view(doc_id: str, span: str | None = None, also: str | None = None) -> HTMLResponse:
        """Stable: ``/api/view/DOC_ID?span=START:END#cited`` (``also=A:B,C:D``: other spans of the answer)."""
        from rag.app.viewer import parse_spans, render_view

        doc = engine.document(doc_id)  # a bad span below is a BadInput: 400
        return HTMLResponse(render_view(doc, _span(span, doc["text"]), parse_spans(also, len(doc["text"]))))

    @api.post("/documents", summary="Upload files (multipart field `files`) and ingest them")
    def upload(files: list[UploadFile] = File(...)) -> dict:  # noqa: B008 - FastAPI's way to declare uploads
        return _ingest_uploads(engine, settings, files, engine.uploads)


def _span(value: str | None, text: str) -> tuple[int, int] | None:
    from rag.app.viewer import parse_span

    return parse_span(value, len(text))  # a bad one is a BadInput: 400


def mount_api(server_app: Any, engine: Engine, settings: Settings) -> FastAPI:
    """Mount the API at ``/api`` on the app Gradio serves; its login cookie is accepted beside Basic auth."""

    def cookie_user(request: Request) -> str | None:
        cookie_id = getattr(server_app, "cookie_id", None)
        token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
            f"access-token-unsecure-{cookie_id}")
        return getattr(server_app, "tokens", {}).get(token) if token else None

    api = build_api(engine, settings, cookie_user)
    server_app.mount("/api", api)
    return api


def _docs(api: FastAPI) -> None:
    from rag.app.api_docs import render_docs

    @api.get("/openapi.json", include_in_schema=False)
    def openapi() -> dict:
        return api.openapi()

    @api.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Any:
        """Our own page, rendered from the schema: it needs no script from a CDN, so it works offline."""
        root = request.scope.get("root_path", "")
        base = f"{request.url.scheme}://{request.url.netloc}{root}"
        return HTMLResponse(render_docs(api.openapi(), root + "/openapi.json", base))


# -- login -------------------------------------------------------------------------------------------------
def _login(settings: Settings, cookie_user: CookieUser | None) -> Callable[[Request], None]:
    from rag.settings import parse_auth

    expected = parse_auth(settings.auth)

    def check(request: Request) -> None:
        if expected is None:
            return
        if cookie_user is not None and cookie_user(request):
            return
        given = _basic(request.headers.get("authorization", ""))
        if given is not None and all(secrets.compare_digest(a.encode(), b.encode())
                                     for a, b in zip(given, expected, strict=True)):
            return
        raise ApiError(401, "login required: HTTP Basic auth with the app's user and password")

    return check


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


# -- errors ------------------------------------------------------------------------------------------------
def _errors(api: FastAPI) -> None:
    """Every failure is one line of JSON, ``{"error": "..."}``, its status by type: 4xx the caller's, 503 a store that
    cannot be used or no free slot, 500 ours (a bug, or an InternalError)."""
    from rag.store.index import NoIndex

    def reply(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": " ".join(message.split())}, status_code=status)

    @api.exception_handler(ApiError)
    def _api(request: Request, e: ApiError) -> JSONResponse:
        r = reply(e.status, str(e))
        if e.status == 401 and not is_browser(request):  # a browser would prompt, then send the password anywhere
            r.headers["WWW-Authenticate"] = 'Basic realm="citable"'
        return r

    @api.exception_handler(RequestValidationError)
    def _invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return reply(422, f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request body")

    @api.exception_handler(HTTPException)
    def _http(_: Request, e: HTTPException) -> JSONResponse:
        return reply(e.status_code, str(e.detail))

    @api.exception_handler(NotFound)
    def _not_found(_: Request, e: NotFound) -> JSONResponse:
        return reply(404, error_line(e))

    @api.exception_handler(NoIndex)
    def _no_index(_: Request, e: NoIndex) -> JSONResponse:
        return reply(409, str(e))

    @api.exception_handler(StoreError)
    def _store(_: Request, e: StoreError) -> JSONResponse:  # the index is missing a part, damaged or unreachable
        return reply(503, error_line(e))

    @api.exception_handler(Busy)
    def _busy(_: Request, e: Busy) -> JSONResponse:
        return reply(503, error_line(e))

    @api.exception_handler(InternalError)
    def _ours(_: Request, e: InternalError) -> JSONResponse:  # ours, though we can say what
        return reply(500, error_line(e))

    @api.exception_handler(RagError)
    def _bad(_: Request, e: RagError) -> JSONResponse:  # the caller's mistake
        return reply(400, error_line(e))

    @api.exception_handler(Exception)
    def _bug(_: Request, e: Exception) -> JSONResponse:  # our bug: still one line of JSON
        return reply(500, error_line(e))


def is_browser(request: Request) -> bool:
    """A request a browser sent: it carries a cookie or the Sec-Fetch headers browsers add."""
    return bool(request.headers.get("cookie") or request.headers.get("sec-fetch-mode"))


def _filters(body: Filtered) -> Any:
    return parse_filters(body.since, body.until, body.source, body.sections, body.docs)  # a mistake: BadInput, 400


def _catalog_docs(engine: Engine) -> list:
    from rag.store.index import NoIndex

    try:
        return engine.index().catalog.docs()
    except NoIndex:
        return []


def _ingest_uploads(engine: Engine, settings: Settings, files: list[UploadFile], folder: Path) -> dict:
    """Uploads are checked like the app's (type, size), stored under INDEX/uploads/ and ingested; when none of
    them could be ingested, the reply is a 422 with each file's reason."""
    from rag.app.uploads import TooLarge, check_uploads, ingest_uploads

    with tempfile.TemporaryDirectory() as tmp:
        paths = [_received(f, Path(tmp), settings.max_upload_mb) for f in files]
        ok, errors = check_uploads(paths, settings.max_upload_mb)
        if not ok:
            raise ApiError(413 if any(isinstance(e, TooLarge) for e in errors) else 415, "; ".join(errors))
        report = ingest_uploads(engine, ok, folder)
    if report.warnings and not (report.added or report.updated or report.unchanged):
        raise ApiError(422, "; ".join(report.warnings + errors))
    return {**report.to_dict(), "rejected": errors}


def _received(f: UploadFile, folder: Path, max_mb: float) -> str:
    """One uploaded file written to ``folder`` under a safe name, read no further than the limit."""
    from rag.app.uploads import upload_name

    path = folder / upload_name(f.filename or "upload.txt")
    limit, size = int(max_mb * 1024 * 1024), 0
    with path.open("wb") as out:
        while chunk := f.file.read(1 << 20):
            size += len(chunk)
            if size > limit:  # stop reading: the limit is the point
                raise ApiError(413, f"{path.name}: over the {max_mb:g} MB upload limit")
            out.write(chunk)
    return str(path)
