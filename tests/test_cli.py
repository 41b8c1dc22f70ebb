import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from rag.app.cli import main

RAG = [sys.executable, "-m", "rag.app.cli"]


def run(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*RAG, *args], capture_output=True, text=True, input=stdin, cwd=cwd, timeout=300)


def one_line_error(p: subprocess.CompletedProcess) -> str:
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rag: error:"), p.stderr
    assert "Traceback" not in p.stderr
    return lines[0]


def test_no_index_is_one_clear_line(tmp_path: Path):
    line = one_line_error(run("--index", str(tmp_path / "none"), "ask", "Who?"))
    assert "no index" in line


def test_unknown_flag_and_bad_values(tmp_path: Path):
    assert "unrecognized arguments" in one_line_error(run("ask", "Who?", "--frobnicate"))
    assert "YYYY-MM-DD" in one_line_error(run("ask", "Who?", "--since", "last week"))
    assert "out of range" in one_line_error(run("ask", "Who?", "--k", "0"))
    assert "no such file" in one_line_error(run("--index", str(tmp_path / "i"), "ingest", str(tmp_path / "nope")))


@pytest.fixture
def index_arg(seeds_engine) -> list[str]:  # noqa: ANN001
    return ["--index", str(seeds_engine.settings.index_dir)]


def test_empty_question_is_rejected(index_arg):
    assert "empty" in one_line_error(run(*index_arg, "ask", "   "))


def test_ask_json_has_the_documented_shape(index_arg, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main([*index_arg, "ask", "Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?",
                 "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    obj = json.loads(out[0])
    assert set(obj) >= {"question", "answer", "mode", "refused", "citations", "sentences", "timings_ms"}
    assert obj["mode"] == "extractive" and obj["refused"] is False
    assert "Wall Street Journal" in obj["answer"]
    c = obj["citations"][0]
    assert set(c) == {"n", "source", "title", "date", "start", "end", "quote", "page"}
    assert c["page"] is None and c["title"] == Path(c["source"]).name  # a .txt has no pages; no headline: file name
    assert c["source"].startswith("seeds/") and c["date"] == "2024-10-25"
    assert (ROOT / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]
    assert set(obj["timings_ms"]) == {"retrieve", "answer", "total"}
    s = obj["sentences"][0]
    assert set(s) >= {"text", "citations", "supported", "support"} and s["supported"] is True


def test_ask_human_output_lists_sources(index_arg, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main([*index_arg, "ask", "Why did Kahl think Musk had become nervous?"]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "Sources:" in out and "seeds/004_b1b54881a5237c4c.txt" in out


def test_ask_filters_change_the_evidence(index_arg, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    main([*index_arg, "ask", "What did Musk say about Putin?", "--json"])
    unfiltered = json.loads(capsys.readouterr().out)
    assert not unfiltered["refused"] and any("004_" not in c["source"] for c in unfiltered["citations"])
    main([*index_arg, "ask", "What did Musk say about Putin?", "--json", "--source", "004_"])
    obj = json.loads(capsys.readouterr().out)
    # The evidence comes from the one article left: the answer's citations, or (when the judge finds that article
    # does not answer it) the refusal's related passage.
    evidence = obj["citations"] or ([obj["related"]] if obj["related"] else [])
    assert evidence and all("004_" in c["source"] for c in evidence), obj
    main([*index_arg, "ask", "What did Musk say about Putin?", "--json", "--since", "2030-01-01"])
    assert json.loads(capsys.readouterr().out)["refused"] is True


def test_batch_prints_one_object_per_question(index_arg, tmp_path: Path):
    qs = tmp_path / "qs.txt"
    qs.write_text("Which presidential candidate has Musk publicly endorsed?\nWhat is Elon Musk's net worth?\n")
    p = run(*index_arg, "ask", "--batch", str(qs))
    assert p.returncode == 0, p.stderr
    objs = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["refused"] for o in objs] == [False, True]
    p = run(*index_arg, "ask", "--batch", "-", stdin="Who did Colin Kahl work for?\n")
    assert p.returncode == 0 and len(p.stdout.splitlines()) == 1


def test_batch_answers_every_line_after_bad_ones(index_arg, tmp_path: Path):
    qs = tmp_path / "qs.txt"
    qs.write_bytes(b"Which presidential candidate has Musk publicly endorsed?\n\n\x00\x00\x00\n"
                   b"What did Musk tell Colin Kahl?\n\xff\xfe broken bytes\n   \t \nWhat is Elon Musk's net worth?\n")
    for source in (str(qs), "-"):
        p = subprocess.run([*RAG, *index_arg, "ask", "--batch", source], capture_output=True, cwd=ROOT, timeout=300,
                           input=qs.read_bytes() if source == "-" else None)
        assert p.returncode == 1 and b"Traceback" not in p.stderr  # some lines failed: the status says so
        objs = [json.loads(line) for line in p.stdout.decode().splitlines()]
        assert len(objs) == 7  # one line out per line in, in order
        errors = {o["line"]: o["error"] for o in objs if "error" in o}
        assert set(errors) == {2, 3, 5, 6}
        assert errors[2] == errors[3] == errors[6] == "the question is empty"
        assert "UTF-8" in errors[5] and all("\n" not in e for e in errors.values())
        answered = [o for o in objs if "error" not in o]
        assert [o["refused"] for o in answered] == [False, False, True]
        assert "Trump" in answered[0]["answer"] and "Kahl" in answered[1]["question"]


def test_search_json_and_docs(index_arg, capsys):
    assert main([*index_arg, "search", "Kremlin spokesperson Peskov", "--json", "--k", "3"]) == 0
    res = json.loads(capsys.readouterr().out)["results"]
    assert len(res) == 3 and "Peskov" in res[0]["text"]
    assert main([*index_arg, "docs", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_ingest_reports_and_remove(tmp_path: Path, corpus: Path, capsys):
    idx = ["--index", str(tmp_path / "index")]
    assert main([*idx, "ingest", str(corpus), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 2
    assert main([*idx, "remove", "000_"]) == 0
    assert capsys.readouterr().out == "removed 1 documents\n"  # a corpus file stays on disk
    assert len(list(corpus.iterdir())) == 2
    assert main([*idx, "docs", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    # A file the app stored from an upload goes with its document, from the CLI as from the app.
    uploaded = tmp_path / "index" / "uploads" / "note.txt"
    uploaded.parent.mkdir()
    uploaded.write_text("The harbour council met on Monday and agreed the budget.\n", encoding="utf-8")
    assert main([*idx, "ingest", str(uploaded)]) == 0
    assert main([*idx, "remove", "note.txt"]) == 0
    assert capsys.readouterr().out.endswith("removed 1 documents (and 1 uploaded files)\n")
    assert not uploaded.exists()


def test_eval_reports_retrieval_beside_the_baseline(index_arg, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    from conftest import EVAL

    assert main([*index_arg, "eval", str(EVAL / "seeds_dev.jsonl"), "--json", "--compare-baseline"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["n"] == 11
    # The CLI's figure is the share of answerable questions not among its listed failures, and holds the floors
    # of test_answer.py's seeds accuracy test (7 of 8 answerable, every negative refused).
    answerable = sum(1 for line in (EVAL / "seeds_dev.jsonl").read_text().splitlines()
                     if line.strip() and not json.loads(line).get("negative"))
    wrong = sum(1 for f in rep["failures"] if not f["negative"])
    assert rep["answer_accuracy"] == pytest.approx((answerable - wrong) / answerable, abs=1e-4)
    assert rep["answer_accuracy"] >= 0.875 and rep["refusal_accuracy"] == 1.0
    assert rep["retrieval"]["all"]["n"] == 8 and rep["baseline_retrieval"]["all"]["n"] == 8
    assert rep["retrieval"]["all"]["mrr@10"] >= rep["baseline_retrieval"]["all"]["mrr@10"]


def test_eval_rejects_a_bad_question_file(index_arg, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    assert "not valid JSON" in one_line_error(run(*index_arg, "eval", str(bad)))


def test_eval_of_a_claim_set_ingests_its_articles_once(index_arg, tmp_path: Path, capsys, monkeypatch):  # noqa: ANN001
    """A claim set (QAGS's format) brings its articles: ingested into a private index (told once, on stderr)."""
    monkeypatch.setattr("rag.evaluation.evaluate.default_cache_dir", lambda: tmp_path / "cache")
    article = "The harbour council met on Monday. It agreed a budget of 4 million pounds for the new pier."
    claims = [{"sentence": "The harbour council agreed a budget of 4 million pounds.",
               "responses": [{"response": "yes"}, {"response": "yes"}]},
              {"sentence": "The harbour council agreed a budget of 9 million pounds.",
               "responses": [{"response": "no"}, {"response": "no"}]}]
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps({"article": article, "summary_sentences": claims}) + "\n", encoding="utf-8")
    assert main([*index_arg, "eval", str(path), "--json"]) == 0
    out = capsys.readouterr()
    rep = json.loads(out.out)
    assert rep["n"] == 2 and rep["balanced_accuracy"] == 1.0, rep
    assert "ingesting the claim set's 1 articles" in out.err
    assert main([*index_arg, "eval", str(path), "--json"]) == 0
    assert capsys.readouterr().err == ""  # the second run reuses the private index


def test_app_py_with_a_bad_login_setting_is_one_line_not_a_traceback():
    import os

    proc = subprocess.run([sys.executable, str(ROOT / "app.py")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "RAG_AUTH": "no-colon"}, cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "rag: error: RAG_AUTH must be user:password"


def test_file_names_with_control_characters_are_shown_escaped(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "two\nlines\x1b[31m\u202etxt.txt"
    (corpus / name).write_bytes((ROOT / "seeds" / "004_b1b54881a5237c4c.txt").read_bytes())
    (corpus / "000.txt").write_bytes((ROOT / "seeds" / "000_1d78f71aed52c027.txt").read_bytes())
    index = ["--index", str(tmp_path / "index")]
    assert run(*index, "ingest", str(corpus)).returncode == 0
    docs = run(*index, "docs")
    assert docs.returncode == 0 and docs.stdout.splitlines()[-1] == "2 documents"
    assert len(docs.stdout.splitlines()) == 3 and "two\\nlines\\x1b[31m\\u202etxt.txt" in docs.stdout
    ask = run(*index, "ask", "Why did Kahl think Musk had become nervous?")
    source_lines = [ln for ln in ask.stdout.splitlines() if ln.startswith("[1] ")]
    assert source_lines and "two\\nlines\\x1b[31m\\u202etxt.txt" in source_lines[0]
    assert "\x1b" not in ask.stdout + docs.stdout and "\u202e" not in ask.stdout + docs.stdout
    ans = json.loads(run(*index, "ask", "Why did Kahl think Musk had become nervous?", "--json").stdout)
    assert ans["citations"][0]["source"].endswith(name)  # JSON keeps the real name (escaped by JSON itself)


def test_a_date_range_says_what_it_leaves_out(index_arg, capsys, monkeypatch):  # noqa: ANN001
    monkeypatch.chdir(ROOT)
    assert main([*index_arg, "ask", "What did Musk say about Putin?", "--since", "2025-01-01"]) == 0
    out = capsys.readouterr().out
    assert "Note: 1 undated article is outside this range" in out and "1 dated article is outside" in out
    main([*index_arg, "ask", "What did Musk say about Putin?", "--json", "--until", "2030-01-01"])
    assert json.loads(capsys.readouterr().out)["notes"] == [
        "1 undated article is outside this range (a date range keeps only dated articles)."]
    main([*index_arg, "ask", "What did Musk say about Putin?", "--json"])
    assert json.loads(capsys.readouterr().out)["notes"] == []


def test_dates_set_for_undated_articles_survive_reingest(tmp_path: Path, capsys, monkeypatch):  # noqa: ANN001
    """An article's date: its own, else one set for it or its folder (`rag date`), else (RAG_MTIME_DATES=1 only)
    its file's modification time."""
    import os
    import shutil

    from conftest import SEEDS, make_engine

    from rag.answer.retrieve import parse_filters

    corpus = tmp_path / "bbc"
    for folder, name in (("world", "000_1d78f71aed52c027.txt"), ("defence", "004_b1b54881a5237c4c.txt")):
        (corpus / folder).mkdir(parents=True)
        shutil.copyfile(SEEDS / name, corpus / folder / name)
    index = tmp_path / "index"
    make_engine(index).ingest([corpus])
    cli = ["--index", str(index)]

    def dates() -> dict[str, tuple]:
        return {Path(d.source).parent.name: (d.date, d.date_from) for d in make_engine(index).index().catalog.docs()}

    assert dates() == {"world": ("2024-10-25", "text"), "defence": (None, None)}
    assert main([*cli, "date", "defence", "2024-11-02"]) == 0  # a section: its folder
    assert "defence: 1 undated article dated 2024-11-02" in capsys.readouterr().out
    assert main([*cli, "date", str(corpus), "2001-01-01"]) == 0  # the whole corpus: the nearer folder's date wins
    assert dates() == {"world": ("2024-10-25", "text"), "defence": ("2024-11-02", "set")}
    hits = make_engine(index).search("Musk Pentagon", k=20, filters=parse_filters(since="2024-11-01"))
    assert hits and {Path(h.source).parent.name for h in hits} == {"defence"}
    # The file changes and is ingested again: the date set for its folder still holds.
    f = corpus / "defence" / "004_b1b54881a5237c4c.txt"
    f.write_text(f.read_text(encoding="utf-8") + "\nA line added later.\n", encoding="utf-8")
    assert make_engine(index).ingest([corpus]).updated == 1
    assert dates()["defence"] == ("2024-11-02", "set")
    assert main([*cli, "date"]) == 0
    listed = capsys.readouterr().out
    assert "2024-11-02  " in listed and "2001-01-01  " in listed
    # Cleared: the corpus's date applies; both cleared: undated again, unless the file's time is asked for.
    assert main([*cli, "date", "defence", "--clear"]) == 0
    assert dates()["defence"] == ("2001-01-01", "set")
    assert main([*cli, "date", str(corpus), "--clear"]) == 0
    assert dates()["defence"] == (None, None)
    os.utime(f, (1_100_000_000, 1_100_000_000))  # 2004-11-09
    make_engine(index).ingest([corpus])  # unchanged content: the file's time is read at the next change only
    f.write_text(f.read_text(encoding="utf-8") + "Another.\n", encoding="utf-8")
    os.utime(f, (1_100_000_000, 1_100_000_000))
    make_engine(index).ingest([corpus])
    assert dates()["defence"] == (None, None)  # not asked for
    monkeypatch.setenv("RAG_MTIME_DATES", "1")
    assert dates()["defence"] == ("2004-11-09", "file") and dates()["world"] == ("2024-10-25", "text")
    # Mistakes are one line.
    assert main([*cli, "date", "defence"]) == 1
    assert "give a date" in capsys.readouterr().err
    assert main([*cli, "date", "nothing-like-this", "2024-01-01"]) == 1
    assert "no ingested document matches" in capsys.readouterr().err


def test_section_and_document_flags(index_arg, capsys, monkeypatch):  # noqa: ANN001
    monkeypatch.chdir(ROOT)
    assert main([*index_arg, "search", "Musk Putin", "--k", "20", "--doc", "seeds/004_b1b54881a5237c4c.txt",
                 "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results and {r["source"] for r in results} == {"seeds/004_b1b54881a5237c4c.txt"}
    assert main([*index_arg, "ask", "Who?", "--section", "sport"]) == 1
    assert "no section 'sport' in the index" in capsys.readouterr().err
    assert main([*index_arg, "ask", "Who?", "--since", "2024-02-01", "--until", "2024-01-01"]) == 1
    assert "the date range is empty" in capsys.readouterr().err
