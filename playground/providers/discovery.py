"""Discover the models a local or self-hosted OpenAI-compatible server
(Ollama, vLLM, LM Studio, llama.cpp server) offers, from `GET {base}/models`
(the OpenAI list-models shape, which Ollama serves under /v1 too:
https://github.com/ollama/ollama/blob/main/docs/openai.md)."""

from __future__ import annotations

from dataclasses import dataclass

# Ollama's /v1/models does not report context windows; 8,192 is a safe lower
# bound for current local models. Override per model in the config file.
DISCOVERED_CONTEXT_WINDOW = 8192


@dataclass(frozen=True, slots=True)
class Discovery:
    provider: str
    models: tuple[str, ...] = ()
    error: str = ""


def list_models(provider: str, base_url: str, api_key: str = "", timeout_s: float = 2.0) -> Discovery:
    import httpx2  # only when a server is asked: loading settings (a UI's start) usually asks none

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx2.get(base_url.rstrip("/") + "/models", headers=headers, timeout=timeout_s)
        response.raise_for_status()
        data = response.json().get("data", [])
        names = tuple(sorted(str(item["id"]) for item in data if isinstance(item, dict) and item.get("id")
                             and not _is_embedding(str(item["id"]))))
    except httpx2.HTTPStatusError as exc:
        return Discovery(provider, error=f"HTTP {exc.response.status_code} from {base_url}/models")
    except (httpx2.HTTPError, ValueError, AttributeError) as exc:
        return Discovery(provider, error=f"could not list models at {base_url}/models ({type(exc).__name__})")
    return Discovery(provider, names)


def model_id_for(provider: str, name: str) -> str:
    """A catalog id that is safe in parameters and fault specs (no ':' or '/')."""
    safe = name.replace(":", "-").replace("/", "-")
    return f"{provider}-{safe}"


def _is_embedding(name: str) -> bool:
    """Embedding models (nomic-embed-text, text-embedding-3-small) cannot chat."""
    return "embed" in name.lower()
