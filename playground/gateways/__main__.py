"""`python -m playground.gateways install [NAME...]`: install the pinned
gateways into the cache (what CI runs before the conformance suite), all at
once (npm and pip wait on the network more than on the CPU), printing how long
each took. Exit 0 when installed or already cached, 3 when a registry is
unreachable (the suite then skips, saying so), 1 on any other failure."""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor

from playground.gateways.install import NAMES, GatewayUnavailable, ensure, gateways_dir

EXIT_UNREACHABLE = 3


def _install(name: str) -> int:
    started = time.monotonic()
    try:
        installed = ensure(name, say=lambda line: print(f"gateways: {line}", flush=True))
    except GatewayUnavailable as exc:
        print(f"gateways: {name}: {exc}", file=sys.stderr, flush=True)
        return EXIT_UNREACHABLE if exc.registry_unreachable else 1
    how = f"installed in {installed.install_s:.1f} s" if installed.fresh else "cached"
    print(f"gateways: {name} {installed.version} {how} ({time.monotonic() - started:.1f} s) in {gateways_dir()}",
          flush=True)
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "install" or any(name not in NAMES for name in argv[1:]):
        print(f"usage: python -m playground.gateways install [{' '.join(NAMES)}]", file=sys.stderr)
        return 2
    names = argv[1:] or list(NAMES)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        statuses = list(pool.map(_install, names))
    return 1 if 1 in statuses else max(statuses)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
