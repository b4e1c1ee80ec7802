"""Fault injection, free of HTTP: the `--faults` syntax (`spec`), the plan
interface the server consults (`plan`), the plan that syntax drives
(`spec_plan`), the swappable active plan and seed (`control`) and the
counters of what was injected (`stats`). The HTTP control API that drives
them is `wire/control_api.py`.

The plan interface is re-exported here: `playground.sim.faults` was the
module holding it before the simulator was grouped by job, and custom
plans (tests, the gateway conformance suite) import it from there.
"""

from playground.sim.faults.plan import PROCEED, Action, Api, Endpoint, FaultPlan, RequestInfo

__all__ = ["PROCEED", "Action", "Api", "Endpoint", "FaultPlan", "RequestInfo"]
