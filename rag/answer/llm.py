"""The generative model: any OpenAI-compatible server through the ``openai`` package.

Every failure (server down, timeout, wrong key, rate limit, malformed or empty output) becomes one
:class:`LLMError` with a one-line message, so callers can fall back to the extractive answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from rag.errors import RagError
from rag.settings import Settings

OPENAI_DEFAULT_MODEL = "gpt-4o-mini"  # used only against api.openai.com when RAG_LLM_MODEL is unset
NOT_CONFIGURED = "no model is configured (set RAG_LLM_BASE_URL and/or OPENAI_API_KEY)"


class LLMError(RagError):
    """The model gave no usable answer. ``called``: the server did answer (with an error or bad output)."""

    def __init__(self, message: str, called: bool = False) -> None:
        super().__init__(message)
        self.called = called


class ChatModel:
    """A chat-completions client with short timeouts and no silent retries."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._model = settings.llm_model

    @property
    def client(self) -> Any:
        """The SDK's client, built on first use, so that a failure to build it is an LLMError like any other."""
        if self._client is None:
            try:
                self._client = _client(self.settings)
            except (TypeError, ValueError) as e:  # a setting the SDK refuses (a URL it cannot parse, say)
                raise LLMError(f"cannot set up a client for the model server at {self.where}: {e}") from e
        return self._client

    @property
    def chosen(self) -> str | None:
        """The model's name once it is known (configured, or listed by the server), else None."""
        return self._model

    @property
    def where(self) -> str:
        return self.settings.llm_base_url or "api.openai.com"

    def model(self) -> str:
        """The configured model, or else the first one the server lists (llama.cpp, vLLM and Ollama serve one)."""
        if self._model is None:
            if not self.settings.llm_base_url:
                self._model = OPENAI_DEFAULT_MODEL
            else:
                with self._errors():
                    models = list(self.client.models.list())
                if not models:
                    raise LLMError(f"the model server at {self.where} lists no model; set RAG_LLM_MODEL", True)
                self._model = models[0].id
        return self._model

    def stream(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> Iterator[str]:
        """Text deltas as they arrive. Raises LLMError; an answer with no text at all is an error too."""
        model = self.model()
        got_text = False
        with self._errors():
            response = self.client.chat.completions.create(
                model=model, messages=messages, stream=True, temperature=self.settings.llm_temperature,
                max_tokens=max_tokens or self.settings.llm_max_tokens)
            for chunk in response:
                delta = _delta(chunk)
                if delta:
                    got_text = True
                    yield delta
        if not got_text:
            raise LLMError("the model returned an empty answer", called=True)

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        return "".join(self.stream(messages, max_tokens))

    def _errors(self) -> _ErrorMapper:
        return _ErrorMapper(self)


def _client(settings: Settings) -> Any:
    """The SDK's client, with the SDK's own timeout type. Its HTTP client is built here, not by the SDK: the SDK's
    wrapper, when its constructor fails half-way, raises from its finaliser, and that error once crashed pytest's
    report of the failing test (the log never named it)."""
    import openai

    t = settings.llm_timeout
    timeout = openai.Timeout(t, connect=min(t, 10.0))
    return openai.OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or "no-key-configured",
                         http_client=openai.DefaultHttpxClient(timeout=timeout), timeout=timeout, max_retries=0)


def _delta(chunk: Any) -> str:
    """The text of one streamed chunk; chunks without choices (usage, keep-alives) carry none."""
    choices = getattr(chunk, "choices", None)
    if choices is None:
        raise LLMError("the model server sent a malformed response (no choices)", called=True)
    if not choices:
        return ""
    delta = getattr(choices[0], "delta", None)
    content = getattr(delta, "content", None) if delta is not None else None
    if content is not None and not isinstance(content, str):
        raise LLMError("the model server sent a malformed response (content is not text)", called=True)
    return content or ""


class _ErrorMapper:
    """Turns the openai/httpx exception zoo into one LLMError with a message a user can act on."""

    def __init__(self, model: ChatModel) -> None:
        self.m = model
        self.t0 = time.monotonic()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or isinstance(exc, LLMError | GeneratorExit | KeyboardInterrupt):
            return False
        raise describe(exc, self.m.where, self.m.settings.llm_timeout) from exc


def _transport_failure(exc: BaseException) -> str | None:
    """"timeout" or "broken" for an error of the SDK's HTTP stack that escaped it (mid-stream reads raise the
    HTTP library's own errors). Told by the exception's class hierarchy, so the code imports no HTTP library."""
    for cls in type(exc).__mro__:
        if cls.__module__.split(".")[0] in _HTTP_LIBRARIES:
            return "timeout" if "Timeout" in cls.__name__ else "broken"
    return "broken" if isinstance(exc, ConnectionError | TimeoutError) else None


_HTTP_LIBRARIES = ("httpx", "httpx2", "httpcore", "httpcore2", "h11")


def describe(exc: BaseException, where: str, timeout: float) -> LLMError:
    import openai

    transport = _transport_failure(exc)
    if isinstance(exc, openai.APITimeoutError | TimeoutError) or transport == "timeout":
        return LLMError(f"the model server at {where} did not answer within {timeout:g}s (timeout)")
    if isinstance(exc, openai.APIConnectionError):
        return LLMError(f"cannot reach the model server at {where} (is it running?)")
    if isinstance(exc, openai.AuthenticationError):
        return LLMError(f"the model server at {where} rejected the API key (401); check OPENAI_API_KEY", True)
    if isinstance(exc, openai.PermissionDeniedError):
        return LLMError(f"the model server at {where} denied access (403)", True)
    if isinstance(exc, openai.RateLimitError):
        return LLMError(f"the model server at {where} is rate limiting requests (429); try again later", True)
    if isinstance(exc, openai.NotFoundError):
        return LLMError(f"the model server at {where} has no such model or endpoint (404); check RAG_LLM_MODEL",
                        True)
    if isinstance(exc, openai.APIStatusError):
        return LLMError(f"the model server at {where} failed with HTTP {exc.status_code}", True)
    if transport == "broken":
        return LLMError(f"the connection to the model server at {where} broke ({type(exc).__name__})")
    return LLMError(f"the model server at {where} sent a malformed response ({type(exc).__name__})", True)
