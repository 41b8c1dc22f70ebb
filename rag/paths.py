"""Showing and matching source paths: relative to the working directory when under it."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path


def display_path(source: str) -> str:
    """The ingested path, relative to the current directory when the file is under it."""
    try:
        return str(Path(source).relative_to(Path.cwd().resolve()))
    except ValueError:
        return source


def source_matches(source: str, pattern: str) -> bool:
    """A source filter: a glob (``*``, ``?``) or a substring of the absolute or displayed path."""
    shown = display_path(source)
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatch(shown, pattern) or fnmatch.fnmatch(source, pattern)
    pattern = pattern.rstrip(os.sep) if len(pattern) > 1 else pattern
    return pattern in shown or pattern in source
