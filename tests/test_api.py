"""The HTTP API over real HTTP: `rag serve` in a subprocess with RAG_AUTH set, driven with httpx."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, SEEDS, served_app
from format_fixtures import DOCX_ANSWER, PDF_ANSWER, make_docx, make_pdf

AUTH = ("ann", "s3cret:pass")
SEED_Q = "Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The app with its API on a free port, over the seeds and a PDF; login required."""
    tmp = tmp_path_factory.mktemp("api")
    articles = tmp / "articles"
    articles.mkdir()
    make_pdf(articles)
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp / "index"), "RAG_AUTH": ":".join(AUTH), "RAG_MAX_UPLOAD_MB": "1"}
    rag = [sys.executable, "-m", "rag.app.cli"]
    subprocess.run([*rag, "ingest", str(SEEDS), str(articles)], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=600)
    with served_app(tmp / "index", env, tmp / "serve.log") as url, httpx.Client(base_url=url, timeout=300) as client:
        yield client


def one_line_error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and "\n" not in body["error"] and body["error"]
    return body["error"]


@pytest.mark.parametrize("method, path", [("GET", "/api/documents"), ("POST", "/api/ask"), ("POST", "/api/search"),
                                          ("POST", "/api/brief"), ("POST", "/api/check"), ("POST", "/api/documents"),
                                          ("GET", "/api/openapi.json"), ("GET", "/api/docs")])
def test_every_route_needs_the_login(api: httpx.Client, method: str, path: str):
    assert "login required" in one_line_error(api.request(method, path, json={"question": SEED_Q}), 401)
    r = api.request(method, path, json={"question": SEED_Q}, auth=(AUTH[0], "wrong"))
    one_line_error(r, 401)
    assert r.headers["www-authenticate"].startswith("Basic")


def test_the_apps_login_cookie_also_opens_the_api(api: httpx.Client):
    """Signed in to the web app (its login form), a browser may call the API without Basic credentials."""
    with httpx.Client(base_url=str(api.base_url), timeout=60) as browser:
        assert browser.post("/login", data={"username": AUTH[0], "password": "wrong"}).status_code == 400
        one_line_error(browser.get("/api/documents"), 401)
        assert browser.post("/login", data={"username": AUTH[0], "password": AUTH[1]}).status_code == 200
        r = browser.get("/api/documents")
        assert r.status_code == 200 and len(r.json()) >= 3


def test_the_app_itself_is_still_served(api: httpx.Client):
    assert api.get("/").status_code == 200


def test_ask_cites_like_the_cli_and_citations_hold(api: httpx.Client):
    r = api.post("/api/ask", json={"question": SEED_Q, "mode": "extractive"}, auth=AUTH)
    assert r.status_code == 200, r.text
    ans = r.json()
    assert not ans["refused"] and "Wall Street Journal" in ans["answer"]
    assert {"question", "answer", "mode", "citations", "sentences", "timings_ms"} <= set(ans)
    for c in ans["citations"]:
        doc = api.get(f"/api/documents/{c['source']}", auth=AUTH).json()
        assert doc["text"][c["start"]:c["end"]] == c["quote"]


def test_pdf_citation_has_its_page(api: httpx.Client):
    r = api.post("/api/ask", json={"question": "How much did dredging the approach channel cost in 2023?",
                                   "mode": "extractive", "source": "*.pdf"}, auth=AUTH)
    ans = r.json()
    # The page travels with every citation: the answer's, or a refusal's related passage (on a corpus this small
    # the judge may refuse; see the README's "The judge").
    c = (ans["citations"] or [ans["related"]])[0]
    assert c["page"] == 2 and c["quote"].startswith(PDF_ANSWER)


def test_search_brief_check_and_documents(api: httpx.Client):
    r = api.post("/api/search", json={"query": "Starlink Taiwan", "k": 3}, auth=AUTH)
    assert r.status_code == 200 and len(r.json()["results"]) == 3
    b = api.post("/api/brief", json={"topic": "Musk and Putin", "mode": "extractive"}, auth=AUTH).json()
    assert b["topic"] == "Musk and Putin" and b["citations"] and b["markdown"].startswith("# Briefing")
    c = api.post("/api/check", json={"text": "Musk has maintained regular communication with Putin since late "
                                             "2022."}, auth=AUTH).json()
    assert c["claims"][0]["label"] == "supported"
    docs = api.get("/api/documents", auth=AUTH).json()
    names = {Path(d["source"]).name: d for d in docs}
    assert names["000_1d78f71aed52c027.txt"]["title"] == "000_1d78f71aed52c027.txt"
    assert names["harbour_trust_report.pdf"]["n_passages"] >= 1


def test_upload_ingests_a_word_file_that_can_then_be_asked_about(api: httpx.Client, tmp_path: Path):
    path = make_docx(tmp_path)
    with path.open("rb") as f:
        r = api.post("/api/documents", files={"files": (path.name, f, "application/octet-stream")}, auth=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1 and r.json()["rejected"] == []
    ans = api.post("/api/ask", json={"question": "Why did the council close the Rosengasse swimming pool?",
                                     "mode": "extractive"}, auth=AUTH).json()
    assert DOCX_ANSWER in ans["answer"]
    assert any(c["source"].endswith("council_minutes.docx") for c in ans["citations"])


def test_bad_requests_are_one_line_json_errors(api: httpx.Client):
    assert "empty" in one_line_error(api.post("/api/ask", json={"question": "  "}, auth=AUTH), 400)
    assert "question" in one_line_error(api.post("/api/ask", json={"q": "x"}, auth=AUTH), 422)
    assert "since" in one_line_error(api.post("/api/ask", json={"question": "x", "since": "2024-13-01"}, auth=AUTH),
                                     400)
    one_line_error(api.post("/api/search", content=b"not json", auth=AUTH,
                            headers={"content-type": "application/json"}), 422)
    one_line_error(api.post("/api/ask", json={"question": "x", "mode": "magic"}, auth=AUTH), 422)
    one_line_error(api.post("/api/ask", json={"question": "x", "k": 0}, auth=AUTH), 422)
    assert "no ingested document" in one_line_error(api.get("/api/documents/nope.txt", auth=AUTH), 404)
    assert "only .txt" in one_line_error(api.post("/api/documents", files={"files": ("x.exe", b"MZ")}, auth=AUTH),
                                         415)
    big = b"word " * 300_000
    assert "upload limit" in one_line_error(api.post("/api/documents", files={"files": ("big.txt", big)}, auth=AUTH),
                                            413)
    one_line_error(api.get("/api/nowhere", auth=AUTH), 404)


def test_openapi_docs_list_the_routes(api: httpx.Client):
    spec = api.get("/api/openapi.json", auth=AUTH).json()
    assert {"/ask", "/search", "/brief", "/check", "/documents"} <= set(spec["paths"])
    page = api.get("/api/docs", auth=AUTH)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    # Our own page: every route and its fields, no script and nothing fetched from elsewhere (it works offline).
    for route in ("/ask", "/search", "/brief", "/check", "/documents", "/documents/{ref}"):
        assert f"<span class='path'>{route}</span>" in page.text, route
    assert "question" in page.text and "Answer a question; every sentence cited" in page.text
    assert "<script" not in page.text.lower() and "cdn" not in page.text.lower()
    assert "src=" not in page.text and "http" not in page.text.replace(str(api.base_url), "")


def test_a_document_at_a_span_and_its_viewer_page(api: httpx.Client):
    """The stable address of "document D at span a:b": the JSON names the span, the viewer page marks it."""
    docs = {Path(d["source"]).name: d for d in api.get("/api/documents", auth=AUTH).json()}
    doc_id = docs["harbour_trust_report.pdf"]["doc_id"]
    text = api.get(f"/api/documents/{doc_id}", auth=AUTH).json()["text"]
    a = text.index(PDF_ANSWER)
    b = a + len(PDF_ANSWER)
    doc = api.get(f"/api/documents/{doc_id}", params={"span": f"{a}:{b}"}, auth=AUTH).json()
    assert doc["span"] == {"start": a, "end": b, "quote": PDF_ANSWER, "page": 2,
                           "view": f"/api/view/{doc_id}?span={a}:{b}#cited"}
    page = api.get(doc["span"]["view"].split("#")[0], auth=AUTH)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'<a id="cited"></a><mark class="focus">{PDF_ANSWER}</mark>' in page.text
    assert "page 2</span>" in page.text and "<script" not in page.text.lower()
    also = api.get(f"/api/view/{doc_id}", params={"span": f"{a}:{b}", "also": "0:8"}, auth=AUTH).text
    assert also.count("<mark") == 2
    assert "outside the document" in one_line_error(
        api.get(f"/api/view/{doc_id}", params={"span": f"0:{len(text) + 1}"}, auth=AUTH), 400)
    assert "START:END" in one_line_error(api.get(f"/api/documents/{doc_id}", params={"span": "x"}, auth=AUTH), 400)
    one_line_error(api.get("/api/view/0000000000000000", params={"span": "0:1"}, auth=AUTH), 404)
    one_line_error(api.get(f"/api/view/{doc_id}"), 401)


def test_sections_and_documents_filter_search_and_check(api: httpx.Client):
    """The API reads filters as the CLI and the app do (rag.options.parse_filters). A section's name depends on
    where the corpus lives (the folders under the one every article shares): /api/documents names each."""
    docs = api.get("/api/documents", auth=AUTH).json()
    seeds = {d["section"] for d in docs if d["source"].startswith("seeds/")}
    pdfs = {d["section"] for d in docs if d["source"].endswith(".pdf")}
    assert len(seeds) == 1 and len(pdfs) == 1 and seeds != pdfs, docs
    hits = api.post("/api/search", json={"query": "Musk Putin", "k": 20, "sections": list(seeds)}, auth=AUTH).json()
    assert hits["results"] and all(h["source"].startswith("seeds/") for h in hits["results"])
    one = api.post("/api/search", json={"query": "Musk Putin", "k": 20, "docs": ["seeds/004_b1b54881a5237c4c.txt"]},
                   auth=AUTH).json()["results"]
    assert one and {h["source"] for h in one} == {"seeds/004_b1b54881a5237c4c.txt"}
    report = api.post("/api/check", json={"text": "Musk has put at least $75 million into a super PAC.",
                                          "sections": list(pdfs)}, auth=AUTH).json()
    assert report["claims"][0]["label"] != "supported"  # the seeds that support it are filtered out
    assert "no section 'sport'" in one_line_error(
        api.post("/api/search", json={"query": "x", "sections": ["sport"]}, auth=AUTH), 400)
    assert "range is empty" in one_line_error(
        api.post("/api/ask", json={"question": "x", "since": "2024-02-01", "until": "2024-01-01"}, auth=AUTH), 400)
