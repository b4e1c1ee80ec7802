"""Prompt sets, soak runs and (later) evaluation and sweeps."""
