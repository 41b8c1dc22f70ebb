"""Starts the web app (the same as `rag serve`); all of it lives in rag/app/ui.py."""

import sys

from rag.app.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve"]))
