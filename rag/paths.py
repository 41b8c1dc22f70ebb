"""Showing and matching source paths: relative to the working directory when under it.

One way a source is named for each use: :func:`display_path` in data (JSON, a citation's ``source``),
:func:`shown_path` on a line of text (the same, escaped), :func:`corpus_names` in the app (short names from the
folder every article shares). :func:`shown_name` escapes any other name for a line (a file name, a warning)."""

from __future__ import annotations

import fnmatch
import os
import unicodedata
from pathlib import Path

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def display_path(source: str) -> str:
    """The ingested path, relative to the current directory when the file is under it."""
    try:
        return str(Path(source).relative_to(Path.cwd().resolve()))
    except ValueError:
        return source


def shown_name(name: str) -> str:
    """A file name fit for one line of output: control, format and separator characters (a newline, an escape
    sequence, a right-to-left override) written as escapes, so a name can neither break nor disguise a line.
    Only for showing: the stored source stays the real path."""
    if name.isprintable():
        return name
    return "".join(_ESCAPES.get(ch) or (ch if ch.isprintable() or ch == " " else _escape(ch)) for ch in name)


def _escape(ch: str) -> str:
    n = ord(ch)
    if unicodedata.category(ch) == "Cs":  # an undecodable byte kept by the file system encoding
        return f"\\x{n - 0xDC00:02x}"
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def shown_path(source: str) -> str:
    """:func:`display_path`, escaped for one line (:func:`shown_name`)."""
    return shown_name(display_path(source))


def source_matches(source: str, pattern: str) -> bool:
    """A source filter: a glob (``*``, ``?``) or a substring of the absolute or displayed path."""
    shown = display_path(source)
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatch(shown, pattern) or fnmatch.fnmatch(source, pattern)
    pattern = pattern.rstrip(os.sep) if len(pattern) > 1 else pattern
    return pattern in shown or pattern in source


def corpus_root(sources: list[str]) -> Path | None:
    """The deepest folder holding every article: paths are shown from there ("business/001.txt"). None when
    there is none worth naming (no articles, or only the file system's root in common)."""
    if not sources:
        return None
    try:
        common = Path(os.path.commonpath(sources))
    except ValueError:  # relative and absolute mixed, or different drives
        return None
    root = common if len(sources) > 1 else common.parent
    return None if root == Path(root.anchor) else root


def corpus_names(cited: list[str], every: list[str], uploads: Path | None = None) -> dict[str, str]:
    """How cited sources are shown: relative to the folder every ingested article shares (the corpus root),
    files the app stored from uploads as ``uploads/NAME``, anything else as :func:`display_path`; never a full
    internal path when a shorter one names the file. ``cited`` may be shown (working-directory relative) paths."""
    up = uploads.resolve() if uploads is not None else None
    root = corpus_root([s for s in every if up is None or not Path(s).is_relative_to(up)])
    names = {}
    for source in cited:
        path = Path(source).resolve()
        if up is not None and path.is_relative_to(up):
            names[source] = shown_name(str(Path("uploads") / path.relative_to(up)))
        elif root is not None and path.is_relative_to(root):
            names[source] = shown_name(str(path.relative_to(root)))
        else:
            names[source] = shown_path(source)
    return names


TOP_LEVEL = "(top folder)"  # the section of files directly in the corpus root


def sections_of(sources: list[str], uploads: Path | None = None) -> dict[str, str]:
    """source -> its section: the top-level folder under the corpus root ("business" for bbc/business/001.txt),
    ``uploads`` for files the app stored, :data:`TOP_LEVEL` for files in the root itself; without a root worth
    naming (articles from unrelated folders), the name of each file's own folder."""
    up = uploads.resolve() if uploads is not None else None
    corpus = [s for s in sources if up is None or not Path(s).resolve().is_relative_to(up)]
    root = corpus_root(corpus)
    out = {}
    for source in sources:
        path = Path(source).resolve()
        if up is not None and path.is_relative_to(up):
            out[source] = "uploads"
        elif root is not None and path.is_relative_to(root.resolve()):
            parts = path.relative_to(root.resolve()).parts
            out[source] = shown_name(parts[0]) if len(parts) > 1 else TOP_LEVEL
        else:
            out[source] = shown_name(path.parent.name) or TOP_LEVEL
    return out
