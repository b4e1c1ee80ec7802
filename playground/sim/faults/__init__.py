"""Fault injection, free of HTTP: the `--faults` syntax (`spec`), the plan
interface the server consults (`plan`), the plan that syntax drives
(`spec_plan`), the swappable active plan and seed (`control`) and the
counters of what was injected (`stats`). The HTTP control API that drives
them is `wire/control_api.py`."""
