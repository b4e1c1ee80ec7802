#!/usr/bin/env bash
# Install the pinned gateways the conformance suite (tests/gateways, marker
# `gateways`) runs against: the Portkey gateway from npm and the LiteLLM proxy
# from PyPI, cached in the user cache dir between runs. Prints how long it
# took. A registry that cannot be reached is not a failure here: the suite
# then skips and says why. Any other install failure fails CI.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
.venv/bin/python -m playground.gateways install
status=$?
echo "ci: gateways ready in $(( $(date +%s) - started )) s" >&2
if [ "$status" -eq 3 ]; then
    echo "ci: a package registry is unreachable; the gateway conformance suite will skip" >&2
    exit 0
fi
exit "$status"
