"""One settings object, read from the environment (``RAG_*``, ``OPENAI_API_KEY``) and overridden by flags.

Every field is validated and described: a bad value is one line naming its variable and what is allowed
(:class:`rag.errors.SettingsError`), :meth:`Settings.sources` says where each value came from, and the README's
settings table is generated from these fields (:func:`settings_table`, checked by ``tests/test_settings.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import AliasChoices, Field, PrivateAttr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.errors import SettingsError


def _setting(default: Any, description: str, *, env: str | None = None, flag: str | None = None,
             shown: str | None = None, secret: bool = False, **limits: Any) -> Any:
    """A field with its description, its environment variable (``RAG_<NAME>`` unless ``env``), the flag that
    overrides it and the default as the README shows it."""
    extra = {"flag": flag, "shown": shown, "secret": secret, "env": env}
    alias = AliasChoices(env) if env else None
    return Field(default, description=description, validation_alias=alias, json_schema_extra=extra, **limits)


class Settings(BaseSettings):
    """Every knob of the product. Build with :meth:`from_env`, then :meth:`with_overrides` for flags."""

    # allow_inf_nan=False: "inf" and "nan" parse as floats but are no size, time or threshold (an infinite upload
    # limit passed validation and then killed `rag serve`).
    model_config = SettingsConfigDict(env_prefix="RAG_", env_ignore_empty=True, extra="forbid", frozen=True,
                                      populate_by_name=True, validate_default=False, allow_inf_nan=False)

    index_dir: Path = _setting(Path("index"), "where the index lives", flag="--index", shown="`index`")
    k: int = _setting(8, "passages retrieved per question", flag="--k", ge=1, le=200)
    chunk_tokens: int = _setting(160, "passage size in word pieces (the embedding model reads 256)",
                                 flag="--chunk-tokens", ge=1, le=256)
    candidates: int = _setting(40, "depth of each ranking (dense, BM25) fed into fusion", ge=1)
    rrf_k: int = _setting(60, "reciprocal-rank-fusion constant", ge=0)
    answer_threshold: float | None = _setting(
        None, "extractive answers whose judge probability is below this are refused", flag="--threshold",
        shown="the judge's (`rag/models/judge.json`)", ge=0, le=1)
    max_answer_sentences: int = _setting(
        3, "evidence sentences in an answer (besides the sentence that follows the best one)", ge=1)
    embed_batch: int = _setting(64, "embedding batch size", ge=1)
    embed_backend: Literal["auto", "onnx", "torch"] = _setting(
        "auto", "`onnx` (the bundled weights exported once to ONNX: same vectors, faster, no torch at start-up), "
        "`torch` (sentence-transformers), or `auto` (ONNX when it can be prepared, else torch)", shown="`auto`")
    embed_precision: Literal["int8", "fp32"] = _setting(
        "int8", "ONNX backend: `int8` (weights quantized once from the bundled model, per channel; ~1.9x faster, "
        "cosine to fp32 0.994 on BBC passages) or `fp32`", shown="`int8`")
    threads: int = _setting(0, "texts the model embeds at once during ingest, each on one thread (0 = one per "
                               "core). One question is embedded on one thread", ge=0)
    sentence_vectors: bool = _setting(
        True, "0: ingest stores no sentence vectors (they come from the passages' own model pass, so they cost "
        "little: the SQLite rows); answers then compute the retrieved passages' at question time until an ingest "
        "with 1 fills them in", shown="1")
    cache_dir: Path | None = _setting(None, "where the ONNX export is kept (one per model version, shared by every "
                                            "index)", shown="`~/.cache/citable`")
    host: str = _setting("127.0.0.1", "where `rag serve` listens", flag="--host", shown="`127.0.0.1`")
    port: int = _setting(7860, "the port `rag serve` listens on", flag="--port", ge=0, le=65535)
    auth: str | None = _setting(None, "`user:password`: the web app asks for this login", secret=True,
                                pattern=r"^[^:]+:.+$")
    max_upload_mb: float = _setting(10.0, "largest file the web app accepts for ingestion", shown="10", gt=0)
    concurrency: int = _setting(4, "questions, briefings, checks and ingests the app and its API run at once "
                                   "(together); more wait their turn", ge=1)
    allowed_origins: str | None = _setting(None, "other sites (`https://intranet.example`, comma-separated) whose "
                                                 "pages may call the app and its API from a browser; unset: only "
                                                 "the app's own pages")
    llm_base_url: str | None = _setting(None, "an OpenAI-compatible model server for generated answers (unset: "
                                              "api.openai.com when `OPENAI_API_KEY` is set)")
    llm_model: str | None = _setting(None, "the model to ask (unset: the first model the server lists; gpt-4o-mini "
                                           "on api.openai.com)")
    llm_api_key: str | None = _setting(None, "the model server's key; with none of the three, answers are "
                                             "extractive", env="OPENAI_API_KEY", secret=True)
    llm_timeout: float = _setting(30.0, "seconds to wait for the model server (to connect, for the first token, "
                                        "between tokens)", shown="30", gt=0)
    llm_max_tokens: int = _setting(512, "longest generated answer, in tokens", ge=1)
    llm_temperature: float = _setting(0.0, "temperature of a generated answer", shown="0", ge=0, le=2)
    support_threshold: float = _setting(
        0.55, "least embedding similarity between a generated sentence and its cited passage", ge=-1, le=1)
    chroma_url: str | None = _setting(None, "a Chroma server (`http://host:8000`) instead of the local "
                                            "`index/chroma` (see Scaling out)")
    chroma_token: str | None = _setting(None, "sent to that server as `Authorization: Bearer …` and "
                                              "`X-Chroma-Token`", secret=True)
    chroma_collection: str = _setting("passages", "the server collection (and `…-catalog`) of this corpus; one "
                                                  "server holds many", shown="`passages`", min_length=1)
    mtime_dates: bool = _setting(
        False, "1: an article with no date of its own and none set for it (`rag date`) is dated by its file's "
        "modification time (often the day it was copied, not published: only when you know it is right)",
        shown="0")
    debug: bool = _setting(False, "1: show tracebacks instead of one-line errors", shown="0")

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of this process's environment; a bad value raises :class:`SettingsError`."""
        if os.environ.get("RAG_AUTH") == "":  # "empty means unset" would serve with no login, unannounced
            raise SettingsError("RAG_AUTH is empty", "unset it to serve without a login, or set user:password")
        return cls._validated({}, {})

    def with_overrides(self, **overrides: object) -> Settings:
        """Apply flags that were given (None means 'not given'); an unknown name is a bug and raises."""
        unknown = set(overrides) - set(type(self).model_fields)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        given = {k: v for k, v in overrides.items() if v is not None}
        values = {k: getattr(self, k) for k in type(self).model_fields}
        sources = {**self.sources(), **{k: "flag" for k in given}}
        return type(self)._validated({**values, **given}, sources, given)

    @classmethod
    def _validated(cls, values: dict[str, Any], sources: dict[str, str],
                   flags: dict[str, Any] | None = None) -> Settings:
        try:
            s = cls(**values) if values else cls()
        except ValidationError as e:
            raise _settings_error(e, flags or {}) from None
        s._sources = sources or {name: ("env" if _env_value(name) is not None else "default")
                                 for name in cls.model_fields}
        return s

    def sources(self) -> dict[str, str]:
        """Where each value came from: ``default``, ``env`` or ``flag``."""
        return dict(self._sources) or {name: "default" for name in type(self).model_fields}

    def shown(self) -> list[tuple[str, str, str, str]]:
        """(variable, value, source, description) per setting, secrets masked: what ``rag settings`` prints."""
        out = []
        for name, f in type(self).model_fields.items():
            value = getattr(self, name)
            extra = f.json_schema_extra or {}
            text = ("unset" if value is None else "***" if extra.get("secret") else str(int(value))
                    if isinstance(value, bool) else str(value))
            out.append((env_name(name), text, self.sources()[name], f.description or ""))
        return out

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key)

    def __repr__(self) -> str:  # secrets never reach a log
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n, f in type(self).model_fields.items()
                          if not (f.json_schema_extra or {}).get("secret"))
        return f"Settings({shown})"


def env_name(field: str) -> str:
    """The environment variable of a setting."""
    extra = Settings.model_fields[field].json_schema_extra or {}
    return extra.get("env") or f"RAG_{field.upper()}"


def _env_value(field: str) -> str | None:
    value = os.environ.get(env_name(field))
    return value if value not in (None, "") else None


def limits(field: str) -> tuple[Any, Any]:
    """A setting's least and greatest allowed values (``ge``, ``le``; None where unbounded): every shell checks
    a flag or a request against these, not against its own copy."""
    lo = hi = None
    for m in Settings.model_fields[field].metadata:
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
    return lo, hi


def flag_help(field: str) -> str:
    """A flag's help, from its setting's description: what it does, its variable and its default."""
    f = Settings.model_fields[field]
    extra = f.json_schema_extra or {}
    default = extra.get("shown") or ("unset" if f.default is None else str(f.default))
    return f"{f.description} (env {env_name(field)}, default {default.replace('`', '')})".replace("%", "%%")


def allowed(field: str) -> str:
    """What a setting accepts, in words."""
    f = Settings.model_fields[field]
    kind = f.annotation
    args = [a for a in get_args(kind) if a is not type(None)]
    if get_origin(kind) is Literal:
        return "one of " + ", ".join(map(str, get_args(kind)))
    if args and get_origin(kind) is not Literal:
        kind = args[0]
    bounds = {}
    for m in f.metadata:
        for key in ("ge", "gt", "le", "lt", "pattern", "min_length"):
            if getattr(m, key, None) is not None:
                bounds[key] = getattr(m, key)
    words = {int: "a whole number", float: "a number", bool: "1 or 0 (true/false, yes/no, on/off)",
             Path: "a folder path", str: "text"}.get(kind, str(kind))
    limits = [f"{'≥' if k == 'ge' else '>' if k == 'gt' else '≤' if k == 'le' else '<'} {v}"
              for k, v in bounds.items() if k in ("ge", "gt", "le", "lt")]
    if bounds.get("min_length"):
        limits.append("not empty")
    return words + (f" ({', '.join(limits)})" if limits else "")


def _settings_error(e: ValidationError, flags: dict[str, Any]) -> SettingsError:
    err = e.errors()[0]
    loc = str(err["loc"][0]) if err["loc"] else ""
    field = loc if loc in Settings.model_fields else next(
        (n for n in Settings.model_fields if env_name(n) == loc), None)
    if field is None:  # an unknown name given to the class: the code's mistake, said plainly
        return SettingsError(f"unknown setting {loc!r}", "see `rag settings` for the known ones")
    if field == "auth":
        return SettingsError("RAG_AUTH must be user:password")
    name = next((f for f, v in _FLAGS.items() if v == field and field in flags), None) or env_name(field)
    secret = (Settings.model_fields[field].json_schema_extra or {}).get("secret")
    value = "" if secret else f"={err.get('input')!r}" if isinstance(err.get("input"), str) else ""
    return SettingsError(f"{name}{value} is not valid: use {allowed(field)}",
                         "`rag settings` lists every setting and where it came from")


_FLAGS = {(f.json_schema_extra or {}).get("flag"): n for n, f in Settings.model_fields.items()
          if (f.json_schema_extra or {}).get("flag")}


def settings_table() -> str:
    """The README's settings table, generated from the fields (``python -m rag.settings`` prints it;
    tests/test_settings.py checks the README against it)."""
    rows = ["| variable | flag | default | meaning |", "|---|---|---|---|"]
    for name, f in Settings.model_fields.items():
        extra = f.json_schema_extra or {}
        default = extra.get("shown") or ("unset" if f.default is None else str(f.default))
        flag = f"`{extra['flag']}`" if extra.get("flag") else ""
        rows.append(f"| `{env_name(name)}` | {flag} | {default} | {f.description} |")
    return "\n".join(rows)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``RAG_AUTH=user:password``; the password may contain ':'."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise SettingsError("RAG_AUTH must be user:password")
    return user, password


if __name__ == "__main__":
    print(settings_table())
