"""`rag`: the command line, a thin shell over :class:`rag.app.engine.Engine`. Heavy imports happen lazily."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.app.cli_parser import build_parser
from rag.errors import BadInput


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 - the CLI promises one clear line, never a traceback
        return _fail(e, args)


def _fail(e: Exception, args: argparse.Namespace) -> int:
    """One line: the user's mistake as it is (a RagError or OSError), anything else as an internal error with a
    hint to rerun with RAG_DEBUG=1, which shows the traceback."""
    from rag.errors import error_line
    from rag.settings import Settings
    from rag.store.index import damaged

    try:
        settings: Settings | None = Settings.from_env().with_overrides(index_dir=args.index)
    except Exception:  # noqa: BLE001 - a bad setting is the error being reported
        settings = None
    if settings is not None:
        e = damaged(e, settings.index_dir) or e  # a damaged index file is named, with its remedy
    print(f"rag: error: {error_line(e)}", file=sys.stderr)
    if settings is not None and settings.debug:
        raise e
    return 1


def _run(args: argparse.Namespace) -> int:
    from rag.settings import Settings

    settings = Settings.from_env().with_overrides(
        index_dir=args.index, k=getattr(args, "k", None), chunk_tokens=getattr(args, "chunk_tokens", None),
        answer_threshold=getattr(args, "threshold", None), host=getattr(args, "host", None),
        port=getattr(args, "port", None))
    if args.command == "settings":
        return _settings(settings, args)
    if args.command == "serve":
        from rag.app.ui import serve

        serve(settings)
        return 0
    from rag.app.engine import Engine

    engine = Engine(settings)
    if args.command == "doctor":
        return _doctor(engine, args)
    return {"ingest": _ingest, "search": _search, "ask": _ask, "eval": _eval, "docs": _docs,
            "remove": _remove, "date": _set_date, "chat": _chat, "brief": _brief, "check": _check,
            "show": _show_document}[args.command](engine, args)


def _settings(settings, args) -> int:  # noqa: ANN001
    """Every setting: its variable, effective value (secrets masked), where it came from, and what it does."""
    rows = settings.shown()
    if args.json:
        print(json.dumps({var: {"value": value, "source": source, "description": desc}
                          for var, value, source, desc in rows}, ensure_ascii=False))
        return 0
    width = max(len(var) for var, *_ in rows)
    for var, value, source, _ in rows:
        print(f"{var:<{width}}  {source:<7}  {value}")
    return 0


def _ingest(engine, args) -> int:  # noqa: ANN001
    from rag.store.ingestion import tqdm_progress

    for p in args.paths:
        if not p.exists():
            raise FileNotFoundError(f"no such file or folder: {p}")
    report = engine.ingest(args.paths, prune=args.prune, progress=tqdm_progress(), follow_links=args.follow_links)
    from rag.paths import shown_name

    for w in report.warnings:
        print(f"warning: skipped {shown_name(w)}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        docs, passages = engine.index().catalog.count()
        print(f"{report.summary()}\nindex {engine.settings.index_dir}/: {docs} documents, {passages} passages")
    return 0


def _filters(args):  # noqa: ANN001, ANN202
    from rag.options import parse_filters

    return parse_filters(args.since, args.until, args.source, args.section, args.doc)


def _search(engine, args) -> int:  # noqa: ANN001
    from rag.paths import shown_path

    hits = engine.search(args.query, args.k, _filters(args), args.method)
    warnings = engine.warnings() if args.method != "bm25" else []
    for w in warnings:
        print(f"rag: warning: {w}", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps({"query": args.query, "results": [h.to_dict() for h in hits], "warnings": warnings},
                         ensure_ascii=False))
        return 0
    for i, h in enumerate(hits, 1):
        print(f"{i:>2}. {h.score:.4f}  {shown_path(h.source)} [{h.start}:{h.end}]  {h.title or ''} {h.date or ''}")
        print(f"    {' '.join(h.text.split())[:300]}")
    if not hits:
        print("no passages found")
    return 0


def _ask(engine, args) -> int:  # noqa: ANN001
    filters = _filters(args)
    if args.batch:
        if args.question:
            raise BadInput("give a question or --batch, not both")
        return _batch(engine, args, filters)
    if args.question is None:
        raise BadInput("the question is missing: rag ask \"QUESTION\"")
    events = engine.ask_stream(args.question, args.k, filters, args.mode, None, args.strict)
    _show(events, args.json)
    return 0


def _batch(engine, args, filters) -> int:  # noqa: ANN001
    """One JSON line out per line in: an answer, or ``{"error": ..., "line": n}``, and the run goes on.
    Exit 1 when any line failed (a script can tell), 0 when every line was answered."""
    from rag.errors import error_line

    stream = sys.stdin.buffer if args.batch == "-" else open(args.batch, "rb")  # noqa: SIM115
    failed, shown = 0, set()
    for n, raw in enumerate(stream, 1):
        try:
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                raise BadInput("the line is not UTF-8 text") from None
            ans = engine.ask(line, args.k, filters, args.mode, None, args.strict)
        except Exception as e:  # noqa: BLE001 - one bad line must not cost the lines after it their answers
            failed += 1
            out = {"error": error_line(e), "line": n}
        else:
            _warn_fallback(ans, shown)
            out = ans.to_dict()
        print(json.dumps(out, ensure_ascii=False), flush=True)
    if stream is not sys.stdin.buffer:
        stream.close()
    return 1 if failed else 0


def _show(events, as_json: bool):  # noqa: ANN001, ANN202
    """Print a streamed answer: tokens as they arrive (not with --json), then the checked answer."""
    streamed = False
    for event in events:
        if event.kind == "token" and not as_json:
            print(event.text, end="", flush=True)
            streamed = True
        elif event.kind == "answer":
            ans = event.answer
            _warn_fallback(ans)
            if as_json:
                print(json.dumps(ans.to_dict(), ensure_ascii=False), flush=True)
            else:
                if streamed:
                    print("\n\n" + ("Checked answer:" if ans.mode == "llm" else "Extractive answer instead:"))
                _print_answer(ans)
            return ans
    return None


def _warn_fallback(ans, shown: set[str] | None = None) -> None:  # noqa: ANN001
    """The answer's warnings on stderr (``shown``: those already printed by this run, not repeated)."""
    for w in ans.warnings:
        if shown is None or w not in shown:
            print(f"rag: warning: {w}", file=sys.stderr, flush=True)
            if shown is not None:
                shown.add(w)
    if ans.llm.fallback_reason:
        print(f"rag: warning: {ans.llm.fallback_reason}; answered extractively instead", file=sys.stderr, flush=True)


def confidence_line(ans) -> str:  # noqa: ANN001
    """Every extractive answer's confidence (the judge's calibrated probability that it is right); a low one is
    set apart."""
    if ans.low_confidence:
        return f"(LOW confidence: {ans.confidence:.0%} that this answers the question; read the sources)"
    return f"(confidence: {ans.confidence:.0%} that this answers the question)"


def _print_answer(ans) -> None:  # noqa: ANN001
    from rag.paths import shown_path

    if ans.mode == "llm" and ans.sentences:
        for s in ans.sentences:
            refs = "".join(f"[{n}]" for n in s.citations)
            print(f"{'+' if s.supported else '!'} {s.text} {refs}".rstrip())
            if not s.supported:
                print(f"    not supported: {'; '.join(s.problems)}")
        ok = sum(s.supported for s in ans.sentences)
        print(f"({ok} of {len(ans.sentences)} sentences supported by their citations; model {ans.llm.model})")
    else:
        print(ans.answer)
        if not ans.refused and ans.mode == "extractive":
            print(confidence_line(ans))
    if ans.refused and ans.related:
        r = ans.related
        print(f"\nRelated, not an answer: {r.title or '(untitled)'} | {r.date or 'undated'} | {r.source} "
              f"[{r.start}:{r.end}]\n    \u201c{r.quote}\u201d")
    for note in ans.notes:
        print(f"Note: {note}")
    if ans.citations:
        print("\nSources:")
    for c in ans.citations:
        print(f"[{c.n}] {c.title or '(untitled)'} | {c.date or 'undated'} | {shown_path(c.source)} {c.location}")
        print(f"    \u201c{c.quote}\u201d")


def _chat(engine, args) -> int:  # noqa: ANN001
    """Questions from stdin, one per line; each follow-up is asked with the conversation so far."""
    from rag.app.engine import Conversation
    from rag.errors import EmptyQuestion

    conv = Conversation(engine, args.mode, args.strict, args.k, _filters(args))
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask about your articles (/reset starts over, /quit or Ctrl-D ends).", file=sys.stderr)
    while True:
        if interactive:
            print("\n> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line or line.strip() in ("/quit", "/exit"):
            return 0
        if line.strip() == "/reset":
            conv.reset()
            continue
        if not line.strip():
            continue
        try:
            ans = _show(conv.ask_stream(line.strip()), args.json)
        except EmptyQuestion as e:
            print(f"rag: error: {e}", file=sys.stderr)
            continue
        if ans is not None and ans.standalone_question and not args.json:
            print(f"(asked as: {ans.standalone_question})")


def _eval(engine, args) -> int:  # noqa: ANN001
    from rag.evaluation.baseline import over_index
    from rag.evaluation.evaluate import (
        evaluate,
        format_claim_report,
        format_report,
        is_claim_set,
        load_questions,
        run_claim_set,
    )

    if is_claim_set(args.file):
        claims = run_claim_set(engine, args.file, _say)
        print(json.dumps(claims.to_dict(), ensure_ascii=False) if args.json else format_claim_report(claims))
        return 0
    baseline = over_index(engine, _say) if args.compare_baseline else None
    report = evaluate(engine, load_questions(args.file), args.k, baseline=baseline, mode=args.mode)
    print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else format_report(report))
    return 0


def _say(line: str) -> None:
    print(f"rag: {line}", file=sys.stderr)


def _docs(engine, args) -> int:  # noqa: ANN001
    from rag.paths import display_path, shown_path

    docs = engine.index().catalog.docs()
    if args.json:
        print(json.dumps([{**d.to_dict(), "source": display_path(d.source)} for d in docs], ensure_ascii=False))
        return 0
    for d in docs:
        print(f"{d.date or 'undated':<10}  {d.n_passages:>3} passages  {shown_path(d.source)}  {d.title or ''}")
    print(f"{len(docs)} documents")
    return 0


def _show_document(engine, args) -> int:  # noqa: ANN001
    """Metadata lines, a blank line, then the canonical text exactly (citation offsets count from its start)."""
    doc = engine.document(args.source)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    for key in ("title", "source", "date", "author", "format", "encoding", "pages", "n_passages", "chars", "doc_id"):
        if doc[key] is not None:
            print(f"{key}: {doc[key]}")
    print()
    sys.stdout.write(doc["text"])
    sys.stdout.write("\n" if not doc["text"].endswith("\n") else "")
    return 0


def _brief(engine, args) -> int:  # noqa: ANN001
    if args.out is not None and (args.out.is_dir() or not args.out.parent.is_dir()):
        raise BadInput(f"cannot write {args.out}: not a file in an existing folder")
    b = engine.brief(args.topic, args.k, _filters(args), args.mode)
    for w in engine.warnings():
        print(f"rag: warning: {w}", file=sys.stderr)
    if b.llm.fallback_reason:
        print(f"rag: warning: {b.llm.fallback_reason}; summary written extractively instead", file=sys.stderr)
    if args.out is not None and args.out.suffix.lower() == ".docx":
        from rag.reports.docx_export import briefing_docx

        args.out.write_bytes(briefing_docx(b))  # Word, every citation a footnote
    elif args.out is not None:
        args.out.write_text(b.markdown, encoding="utf-8")
    print(json.dumps(b.to_dict(), ensure_ascii=False) if args.json else b.markdown, end="" if not args.json else "\n")
    return 0


def _check(engine, args) -> int:  # noqa: ANN001
    """Exit 0 when every claim is supported, 1 otherwise (so a script can gate a document on it)."""
    from rag.reports.markdown import check_markdown

    report = engine.check(_read_text(args.file), args.k, _filters(args))
    print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else check_markdown(report))
    return 0 if report.passed else 1


def _read_text(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(name)
        if not path.exists():
            raise FileNotFoundError(f"no such file: {name}")
        if not path.is_file():
            raise BadInput(f"{name} is not a regular file")
        data = path.read_bytes()
    from rag.ingest.documents import BadFile, NotText, decode_text

    try:
        text = decode_text(data)[0]  # UTF-8, else the encoding detected, as articles are read
    except NotText:
        raise BadInput(f"{name} is a binary file, not text") from None
    except BadFile as e:
        raise BadInput(f"{name} is {e}") from None
    if not text.strip():
        raise BadInput(f"{name} is empty: nothing to check")
    return text


def _doctor(engine, args) -> int:  # noqa: ANN001
    """Exit 0 when the index is healthy (after repairs, with --repair), 1 when a problem remains."""
    from rag.store.doctor import doctor

    report = doctor(engine.settings, lambda: engine.embedder, args.repair)
    for line in report.lines:
        print(line)
    state = "healthy" if report.healthy else "problems remain" if args.repair else "run `rag doctor --repair`"
    print(f"index {engine.settings.index_dir}/: {state}")
    return 0 if report.healthy else 1


def _set_date(engine, args) -> int:  # noqa: ANN001
    """An article's date: its own (from its text), else the one set here for it or a folder above it, else its
    file's modification time when RAG_MTIME_DATES=1."""
    from rag.paths import display_path

    if args.target is None:
        given = engine.index().catalog.set_dates()
        for path, value in sorted(given.items()):
            print(f"{value}  {display_path(path)}")
        if not given:
            print("no dates set (rag date FOLDER_OR_FILE YYYY-MM-DD sets one)")
        return 0
    if args.clear == bool(args.date):
        raise BadInput("give a date (YYYY-MM-DD) or --clear, one of them")
    where, n = engine.set_date(args.target, None if args.clear else args.date)
    what = f"dated {args.date}" if args.date else "no longer dated"
    print(f"{display_path(where)}: {n} undated article{'s' if n != 1 else ''} {what}")
    return 0


def _remove(engine, args) -> int:  # noqa: ANN001
    n, deleted = engine.remove_matching(args.pattern)
    print(f"removed {n} documents" + (f" (and {len(deleted)} uploaded files)" if deleted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
