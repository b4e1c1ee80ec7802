"""Fault injection: the `--faults` syntax (`spec`), the plan interface the
server consults (`plan`), the plan that syntax drives (`spec_plan`), the
swappable active plan (`control`), the `/_sim` control API (`http`) and the
counters of what was injected (`stats`)."""
