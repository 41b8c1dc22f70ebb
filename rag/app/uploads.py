"""Files uploaded to the web app or its API: which may be ingested, and where they are kept."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


def check_uploads(paths: list[str], max_mb: float) -> tuple[list[Path], list[str]]:
    """Uploaded files that may be ingested, and one error line per file that may not."""
    ok, errors = [], []
    for p in map(Path, paths):
        name = _upload_name(p)
        size = p.stat().st_size if p.exists() else 0
        if p.suffix.lower() not in UPLOAD_TYPES:
            errors.append(f"{name}: only .txt, .md, .html, .pdf and .docx files can be ingested")
        elif size > max_mb * 1024 * 1024:
            errors.append(f"{name}: {size / 1024 / 1024:.1f} MB is over the {max_mb:g} MB upload limit")
        else:
            ok.append(p)
    return ok, errors


def _upload_name(p: Path) -> str:
    name = re.sub(r"[^\w.\-]+", "_", p.name).strip("._") or "upload.txt"
    return name if Path(name).suffix else name + ".txt"


def store_uploads(paths: list[Path], folder: Path) -> list[Path]:
    """Copies uploads to a folder of their own (the upload's temp file goes away); same name replaces."""
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for p in paths:
        dest = folder / _upload_name(p)
        shutil.copyfile(p, dest)
        stored.append(dest.resolve())
    return stored
