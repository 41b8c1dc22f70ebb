"""What the pipeline's steps use, built by the Engine for one request and handed to them: the settings, the
catalog, the retriever, the embedding model, BM25 (its IDF) and the judge. Steps receive this, never the Engine;
from it they make citations and evidence read back from the canonical text, so offsets hold by construction."""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer.injection import instruction_spans
from rag.answer.judge import Judge
from rag.answer.results import Citation
from rag.answer.retrieve import Hit, Retriever
from rag.answer.verify import Evidence, Verifier
from rag.ingest.embed import Embedder
from rag.ingest.readers import page_for
from rag.paths import display_path
from rag.settings import Settings
from rag.store.catalog import Catalog
from rag.store.lexical import Lexical


@dataclass(frozen=True)
class Components:
    settings: Settings
    catalog: Catalog
    retriever: Retriever
    embedder: Embedder
    lexical: Lexical
    judge: Judge

    def verifier(self) -> Verifier:
        """The verifier of generated and quoted sentences, with the judge's word on support."""
        return Verifier(self.embedder, self.settings.support_threshold, self.judge)

    def cite(self, n: int, hit: Hit, start: int, end: int) -> Citation:
        """A citation whose quote is read back from the canonical text, so the invariant holds by check."""
        text = self.catalog.text(hit.doc_id)
        title = hit.shown_title or hit.title  # the title people see, not the context scoring reads
        return Citation(n, display_path(hit.source), title, hit.date, start, end, text[start:end],
                        page_for(hit.source, text, start))

    def evidence(self, n: int, hit: Hit) -> Evidence:
        """A retrieved passage, its text read back from the canonical text so offsets hold by construction."""
        text = self.catalog.text(hit.doc_id)[hit.start:hit.end]
        return Evidence(n, text, hit.start, hit.title, hit.date, instruction_spans(text))
