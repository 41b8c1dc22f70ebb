"""Files uploaded to the web app or its API: which may be ingested, and where they are kept."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from rag.app.engine import Engine
from rag.store.ingestion import IngestReport, Progress

UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


class TooLarge(str):
    """Why an upload was refused: over the size limit (the API answers 413)."""


class WrongType(str):
    """Why an upload was refused: not a type that can be ingested (the API answers 415)."""


def check_uploads(paths: list[str], max_mb: float) -> tuple[list[Path], list[str]]:
    """Uploaded files that may be ingested, and one error line per file that may not (its type says why)."""
    ok, errors = [], []
    for p in map(Path, paths):
        name = upload_name(p.name)
        size = p.stat().st_size if p.exists() else 0
        if p.suffix.lower() not in UPLOAD_TYPES:
            errors.append(WrongType(f"{name}: only .txt, .md, .html, .pdf and .docx files can be ingested"))
        elif size > max_mb * 1024 * 1024:
            errors.append(TooLarge(f"{name}: {size / 1024 / 1024:.1f} MB is over the {max_mb:g} MB upload limit"))
        else:
            ok.append(p)
    return ok, errors


def upload_name(name: str) -> str:
    """An uploaded file's name as stored: letters, digits, dots and dashes (a NUL, a slash or a newline cannot reach
    the file system), at most 100 characters before its suffix."""
    name = re.sub(r"[^\w.\-]+", "_", Path(name.replace("\\", "/")).name).strip("._") or "upload.txt"
    stem, suffix = (name.rsplit(".", 1)[0], "." + name.rsplit(".", 1)[1][:10]) if "." in name else (name, ".txt")
    return stem[:100] + suffix


def store_uploads(paths: list[Path], folder: Path) -> list[Path]:
    """Copies uploads to a folder of their own (the upload's temp file goes away); same name replaces."""
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for p in paths:
        dest = folder / upload_name(p.name)
        shutil.copyfile(p, dest)
        stored.append(dest.resolve())
    return stored


def ingest_uploads(engine: Engine, paths: list[Path], folder: Path,
                   progress: Progress | None = None) -> IngestReport:
    """Uploads stored under ``folder`` and ingested. A stored file that could not be ingested is deleted again, and
    the report names files as uploaded: a user sees no path on the server."""
    stored = store_uploads(paths, folder)
    report = engine.ingest(stored, progress=progress)
    indexed = set(engine.index().catalog.shas())
    for p in stored:
        if str(p) not in indexed:
            p.unlink(missing_ok=True)
    report.warnings = [hide_paths(w) for w in report.warnings]
    report.duplicates = [hide_paths(d) for d in report.duplicates]
    return report


_ABSOLUTE = re.compile(r"(?<![\w.~:/])(?:/[^/\s:]+)*/([^/\s:]+)")


def hide_paths(line: str) -> str:
    """A line with every absolute path cut to its file name."""
    return _ABSOLUTE.sub(r"\1", line)
