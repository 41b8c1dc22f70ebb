"""`rag doctor [--repair]`: one line per disagreement or damaged file of the index, and the repairs.

A damaged file (rag.store.index.DamagedStore) is moved aside, never deleted, and rebuilt: Chroma's vectors from the
catalog, the catalog from the source files the vectors name. Everything else is what ``rag ingest`` repairs
anyway (rag/store/health.py), so ``--repair`` runs an ingest of no new files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.ingest.embed import Embedder
from rag.paths import shown_path
from rag.settings import Settings
from rag.store import health
from rag.store.index import DamagedStore, Index
from rag.store.ingestion import ingest

MAX_DAMAGED = 3  # the catalog and Chroma's file, and a retry: more means something else is wrong


@dataclass
class DoctorReport:
    lines: list[str] = field(default_factory=list)  # "problem: ...", "repaired: ...", "lost: ..."
    healthy: bool = False

    def add(self, kind: str, text: str) -> None:
        self.lines.append(f"{kind}: {text}")


def doctor(settings: Settings, embedder: Callable[[], Embedder], repair: bool) -> DoctorReport:
    report = DoctorReport()
    index, set_aside = _open(settings, repair, report)
    if index is None:
        return report
    findings = health.check(index)
    for f in findings:
        report.add("problem", f.line())
    if not repair or not (findings or set_aside):
        report.healthy = not findings
        return report
    lost = health.lost_sources(index)
    for f in lost:
        if not f.is_file():
            report.add("lost", f"{shown_path(str(f))}: the catalog had it, the file is gone (ingest it from where it "
                               "is now)")
    done = ingest([], settings, embedder(), index=index)
    report.add("repaired", done.summary())
    if set_aside and index.catalog.count()[0] == 0:
        report.add("lost", "nothing was left to rebuild the catalog from: ingest your folders again")
    remaining = health.check(index)
    for f in remaining:
        report.add("problem", f.line())
    report.healthy = not remaining and index.catalog.count()[0] > 0
    return report


def _open(settings: Settings, repair: bool, report: DoctorReport) -> tuple[Index | None, list[Path]]:
    """The index, with damaged files moved aside first when repairing (each named on its own line)."""
    moved: list[Path] = []
    create = (settings.index_dir / "chroma").is_dir() and not settings.chroma_url  # a lost catalog is a finding
    for _ in range(MAX_DAMAGED):
        try:
            return Index(settings, create=create), moved
        except DamagedStore as e:
            report.add("problem", str(e))
            if not repair:
                return None, moved
            target = e.path.parent if e.path.parent.name == "chroma" else e.path
            aside = health.set_aside(target)
            moved.append(aside)
            report.add("repaired", f"moved {target} aside to {aside.name}; rebuilding it")
            create = True
    return None, moved
