"""A folder of hostile files, each beside a good one: `rag ingest` exits 0, ingests the good file, warns once per
hostile file in one line naming it, and keeps its memory bounded (a zip bomb is refused from its directory)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, make_engine
from format_fixtures import make_docx
from pdf_writer import pdf_bytes

from rag.app.uploads import ingest_uploads
from rag.ingest.documents import BadFile, find_files, read_document
from rag.ingest.readers import MAX_UNZIPPED_MB, MAX_ZIP_ENTRIES

GOOD = "004_b1b54881a5237c4c.txt"
MAX_RSS_MB = 1024


def looping_pdf() -> bytes:
    """A PDF whose page tree names itself as its first page: it opens, then its pages cannot be loaded."""
    raw = pdf_bytes([["The harbour reopened on Monday."], ["Dredging cost 3 million euros."]])
    bad = raw.replace(b"/Kids [4 0 R 6 0 R]", b"/Kids [2 0 R 6 0 R]")
    assert bad != raw and len(bad) == len(raw)  # same length: the cross-reference table stays right
    return bad


def docx_with(tmp: Path, extra: dict[str, int]) -> bytes:
    """A real Word file with extra parts of the given sizes (zeros, so they compress to almost nothing)."""
    src = make_docx(tmp).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in z.infolist():
            bomb.writestr(item, z.read(item))
        for name, size in extra.items():
            with bomb.open(name, "w") as part:
                for _ in range(size // (1 << 20)):
                    part.write(bytes(1 << 20))
                part.write(bytes(size % (1 << 20)))
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    folder, outside = tmp / "folder", tmp / "outside"
    folder.mkdir()
    outside.mkdir()
    (folder / GOOD).write_bytes((SEEDS / GOOD).read_bytes())
    (folder / "loop.pdf").write_bytes(looping_pdf())
    (folder / "bomb.docx").write_bytes(docx_with(tmp, {"word/media/zeros.bin": (MAX_UNZIPPED_MB + 36) << 20}))
    (folder / "parts.docx").write_bytes(docx_with(tmp, {f"customXml/p{i}.xml": 1 for i in range(MAX_ZIP_ENTRIES)}))
    (outside / "secret.txt").write_text("The secret plan was approved on Monday by the board.\n")
    os.symlink(outside / "secret.txt", folder / "secret.txt")
    return {"folder": folder, "tmp": tmp}


REASONS = {"loop.pdf": "page 2 of the PDF cannot be read", "bomb.docx": f"unpacks to {MAX_UNZIPPED_MB + 36} MB",
           "parts.docx": f"parts inside (more than {MAX_ZIP_ENTRIES})", "secret.txt": "a link to a file outside"}


@pytest.mark.parametrize("name", ["loop.pdf", "bomb.docx", "parts.docx"])
def test_each_hostile_file_is_a_bad_file_with_a_reason(hostile: dict[str, Path], name: str):
    with pytest.raises(BadFile) as e:
        read_document(hostile["folder"] / name)
    assert REASONS[name] in str(e.value) and "\n" not in str(e.value)


def test_a_link_out_of_the_folder_is_not_followed(hostile: dict[str, Path]):
    warnings: list[str] = []
    names = {f.name for f in find_files([hostile["folder"]], warnings)}
    assert "secret.txt" not in names and GOOD in names
    assert len(warnings) == 1 and "secret.txt: a link to a file outside" in warnings[0]
    followed: list[str] = []
    assert "secret.txt" in {f.name for f in find_files([hostile["folder"]], followed, follow_links=True)}
    assert followed == []  # asked for: read, no warning


def test_the_folder_ingests_with_one_warning_per_hostile_file_in_bounded_memory(hostile: dict[str, Path]):
    index = hostile["tmp"] / "index"
    # The child's peak resident memory, read by a parent that does nothing else.
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
             "print('maxrss_kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
             "sys.exit(r.returncode)")
    out = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "rag.app.cli", "--index", str(index),
                          "ingest", str(hostile["folder"])], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "1 added" in out.stdout
    warnings = [ln for ln in out.stderr.splitlines() if ln.startswith("warning: skipped")]
    assert len(warnings) == len(REASONS), warnings
    for name, reason in REASONS.items():
        assert sum(f"{name}: " in w and reason in w for w in warnings) == 1, (name, warnings)
    rss_mb = int(out.stderr.split("maxrss_kb ")[1].split()[0]) / 1024
    print(f"hostile-files ingest: peak resident memory {rss_mb:.0f} MB")
    assert rss_mb < MAX_RSS_MB


def test_a_failed_upload_is_deleted_and_named_without_its_server_path(hostile: dict[str, Path], tmp_path: Path):
    """What the app's Corpus tab and the API do with uploads: the good file is kept and ingested, the bad one is
    deleted from uploads/ again, and the warning names it as uploaded."""
    engine = make_engine(tmp_path / "index")
    uploads = tmp_path / "index" / "uploads"
    report = ingest_uploads(engine, [hostile["folder"] / GOOD, hostile["folder"] / "loop.pdf"], uploads)
    assert report.added == 1 and sorted(p.name for p in uploads.iterdir()) == [GOOD]
    assert report.warnings == ["loop.pdf: page 2 of the PDF cannot be read (Failed to load page.)"]
