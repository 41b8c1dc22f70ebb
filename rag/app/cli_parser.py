"""The `rag` command line's arguments: every command and flag, each checked as it is parsed (dates and limits by
the rules the API and the app use: rag/options.py, the settings class) and its help (a setting's from its
description)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

from rag.errors import BadInput
from rag.options import MODES, check_date
from rag.settings import flag_help, limits


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One clear line instead of argparse's usage dump."""
        self.exit(2, f"rag: error: {message} (see `{self.prog} --help`)\n")


def _date(value: str) -> str | None:
    try:
        return check_date(value)
    except BadInput as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _whole(field: str):  # noqa: ANN202
    """An argparse type: a whole number within the setting ``field``'s limits (rag/settings.py)."""
    lo, hi = limits(field)

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            raise argparse.ArgumentTypeError(f"{n} is out of range ({lo} to {hi})")
        return n

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rag", description="citable: answers about your articles, every sentence cited.")
    p.add_argument("--index", metavar="DIR", help=flag_help("index_dir"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _answer_commands(sub)
    _report_commands(sub)
    _index_commands(sub)
    return p


def _filters(sp: argparse.ArgumentParser, with_json: bool = True) -> None:
    sp.add_argument("--k", type=_whole("k"), help=flag_help("k"))
    sp.add_argument("--since", type=_date, help="only articles published on or after YYYY-MM-DD")
    sp.add_argument("--until", type=_date, help="only articles published on or before YYYY-MM-DD")
    sp.add_argument("--source", help="only articles whose path contains this text (or matches this glob)")
    sp.add_argument("--section", action="append", metavar="NAME",
                    help="only articles of this top-level folder of the corpus (e.g. business); repeatable")
    sp.add_argument("--doc", action="append", metavar="DOC",
                    help="only this document (its id or path, as `rag docs` shows it); repeatable")
    if with_json:
        sp.add_argument("--json", action="store_true", help="print JSON")


def _answering(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--mode", choices=MODES, default="auto",
                    help="llm: a generated, verified answer; auto: llm when RAG_LLM_BASE_URL/OPENAI_API_KEY is set")
    sp.add_argument("--strict", action="store_true", help="drop generated sentences their citations do not support")


def _index_commands(sub: Any) -> None:  # argparse.add_subparsers()
    """date, remove, doctor, settings, serve."""
    dt = sub.add_parser("date", help="date the undated articles of a folder or file (kept across re-ingests); "
                        "no arguments: the dates set")
    dt.add_argument("target", nargs="?", help="a folder or file, a section (top-level folder), or a document")
    dt.add_argument("date", nargs="?", type=_date, help="YYYY-MM-DD")
    dt.add_argument("--clear", action="store_true", help="forget the date set for TARGET")
    rm = sub.add_parser("remove", help="remove documents from the index by path (substring or glob)")
    rm.add_argument("pattern")
    dr = sub.add_parser("doctor", help="check that the index's stores agree (one line per problem); --repair fixes")
    dr.add_argument("--repair", action="store_true",
                    help="rebuild what is missing or damaged from the catalog or the source files")
    st = sub.add_parser("settings", help="print the effective settings and where each came from (default/env/flag)")
    st.add_argument("--json", action="store_true", help="print JSON: variable -> {value, source, description}")
    sv = sub.add_parser("serve", help="start the web app (env RAG_HOST, RAG_PORT)")
    sv.add_argument("--host", help=flag_help("host"))
    sv.add_argument("--port", type=int, help=flag_help("port"))


def _answer_commands(sub: Any) -> None:  # argparse.add_subparsers()
    """ingest, search, ask, chat."""
    ing = sub.add_parser("ingest", help="add .txt/.md/.html/.pdf/.docx files or folders to the index (default seeds/)")
    ing.add_argument("paths", nargs="*", type=Path, default=[Path("seeds")])
    ing.add_argument("--prune", action="store_true", help="remove documents whose files are gone")
    ing.add_argument("--chunk-tokens", type=_whole("chunk_tokens"), help=flag_help("chunk_tokens"))
    ing.add_argument("--json", action="store_true", help="print the report as JSON")
    ing.add_argument("--follow-links", action="store_true",
                     help="also read links inside a folder that point outside it (skipped by default)")
    se = sub.add_parser("search", help="ranked passages for a query (hybrid dense + BM25)")
    se.add_argument("query")
    se.add_argument("--method", choices=["hybrid", "dense", "bm25"], default="hybrid")
    _filters(se)
    ask = sub.add_parser("ask", help="answer a question with cited sentences")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--batch", metavar="FILE", help="one question per line ('-' for stdin); JSON lines out")
    ask.add_argument("--threshold", type=float, help=flag_help("answer_threshold"))
    _answering(ask)
    _filters(ask)
    chat = sub.add_parser("chat", help="a conversation: follow-up questions use the turns before them")
    _answering(chat)
    _filters(chat)


def _report_commands(sub: Any) -> None:  # argparse.add_subparsers()
    """eval, docs, show, brief, check."""
    ev = sub.add_parser("eval", help="score answers on a JSON Lines question set")
    ev.add_argument("file", type=Path)
    ev.add_argument("--k", type=_whole("k"), help=flag_help("k"))
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--mode", choices=MODES, default="auto",
                    help="answer extractively, with the model, or auto (the model when configured)")
    ev.add_argument("--compare-baseline", action="store_true",
                    help="also measure the LlamaIndex starter pipeline (rag/evaluation/baseline.py) on the same "
                    "questions")
    docs = sub.add_parser("docs", help="list the ingested documents")
    docs.add_argument("--json", action="store_true")
    sh = sub.add_parser("show", help="print a document's canonical text (what citations point into) and metadata")
    sh.add_argument("source", help="the document's path (or a unique part of it, a glob, or its id)")
    sh.add_argument("--json", action="store_true", help="print JSON: metadata and \"text\"")
    br = sub.add_parser("brief", help="a cited briefing on a topic: summary, facts, timeline, who's who, conflicts")
    br.add_argument("topic")
    br.add_argument("--out", metavar="FILE", type=Path,
                    help="also write the briefing to this file: Word when it ends in .docx, else Markdown")
    br.add_argument("--mode", choices=MODES, default="auto",
                    help="llm: the summary written by the model, every sentence verified; auto: llm when configured")
    _filters(br)
    ck = sub.add_parser("check", help="label each sentence of a text supported / contradicted / not found")
    ck.add_argument("file", metavar="FILE", help="the text to check ('-' for stdin)")
    ck.add_argument("--json", action="store_true", help="print JSON")
    _filters(ck, with_json=False)
