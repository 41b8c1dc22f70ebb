"""The index: catalog (source of truth), vectors, BM25; writing articles into it; its health."""
