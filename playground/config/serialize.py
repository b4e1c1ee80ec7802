"""Write a policy as TOML (profiles and the `toml` export). Only variable
NAMES for keys ever appear: the schema has no field that could hold a key."""

from __future__ import annotations

from typing import Any

import tomli_w

from playground.config.schema import PolicyFile

HEADER = (
    "# routing-playground policy. Load it with `playground --config FILE` or\n"
    "# `Router.from_file(FILE)`. Keys are read from the environment variables\n"
    "# named by api_key_env; no key is stored here.\n"
)


# The app's own preferences (theme, history, key bindings) live in the user's
# config file; a policy written for routing (profile, export) leaves them out
# so loading it elsewhere never changes someone's keys or theme.
APP_SECTIONS = frozenset({"ui", "history", "keymap"})


def policy_data(policy: PolicyFile) -> dict[str, Any]:
    return policy.model_dump(mode="json", exclude_none=True, exclude=set(APP_SECTIONS))


def policy_to_toml(policy: PolicyFile, header: str = HEADER) -> str:
    return header + "\n" + tomli_w.dumps(policy_data(policy))
