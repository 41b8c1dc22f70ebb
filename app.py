"""Starts the web app; all of it lives in rag/ui.py."""

from rag.settings import Settings
from rag.ui import serve

if __name__ == "__main__":
    serve(Settings.from_env())
