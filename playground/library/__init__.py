"""Run a tuned policy in your own code; see `router.py` for the events and
the lifecycle."""

from playground.library.messages import Messages, to_request
from playground.library.results import Completion, RouterClosed, RoutingError
from playground.library.router import Router

__all__ = ["Completion", "Messages", "Router", "RouterClosed", "RoutingError", "to_request"]
