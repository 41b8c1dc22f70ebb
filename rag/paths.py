"""Showing and matching source paths: relative to the working directory when under it."""

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
