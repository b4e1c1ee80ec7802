"""`from playground import Router` loads no SDK, no Textual and no server
stack; a provider's SDK loads when the first provider of its kind is used,
and the other one never does."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("textual", "starlette", "uvicorn", "openai", "anthropic")
REPORT = ("print(','.join(sorted({m.split('.')[0] for m in sys.modules} & set(" + repr(HEAVY) + "))))\n")


def loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", "import sys\n" + code + REPORT], capture_output=True, text=True,
                         check=True)
    return {name for name in out.stdout.strip().split(",") if name}


def test_the_library_api_loads_nothing_heavy() -> None:
    code = ("from playground import Router\n"
            "router = Router.from_text('[router]\\nstrategy = \"complexity\"\\n', env={'OPENAI_API_KEY': 'sk-x'})\n"
            "router.decide('hello')\n")
    assert loaded_after(code) == set()


def test_using_an_openai_compatible_provider_loads_only_its_sdk() -> None:
    code = ("from playground.core.catalog import default_catalog\n"
            "from playground.providers.endpoints import real_endpoints\n"
            "from playground.providers.pool import ProviderPool\n"
            "catalog = default_catalog()\n"
            "pool = ProviderPool(real_endpoints(catalog, {'OPENAI_API_KEY': 'sk-x'}))\n"
            "pool.provider_for(catalog.get('gpt-5-mini'))\n")
    assert loaded_after(code) == {"openai"}
