"""Old import path of the fault syntax; use `playground.sim.faults.spec`."""

from playground.sim.faults.spec import KINDS, PROBABILITY_KINDS, SYNTAX_HELP, FaultSettings, FaultSpec, parse_fault_spec

__all__ = ["KINDS", "PROBABILITY_KINDS", "SYNTAX_HELP", "FaultSettings", "FaultSpec", "parse_fault_spec"]
