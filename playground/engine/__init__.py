"""Executes a strategy's decision: attempts, timing, cost, events."""
