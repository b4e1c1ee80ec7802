"""The real gateways the exports target (the Portkey gateway from npm, the
LiteLLM proxy from PyPI), installed pinned into a cache, started on loopback
against the simulator, and compared with the playground's own run of the same
policy under the same faults (`playground export --check`, tests/gateways).

Nothing here imports Textual, and nothing heavy is imported at package import:
each module loads what it needs when it runs.
"""
