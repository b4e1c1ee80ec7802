#!/usr/bin/env bash
# Install the pinned gateways the conformance suite (tests/gateways, marker
# `gateways`) runs against: the Portkey gateway from npm and the LiteLLM proxy
# from PyPI, both at once, cached in the user cache dir between runs. Prints
# how long it took. A registry that cannot be reached is not a failure here:
# the suite then skips and says why. Any other install failure fails CI.
#
#   bash .ci/gateways.sh               install now (exit status as above)
#   bash .ci/gateways.sh --background  start the install and return at once, so
#       it overlaps the static checks; the suite's fixture waits for it (each
#       install holds a lock until its cache entry is complete) and retries an
#       install that failed, failing the suite as the foreground run would. The
#       install stops if the caller exits first.
set -uo pipefail
cd "$(dirname "$0")/.."

install() {
    local started status
    started=$(date +%s)
    .venv/bin/python -m playground.gateways install
    status=$?
    echo "ci: gateways ready in $(( $(date +%s) - started )) s (npm and pip in parallel)" >&2
    if [ "$status" -eq 3 ]; then
        echo "ci: a package registry is unreachable; the gateway conformance suite will skip" >&2
        return 0
    fi
    return "$status"
}

case "${1:-}" in
--background)
    caller=$PPID
    # Its own process group (setsid), so that the watcher can stop all of it.
    setsid bash "$0" --prefixed </dev/null >&2 2>&1 &
    group=$!
    (
        while kill -0 "$group" 2>/dev/null; do
            kill -0 "$caller" 2>/dev/null || { kill -TERM -- "-$group" 2>/dev/null; break; }
            sleep 2
        done
    ) </dev/null >/dev/null 2>&1 &
    echo "ci: gateways installing in the background (process group $group)" >&2
    exit 0
    ;;
--prefixed)
    install 2>&1 | sed -u 's/^/[gateways] /'
    exit "${PIPESTATUS[0]}"
    ;;
*)
    install
    ;;
esac
