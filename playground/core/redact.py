"""The one place that hides secrets in text meant for people or files.

Every message that can reach a terminal, a `--json` line, a log, history or an
export goes through `redact` at the boundary where it leaves the program. It
hides, wherever they occur in the text:
- the values of the environment variables that hold keys (any variable whose
  name ends in `_KEY`, `_TOKEN`, `_SECRET` or `_PASSWORD`, or is named by a
  provider's `api_key_env`), with and without surrounding whitespace, since a
  key pasted from a Windows-edited file ends in `\\r`;
- anything shaped like a provider key (`sk-…`, `sk-ant-…`, `gsk_…`, `xai-…`,
  `Bearer …`, `x-api-key: …`);
- the user-info part of URLs (`https://user:secret@host` → `https://***@host`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

HIDDEN = "***"

_SECRET_NAME = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD)$")
# Provider key shapes: a known prefix, then at least 8 key characters of which
# one is a digit (so prose such as "sk-learn-style" is left alone).
_KEY_SHAPED = re.compile(r"\b(?:sk|gsk|xai)[-_](?=[A-Za-z_\-]*\d)[A-Za-z0-9_\-]{8,}")
# An authorization value after its header name or scheme, up to white space or a quote.
_AUTH_VALUE = re.compile(r"(?i)(\bbearer\s+|\bx-api-key[\"']?\s*[:=]\s*[\"']?|\bapi[_-]?key[\"']?\s*[:=]\s*[\"']?)"
                         r"([^\s\"',}]+)")
# What names a key rather than holding it: an export's reference or a variable name.
_REFERENCE = re.compile(r"^(?:os\.environ/|\$\{|[A-Z][A-Z0-9_]*$)")
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/@]+@")
# Shorter values are not hidden by value: "1" or "true" would blank out text.
_MIN_SECRET_LEN = 6


def secret_values(env: Mapping[str, str] | None = None, names: Iterable[str] = ()) -> list[str]:
    """The values (stripped) of key-holding variables in `env` (default
    `os.environ`), plus those of the variables `names` lists."""
    env = os.environ if env is None else env
    wanted = set(names)
    values = []
    for name, value in env.items():
        if name in wanted or _SECRET_NAME.search(name.upper()):
            value = value.strip()
            if len(value) >= _MIN_SECRET_LEN:
                values.append(value)
    # Longest first, so a key that contains another is hidden whole.
    return sorted(set(values), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with every secret hidden. `secrets` defaults to the key-holding
    variables of the current environment."""
    if not text:
        return text
    for value in secret_values() if secrets is None else secrets:
        if value and value in text:
            text = text.replace(value, HIDDEN)
    text = _URL_USERINFO.sub(lambda m: m.group(1) + HIDDEN + "@", text)
    text = _AUTH_VALUE.sub(lambda m: m.group(0) if _REFERENCE.match(m.group(2)) else m.group(1) + HIDDEN, text)
    return _KEY_SHAPED.sub(HIDDEN, text)
