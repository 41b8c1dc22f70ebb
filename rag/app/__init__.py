"""The Engine (the one library API) and its shells: the CLI, the web app, the HTTP API; judge training."""
